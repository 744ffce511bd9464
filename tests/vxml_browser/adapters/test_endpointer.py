"""``RecordEndpointer``: when a ``<record>`` ends (VoiceXML 2.0 §2.3.6), fed frames and the
seconds the recording has run; no SIP, no clock."""

from __future__ import annotations

import numpy as np

from vxml_browser.adapters.endpointer import NOINPUT_GRACE, RecordEnd, RecordEndpointer
from vxml_browser.adapters.media import tone
from vxml_browser.core.actions import Record

RATE = 8000
FRAME = RATE // 50  # 20 ms


def record(**kw: object) -> Record:
    base: dict[str, object] = dict(prompts=(), beep=False, maxtime_s=10.0, finalsilence_s=0.0,
                                   dtmfterm=True, media_type="audio/x-wav", timeout_s=5.0)
    return Record(**{**base, **kw})  # type: ignore[arg-type]


def speech(seconds: float) -> bytes:
    return tone(400, seconds, RATE, 0.5).astype("<i2").tobytes()


def silence(seconds: float) -> bytes:
    return np.zeros(int(seconds * RATE), dtype="<i2").tobytes()


def run(ends: RecordEndpointer, audio: bytes, start_s: float = 0.0) -> tuple[RecordEnd | None, float]:
    """Feed ``audio`` 20 ms at a time, as RTP brings it: the end and when it came."""
    t = start_s
    for i in range(0, len(audio), FRAME * 2):
        t += 0.02
        end = ends.feed(audio[i:i + FRAME * 2], t)
        if end is not None:
            return end, t
    return None, t


def test_a_key_ends_the_recording_as_its_termchar() -> None:
    ends = RecordEndpointer(record(), RATE)
    assert ends.key("#") == RecordEnd("termchar", "#")


def test_a_key_is_no_end_without_dtmfterm() -> None:
    assert RecordEndpointer(record(dtmfterm=False), RATE).key("#") is None


def test_maxtime_ends_the_recording() -> None:
    end, at = run(RecordEndpointer(record(maxtime_s=1.0), RATE), speech(3.0))
    assert end == RecordEnd("maxtime") and abs(at - 1.0) < 0.03


def test_the_byte_cap_ends_the_recording_as_maxtime() -> None:
    ends = RecordEndpointer(record(), RATE, max_bytes=8000)  # 0.5 s of 16-bit PCM
    end, at = run(ends, speech(3.0))
    assert end == RecordEnd("maxtime") and abs(at - 0.5) < 0.03
    assert len(ends.kept(np.zeros(RATE, dtype="<i2"))) == 4000


def test_final_silence_after_speech_ends_it() -> None:
    ends = RecordEndpointer(record(finalsilence_s=0.5), RATE)
    end, at = run(ends, speech(1.0) + silence(2.0))
    assert end == RecordEnd("finalsilence") and ends.heard
    assert abs(at - 1.5) < 0.03


def test_a_pause_shorter_than_final_silence_does_not_end_it() -> None:
    ends = RecordEndpointer(record(finalsilence_s=0.5), RATE)
    end, _ = run(ends, speech(0.5) + silence(0.4) + speech(0.5))
    assert end is None


def test_silence_alone_is_noinput_after_the_timeout() -> None:
    end, at = run(RecordEndpointer(record(timeout_s=1.0, finalsilence_s=0.5), RATE), silence(3.0))
    assert end == RecordEnd("noinput") and abs(at - (1.0 + NOINPUT_GRACE)) < 0.03


def test_speech_before_the_timeout_is_not_noinput() -> None:
    end, _ = run(RecordEndpointer(record(timeout_s=1.0), RATE), silence(0.5) + speech(0.2) + silence(2.0))
    assert end is None


def test_audio_may_come_in_any_chunk_size() -> None:
    ends = RecordEndpointer(record(finalsilence_s=0.5), RATE)
    audio = speech(1.0) + silence(1.0)
    assert ends.feed(audio[:1001], 0.1) is None  # half a frame pending
    assert ends.feed(audio[1001:], 2.0) == RecordEnd("finalsilence")
    assert ends.captured == len(audio)
