"""Prompt selection in the FIA (VoiceXML 2.0 §4.1.6, Appendix C): prompt counters, tapering,
and no prompts after a catch that did not ``<reprompt>``."""


from vxml_browser.testing.call import Call, dtmf, vxml

TAPER = ('<prompt count="1">Say a number.</prompt><prompt count="2">Please say a number.</prompt>'
         '<prompt count="3">For example, say one.</prompt>')


def field(inner: str, after: str = "") -> Call:
    return Call({"main.vxml": vxml(f'<form><field name="f">{dtmf("1", "2")}{inner}</field>{after}</form>')})


def test_the_first_visit_plays_count_one():
    call = field(TAPER)
    call.hears("Say a number.")
    call.hears_nothing()


def test_each_visit_raises_the_prompt_counter():
    call = field(TAPER + "<noinput><reprompt/></noinput>")
    call.hears("Say a number.")
    call.silence()
    call.hears("Please say a number.")
    call.silence()
    call.hears("For example, say one.")


def test_the_highest_count_stays_once_the_counter_passes_it():
    call = field(TAPER + "<nomatch><reprompt/></nomatch>")
    for _ in range(3):
        call.press("9")
    call.unheard()
    call.press("9")
    call.hears("For example, say one.")


def test_default_noinput_handler_reprompts():
    call = field(TAPER)
    call.hears("Say a number.")
    call.silence()
    call.hears("Please say a number.")


def test_default_nomatch_handler_apologizes_and_reprompts():
    call = field(TAPER)
    call.hears("Say a number.")
    call.press("9")
    call.hears("Sorry, I did not understand.")
    call.hears("Please say a number.")


def test_a_catch_without_reprompt_skips_the_prompts():
    call = field(TAPER + "<noinput>Hello?</noinput>")
    call.hears("Say a number.")
    call.silence()
    call.hears("Hello?")
    call.hears_nothing()
    call.silence()
    call.hears("Hello?")
    call.hears_nothing()


def test_a_catch_without_reprompt_does_not_raise_the_counter():
    call = field(TAPER + '<noinput count="1">Hello?</noinput><noinput count="2"><reprompt/></noinput>')
    call.hears("Say a number.")
    call.silence()
    call.hears("Hello?")
    call.silence()
    call.hears("Please say a number.")


def test_prompt_counters_are_per_item():
    call = Call({"main.vxml": vxml(
        '<form><field name="a">' + dtmf("1") + '<prompt count="1">A1.</prompt><prompt count="2">A2.</prompt>'
        '<noinput><reprompt/></noinput></field>'
        '<field name="b">' + dtmf("1") + '<prompt count="1">B1.</prompt><prompt count="2">B2.</prompt></field></form>'
    )})
    call.hears("A1.")
    call.silence()
    call.hears("A2.")
    call.press("1")
    call.hears("B1.")


def test_prompt_counters_reset_when_the_form_is_entered_again():
    call = Call({"main.vxml": vxml(
        '<var name="visits" expr="0"/>'
        '<form id="f"><field name="a">' + dtmf("1", "2") + '<prompt count="1">One.</prompt>'
        '<prompt count="2">Two.</prompt><nomatch count="1"><reprompt/></nomatch>'
        '<filled><goto next="#f"/></filled></field></form>'
    )})
    call.hears("One.")
    call.press("9")
    call.hears("Two.")
    call.press("1")
    call.hears("One.")


def test_prompts_queued_in_a_block_play_with_the_next_field():
    call = Call({"main.vxml": vxml(
        '<form><block>Welcome.</block><field name="f">' + dtmf("1") + "<prompt>Press one.</prompt></field></form>"
    )})
    assert [p.text for p in call.collect().prompts] == ["Welcome.", "Press one."]


def test_filled_prompts_play_before_the_next_items_prompts():
    call = Call({"main.vxml": vxml(
        '<form><field name="a">' + dtmf("1") + '<filled>Got it.</filled></field>'
        '<field name="b">' + dtmf("1") + "<prompt>Next.</prompt></field></form>"
    )})
    call.press("1")
    call.hears("Got it.")
    call.hears("Next.")


def test_an_error_in_a_prompt_cond_is_a_catchable_error_semantic():
    call = field('<prompt cond="nosuch.x">Hi.</prompt><catch event="error.semantic"><exit expr="\'caught\'"/>'
                 "</catch>")
    call.exits("caught")


def test_an_error_in_a_prompt_value_is_a_catchable_error_semantic():
    call = Call({"main.vxml": vxml(
        '<catch event="error.semantic"><exit expr="\'caught\'"/></catch>'
        '<form><field name="f">' + dtmf("1") + '<prompt>Hi <value expr="nosuch"/></prompt></field></form>'
    )})
    call.exits("caught")


def test_an_error_in_a_menu_prompt_is_a_catchable_error_semantic():
    call = Call({"main.vxml": vxml(
        '<menu><catch event="error.semantic"><exit expr="\'caught\'"/></catch>'
        '<prompt>Hi <value expr="nosuch"/></prompt><choice next="#x">x</choice></menu><form id="x"><block/></form>'
    )})
    call.exits("caught")
