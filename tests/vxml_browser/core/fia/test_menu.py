"""``<menu>`` (VoiceXML 2.0 §2.2): choices by voice or DTMF, and where they lead."""



from vxml_browser.testing.call import Call, grammar, vxml

TARGETS = ('<form id="sports"><block><exit expr="\'sports\'"/></block></form>'
           '<form id="weather"><block><exit expr="\'weather\'"/></block></form>'
           '<form id="news"><block><exit expr="\'news\'"/></block></form>')


def menu(attrs: str = "", choices: str = "", extra: str = "") -> Call:
    choices = choices or ('<choice next="#sports">sports scores</choice>'
                          '<choice next="#weather">weather report</choice>'
                          '<choice next="#news">news</choice>')
    return Call({"main.vxml": vxml(f"<menu {attrs}><prompt>Say one of <enumerate/>.</prompt>{choices}{extra}</menu>"
                                   + TARGETS)})


def test_saying_a_choice_goes_to_its_next():
    call = menu()
    call.hears("Say one of sports scores, weather report, news.")
    call.say("weather report")
    call.exits("weather")


def test_dtmf_true_numbers_the_choices():
    call = menu('dtmf="true"')
    call.press("3")
    call.exits("news")


def test_explicit_dtmf_of_a_choice():
    call = menu(choices='<choice dtmf="9" next="#news">news</choice><choice dtmf="0" next="#sports">sports</choice>')
    call.press("0")
    call.exits("sports")


def test_dtmf_true_skips_choices_with_their_own_dtmf():
    call = menu('dtmf="true"', choices='<choice dtmf="0" next="#news">news</choice>'
                '<choice next="#sports">sports</choice>')
    call.press("1")
    call.exits("sports")


def test_exact_accept_needs_the_whole_phrase():
    call = menu()
    call.say("weather")
    call.hears(r"Say one of sports scores, weather report, news.")
    call.hears("Sorry, I did not understand.")


def test_approximate_accept_takes_part_of_the_phrase():
    call = menu('accept="approximate"')
    call.say("weather")
    call.exits("weather")


def test_approximate_accept_on_one_choice():
    call = menu(choices='<choice next="#sports" accept="approximate">sports scores</choice>'
                '<choice next="#weather">weather report</choice>')
    call.say("scores")
    call.exits("sports")


def test_a_choice_may_throw_an_event():
    call = menu(choices='<choice event="menu.help" message="help me">help</choice>',
                extra='<catch event="menu.help"><exit expr="_message"/></catch>')
    call.say("help")
    call.exits("help me")


def test_a_choice_expr():
    call = menu(choices="<choice expr=\"'#' + 'news'\">news</choice>")
    call.say("news")
    call.exits("news")


def test_a_choice_with_its_own_grammar():
    call = menu(choices='<choice next="#news">' + grammar("headlines", "the news") + "news</choice>")
    call.say("headlines")
    call.exits("news")


def test_a_menu_reprompts_on_nomatch():
    call = menu()
    call.say("gardening")
    assert call.unheard() == ["Say one of sports scores, weather report, news.", "Sorry, I did not understand.",
                              "Say one of sports scores, weather report, news."]


def test_a_menu_noinput_catch_with_count():
    call = menu(extra='<noinput count="1">Please choose.</noinput><noinput count="2">Last chance.</noinput>')
    call.unheard()
    call.silence()
    call.silence()
    assert call.unheard() == ["Please choose.", "Last chance."]


def test_choice_to_another_document():
    call = Call({
        "main.vxml": vxml('<menu><choice next="other.vxml">other</choice></menu>'),
        "other.vxml": vxml("<form><block><exit expr=\"'other'\"/></block></form>"),
    })
    call.say("other")
    call.exits("other")


def test_enumerate_template_in_a_menu():
    call = Call({"main.vxml": vxml(
        '<menu dtmf="true"><prompt><enumerate>Press <value expr="_dtmf"/> for <value expr="_prompt"/>.'
        "</enumerate></prompt>"
        '<choice next="#sports">sports</choice><choice next="#news">news</choice></menu>' + TARGETS
    )})
    call.hears("Press 1 for sports. Press 2 for news.")


def test_a_document_scoped_menu_is_active_in_other_dialogs():
    call = Call({"main.vxml": vxml(
        '<menu id="m" scope="document"><choice next="#sports">sports</choice></menu>' + TARGETS +
        '<form id="ask"><field name="f"><option>yes</option></field></form>'
    )}, start="main.vxml#ask")
    call.say("sports")
    call.exits("sports")


def test_a_dialog_scoped_menu_is_not_active_in_other_dialogs():
    call = Call({"main.vxml": vxml(
        '<menu id="m"><choice next="#sports">sports</choice></menu>' + TARGETS +
        '<form id="ask"><field name="f"><option>yes</option></field></form>'
    )}, start="main.vxml#ask")
    call.say("sports")
    assert call.unheard() == ["Sorry, I did not understand."]


def test_an_error_in_a_choice_expr_is_a_catchable_error_semantic():
    call = menu(choices='<choice expr="nosuch">news</choice>',
                extra='<catch event="error.semantic"><exit expr="\'caught\'"/></catch>')
    call.say("news")
    call.exits("caught")
