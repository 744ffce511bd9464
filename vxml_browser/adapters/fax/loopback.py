"""An in-process telephone line for fax: two endpoints joined by a G.711 link, 20 ms at a time.

This stands in for the call leg in tests and for the store-and-forward queue's test dialer. Each
direction encodes the sender's 20 ms frames to G.711 (µ-law by default), delays them like an RTP
stream (a base latency, random jitter and a fixed playout buffer: a frame that arrives after its
playout time is lost and concealed by spandsp's PLC, as pjmedia's jitter buffer does), decodes them and may add white noise. Randomness is
seeded, so a run is reproducible.

An endpoint is anything with ``receive(pcm)``, ``transmit(samples) -> bytes`` and ``done``:
``FaxSession``, or the far ends below that are not fax machines (a voice caller, silence).
"""

from __future__ import annotations

import asyncio
import math
import random
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .spandsp import FRAME_BYTES, FRAME_SAMPLES, G711, SAMPLE_RATE, PacketLossConcealment

DBM0_RMS = 32767 / math.sqrt(2) / 10 ** (3.14 / 20)  # the RMS of a 0 dBm0 signal, ~16135


class Endpoint(Protocol):
    def receive(self, pcm: bytes) -> None: ...
    def transmit(self, samples: int = FRAME_SAMPLES) -> bytes: ...
    @property
    def done(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Line:
    """What the line does to the audio, in each direction."""

    law: str = "ulaw"
    latency_frames: int = 2  # one-way network delay, in 20 ms frames
    jitter_frames: int = 0  # extra random delay of 0..jitter frames per packet
    playout_frames: int | None = None  # jitter buffer: frames played this late (default: no loss)
    loss: float = 0.0  # share of packets lost in the network (played as silence)
    drop_at_s: tuple[float, ...] = ()  # packets lost at these call times (both ways)
    plc: bool = True  # conceal a lost packet like a VoIP jitter buffer (else play silence)
    noise_dbm0: float | None = None  # white noise added after decoding (e.g. -60)
    seed: int = 0


class G711Link:
    """One direction of the line: ``push`` a frame each tick, ``pop`` the frame played out."""

    def __init__(self, line: Line, rng: random.Random) -> None:
        self.line = line
        self.rng = rng
        self.codec = G711(line.law)
        self.plc = PacketLossConcealment() if line.plc else None
        self.playout = (line.playout_frames if line.playout_frames is not None
                        else line.latency_frames + line.jitter_frames)
        self.tick = 0
        self.in_flight: dict[int, tuple[int, bytes]] = {}  # seq -> (arrival tick, G.711 octets)
        self.lost = 0
        self.drop_ticks: frozenset[int] = frozenset()
        if line.noise_dbm0 is not None:
            # spandsp's scale (telephony.h): a full-scale 16-bit sine is +3.14 dBm0.
            rms = DBM0_RMS * 10 ** (line.noise_dbm0 / 20)
            self.noise: np.random.Generator | None = np.random.default_rng(line.seed)
            self.noise_rms = rms
        else:
            self.noise = None
            self.noise_rms = 0.0

    def push(self, pcm: bytes) -> None:
        delay = self.line.latency_frames + (
            self.rng.randint(0, self.line.jitter_frames) if self.line.jitter_frames else 0)
        if self.line.loss and self.rng.random() < self.line.loss:
            return  # lost on the way
        if self.tick in self.drop_ticks:
            return
        self.in_flight[self.tick] = (self.tick + delay, self.codec.encode(pcm))

    def pop(self) -> bytes:
        seq = self.tick - self.playout
        if seq < 0:
            self.tick += 1
            return bytes(FRAME_BYTES)
        self.tick += 1
        arrival, octets = self.in_flight.pop(seq, (math.inf, b""))
        if arrival > seq + self.playout:  # late or never: the jitter buffer plays silence
            self.lost += 1
            pcm = self.plc.fill(FRAME_SAMPLES) if self.plc else bytes(FRAME_BYTES)
        else:
            pcm = self.codec.decode(octets)
            if self.plc:
                pcm = self.plc.rx(pcm)
        if self.noise is not None:
            samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
            samples += self.noise.normal(0.0, self.noise_rms, samples.size)
            pcm = np.clip(samples, -32768, 32767).astype(np.int16).tobytes()
        return pcm


class Silence:
    """A far end that says nothing and never hangs up (an open line)."""

    done = False

    def receive(self, pcm: bytes) -> None:
        pass

    def transmit(self, samples: int = FRAME_SAMPLES) -> bytes:
        return bytes(samples * 2)


class VoiceCaller:
    """A far end that talks: voiced syllables (a 120 Hz buzz with formant-like harmonics,
    4 syllables a second with pauses), which a fax detector must not take for a fax."""

    done = False

    def __init__(self, seed: int = 1) -> None:
        self.t = 0
        self.rng = np.random.default_rng(seed)

    def receive(self, pcm: bytes) -> None:
        pass

    def transmit(self, samples: int = FRAME_SAMPLES) -> bytes:
        n = np.arange(self.t, self.t + samples) / SAMPLE_RATE
        self.t += samples
        f0 = 120 + 20 * np.sin(2 * np.pi * 0.7 * n)
        voice = sum(np.sin(2 * np.pi * k * f0 * n) / k for k in range(1, 12))
        envelope = np.clip(np.sin(2 * np.pi * 4 * n), 0, None) * (np.sin(2 * np.pi * 0.3 * n) > -0.5)
        pcm = 3000 * voice * envelope + self.rng.normal(0, 30, samples)
        return np.clip(pcm, -32768, 32767).astype(np.int16).tobytes()


@dataclass(frozen=True, slots=True)
class CallStats:
    seconds: float
    lost_frames: int
    cut: bool


def run_call(a: Endpoint, b: Endpoint, line: Line = Line(), *, max_s: float = 300.0,
             cut_after_s: float | None = None, grace_s: float = 3.0,
             hangup_far_end: bool = True) -> CallStats:
    """Run the call from ``a``'s side until ``a`` is done (then ``b`` gets ``grace_s`` more to
    finish, if it is a fax), the line is cut at ``cut_after_s``, or ``max_s`` of audio have
    passed. Then ``a`` (and ``b`` unless ``hangup_far_end`` is False, or on a cut) is told the
    call is over."""
    rng = random.Random(line.seed)
    ab, ba = G711Link(line, rng), G711Link(line, rng)
    ab.drop_ticks = ba.drop_ticks = frozenset(
        int(t * SAMPLE_RATE / FRAME_SAMPLES) for t in line.drop_at_s)
    b_is_fax = hasattr(b, "hangup")
    ticks = int(max_s * SAMPLE_RATE / FRAME_SAMPLES)
    cut_tick = None if cut_after_s is None else int(cut_after_s * SAMPLE_RATE / FRAME_SAMPLES)
    grace = int(grace_s * SAMPLE_RATE / FRAME_SAMPLES)
    a_done_at: int | None = None
    tick = 0
    cut = False
    for tick in range(ticks):  # noqa: B007 - used after the loop
        if a.done:
            a_done_at = tick if a_done_at is None else a_done_at
            if not b_is_fax or b.done or tick - a_done_at >= grace:
                break
        if cut_tick is not None and tick >= cut_tick:
            cut = True
            break
        ab.push(a.transmit(FRAME_SAMPLES))
        ba.push(b.transmit(FRAME_SAMPLES))
        b.receive(ab.pop())
        a.receive(ba.pop())
    a.hangup()  # type: ignore[attr-defined]
    if b_is_fax and (hangup_far_end or cut):
        b.hangup()  # type: ignore[attr-defined]
    return CallStats(seconds=tick * FRAME_SAMPLES / SAMPLE_RATE,
                     lost_frames=ab.lost + ba.lost, cut=cut)


class LoopbackCall:
    """A call whose far end is in this process: the ``CallAudio`` the fax object and the fax
    queue use in tests (and the interface the SIP platform implements for real calls)."""

    def __init__(self, far_end: Endpoint, line: Line = Line(), *, max_s: float = 300.0,
                 cut_after_s: float | None = None) -> None:
        self.far_end = far_end
        self.line = line
        self.max_s = max_s
        self.cut_after_s = cut_after_s
        self.stats: CallStats | None = None
        self.cut = False
        self.hung_up = False

    async def run_fax(self, session: Endpoint) -> None:
        """Route the call's audio through ``session`` until it is done or the call ends. Runs the
        whole simulated call at once, then yields to the event loop."""
        self.stats = await asyncio.to_thread(
            run_call, session, self.far_end, self.line, max_s=self.max_s,
            cut_after_s=self.cut_after_s, hangup_far_end=False)
        self.cut = self.cut or self.stats.cut

    async def hangup(self) -> None:
        self.hung_up = True
