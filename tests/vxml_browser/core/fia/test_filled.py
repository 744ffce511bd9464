"""``<filled>`` (VoiceXML 2.0 §2.4): actions when input items are filled; mode and namelist."""

from vxml_browser.testing.call import Call, dtmf, vxml

FIELDS = ('<field name="a">' + dtmf("1", "2") + '<prompt>A?</prompt>{a_filled}</field>'
          '<field name="b">' + dtmf("1", "2") + '<prompt>B?</prompt></field>')


def form(form_filled: str, a_filled: str = "") -> Call:
    return Call({"main.vxml": vxml(f"<form>{FIELDS.format(a_filled=a_filled)}{form_filled}</form>")})


def test_field_filled_runs_when_the_field_is_filled():
    call = form("", a_filled='<filled><log expr="\'a=\' + a"/></filled>')
    call.press("2")
    call.logs("a=2")


def test_form_filled_default_mode_all_waits_for_every_input_item():
    call = form('<filled><log expr="a + b"/></filled>')
    call.press("1")
    assert call.log_texts == []
    call.press("2")
    call.logs("12")


def test_form_filled_mode_any_runs_on_each_fill():
    call = form('<filled mode="any"><log>any</log></filled>')
    call.press("1")
    call.logs("any")
    call.press("2")
    call.logs("any")


def test_form_filled_namelist_limits_the_items_it_watches():
    call = form('<filled namelist="a"><log>a done</log></filled>')
    call.press("1")
    call.logs("a done")
    call.press("2")
    assert call.log_texts == ["a done"]


def test_form_filled_mode_all_with_namelist():
    call = form('<filled mode="all" namelist="b"><log>b done</log></filled>')
    call.press("1")
    assert call.log_texts == []
    call.press("1")
    call.logs("b done")


def test_filled_elements_run_in_document_order():
    call = Call({"main.vxml": vxml(
        '<form><filled mode="any"><log>form first</log></filled>'
        '<field name="a">' + dtmf("1") + '<filled><log>field</log></filled></field>'
        '<filled mode="any"><log>form last</log></filled></form>'
    )})
    call.press("1")
    assert call.log_texts == ["form first", "field", "form last"]


def test_filled_variables_live_in_an_anonymous_scope():
    call = form('<block><log expr="typeof tmp"/></block>', a_filled='<filled><var name="tmp" expr="1"/></filled>')
    call.press("1")
    call.press("1")
    call.logs("undefined")


def test_filled_may_clear_its_field_to_ask_again():
    call = form("", a_filled='<filled><if cond="a == \'1\'"><clear namelist="a"/></if></filled>')
    call.hears("A?")
    call.press("1")
    call.hears("A?")
    call.press("2")
    call.hears("B?")


def test_an_event_thrown_in_a_field_filled_is_caught_by_the_field():
    call = form("", a_filled='<filled><throw event="bad"/></filled><catch event="bad"><log>field catch</log>'
                "</catch>")
    call.press("1")
    call.logs("field catch")


def test_filled_text_is_spoken():
    call = form("", a_filled="<filled>You pressed <value expr=\"a\"/>.</filled>")
    call.press("2")
    assert call.unheard()[:3] == ["A?", "You pressed", "2"]
