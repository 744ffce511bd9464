"""A fax on a call's audio: T.30 over 8 kHz 16-bit PCM, one 20 ms frame at a time.

``FaxSession`` is what a telephony platform plugs into a call's media. It knows nothing of SIP,
RTP or threads: the platform hands it every frame it hears and asks it for every frame to send
(the hook the SIP platform calls, per 20 ms frame, is described in the package README). Time is
the audio: T.30's timers run on the samples fed in, so tests run a whole call in milliseconds.

Sending and receiving use TIFF-F files (``documents`` converts to and from them); the session's
result says what happened, as a VoiceXML object's shadow variables or an ``error.fax.*`` event.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Literal

from . import events
from .spandsp import (
    FRAME_SAMPLES,
    SAMPLE_RATE,
    T4_ENCODINGS,
    T30_ERR,
    FaxTerminal,
    ToneDetector,
    completion_name,
    completion_text,
)

Mode = Literal["send", "receive"]

PIXELS_PER_METRE_PER_DPI = 39.37


@dataclass(frozen=True, slots=True)
class FaxResult:
    """How a fax call ended. ``event`` is None when it went through."""

    mode: Mode
    status: str  # "ok" or the T.30 completion code's name in lower case ("t1_expired", ...)
    event: str | None
    message: str
    pages: int  # pages sent or received and confirmed
    remote_id: str  # the far end's TSI/CSI
    bit_rate: int
    ecm: bool
    encoding: str
    resolution: tuple[int, int]  # dpi, horizontal x vertical
    duration_s: float  # audio time from the first frame to phase E
    page_times_s: tuple[float, ...] = ()  # audio time each page took (from the previous one)
    bad_rows: tuple[int, ...] = ()  # per received page (always 0 with ECM)

    @property
    def ok(self) -> bool:
        return self.event is None

    def shadow(self) -> dict[str, Any]:
        """The object's shadow variables (the field's value is this dict)."""
        return {
            "status": self.status,
            "pages": self.pages,
            "remote_id": self.remote_id,
            "bit_rate": self.bit_rate,
            "ecm": self.ecm,
            "encoding": self.encoding,
            "resolution": f"{self.resolution[0]}x{self.resolution[1]}",
            "duration": round(self.duration_s, 2),
        }


@dataclass(slots=True)
class _Limits:
    timeout_s: float | None
    max_bad_rows: int


@dataclass(slots=True)
class _Outcome:
    forced: tuple[str, str] | None = None  # (event, message) decided outside T.30


class FaxSession:
    """One fax transfer on one call: ``send`` a TIFF-F file, or ``receive`` into one.

    ``calling`` is the T.30 role, by default the usual one: the platform that sends to a caller
    behaves as the calling fax (it plays CNG and waits for the caller's machine to answer with
    CED/DIS, as when a person presses Start to receive), and the platform that receives answers
    (CED, then DIS). ``max_bad_rows`` rejects a received page with more damaged rows (only
    possible without ECM). Thread-safe: ``receive`` and ``transmit`` may come from different
    media threads.
    """

    def __init__(self, mode: Mode, path: str, *, calling: bool | None = None,
                 ident: str = "", header: str = "", ecm: bool = True,
                 timeout_s: float | None = None, max_bad_rows: int = 20,
                 max_bit_rate: int = 14400, debug_log: bool = False) -> None:
        if mode not in ("send", "receive"):
            raise ValueError(f"fax mode must be 'send' or 'receive', not {mode!r}")
        self.mode: Mode = mode
        self.path = path
        self.calling = (mode == "send") if calling is None else calling
        self._term = FaxTerminal(self.calling, ecm=ecm, ident=ident, header=header,
                                 max_bit_rate=max_bit_rate, debug_log=debug_log)
        if mode == "send":
            self._term.set_tx_file(path)
        else:
            self._term.set_rx_file(path)
        self._limits = _Limits(timeout_s, max_bad_rows)
        self._outcome = _Outcome()
        self._lock = threading.Lock()
        self._result: FaxResult | None = None
        self._hung_up = False

    # -- the per-frame hook -------------------------------------------------------------------------
    def receive(self, pcm: bytes) -> None:
        """Audio heard from the far end (8 kHz signed 16-bit native-endian PCM, any length;
        normally one 20 ms frame of 320 bytes)."""
        with self._lock:
            if self._result is not None:
                return
            self._term.rx(pcm)
            limit = self._limits.timeout_s
            if limit is not None and self._term.samples >= limit * SAMPLE_RATE and not self.done:
                self._outcome.forced = (events.TIMEOUT,
                                        f"no complete fax within the {limit:g} s timeout")
                self._term.terminate()

    def transmit(self, samples: int = FRAME_SAMPLES) -> bytes:
        """The next ``samples`` of audio to send (silence once the fax is over)."""
        with self._lock:
            if self._result is not None or self._hung_up:
                return bytes(samples * 2)
            return self._term.tx(samples)

    def on_frame(self, pcm: bytes) -> bytes:
        """Both at once, for a platform with one callback per frame: hear ``pcm``, return the
        frame to send."""
        self.receive(pcm)
        return self.transmit(len(pcm) // 2 or FRAME_SAMPLES)

    def hangup(self) -> None:
        """The call has ended (either side). T.30 ends where it is."""
        with self._lock:
            self._hung_up = True
            if self._term.completion is None:
                self._term.terminate()

    # -- state ---------------------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        """T.30 reached phase E (success or failure): stop feeding and collect ``result()``."""
        return self._term.completion is not None

    @property
    def seconds(self) -> float:
        return self._term.samples / SAMPLE_RATE

    def result(self) -> FaxResult:
        """The outcome (call after ``done``, or after ``hangup``; frees spandsp's state)."""
        with self._lock:
            if self._result is None:
                if self._term.completion is None:
                    self._term.terminate()
                self._result = self._build_result()
                self._term.close()
            return self._result

    def _build_result(self) -> FaxResult:
        term = self._term
        code = term.completion if term.completion is not None else T30_ERR["CALLDROPPED"]
        name = completion_name(code)
        receiving = self.mode == "receive"
        st = term.stats()
        pages = st.pages_rx if receiving else st.pages_tx
        bad_rows = tuple(s.bad_rows for s in term.page_stats) if receiving else ()
        event = events.event_for(name, receiving=receiving, negotiated=term.negotiated)
        message = completion_text(code)
        if self._outcome.forced is not None and event is not None:
            event, message = self._outcome.forced
        if event is None and receiving:
            worst = max(bad_rows, default=0)
            if worst > self._limits.max_bad_rows:
                event = events.BADPAGE
                message = (f"page {bad_rows.index(worst) + 1} arrived with {worst} damaged rows"
                           f" (at most {self._limits.max_bad_rows} accepted)")
            elif pages == 0:
                event, message = events.NOTFAX, "the far end sent no page"
        if event is not None and pages:
            message += f" ({pages} page{'s' if pages != 1 else ''} completed before it)"
        ends = [0, *term.page_ends]
        return FaxResult(
            mode=self.mode,
            status="ok" if event is None else name.lower(),
            event=event,
            message=message if event else "",
            pages=pages,
            remote_id=term.remote_ident(),
            bit_rate=st.bit_rate if term.negotiated else 0,
            ecm=bool(st.error_correcting_mode) if term.negotiated else False,
            encoding=T4_ENCODINGS.get(st.encoding, "") if term.negotiated else "",
            resolution=(round(st.x_resolution / PIXELS_PER_METRE_PER_DPI),
                        round(st.y_resolution / PIXELS_PER_METRE_PER_DPI)),
            duration_s=term.samples / SAMPLE_RATE,
            page_times_s=tuple((b - a) / SAMPLE_RATE for a, b in zip(ends, ends[1:], strict=False)),
            bad_rows=bad_rows,
        )


class FaxToneDetector:
    """Tells a fax machine from a voice caller on a call's audio: CNG (a calling fax, 1100 Hz
    beeps) or, with ``kind="ced"``, an answering fax's CED/V.21 preamble. Feed it the frames an
    IVR hears while it plays its greeting; ``heard`` turns True when the tone is there."""

    def __init__(self, kind: Literal["cng", "ced"] = "cng") -> None:
        self._detector = ToneDetector(kind)

    def feed(self, pcm: bytes) -> bool:
        return self._detector.feed(pcm)

    @property
    def heard(self) -> bool:
        return self._detector.heard
