"""``<enumerate>`` (VoiceXML 2.0 §2.2.4): the choices of a menu or the options of a field."""


from vxml_browser.testing.call import Call, vxml

MENU = ('<menu dtmf="true"><prompt>Say <enumerate{attrs}>{template}</enumerate></prompt>'
        '<choice next="#a">sports</choice><choice next="#b">weather</choice>'
        '<choice next="#c">news</choice></menu>'
        '<form id="a"><block/></form><form id="b"><block/></form><form id="c"><block/></form>')


def test_enumerate_lists_menu_choices():
    call = Call({"main.vxml": vxml(MENU.format(attrs="", template=""))})
    call.hears("Say sports, weather, news")


def test_enumerate_template_sees_prompt_and_dtmf():
    call = Call({"main.vxml": vxml(MENU.format(
        attrs="", template='For <value expr="_prompt"/> press <value expr="_dtmf"/>.'))})
    call.hears("Say For sports press 1. For weather press 2. For news press 3.")


def test_enumerate_lists_field_options():
    call = Call({"main.vxml": vxml(
        '<form><field name="drink"><prompt>Choose <enumerate/>.</prompt>'
        '<option dtmf="1" value="c">coffee</option><option dtmf="2" value="t">tea</option></field></form>'
    )})
    call.hears("Choose coffee, tea.")


def test_enumerate_field_options_template_dtmf():
    call = Call({"main.vxml": vxml(
        '<form><field name="drink"><prompt><enumerate>Press <value expr="_dtmf"/> for '
        '<value expr="_prompt"/>.</enumerate></prompt>'
        '<option dtmf="1" value="c">coffee</option><option dtmf="2" value="t">tea</option></field></form>'
    )})
    call.hears("Press 1 for coffee. Press 2 for tea.")


def test_enumerate_in_a_nomatch_handler_lists_the_fields_options():
    call = Call({"main.vxml": vxml(
        '<form><field name="drink"><prompt>Drink?</prompt>'
        '<nomatch><prompt>Choose from <enumerate/>.</prompt></nomatch>'
        "<option>coffee</option><option>tea</option></field></form>"
    )})
    call.hears("Drink?")
    call.say("water")
    call.hears("Choose from coffee, tea.")


def test_enumerate_parts_keep_punctuation_attached():
    call = Call({"main.vxml": vxml(MENU.format(attrs="", template="").replace("</prompt>", ".</prompt>"))})
    prompt = call.hears("Say sports, weather, news.")
    assert prompt.parts == ("Say sports, weather, news.",)
