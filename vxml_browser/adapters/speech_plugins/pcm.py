"""PCM16 helpers shared by the speech plugins: WAV/AU decoding, resampling, level, mixing.

Everything works on 16-bit signed little-endian mono PCM (``Audio``). Resampling is a
windowed-sinc low-pass (when going down) followed by linear interpolation: good enough for
telephone speech and cheap (numpy only; ``audioop`` is deprecated).
"""

from __future__ import annotations

import io
import struct
import wave

import numpy as np

from ..speech import Audio


class AudioFormatError(ValueError):
    """Bytes that are not a WAV or AU file we can read."""


def samples(pcm: bytes) -> np.ndarray:
    """PCM16 bytes as an int16 array (a view, no copy)."""
    return np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2")


def to_pcm(x: np.ndarray) -> bytes:
    """Float or int samples back to PCM16 bytes, clipped."""
    return np.clip(np.rint(x), -32768, 32767).astype("<i2").tobytes()


def _lowpass(cutoff: float, taps: int = 63) -> np.ndarray:
    """A Hamming-windowed sinc low-pass; ``cutoff`` is a fraction of the sample rate (< 0.5)."""
    k = np.arange(taps) - (taps - 1) / 2
    h = 2 * cutoff * np.sinc(2 * cutoff * k) * np.hamming(taps)
    return h / h.sum()


def resample(audio: Audio, rate: int) -> Audio:
    """``audio`` at ``rate`` Hz."""
    if audio.sample_rate == rate or not audio.pcm:
        return Audio(audio.pcm, rate) if not audio.pcm else audio
    x = samples(audio.pcm).astype(np.float64)
    src = audio.sample_rate
    if rate < src:
        x = np.convolve(x, _lowpass(0.5 * rate / src * 0.92), mode="same")
    n = int(len(x) * rate / src)
    t = np.arange(n) * (src / rate)
    y = np.interp(t, np.arange(len(x)), x)
    return Audio(to_pcm(y), rate)


def silence(seconds: float, rate: int) -> Audio:
    return Audio(bytes(2 * int(seconds * rate)), rate)


def concat(parts: list[Audio], rate: int) -> Audio:
    """Parts resampled to ``rate`` and joined."""
    return Audio(b"".join(resample(p, rate).pcm for p in parts), rate)


def rms_dbfs(pcm: bytes) -> float:
    """Level in dB relative to full scale (-inf for digital silence gives -120)."""
    x = samples(pcm).astype(np.float64)
    if not len(x):
        return -120.0
    r = float(np.sqrt(np.mean(x * x)))
    return 20 * np.log10(r / 32768) if r > 0 else -120.0


def peak_dbfs(pcm: bytes, rate: int = 8000, frame_s: float = 0.02) -> float:
    """The level of the loudest ``frame_s`` frame (dBFS)."""
    x = samples(pcm).astype(np.float64)
    frame = max(int(rate * frame_s), 1)
    n = len(x) // frame * frame
    if not n:
        return rms_dbfs(pcm)
    power = np.mean(x[:n].reshape(-1, frame) ** 2, axis=1).max()
    return 10 * np.log10(power / 32768**2) if power > 0 else -120.0


def mix_noise(audio: Audio, snr_db: float, *, seed: int = 0) -> Audio:
    """``audio`` plus white Gaussian noise at ``snr_db`` relative to the speech's active level
    (the RMS of the frames above -50 dBFS, so leading and trailing silence do not count)."""
    x = samples(audio.pcm).astype(np.float64)
    frame = max(audio.sample_rate // 50, 1)
    n = len(x) // frame * frame
    if not n:
        return audio
    frames = x[:n].reshape(-1, frame)
    power = np.mean(frames * frames, axis=1)
    active = power[power > (32768 * 10 ** (-50 / 20)) ** 2]
    signal = float(np.mean(active)) if len(active) else float(np.mean(power))
    noise_power = signal / 10 ** (snr_db / 10)
    rng = np.random.default_rng(seed)
    return Audio(to_pcm(x + rng.normal(0, np.sqrt(noise_power), len(x))), audio.sample_rate)


def background(audio: Audio, *, frame_s: float = 0.02, spread_db: float = 3.0,
               min_frames: int = 10) -> np.ndarray | None:
    """The line's background noise in ``audio``: its frames (rows) free of digital silence
    within ``spread_db`` of the quietest, or ``None`` unless ``min_frames`` of them come in a
    row (steady noise does; the quiet frames of speech over digital silence are scattered)."""
    x = samples(audio.pcm).astype(np.float64)
    frame = max(int(audio.sample_rate * frame_s), 1)
    n = len(x) // frame * frame
    frames = x[:n].reshape(-1, frame)
    live = (np.abs(frames) <= 2).mean(axis=1) < 0.1
    if live.sum() < min_frames:
        return None
    level = np.sqrt(np.mean(frames * frames, axis=1))
    quiet = live & (level <= np.percentile(level[live], 5) * 10 ** (spread_db / 20))
    run = longest = 0
    for q in quiet:
        run = run + 1 if q else 0
        longest = max(longest, run)
    return frames[quiet] if longest >= min_frames else None


def comfort_noise(frames: np.ndarray, count: int, *, seed: int = 0) -> np.ndarray:
    """``count`` samples of noise with the average spectrum and level of ``frames`` (rows of
    background noise): white noise through a filter shaped like it (as comfort noise is made
    from a silence descriptor, RFC 3389)."""
    nfft = 256
    spectrum = np.sqrt(np.mean(np.abs(np.fft.rfft(frames * np.hanning(frames.shape[1]), nfft)) ** 2, axis=0))
    shape = np.fft.fftshift(np.fft.irfft(spectrum, nfft)) * np.hanning(nfft)
    white = np.random.default_rng(seed).normal(0.0, 1.0, count + nfft)
    noise = np.convolve(white, shape, mode="same")[nfft // 2:nfft // 2 + count]
    return noise / (noise.std() or 1.0) * float(np.sqrt(np.mean(frames * frames)))


def read_wav(data: bytes) -> Audio:
    """A WAV file (PCM 8/16-bit, µ-law or A-law, any channel count: the first channel is kept).

    Streamed WAVs (espeak-ng ``--stdout``) carry a bogus length: the data runs to the end.
    """
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioFormatError("not a RIFF/WAVE file")
    pos, fmt, body = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        chunk = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = struct.unpack_from("<HHIIHH", chunk)
        elif cid == b"data":
            body = chunk
            break
        pos += 8 + size + (size & 1)
    if fmt is None or body is None:
        raise AudioFormatError("WAV without fmt or data chunk")
    tag, channels, rate, _, _, bits = fmt
    codec = {1: f"pcm{bits}", 6: "alaw", 7: "ulaw"}.get(tag) if tag != 0xFFFE else f"pcm{bits}"
    return _decode(body, codec, channels, rate)


def read_au(data: bytes) -> Audio:
    """A Sun/NeXT .au file (µ-law, A-law or 8/16-bit linear PCM)."""
    if data[:4] != b".snd":
        raise AudioFormatError("not an AU file")
    offset, size, enc, rate, channels = struct.unpack_from(">IIIII", data, 4)
    body = data[offset:] if size == 0xFFFFFFFF else data[offset:offset + size]
    codec = {1: "ulaw", 2: "pcm8s", 3: "pcm16be", 27: "alaw"}.get(enc)
    return _decode(body, codec, channels, rate)


def read_audio(data: bytes) -> Audio:
    """WAV or AU by its magic number."""
    if data[:4] == b".snd":
        return read_au(data)
    return read_wav(data)


def _decode(body: bytes, codec: str | None, channels: int, rate: int) -> Audio:
    if codec == "pcm16":
        x = np.frombuffer(body[: len(body) // 2 * 2], dtype="<i2")
    elif codec == "pcm16be":
        x = np.frombuffer(body[: len(body) // 2 * 2], dtype=">i2").astype("<i2")
    elif codec == "pcm8":  # WAV 8-bit is unsigned
        x = (np.frombuffer(body, dtype=np.uint8).astype(np.int16) - 128) << 8
    elif codec == "pcm8s":
        x = np.frombuffer(body, dtype=np.int8).astype(np.int16) << 8
    elif codec == "ulaw":
        x = ULAW[np.frombuffer(body, dtype=np.uint8)]
    elif codec == "alaw":
        x = ALAW[np.frombuffer(body, dtype=np.uint8)]
    else:
        raise AudioFormatError(f"unsupported audio encoding {codec!r}")
    if channels > 1:
        x = x[: len(x) // channels * channels].reshape(-1, channels)[:, 0]
    return Audio(np.ascontiguousarray(x, dtype="<i2").tobytes(), rate)


def _ulaw_table() -> np.ndarray:
    u = ~np.arange(256, dtype=np.int32) & 0xFF
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return np.where(u & 0x80, 0x84 - t, t - 0x84).astype(np.int16)


def _alaw_table() -> np.ndarray:
    a = np.arange(256, dtype=np.int32) ^ 0x55
    seg = (a & 0x70) >> 4
    t = (a & 0x0F) << 4
    t = np.where(seg == 0, t + 8, np.where(seg == 1, t + 0x108, (t + 0x108) << np.maximum(seg - 1, 0)))
    return np.where(a & 0x80, t, -t).astype(np.int16)


ULAW = _ulaw_table()
ALAW = _alaw_table()


def write_wav(audio: Audio) -> bytes:
    """``audio`` as a PCM16 mono WAV file."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(audio.sample_rate)
        w.writeframes(audio.pcm)
    return buf.getvalue()
