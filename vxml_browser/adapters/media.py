"""Audio conversion and the prompt cache of the SIP platform.

The conference bridge of pjsua2 plays 16-bit mono WAV files at its clock rate (8 kHz by default,
16 kHz for wideband). Everything a prompt can hold is brought to that form here, once, and kept
in a cache folder keyed by a hash of the source and the rate:

* audio files (``<audio src>``): WAV in any encoding libsndfile reads (PCM, µ-law, A-law), Sun AU
  (``audio/basic``, also headerless µ-law), MP3;
* synthesized text (a ``Synthesizer`` from ``adapters/speech.py``);
* tones (the ``<record>`` beep) and silence.

Recordings go the other way: the platform records PCM16 WAV and ``encode_recording`` returns
the type ``<record type>`` asked for (``audio/x-wav``/``audio/wav``, or ``audio/basic``: raw
8 kHz µ-law, as the console platform writes it). G.711 coding is done with numpy (the
``audioop`` module is deprecated).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import threading
import wave
from dataclasses import dataclass

import numpy as np

WAV_TYPES = frozenset({"audio/x-wav", "audio/wav", "audio/wave", "audio/vnd.wave"})


@dataclass(frozen=True, slots=True)
class Clip:
    """A converted prompt: a WAV file the bridge can play and its length."""

    path: str
    seconds: float


# -- G.711 -------------------------------------------------------------------------------------
def ulaw_decode(data: bytes) -> np.ndarray:
    u = ~np.frombuffer(data, dtype=np.uint8)
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = ((mantissa.astype(np.int32) << 3) + 0x84) << exponent
    sample = magnitude - 0x84
    return np.where(sign != 0, -sample, sample).astype(np.int16)


def ulaw_encode(pcm: np.ndarray) -> bytes:
    x = pcm.astype(np.int32)
    sign = np.where(x < 0, 0x80, 0)
    mag = np.minimum(np.abs(x), 32635) + 0x84
    exponent = np.floor(np.log2(mag)).astype(np.int32) - 7
    exponent = np.clip(exponent, 0, 7)
    mantissa = (mag >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8).tobytes()


def alaw_decode(data: bytes) -> np.ndarray:
    a = np.frombuffer(data, dtype=np.uint8) ^ 0x55
    sign = a & 0x80
    exponent = (a >> 4) & 0x07
    mantissa = (a & 0x0F).astype(np.int32)
    magnitude = np.where(exponent == 0, (mantissa << 4) + 8,
                         ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0))
    return np.where(sign != 0, magnitude, -magnitude).astype(np.int16)


# -- decoding and resampling ---------------------------------------------------------------------
def resample(pcm: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Resample int16 mono: a windowed-sinc low-pass when going down, then interpolation."""
    if src_rate == dst_rate or len(pcm) == 0:
        return pcm.astype(np.int16)
    x = pcm.astype(np.float64)
    if dst_rate < src_rate:
        cutoff = 0.45 * dst_rate / src_rate
        taps = 63
        n = np.arange(taps) - (taps - 1) / 2
        h = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(taps)
        x = np.convolve(x, h / h.sum(), mode="same")
    count = int(round(len(x) * dst_rate / src_rate))
    t = np.arange(count) * (src_rate / dst_rate)
    y = np.interp(t, np.arange(len(x)), x)
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def decode(data: bytes, media_type: str = "", uri: str = "") -> tuple[np.ndarray, int]:
    """Any prompt audio to (int16 mono samples, rate). Raises ``ValueError`` if unreadable."""
    lower = uri.lower().split("?")[0]
    if media_type in ("audio/basic", "audio/x-ulaw", "audio/pcmu") and not data.startswith(b".snd"):
        return ulaw_decode(data), 8000
    if lower.endswith((".ul", ".ulaw", ".mulaw")) and not data.startswith(b".snd"):
        return ulaw_decode(data), 8000
    if lower.endswith((".al", ".alaw")) or media_type in ("audio/x-alaw", "audio/pcma"):
        return alaw_decode(data), 8000
    import soundfile

    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="int16", always_2d=True)
    except Exception as exc:  # libsndfile's errors are plain RuntimeErrors
        raise ValueError(f"unreadable audio {uri or media_type}: {exc}") from exc
    mono = samples.mean(axis=1).astype(np.int16) if samples.shape[1] > 1 else samples[:, 0]
    return mono, int(rate)


def wav_bytes(pcm: np.ndarray, rate: int) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.astype("<i2").tobytes())
    return buf.getvalue()


def read_wav(path_or_bytes: str | bytes) -> tuple[np.ndarray, int]:
    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    with wave.open(src, "rb") as w:
        rate = w.getframerate()
        frames = w.readframes(w.getnframes())
        channels = w.getnchannels()
    pcm = np.frombuffer(frames, dtype="<i2")
    if channels > 1:
        pcm = pcm.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return pcm, rate


def tone(freq: float, seconds: float, rate: int, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    ramp = np.minimum(1.0, np.minimum(t, seconds - t) / 0.01)
    return (np.sin(2 * np.pi * freq * t) * ramp * level * 32767).astype(np.int16)


def encode_recording(pcm: np.ndarray, rate: int, media_type: str) -> tuple[bytes, str]:
    """A recording in the type ``<record type>`` names (WAV if the type is not supported)."""
    if media_type == "audio/basic":
        return ulaw_encode(resample(pcm, rate, 8000)), "audio/basic"
    return wav_bytes(pcm, rate), media_type if media_type in WAV_TYPES else "audio/x-wav"


def rms(pcm: np.ndarray) -> float:
    if len(pcm) == 0:
        return 0.0
    return float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2)))


class MediaCache:
    """Converted prompts on disk, keyed by content hash and rate (shared by a worker's calls)."""

    def __init__(self, folder: str | None = None, rate: int = 8000) -> None:
        self.folder = folder or os.path.join(tempfile.gettempdir(), "vxml-browser-media")
        os.makedirs(self.folder, exist_ok=True)
        self.rate = rate
        self._known: dict[str, Clip] = {}

    def _path(self, key: str) -> str:
        return os.path.join(self.folder, f"{key}-{self.rate}.wav")

    def key(self, *parts: bytes | str) -> str:
        h = hashlib.sha256()
        for part in parts:
            h.update(part.encode() if isinstance(part, str) else part)
            h.update(b"\0")
        return h.hexdigest()[:32]

    def lookup(self, key: str) -> Clip | None:
        clip = self._known.get(key)
        if clip is None and os.path.exists(self._path(key)):
            pcm, rate = read_wav(self._path(key))
            clip = self._known[key] = Clip(self._path(key), len(pcm) / rate)
        return clip

    def store(self, key: str, pcm: np.ndarray, rate: int) -> Clip:
        pcm = resample(pcm, rate, self.rate)
        path = self._path(key)
        tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"  # calls convert concurrently
        with open(tmp, "wb") as f:
            f.write(wav_bytes(pcm, self.rate))
        os.replace(tmp, path)
        clip = self._known[key] = Clip(path, len(pcm) / self.rate)
        return clip

    def audio(self, data: bytes, media_type: str = "", uri: str = "") -> Clip:
        key = self.key("audio", data)
        clip = self.lookup(key)
        if clip is None:
            pcm, rate = decode(data, media_type, uri)
            clip = self.store(key, pcm, rate)
        return clip

    def concat(self, clips: list[Clip]) -> Clip:
        """One file for several clips (a prompt of text and audio plays as one)."""
        if len(clips) == 1:
            return clips[0]
        key = self.key("concat", *[c.path for c in clips])
        clip = self.lookup(key)
        if clip is None:
            pcm = np.concatenate([read_wav(c.path)[0] for c in clips]) if clips else np.zeros(0, np.int16)
            clip = self.store(key, pcm, self.rate)
        return clip

    def beep(self) -> Clip:
        key = "beep"
        return self.lookup(key) or self.store(key, tone(1000, 0.25, self.rate), self.rate)
