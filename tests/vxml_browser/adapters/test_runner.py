"""The console platform's ``<record>`` under ``max_recording_bytes`` (``recording_cap``)."""

from __future__ import annotations

import io
import wave

from vxml_browser.adapters.caller import ScriptedCaller
from vxml_browser.adapters.runner import ConsolePlatform
from vxml_browser.core.actions import Record
from vxml_browser.core.inputs import Recorded
from vxml_browser.testing.steps import run_now


def record(line: str, media_type: str = "audio/x-wav", maxtime_s: float = 0.0, cap: int = 0) -> Recorded:
    platform = ConsolePlatform(ScriptedCaller([line]), max_recording_bytes=cap)
    action = Record(prompts=(), beep=False, maxtime_s=maxtime_s, finalsilence_s=0.0, dtmfterm=True,
                    media_type=media_type, timeout_s=5.0)
    result = run_now(platform.record(action))  # the console answers without suspending
    assert isinstance(result, Recorded)
    return result


def frames(wav: bytes) -> int:
    with wave.open(io.BytesIO(wav)) as w:
        return w.getnframes()


def test_a_recording_under_the_cap_is_kept_whole() -> None:
    result = record("say one two three", cap=1_000_000)  # 1.7 s: 27,200 bytes of PCM
    assert not result.maxtime and result.recording.duration_ms == 1700
    assert frames(result.recording.data) == 13_600


def test_a_recording_that_reaches_the_cap_ends_as_maxtime_cut_to_the_cap() -> None:
    result = record("say one two three", cap=8000)
    assert result.maxtime and result.recording.duration_ms == 500
    assert frames(result.recording.data) == 4000


def test_the_cap_counts_16_bit_pcm_for_a_mulaw_recording() -> None:
    result = record("say one two three", media_type="audio/basic", cap=8000)
    assert result.maxtime and len(result.recording.data) == 4000  # one µ-law byte a sample


def test_a_cap_reached_before_the_callers_key_ends_the_recording_without_a_termchar() -> None:
    result = record("dtmf #", cap=8000)  # the key comes after 1 s: 16,000 bytes
    assert result.maxtime and result.termchar is None and result.recording.duration_ms == 500


def test_a_key_before_the_cap_ends_the_recording_with_it() -> None:
    result = record("dtmf #", cap=32_000)
    assert not result.maxtime and result.termchar == "#" and result.recording.duration_ms == 1000
