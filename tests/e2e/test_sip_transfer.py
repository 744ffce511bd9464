"""``<transfer>`` on real calls: blind (REFER, and 302 before answer), bridge with each outcome,
consultation, and the caller hanging up mid-transfer. The second UA is a pjsua2 process."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from vxml_browser.adapters.media import read_wav, tone, wav_bytes

from .app import AppServer
from .conftest import AGENT_TONE_HZ, UA, Platform, call, needs_espeak, needs_pjsua2, wait_for

pytestmark = [needs_pjsua2, needs_espeak]



def agent(sip_tmp: str, **script: object) -> UA:
    return UA(sip_tmp, {"mode": "answer", "user": "agent", "lifetime": 15,
                        "exit_when_done": True, **script})


def tone_level(path: str, hz: float) -> float:
    """How much of the heard audio is the agent's tone (share of spectral energy near ``hz``)."""
    pcm, rate = read_wav(path)
    spectrum = np.abs(np.fft.rfft(np.asarray(pcm, dtype=np.float64))) ** 2
    freqs = np.fft.rfftfreq(len(pcm), 1 / rate)
    near = spectrum[(freqs > hz - 20) & (freqs < hz + 20)].sum()
    return float(near / (spectrum.sum() or 1.0))


def result_of(app: AppServer) -> dict:
    assert wait_for(lambda: app.received["result"], 10), "no result reached the app server"
    return app.received["result"][-1]


def test_blind_transfer_by_refer(platform: Platform, fresh: AppServer, sip_tmp: str) -> None:
    ua = agent(sip_tmp, code=200, hangup_after=1.0)
    fresh.transfer.update(dest=ua.uri, type="blind")
    events, _ = call(sip_tmp, platform.uri, [
        ["until_confirmed", 5], ["wait", 0.3], ["dtmf", "3"], ["until_disconnected", 12]])
    agent_events = ua.result()
    assert any(e["event"] == "refer" and "agent@" in e["target"] for e in events), events
    incoming = [e for e in agent_events if e["event"] == "incoming"]
    assert incoming and "referred-by" in incoming[0]["headers"], agent_events
    assert result_of(fresh)["step"] == "xfer"


def test_blind_transfer_before_answer_is_a_302(platform: Platform, fresh: AppServer,
                                               sip_tmp: str) -> None:
    ua = agent(sip_tmp, code=200, hangup_after=0.5)
    fresh.transfer.update(dest=ua.uri, type="blind")
    events, _ = call(sip_tmp, f"sip:redirect@127.0.0.1:{platform.port}", [
        ["until_disconnected", 10]])
    agent_events = ua.result()
    assert any(e["event"] == "state" and e["code"] == 302 for e in events) or \
        any(e["event"] == "redirected" for e in events), events
    assert any(e["event"] == "incoming" for e in agent_events), agent_events


def test_bridge_far_end_disconnect(platform: Platform, fresh: AppServer, sip_tmp: str,
                                   agent_tone: str) -> None:
    """The agent answers, is heard by the caller, gets the aai, then hangs up."""
    ua = agent(sip_tmp, code=200, hangup_after=2.0, play=agent_tone)
    fresh.transfer.update(dest=ua.uri, type="bridge", connecttimeout="5s", aai="order-42")
    events, heard = call(sip_tmp, platform.uri, [
        ["until_confirmed", 5], ["wait", 0.3], ["dtmf", "3"], ["until_disconnected", 15]])
    agent_events = ua.result()
    incoming = [e for e in agent_events if e["event"] == "incoming"]
    assert incoming and incoming[0]["headers"].get("user-to-user") == "order-42", agent_events
    assert result_of(fresh) == {"result": "far_end_disconnect", "step": "after"}
    assert tone_level(heard, AGENT_TONE_HZ) > 0.05, "the caller did not hear the agent"


def test_a_bridged_caller_who_holds_and_resumes_hears_the_agent_again(
        platform: Platform, fresh: AppServer, sip_tmp: str, agent_tone: str) -> None:
    """Bridged to the agent, the caller puts the call on hold and resumes (re-INVITEs,
    RFC 3264 §8.4): after the resume the caller hears the agent again, because the bridge's
    paths follow the caller's audio stream when pjsua makes it anew."""
    ua = agent(sip_tmp, code=200, hangup_after=6.0, play=agent_tone)
    fresh.transfer.update(dest=ua.uri, type="bridge", connecttimeout="5s")
    events, heard = call(sip_tmp, platform.uri, [
        ["until_confirmed", 5], ["wait", 0.3], ["dtmf", "3"], ["wait", 1.5], ["hold"], ["wait", 0.5],
        ["unhold"], ["until_disconnected", 15]])
    ua.result()
    assert result_of(fresh) == {"result": "far_end_disconnect", "step": "after"}
    at = {e["event"]: e["t"] for e in events if e["event"] in ("media", "unhold")}
    pcm, rate = read_wav(heard)
    after = pcm[int((at["unhold"] - at["media"] + 0.5) * rate):]
    assert len(after) > rate, "the call ended too soon after the resume"
    after_path = os.path.join(sip_tmp, "heard-after-resume.wav")
    with open(after_path, "wb") as f:
        f.write(wav_bytes(after, rate))
    assert tone_level(after_path, AGENT_TONE_HZ) > 0.05, "the caller did not hear the agent after resuming"


def test_bridge_busy(platform: Platform, fresh: AppServer, sip_tmp: str) -> None:
    ua = agent(sip_tmp, code=486)
    fresh.transfer.update(dest=ua.uri, type="bridge", connecttimeout="5s")
    call(sip_tmp, platform.uri, [["until_confirmed", 5], ["wait", 0.3], ["dtmf", "3"],
                                 ["until_disconnected", 12]])
    assert any(e["event"] == "incoming" for e in ua.result())
    assert result_of(fresh) == {"result": "busy", "step": "after"}


def test_bridge_noanswer_with_transferaudio(platform: Platform, fresh: AppServer,
                                            sip_tmp: str) -> None:
    """The agent rings and never answers: transferaudio plays until connecttimeout."""
    fresh.files["hold.wav"] = (wav_bytes(tone(AGENT_TONE_HZ, 5.0, 8000), 8000), "audio/wav")
    ua = agent(sip_tmp, code=0)
    fresh.transfer.update(dest=ua.uri, type="bridge", connecttimeout="2s",
                          transferaudio="/ivr/hold.wav")
    events, heard = call(sip_tmp, platform.uri, [["until_confirmed", 5], ["wait", 0.3], ["dtmf", "3"],
                                                 ["until_disconnected", 12]])
    agent_events = ua.result()
    assert result_of(fresh) == {"result": "noanswer", "step": "after"}
    assert any(e["event"] == "state" and e["state"] == "DISCONNECTED" for e in agent_events)
    assert tone_level(heard, AGENT_TONE_HZ) > 0.05, "no transferaudio while the agent rang"


def test_bridge_maxtime(platform: Platform, fresh: AppServer, sip_tmp: str) -> None:
    ua = agent(sip_tmp, code=200)
    fresh.transfer.update(dest=ua.uri, type="bridge", connecttimeout="5s", maxtime="1.5s")
    call(sip_tmp, platform.uri, [["until_confirmed", 5], ["wait", 0.3], ["dtmf", "3"],
                                 ["until_disconnected", 12]])
    agent_events = ua.result()
    assert result_of(fresh) == {"result": "maxtime_disconnect", "step": "after"}
    assert any(e["event"] == "state" and e["state"] == "DISCONNECTED" for e in agent_events)


def test_caller_hangs_up_during_bridge(platform: Platform, fresh: AppServer, sip_tmp: str) -> None:
    ua = agent(sip_tmp, code=200)
    fresh.transfer.update(dest=ua.uri, type="bridge", connecttimeout="5s")
    call(sip_tmp, platform.uri, [["until_confirmed", 5], ["wait", 0.3], ["dtmf", "3"],
                                 ["wait", 2.5], ["hangup"]])
    agent_events = ua.result(20)
    assert any(e["event"] == "state" and e["state"] == "DISCONNECTED" for e in agent_events)
    assert wait_for(lambda: fresh.received["records"])
    assert fresh.received["records"][-1]["cause"] == "remote-hangup"
    assert fresh.received["result"] == []


def test_consultation_transfer(platform: Platform, fresh: AppServer, sip_tmp: str,
                               agent_tone: str) -> None:
    """The platform calls the agent, then REFERs the caller to it with Replaces."""
    ua = agent(sip_tmp, code=200, play=agent_tone)
    fresh.transfer.update(dest=ua.uri, type="consultation", connecttimeout="5s")
    events, _ = call(sip_tmp, platform.uri, [
        ["until_confirmed", 5], ["wait", 0.3], ["dtmf", "3"], ["wait", 4.0], ["hangup"]])
    agent_events = ua.result()
    assert any(e["event"] == "refer" for e in events), events
    assert any(e["event"] == "replaced" for e in agent_events), agent_events
    assert result_of(fresh) == {"result": "transferred", "step": "after"}


STAR_NINE = ('<grammar mode="dtmf" version="1.0" root="r" xmlns="http://www.w3.org/2001/06/grammar">'
             '<rule id="r"><item>* 9</item></rule></grammar>')


def test_bridge_near_end_disconnect_by_dtmf(platform: Platform, fresh: AppServer,
                                            sip_tmp: str) -> None:
    """While bridged, the caller's keys that match the transfer's grammar end the bridge: a key
    no grammar takes (5) is dropped, then * 9 matches (VoiceXML 2.0 §2.3.7.2.2)."""
    ua = agent(sip_tmp, code=200)
    fresh.transfer.update(dest=ua.uri, type="bridge", connecttimeout="5s", grammar=STAR_NINE)
    call(sip_tmp, platform.uri, [["until_confirmed", 5], ["wait", 0.3], ["dtmf", "3"],
                                 ["wait", 3.0], ["dtmf", "5"], ["wait", 0.5], ["dtmf", "*9"],
                                 ["until_disconnected", 12]])
    agent_events = ua.result()
    assert result_of(fresh) == {"result": "near_end_disconnect", "utterance": "*9",
                                "inputmode": "dtmf", "step": "after"}
    assert any(e["event"] == "state" and e["state"] == "DISCONNECTED" for e in agent_events)


@pytest.mark.parametrize(("code", "outcome"), [(503, "network_busy"), (603, "busy"),
                                                (488, "unknown")])
def test_bridge_refused_by_status(platform: Platform, fresh: AppServer, sip_tmp: str,
                                  code: int, outcome: str) -> None:
    """The far end's final response picks the outcome (``call.setup_outcome``): 503 is an
    intermediate network refusing (network_busy), 603 Decline the callee's own refusal (busy),
    anything unclassified unknown."""
    ua = agent(sip_tmp, code=code)
    fresh.transfer.update(dest=ua.uri, type="bridge", connecttimeout="5s")
    call(sip_tmp, platform.uri, [["until_confirmed", 5], ["wait", 0.3], ["dtmf", "3"],
                                 ["until_disconnected", 12]])
    assert any(e["event"] == "incoming" for e in ua.result())
    assert result_of(fresh) == {"result": outcome, "step": "after"}


@pytest.fixture(scope="module")
def watchful_platform(app: AppServer, sip_tmp: str) -> Iterator[Platform]:
    """A platform that gives up on a bridged far leg after 1.5 s without RTP."""
    p = Platform(app, sip_tmp, extra="media_timeout = 1.5\n")
    yield p
    p.stop()


def test_bridge_network_disconnect_when_far_media_stops(watchful_platform: Platform,
                                                        fresh: AppServer, sip_tmp: str,
                                                        agent_tone: str) -> None:
    """The agent's process dies mid-bridge (no BYE: its RTP just stops): network_disconnect."""
    ua = agent(sip_tmp, code=200, play=agent_tone)
    fresh.transfer.update(dest=ua.uri, type="bridge", connecttimeout="5s")

    def kill_agent() -> None:
        if wait_for(lambda: fresh.received["transfer"], 10):
            time.sleep(3.0)  # the prompt, the INVITE and a second of bridged audio
            ua.proc.kill()

    killer = threading.Thread(target=kill_agent, daemon=True)
    killer.start()
    events, heard = call(sip_tmp, watchful_platform.uri, [
        ["until_confirmed", 5], ["wait", 0.3], ["dtmf", "3"], ["until_disconnected", 15]])
    killer.join(5)
    ua.kill()
    result = result_of(fresh)
    assert result == {"result": "network_disconnect", "step": "after"}, watchful_platform.output()[-2000:]
    assert tone_level(heard, AGENT_TONE_HZ) > 0.02, "the caller did not hear the agent first"


WHEEL_215 = os.environ.get("SIP_PJSUA2_215", "")
YES_NO = ('<grammar mode="voice" version="1.0" root="r" xml:lang="en-US" '
          'xmlns="http://www.w3.org/2001/06/grammar"><rule id="r"><one-of><item>yes</item>'
          '<item>no</item></one-of></rule></grammar>')


@pytest.mark.skipif(not (WHEEL_215 and os.path.isdir(os.path.join(WHEEL_215, "pjsua2"))),
                    reason="voice input needs the pjsua2 2.15 wheel: set SIP_PJSUA2_215")
def test_bridge_near_end_disconnect_by_voice(app: AppServer, fresh: AppServer, sip_tmp: str) -> None:
    """While bridged, the caller says "yes", which the transfer's voice grammar takes."""
    pytest.importorskip("pocketsphinx")
    from vxml_browser.adapters.speech_plugins.espeak import EspeakSynthesizer

    speech = EspeakSynthesizer().synthesize(
        '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">yes</speak>')
    pcm = np.concatenate([np.frombuffer(speech.pcm, dtype="<i2"), np.zeros(speech.sample_rate, np.int16)])
    said = os.path.join(sip_tmp, "bridge-yes.wav")
    with open(said, "wb") as f:
        f.write(wav_bytes(pcm, speech.sample_rate))
    tmp = os.path.join(sip_tmp, "bridge-voice")
    os.makedirs(tmp, exist_ok=True)
    p = Platform(app, tmp, extra=f'recognizer = "pocketsphinx"\npjsua2_path = "{WHEEL_215}"\n')
    try:
        ua = agent(sip_tmp, code=200)
        fresh.transfer.update(dest=ua.uri, type="bridge", connecttimeout="5s", grammar=YES_NO)
        call(sip_tmp, p.uri, [["until_confirmed", 5], ["wait", 0.3], ["dtmf", "3"], ["wait", 3.0],
                              ["play", said], ["until_disconnected", 12]])
        agent_events = ua.result()
        result = result_of(fresh)
    finally:
        p.stop()
    assert result == {"result": "near_end_disconnect", "utterance": "yes", "inputmode": "voice",
                      "step": "after"}, p.output()[-2000:]
    assert any(e["event"] == "state" and e["state"] == "DISCONNECTED" for e in agent_events)
