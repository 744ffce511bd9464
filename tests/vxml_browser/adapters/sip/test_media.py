"""Audio conversion and the prompt cache (vxml_browser/adapters/media.py)."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from vxml_browser.adapters.media import (
    MediaCache,
    alaw_decode,
    decode,
    encode_recording,
    read_wav,
    resample,
    tone,
    ulaw_decode,
    ulaw_encode,
    wav_bytes,
)


def test_ulaw_round_trip_is_close() -> None:
    pcm = tone(440, 0.1, 8000, 0.5)
    back = ulaw_decode(ulaw_encode(pcm))
    assert np.max(np.abs(back.astype(int) - pcm.astype(int))) < 0.04 * 32768
    assert ulaw_encode(np.zeros(4, dtype=np.int16)) == b"\xff" * 4


def test_alaw_silence_and_sign() -> None:
    assert np.all(np.abs(alaw_decode(b"\xd5\x55")) <= 8)
    assert alaw_decode(b"\xaa")[0] == -alaw_decode(b"\x2a")[0]


def test_resample_keeps_length_and_pitch() -> None:
    pcm = tone(1000, 1.0, 16000)
    down = resample(pcm, 16000, 8000)
    assert len(down) == 8000
    spectrum = np.abs(np.fft.rfft(down.astype(float)))
    assert abs(np.argmax(spectrum) * 8000 / len(down) - 1000) < 5


def test_decode_wav_au_and_headerless_ulaw() -> None:
    pcm = tone(500, 0.2, 16000)
    got, rate = decode(wav_bytes(pcm, 16000), "audio/wav")
    assert rate == 16000 and len(got) == len(pcm)
    got, rate = decode(ulaw_encode(tone(500, 0.2, 8000)), "audio/basic")
    assert rate == 8000 and len(got) == 1600
    import soundfile

    buf = io.BytesIO()
    soundfile.write(buf, tone(500, 0.2, 8000), 8000, format="AU", subtype="ULAW")
    got, rate = decode(buf.getvalue(), "audio/basic", "x.au")
    assert rate == 8000 and len(got) == 1600


def test_decode_mp3() -> None:
    import soundfile

    buf = io.BytesIO()
    try:
        soundfile.write(buf, tone(500, 1.0, 16000), 16000, format="MP3")
    except (soundfile.LibsndfileError, TypeError, ValueError):
        pytest.skip("this libsndfile has no MP3 encoder")
    got, rate = decode(buf.getvalue(), "audio/mpeg", "x.mp3")
    assert rate == 16000 and abs(len(got) - 16000) < 3000


def test_unreadable_audio_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unreadable audio x.wav"):
        decode(b"not audio", "audio/wav", "x.wav")


def test_recordings_in_the_requested_type() -> None:
    pcm = tone(500, 0.5, 8000)
    data, media_type = encode_recording(pcm, 8000, "audio/x-wav")
    assert media_type == "audio/x-wav"
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getframerate(), w.getnframes()) == (8000, 4000)
    data, media_type = encode_recording(pcm, 8000, "audio/basic")
    assert media_type == "audio/basic" and len(data) == 4000


def test_cache_converts_once_and_concatenates(tmp_path) -> None:
    cache = MediaCache(str(tmp_path), rate=8000)
    src = wav_bytes(tone(500, 0.5, 16000), 16000)
    a = cache.audio(src, "audio/wav")
    assert abs(a.seconds - 0.5) < 0.01 and read_wav(a.path)[1] == 8000
    assert cache.audio(src, "audio/wav") == a
    assert MediaCache(str(tmp_path), rate=8000).lookup(cache.key("audio", src)) == a
    both = cache.concat([a, cache.beep()])
    assert abs(both.seconds - 0.75) < 0.01
