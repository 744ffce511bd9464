"""``<initial>`` (VoiceXML 2.0 §2.3.3): the first prompt of a mixed-initiative form."""


from vxml_browser.testing.call import Call, grammar, vxml

FORM_GRAMMAR = grammar(("alpha", 'out.a = "A";'), ("alpha bravo", 'out.a = "A"; out.b = "B";'))


def form(initial: str = "<prompt>Say something.</prompt>", attrs: str = "") -> Call:
    return Call({"main.vxml": vxml(
        f"<form>{FORM_GRAMMAR}<initial name=\"start\" {attrs}>{initial}</initial>"
        '<field name="a"><prompt>A?</prompt><option value="A">alpha</option></field>'
        '<field name="b"><prompt>B?</prompt><option value="B">bravo</option></field>'
        "<block><exit expr=\"a + b + ':' + start\"/></block></form>"
    )})


def test_initial_is_visited_first():
    call = form()
    call.hears("Say something.")


def test_initial_variable_is_true_once_a_field_is_filled():
    call = form()
    call.say("alpha bravo")
    call.exits("AB:true")


def test_initial_has_no_grammar_of_its_own_only_the_forms():
    call = form()
    assert [g.scope for g in call.collect().grammars] == ["form"]


def test_initial_cond_false_skips_it():
    call = form(attrs='cond="false"')
    call.hears("A?")


def test_initial_nomatch_handler():
    call = form("<prompt>Say something.</prompt><nomatch>Try alpha.<reprompt/></nomatch>")
    call.say("zulu")
    assert call.unheard() == ["Say something.", "Try alpha.", "Say something."]


def test_after_the_initial_the_directed_fields_ask_for_the_rest():
    call = form()
    call.say("alpha")
    call.unheard()
    call.say("bravo")
    call.exits("AB:true")


def test_a_link_inside_initial_is_active_in_the_initial():
    call = Call({"main.vxml": vxml(
        "<form>" + FORM_GRAMMAR + '<initial name="start"><link next="#operator">' + grammar("operator") +
        "</link><prompt>Say something.</prompt></initial>"
        '<field name="a"><option value="A">alpha</option></field></form>'
        '<form id="operator"><block><exit expr="\'operator\'"/></block></form>'
    )})
    call.say("operator")
    call.exits("operator")
