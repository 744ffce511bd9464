"""A call answered by voice: the caller's words are synthesized with espeak-ng, heard by the
listener with PocketSphinx, and the session fills its fields from the grammar's interpretation
(the path the SIP platform takes, with the call-script harness as the platform)."""

from __future__ import annotations

import pytest

from vxml_browser.adapters.speech_caller import SpeechCaller, say_as_speech
from vxml_browser.core.actions import Collect
from vxml_browser.core.inputs import NoInput, Speech
from vxml_browser.testing.call import Call, grammar, vxml

CITY = grammar(("Chicago", "out = 'ORD';"), ("New York", "out = 'JFK';"), ("Boston", "out = 'BOS';"),
               ("Los Angeles", "out = 'LAX';"), ("Seattle", "out = 'SEA';"), root="city")

DOC = vxml(f"""
<form>
  <field name="city">
    <prompt>Which city?</prompt>
    {CITY}
    <nomatch>Sorry?<reprompt/></nomatch>
    <noinput>Hello?<reprompt/></noinput>
  </field>
  <field name="ok" type="boolean">
    <prompt>Flying to <value expr="city"/>. Right?</prompt>
    <filled><if cond="ok"><exit namelist="city"/><else/><clear namelist="city ok"/></if></filled>
  </field>
</form>""")


@pytest.fixture(scope="module")
def caller(asr) -> SpeechCaller:
    return SpeechCaller(recognizer=asr, snr_db=20.0)


def answer(call: Call, caller: SpeechCaller, words: str) -> None:
    """The caller speaks ``words`` at the collect the call waits on."""
    assert isinstance(call.waiting, Collect)
    heard = caller.say(call.waiting, words)
    if isinstance(heard, Speech):
        alternatives = [(a.text, a.confidence) for a in heard.alternatives]
        if alternatives:
            call.say(alternatives[0][0], alternatives[0][1], *alternatives[1:])
        else:
            call.say("", 0.0)  # speech that matched nothing: the grammar engine gives nomatch
    else:
        assert isinstance(heard, NoInput)
        call.silence()


def test_spoken_city_fills_the_field(caller) -> None:
    call = Call({"main.vxml": DOC})
    call.hears("Which city?")
    answer(call, caller, "Boston")
    call.hears("Flying to BOS. Right?")
    answer(call, caller, "yes")
    call.exits({"city": "BOS"})


def test_a_no_starts_over_and_silence_reprompts(caller) -> None:
    call = Call({"main.vxml": DOC})
    call.hears("Which city?")
    answer(call, caller, "Seattle")
    call.hears("Flying to SEA. Right?")
    answer(call, caller, "no")
    call.hears("Which city?")
    call.silence()
    call.hears("Hello?")
    call.hears("Which city?")
    answer(call, caller, "Chicago")
    call.hears("Flying to ORD. Right?")


def test_say_as_speech_is_the_conformance_hook(asr) -> None:
    call = Call({"main.vxml": DOC})
    heard = say_as_speech(call.waiting, "New York")
    assert isinstance(heard, Speech) and heard.alternatives[0].text == "new york"
