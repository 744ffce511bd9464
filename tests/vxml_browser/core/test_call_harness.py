"""The call-script harness (``vxml_browser.testing.call``) itself: how it drives a session and
how its assertions fail."""

import re

import pytest

from vxml_browser.core.actions import Collect, Fetch, Play
from vxml_browser.core.inputs import DtmfKey, NoInput
from vxml_browser.testing.call import Call, CallError, dtmf, grammar, vxml

FIELD = vxml('<form><field name="f">' + dtmf("1 2", "1") + '<prompt>Press.</prompt></field>'
             '<block><exit expr="f"/></block></form>')


def test_documents_are_keyed_relative_to_the_base_uri():
    call = Call({"main.vxml": vxml("<form><block/></form>")})
    assert call.fetched == ["http://test/main.vxml"]
    assert isinstance(call.actions[0], Fetch)


def test_absolute_keys_are_kept():
    call = Call({"https://app.example/start.vxml": vxml("<form><block/></form>")},
                start="https://app.example/start.vxml")
    call.exits()


def test_the_call_stops_at_the_first_wait_point():
    call = Call({"main.vxml": FIELD})
    assert isinstance(call.waiting, Collect)
    assert not call.over


def test_hears_takes_text_or_a_pattern():
    call = Call({"main.vxml": vxml("<form><block>Hello there.<prompt>Second one.</prompt></block></form>")})
    call.hears("Hello there.")
    call.hears(re.compile(r"^Second"))


def test_hears_fails_with_what_was_heard():
    call = Call({"main.vxml": vxml("<form><block>Hello.</block></form>")})
    with pytest.raises(CallError, match=r"expected to hear 'Goodbye.', heard 'Hello.'"):
        call.hears("Goodbye.")


def test_hears_fails_when_nothing_is_left():
    call = Call({"main.vxml": vxml("<form><block/></form>")})
    with pytest.raises(CallError, match="no prompt is left"):
        call.hears("Anything")


def test_press_sends_keys_one_at_a_time_then_silence():
    call = Call({"main.vxml": FIELD})
    call.press("1")
    sent = [i for i in call.inputs if isinstance(i, DtmfKey | NoInput)]
    assert sent == [DtmfKey("1"), NoInput()]
    call.exits("1")


def test_press_without_silence_leaves_the_interdigit_timer_running():
    call = Call({"main.vxml": FIELD})
    call.press("1", then_silence=False)
    assert call.collect().phase == "interdigit"
    call.press("2")
    call.exits("12")


def test_press_fails_when_the_call_is_over():
    call = Call({"main.vxml": vxml("<form><block/></form>")})
    with pytest.raises(CallError, match="the call is over"):
        call.press("1")


def test_records_fails_when_the_session_waits_for_a_field():
    call = Call({"main.vxml": FIELD})
    with pytest.raises(CallError, match="cannot record: the session waits on Collect"):
        call.records()


def test_exits_fails_on_an_error():
    call = Call({"main.vxml": vxml('<form><block><throw event="error.x"/></block></form>')})
    with pytest.raises(CallError, match="ended with errors"):
        call.exits()
    call.error("error.x")


def test_error_fails_on_a_clean_exit():
    call = Call({"main.vxml": vxml("<form><block><exit/></block></form>")})
    with pytest.raises(CallError, match="expected the error 'error.semantic'"):
        call.error("error.semantic")


def test_exits_checks_the_value():
    call = Call({"main.vxml": vxml("<form><block><exit expr=\"'a'\"/></block></form>")})
    with pytest.raises(CallError, match="expected the exit value 'b', got 'a'"):
        call.exits("b")


def test_prompts_are_kept_with_the_action_that_played_them():
    call = Call({"main.vxml": vxml('<form><block>Before.<goto next="next.vxml" fetchaudio="a.wav"/></block></form>'),
                 "next.vxml": vxml('<form><field name="x">' + dtmf("1") + "<prompt>Ask.</prompt></field></form>")})
    assert [type(h.action) for h in call.heard] == [Play, Collect]
    assert call.texts == ["Before.", "Ask."]


def test_objects_answer_by_classid_with_a_value_or_a_function():
    doc = vxml('<form><object name="o" classid="x:echo"><param name="v" value="7"/></object>'
               '<block><exit expr="o"/></block></form>')
    assert Call({"main.vxml": doc}, objects={"x:echo": 3}).exits(3)
    echo = Call({"main.vxml": doc}, objects={"x:echo": lambda action: dict(action.params)})
    echo.exits({"v": "7"})


def test_a_session_that_never_waits_is_stopped():
    doc = vxml('<form id="f"><block><log>again</log><goto next="#f"/></block></form>')
    with pytest.raises(CallError, match="without waiting for the caller"):
        Call({"main.vxml": doc}, max_auto=200)


def test_traces_record_what_the_fia_did():
    call = Call({"main.vxml": vxml('<form><field name="f">' + grammar("yes") + "</field></form>")})
    call.say("yes")
    assert call.traced("select") == ["http://test/main.vxml:3: select <field> f"]
