"""When a ``<record>`` ends (VoiceXML 2.0 §2.3.6): ``RecordEndpointer``, fed the recording's
audio and the time it has run, decides; the platform only reads audio and keys.

A recording ends, first reason first:

- ``termchar``: a key while ``dtmfterm`` is true (the key is the ``termchar`` shadow variable);
- ``maxtime``: ``maxtime`` has passed, or the audio reached the ``max_recording_bytes`` cap
  (``limits.recording_cap``: the platform's own limit ends it as maxtime does);
- ``finalsilence``: after speech, ``finalsilence`` of silence;
- ``noinput``: no speech at all within ``timeout`` (plus ``NOINPUT_GRACE``).

Speech is a 20 ms frame louder than ``VOICE_RMS``. Like ``listening.Listener`` it counts time
in samples and reads no clock: tests feed frames and elapsed seconds and run instantly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..core.actions import Record
from .limits import recording_cap
from .media import rms

VOICE_RMS = 300.0
"""A 20 ms frame louder than this counts as speech (about -40 dBFS)."""

NOINPUT_GRACE = 0.5
"""Seconds past ``timeout`` before a silent recording is noinput (the caller's first breath)."""

FRAME_S = 0.02


@dataclass(frozen=True, slots=True)
class RecordEnd:
    """The recording is over, and why."""

    reason: Literal["termchar", "maxtime", "finalsilence", "noinput"]
    termchar: str | None = None


class RecordEndpointer:
    """One ``<record>``'s end (see the module docstring)."""

    def __init__(self, action: Record, sample_rate: int, max_bytes: int = 0) -> None:
        self.action = action
        self.rate = sample_rate
        self.max_bytes = max_bytes
        self.frame_bytes = int(sample_rate * FRAME_S) * 2
        self.heard = False
        """Speech came: a hangup now still keeps the recording."""
        self.captured = 0
        """Bytes of 16-bit PCM fed so far."""
        self.silent_s = 0.0
        self._pending = b""

    def key(self, key: str) -> RecordEnd | None:
        """A key from the caller: the end when ``dtmfterm`` is set."""
        return RecordEnd("termchar", key) if self.action.dtmfterm else None

    def feed(self, pcm: bytes, elapsed_s: float) -> RecordEnd | None:
        """The audio captured since the last feed (any length) and the seconds the recording
        has run: the end once one is reached."""
        self.captured += len(pcm)
        data = self._pending + pcm
        whole = len(data) // self.frame_bytes * self.frame_bytes
        self._pending = data[whole:]
        for i in range(0, whole, self.frame_bytes):
            if rms(np.frombuffer(data[i:i + self.frame_bytes], dtype="<i2")) > VOICE_RMS:
                self.heard, self.silent_s = True, 0.0
            else:
                self.silent_s += FRAME_S
        action = self.action
        _, capped = recording_cap(self.captured, self.max_bytes)
        if capped or (action.maxtime_s and elapsed_s >= action.maxtime_s):
            return RecordEnd("maxtime")
        if self.heard and action.finalsilence_s and self.silent_s >= action.finalsilence_s - 1e-9:
            return RecordEnd("finalsilence")
        if not self.heard and action.timeout_s and elapsed_s >= action.timeout_s + NOINPUT_GRACE:
            return RecordEnd("noinput")
        return None

    def kept(self, pcm: np.ndarray) -> np.ndarray:
        """The samples of the whole recording that the cap keeps."""
        kept, _ = recording_cap(len(pcm) * 2, self.max_bytes)
        return pcm[: kept // 2]
