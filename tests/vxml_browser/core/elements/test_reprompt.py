"""``<reprompt>`` (VoiceXML 2.0 §5.3.6): the FIA queues the item's prompts again after a catch."""

from vxml_browser.testing.call import Call, dtmf, vxml

FIELD = ('<form><field name="f">' + dtmf("1") + '<prompt>Press one.</prompt>{catch}</field>'
         '<block><log expr="f"/></block></form>')


def test_catch_with_reprompt_plays_the_prompts_again():
    call = Call({"main.vxml": vxml(FIELD.format(catch="<nomatch>Wrong.<reprompt/></nomatch>"))})
    call.hears("Press one.")
    call.press("9")
    call.hears("Wrong.")
    call.hears("Press one.")
    call.press("1")
    call.logs("1")


def test_catch_without_reprompt_does_not_play_the_prompts():
    call = Call({"main.vxml": vxml(FIELD.format(catch="<nomatch>Wrong.</nomatch>"))})
    call.hears("Press one.")
    call.press("9")
    call.hears("Wrong.")
    call.hears_nothing()
    assert [p.text for p in call.collect().prompts] == ["Wrong."]


def test_reprompt_uses_the_next_prompt_count():
    call = Call({"main.vxml": vxml(
        '<form><field name="f">' + dtmf("1") + '<prompt count="1">Once.</prompt>'
        '<prompt count="2">Twice.</prompt><noinput><reprompt/></noinput></field></form>'
    )})
    call.hears("Once.")
    call.silence()
    call.hears("Twice.")


def test_reprompt_in_a_block_does_nothing_visible():
    call = Call({"main.vxml": vxml('<form><block>Hi.<reprompt/><log>after</log></block></form>')})
    call.logs("after")
    call.hears("Hi.")
    call.exits()


def test_reprompt_after_goto_in_catch_is_not_needed():
    call = Call({"main.vxml": vxml(
        '<form><field name="f">' + dtmf("1") + '<prompt>Press one.</prompt>'
        '<nomatch><goto next="#other"/></nomatch></field></form>'
        '<form id="other"><block>Other.</block></form>'
    )})
    call.press("9")
    call.hears("Press one.")
    call.hears("Other.")
    call.exits()
