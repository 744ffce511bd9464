"""``<record>`` (VoiceXML 2.0 §2.3.6): record the caller; the variable holds the recording."""

from vxml_browser.core.actions import AudioRef, Record
from vxml_browser.testing.call import Call, vxml


def record(attrs: str = "", inside: str = "", after: str = "") -> Call:
    return Call({"main.vxml": vxml(
        f'<form><record name="msg" {attrs}><prompt>Speak after the beep.</prompt>{inside}</record>'
        f"{after}</form>"
    )})


def test_record_plays_its_prompts_and_waits():
    call = record('beep="true" maxtime="20s" finalsilence="3s" dtmfterm="false" type="audio/basic"')
    call.hears("Speak after the beep.")
    action = call.waiting
    assert isinstance(action, Record)
    assert (action.beep, action.maxtime_s, action.finalsilence_s, action.dtmfterm, action.media_type) == (
        True, 20.0, 3.0, False, "audio/basic")


def test_record_defaults():
    call = record()
    action = call.waiting
    assert (action.beep, action.maxtime_s, action.dtmfterm, action.media_type, action.timeout_s) == (
        False, 30.0, True, "audio/x-wav", 5.0)


def test_the_recording_fills_the_variable():
    call = record(after="<block><exit expr=\"typeof msg + ':' + msg.duration + ':' + msg.size\"/></block>")
    call.records(seconds=2.5)
    call.exits("object:2500:40000")


def test_record_shadow_variables():
    call = record(after="<block><exit expr=\"msg$.duration + ':' + msg$.size + ':' + msg$.termchar + ':' "
                  "+ msg$.maxtime\"/></block>")
    call.records(seconds=1.0, termchar="#")
    call.exits("1000:16000:#:false")


def test_record_maxtime_shadow_variable():
    call = record(after='<block><exit expr="msg$.maxtime"/></block>')
    call.records(seconds=30.0, maxtime=True)
    call.exits(True)


def test_record_filled_runs():
    call = record(inside='<filled><log expr="\'got \' + msg$.duration"/></filled>')
    call.records(seconds=1.5)
    call.logs("got 1500")


def test_a_recording_can_be_played_back():
    call = record(inside='<filled><prompt>You said <audio expr="msg"/></prompt></filled>')
    call.records()
    call.hears("Speak after the beep.")
    prompt = call.hears("You said")
    (_, audio) = prompt.parts
    assert isinstance(audio, AudioRef) and audio.src.startswith("recording:")


def test_record_silence_is_noinput():
    call = record(inside="<noinput><exit expr=\"'noinput'\"/></noinput>")
    call.silence()
    call.exits("noinput")


def test_hangup_while_recording():
    call = record(inside='<catch event="connection.disconnect.hangup"><exit expr="\'gone\'"/></catch>')
    call.hangup()
    call.exits("gone")


def test_an_unsupported_record_type_is_error_unsupported_format():
    call = record('type="video/mp4"')
    call.error("error.unsupported.format", "cannot record video/mp4")


def test_a_bad_maxtime_is_error_badfetch():
    call = record('maxtime="forever"')
    call.error("error.badfetch")


def test_record_timeout_comes_from_the_property():
    call = Call({"main.vxml": vxml('<form><property name="timeout" value="9s"/><record name="msg"/></form>')})
    assert call.waiting.timeout_s == 9.0
