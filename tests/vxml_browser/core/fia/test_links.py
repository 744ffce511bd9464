"""``<link>`` (VoiceXML 2.0 §2.5): grammars active in their scope that go somewhere or throw."""

from vxml_browser.testing.call import Call, dtmf, grammar, vxml

FIELD = '<field name="f">' + dtmf("1") + "<prompt>Press one.</prompt>{inside}</field>"
TARGETS = ('<form id="operator"><block><exit expr="\'operator\'"/></block></form>')


def doc(head: str = "", inside: str = "", form_head: str = "") -> Call:
    return Call({"main.vxml": vxml(
        f'{head}<form id="main">{form_head}{FIELD.format(inside=inside)}'
        '<block><exit expr="\'field \' + f"/></block></form>' + TARGETS
    )})


LINK = '<link next="#operator">' + grammar("operator") + "</link>"


def test_a_document_link_leaves_the_current_dialog():
    call = doc(head=LINK)
    call.hears("Press one.")
    call.say("operator")
    call.exits("operator")


def test_a_form_link_is_active_in_the_form():
    call = doc(form_head=LINK)
    call.say("operator")
    call.exits("operator")


def test_a_field_link_is_active_in_the_field():
    call = doc(inside=LINK)
    call.say("operator")
    call.exits("operator")


def test_a_link_does_not_stop_the_fields_own_grammar():
    call = doc(head=LINK)
    call.press("1")
    call.exits("field 1")


def test_a_link_event_is_thrown_in_the_current_item():
    call = doc(head='<link event="help">' + grammar("assistance") + "</link>",
               inside="<help>Here is help.<reprompt/></help>")
    call.say("assistance")
    assert call.unheard() == ["Press one.", "Here is help.", "Press one."]


def test_a_link_event_message():
    call = doc(head='<link event="app.x" message="from link">' + grammar("x ray") + "</link>",
               form_head='<catch event="app.x"><exit expr="_message"/></catch>')
    call.say("x ray")
    call.exits("from link")


def test_a_link_dtmf_attribute():
    call = doc(head='<link next="#operator" dtmf="0"/>')
    call.press("0")
    call.exits("operator")


def test_a_link_expr():
    call = doc(head="<link expr=\"'#' + 'operator'\">" + grammar("operator") + "</link>")
    call.say("operator")
    call.exits("operator")


def test_a_link_to_another_document():
    call = Call({
        "main.vxml": vxml('<link next="other.vxml">' + grammar("elsewhere") + "</link>"
                          + '<form>' + FIELD.format(inside="") + "</form>"),
        "other.vxml": vxml("<form><block><exit expr=\"'other'\"/></block></form>"),
    })
    call.say("elsewhere")
    call.exits("other")


def test_a_link_fills_lastresult():
    call = Call({"main.vxml": vxml(
        '<link next="#op">' + grammar(("operator please", 'out = "op";')) + "</link>"
        '<form>' + FIELD.format(inside="") + "</form>"
        '<form id="op"><block><exit expr="application.lastresult$.utterance + \'/\' + '
        'application.lastresult$.interpretation"/></block></form>'
    )})
    call.say("operator please")
    call.exits("operator please/op")


def test_a_link_in_another_form_is_not_active():
    call = Call({"main.vxml": vxml(
        '<form>' + FIELD.format(inside="") + "</form>"
        '<form id="other">' + LINK + "<block/></form>" + TARGETS
    )})
    call.say("operator")
    assert "Sorry, I did not understand." in call.unheard()
