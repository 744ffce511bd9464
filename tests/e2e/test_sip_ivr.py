"""Real calls on 127.0.0.1: a pjsua2 caller navigates the sample IVR (tests/e2e/ivr/main.vxml).

Each test makes one call to the running platform and checks what the app server received:
the submitted digits, the uploaded recording, the call record; and what the caller heard.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from vxml_browser.adapters.media import read_wav, tone, wav_bytes
from vxml_browser.adapters.speech_plugins.espeak import EspeakSynthesizer

from .app import AppServer
from .audio_check import best_match, envelope, heard_matches
from .conftest import Platform, call, needs_espeak, needs_pjsua2, wait_for

pytestmark = [needs_pjsua2, needs_espeak]

WELCOME = ("Welcome to the test line. Press 1 for sales. Press 2 to leave a message. "
           "Press 3 for an agent.")


@pytest.mark.parametrize("method", ["rfc2833", "info", "info-dtmf"])
def test_menu_and_digits(platform: Platform, fresh: AppServer, sip_tmp: str, method: str) -> None:
    """RFC 4733 and SIP INFO (dtmf-relay, dtmf) keys choose a menu item and fill a field."""
    events, _ = call(sip_tmp, platform.uri, [
        ["until_confirmed", 5], ["wait", 0.5], ["dtmf", "1", method], ["wait", 1.0],
        ["dtmf", "1234#", method], ["until_disconnected", 15]])
    assert fresh.received["result"] == [{"account": "1234", "caller": "sip:tester@127.0.0.1"}], \
        platform.output()[-3000:]
    assert events[-1]["event"] == "state" and events[-1]["state"] == "DISCONNECTED"
    assert wait_for(lambda: fresh.received["records"])
    record = fresh.received["records"][0]
    assert record["cause"] == "exit"
    assert record["app"].endswith("/ivr/main.vxml")
    assert record["start"] <= record["answer"] <= record["end"]


@pytest.mark.parametrize("codec", ["PCMU", "PCMA", "G722"])
def test_caller_hears_the_prompt(platform: Platform, fresh: AppServer, sip_tmp: str, codec: str) -> None:
    """What the caller records is the welcome prompt, not silence, with each codec."""
    events, heard = call(sip_tmp, platform.uri, [["until_confirmed", 5], ["wait", 4.0], ["hangup"]],
                         codecs=[codec])
    assert next(e for e in events if e["event"] == "media")["codec"] == codec
    audio = EspeakSynthesizer().synthesize(
        f'<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">{WELCOME}</speak>')
    expected = np.frombuffer(audio.pcm, dtype="<i2")
    score, level = heard_matches(heard, expected, audio.sample_rate)
    assert level > 300, "the caller heard silence"
    assert score > 0.6, f"the caller heard something else (envelope correlation {score:.2f})"
    silence = os.path.join(sip_tmp, "silence.wav")
    with open(silence, "wb") as f:
        f.write(wav_bytes(np.zeros(8000 * 4, dtype=np.int16), 8000))
    assert heard_matches(silence, expected, audio.sample_rate)[0] < 0.3
    assert wait_for(lambda: fresh.received["records"])
    assert fresh.received["records"][0]["cause"] == "remote-hangup"
    # the caller's BYE became connection.disconnect.hangup, caught by the document
    assert fresh.received["result"] == [{"caller": "sip:tester@127.0.0.1", "step": "hangup"}]


def test_barge_in_stops_the_prompt(platform: Platform, fresh: AppServer, sip_tmp: str) -> None:
    """A key during the 7 s welcome prompt cuts it: the next prompt follows within a second."""
    events, heard = call(sip_tmp, platform.uri, [
        ["until_confirmed", 5], ["wait", 0.8], ["dtmf", "1"], ["wait", 3.0], ["hangup"]])
    sent = next(e["t"] for e in events if e["event"] == "send")
    media = next(e["t"] for e in events if e["event"] == "media")
    pcm, rate = read_wav(heard)
    audio = EspeakSynthesizer().synthesize(
        '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">'
        "Sales. Enter your four digit account number, then press pound.</speak>")
    expected = envelope(np.frombuffer(audio.pcm, dtype="<i2"), audio.sample_rate)[:100]
    score, where = best_match(envelope(np.asarray(pcm), rate), expected)
    assert score > 0.6, f"after the key the caller did not hear the sales prompt ({score:.2f})"
    started = where * 0.02  # seconds into what the caller heard
    assert started - (sent - media) < 1.0, f"the sales prompt began {started - (sent - media):.2f} s after the key"


def test_recording_is_uploaded(platform: Platform, fresh: AppServer, sip_tmp: str) -> None:
    """Key 2: a beep, the caller speaks, final silence ends it, the WAV arrives by multipart."""
    voice = os.path.join(sip_tmp, "voice.wav")
    speech = EspeakSynthesizer().synthesize(
        '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">'
        "Hello, this is a test message for the voice browser.</speak>")
    with open(voice, "wb") as f:
        f.write(wav_bytes(np.frombuffer(speech.pcm, dtype="<i2"), speech.sample_rate))
    events, heard = call(sip_tmp, platform.uri, [
        ["until_confirmed", 5], ["wait", 0.5], ["dtmf", "2"], ["wait", 3.2], ["play", voice],
        ["until_disconnected", 20]])
    assert wait_for(lambda: fresh.received["upload"], 5), platform.output()[-3000:]
    upload = fresh.received["upload"][0]
    msg = upload["msg"]
    assert msg["content_type"] in ("audio/x-wav", "audio/wav")
    pcm, rate = read_wav(msg["data"])
    seconds = len(pcm) / rate
    assert 2.0 < seconds < 5.5, seconds
    assert float(np.sqrt(np.mean(np.asarray(pcm, dtype=np.float64) ** 2))) > 300
    assert upload["caller"] == "sip:tester@127.0.0.1"
    # the beep was heard before the recording started
    hpcm, hrate = read_wav(heard)
    beep = tone(1000, 0.25, hrate)
    assert heard_matches(heard, beep, hrate)[1] > 300


def test_recording_ended_by_a_key(platform: Platform, fresh: AppServer, sip_tmp: str) -> None:
    """dtmfterm: a key ends the recording; it is still uploaded."""
    events, _ = call(sip_tmp, platform.uri, [
        ["until_confirmed", 5], ["wait", 0.5], ["dtmf", "2"], ["wait", 4.0], ["dtmf", "#"],
        ["until_disconnected", 15]])
    assert wait_for(lambda: fresh.received["upload"], 5), platform.output()[-3000:]
    pcm, rate = read_wav(fresh.received["upload"][0]["msg"]["data"])
    assert len(pcm) / rate < 3.0


def test_a_sip_call_sees_the_wall_clock_and_its_own_random_numbers(
        platform: Platform, fresh: AppServer, sip_tmp: str) -> None:
    """ECMAScript ``Date`` is the wall clock under SIP (it once read 1970), and ``Math.random``
    differs from call to call (it once repeated): every platform's session is
    ``telephony.new_session``."""
    clock = platform.uri.replace("sip:ivr@", "sip:clock@")
    before = time.time()
    for _ in range(2):
        call(sip_tmp, clock, [["until_confirmed", 5], ["until_disconnected", 10]])
    after = time.time()
    assert wait_for(lambda: len(fresh.received["result"]) == 2), platform.output()[-3000:]
    first, second = fresh.received["result"]
    for got in (first, second):
        assert got["step"] == "clock" and int(got["year"]) >= 2026
        assert before - 2 <= float(got["now"]) / 1000 <= after + 2, got
    assert first["dice"] != second["dice"]
