"""``<clear>`` (VoiceXML 2.0 §5.3.3): resets variables, and form items with their counters."""

from vxml_browser.testing.call import Call, dtmf, vxml


def test_clear_makes_a_variable_undefined():
    call = Call({"main.vxml": vxml(
        '<form><block><var name="x" expr="1"/><clear namelist="x"/><log expr="typeof x"/></block></form>'
    )})
    call.logs("undefined")


def test_clear_of_a_form_item_visits_it_again():
    call = Call({"main.vxml": vxml(
        '<form><field name="f">' + dtmf("1", "2") + '<prompt>Press.</prompt></field>'
        '<block name="b"><if cond="f == \'1\'"><clear namelist="f b"/><else/><log expr="f"/></if></block>'
        '</form>'
    )})
    call.hears("Press.")
    call.press("1")
    call.hears("Press.")
    call.press("2")
    call.logs("2")


def test_clear_resets_the_prompt_counter():
    call = Call({"main.vxml": vxml(
        '<form><field name="f">' + dtmf("1", "2") +
        '<prompt count="1">First.</prompt><prompt count="2">Second.</prompt>'
        '<filled><if cond="f == \'1\'"><clear namelist="f"/></if></filled></field>'
        '<block><log expr="f"/></block></form>'
    )})
    call.hears("First.")
    call.press("1")
    call.hears("First.")


def test_clear_resets_the_event_counters():
    call = Call({"main.vxml": vxml(
        '<form><field name="f">' + dtmf("1") +
        '<prompt>Press.</prompt>'
        '<noinput count="1"><log>first</log><clear namelist="f"/></noinput>'
        '<noinput count="2"><log>second</log></noinput></field></form>'
    )})
    call.silence()
    call.logs("first")
    call.silence()
    call.logs("first")


def test_clear_without_namelist_clears_every_form_item():
    call = Call({"main.vxml": vxml(
        '<form><var name="n" expr="0"/>'
        '<block name="a"><assign name="n" expr="n + 1"/></block>'
        '<block name="b"><if cond="n &lt; 2"><clear/></if><log expr="n"/></block></form>'
    )})
    call.logs("1")
    call.logs("2")
    call.exits()


def test_clear_without_namelist_keeps_plain_variables():
    call = Call({"main.vxml": vxml(
        '<form><var name="v" expr="\'kept\'"/><var name="n" expr="0"/>'
        '<block name="a"><assign name="n" expr="n + 1"/><if cond="n == 1"><clear/></if>'
        '<log expr="v"/></block></form>'
    )})
    call.logs("kept")
    call.logs("kept")


def test_clear_of_an_undeclared_variable_is_error_semantic():
    call = Call({"main.vxml": vxml('<form><block><clear namelist="nosuch"/></block></form>')})
    call.error("error.semantic")
