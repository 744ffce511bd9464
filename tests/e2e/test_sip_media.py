"""Prompts from MP3 and AU files, fetchaudio while a document loads, <disconnect>."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile

from vxml_browser.adapters.media import read_wav, tone, wav_bytes

from .app import AppServer
from .conftest import Platform, call, needs_espeak, needs_pjsua2, wait_for

pytestmark = [needs_pjsua2, needs_espeak]


def band_share(pcm: np.ndarray, rate: int, hz: float) -> float:
    spectrum = np.abs(np.fft.rfft(np.asarray(pcm, dtype=np.float64))) ** 2
    freqs = np.fft.rfftfreq(len(pcm), 1 / rate)
    return float(spectrum[(freqs > hz - 25) & (freqs < hz + 25)].sum() / (spectrum.sum() or 1.0))


@pytest.fixture()
def media_files(fresh: AppServer) -> AppServer:
    mp3 = io.BytesIO()
    try:
        soundfile.write(mp3, tone(800, 1.5, 16000), 16000, format="MP3")
    except Exception:
        pytest.skip("this libsndfile cannot write MP3")
    au = io.BytesIO()
    soundfile.write(au, tone(1300, 1.5, 8000), 8000, format="AU", subtype="ULAW")
    fresh.files["tone.mp3"] = (mp3.getvalue(), "audio/mpeg")
    fresh.files["tone.au"] = (au.getvalue(), "audio/basic")
    fresh.files["hold.wav"] = (wav_bytes(tone(600, 5.0, 8000), 8000), "audio/wav")
    return fresh


def test_mp3_and_au_prompts_then_disconnect(platform: Platform, media_files: AppServer,
                                            sip_tmp: str) -> None:
    events, heard = call(sip_tmp, platform.uri, [
        ["until_confirmed", 5], ["wait", 0.3], ["dtmf", "4"], ["until_disconnected", 10]])
    disconnect = [e for e in events if e["event"] == "state" and e["state"] == "DISCONNECTED"]
    assert disconnect and disconnect[0]["t"] < 8, events  # the platform hung up (<disconnect>)
    pcm, rate = read_wav(heard)
    media = next(e["t"] for e in events if e["event"] == "media")
    sent = next(e["t"] for e in events if e["event"] == "send") - media
    after = np.asarray(pcm[int(sent * rate):])
    first, second = after[: int(1.6 * rate)], after[int(1.6 * rate): int(3.2 * rate)]
    assert band_share(after, rate, 800) > 0.15, "the MP3 prompt was not heard"
    assert band_share(after, rate, 1300) > 0.15, "the AU prompt was not heard"
    assert band_share(first, rate, 800) > band_share(second, rate, 800)  # in order
    assert wait_for(lambda: media_files.received["records"])
    assert media_files.received["records"][-1]["cause"] == "hangup"


def test_fetchaudio_plays_while_the_document_loads(platform: Platform, media_files: AppServer,
                                                  sip_tmp: str) -> None:
    events, heard = call(sip_tmp, platform.uri, [
        ["until_confirmed", 5], ["wait", 0.3], ["dtmf", "5"], ["until_disconnected", 10]])
    pcm, rate = read_wav(heard)
    media = next(e["t"] for e in events if e["event"] == "media")
    sent = next(e["t"] for e in events if e["event"] == "send") - media
    waiting = np.asarray(pcm[int((sent + 0.5) * rate): int((sent + 2.3) * rate)])
    assert band_share(waiting, rate, 600) > 0.3, "no fetchaudio while /slow loaded"
    ended = [e for e in events if e["event"] == "state" and e["state"] == "DISCONNECTED"][0]["t"]
    assert ended - media - sent < 5.0  # fetchaudio stopped when the document came; the call went on
