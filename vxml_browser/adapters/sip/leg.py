"""SIP legs on the loop side: what the engine said of each dialog (``Leg``), the legs one task
dials (``Legs``), and what a failed or ended leg means to a transfer (VoiceXML 2.0 §2.3.7).

The engine thread (``engine.py``) owns PJSIP; it gives each leg's events (``early``,
``confirmed``, ``media``, ``disconnected``, ``dtmf``, ``xfer``) to a sink that posts them to the
loop in order (``Engine.post``), where a ``Leg`` keeps them and the waiting task is woken.
Everything here runs on the loop and talks to the engine only through ``run``/``submit``.

``Legs`` is shared by every task that places calls: a caller's ``SipCall`` (transfer targets,
agents, supervisors), an ACD callback (the customer and the agents, ``callbacks.py``) and the
outbound fax (``fax_dialer.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

DIALOG_FAILED = (408, 481)
"""A far leg's dialog ended with one of these (or a 5xx) after it was up: the network or its
host failed (408: a request in the dialog timed out; 481: the far end lost the dialog), not a BYE."""


def setup_outcome(code: int) -> str:
    """A bridge's far leg that failed before answer, by its final SIP status (VoiceXML 2.0
    §2.3.7.2.2; the ISUP mapping of RFC 3398 for the choices).

    - ``busy`` (the callee is busy): 486 Busy Here, 600 Busy Everywhere, and 603 Decline (the
      callee's own refusal, ISUP cause 21 "call rejected": the destination, not the network).
    - ``noanswer``: 408 Request Timeout, 480 Temporarily Unavailable, 487 Request Terminated
      (connecttimeout itself is handled before any response).
    - ``network_busy`` (an intermediate network refused the call): every 5xx, above all 503
      Service Unavailable (ISUP 34/42, no circuit, congestion), 502 and 504 from a gateway.
    - ``unknown``: anything else (488, ...). Some codes are errors instead: ``setup_error``.
    """
    if code in (486, 600, 603):
        return "busy"
    if code in (408, 480, 487):
        return "noanswer"
    if 500 <= code < 600:
        return "network_busy"
    return "unknown"


def setup_error(code: int) -> str | None:
    """The error event for a transfer's final SIP status, when the status says more than an
    outcome (VoiceXML 2.0 §2.3.7.2.2): ``error.connection.baddestination`` for 404, 484 and
    604 (no such destination), ``error.connection.noauthorization`` for 401 and 407 (the peer
    refused our credentials: see ``[[sip.credentials]]``) and 403 (the caller may not call
    it); else None."""
    if code in (404, 484, 604):
        return "error.connection.baddestination"
    if code in (401, 403, 407):
        return "error.connection.noauthorization"
    return None


def end_outcome(code: int) -> Literal["network_disconnect", "far_end_disconnect"]:
    """A bridged far leg that ended by itself, by the status it ended with: a failed dialog
    (``DIALOG_FAILED``, 5xx) is the network's, anything else the far party hanging up."""
    return "network_disconnect" if code in DIALOG_FAILED or code >= 500 else "far_end_disconnect"


def uui(aai: str | None) -> dict[str, str] | None:
    """The INVITE headers that carry a transfer's ``aai`` (User-to-User, RFC 7433)."""
    return {"User-to-User": aai} if aai else None


@dataclass(eq=False)
class Leg:
    """One SIP dialog's events as the loop has them (one object per dialog: compared by identity)."""

    key: int
    """The engine's key of the leg (also its bridge slot for ``Legs.bridge``/``connect``)."""
    dest: str = ""
    early: int | None = None
    """The provisional status it rang with (180, 183), once it did."""
    confirmed: dict[str, Any] | None = None
    """The 200 OK was acknowledged: the dialog's details (Call-ID, tags) from the engine."""
    media: bool = False
    """Its audio is connected to the bridge."""
    disconnected: tuple[int, str] | None = None
    """The dialog ended: its last status and reason."""
    keys: list[str] = field(default_factory=list)
    """The keys it sent, in order."""
    xfer: list[tuple[int, bool]] = field(default_factory=list)
    """A REFER's NOTIFYs: (status, final)."""

    @property
    def answered(self) -> bool:
        """Up: 200 OK confirmed and its audio ready."""
        return self.confirmed is not None and self.media

    @property
    def ended(self) -> bool:
        return self.disconnected is not None

    @property
    def code(self) -> int:
        """The status the dialog ended with (0 while it is up)."""
        return self.disconnected[0] if self.disconnected else 0

    def on_event(self, kind: str, arg: Any) -> None:
        """Keep one of the engine's events (on the loop)."""
        if kind == "early":
            self.early = arg or 180
        elif kind == "confirmed":
            self.confirmed = arg if isinstance(arg, dict) else {}
        elif kind == "media":
            self.media = True
        elif kind == "disconnected":
            self.disconnected = arg
        elif kind == "dtmf":
            self.keys.append(arg[0])
        elif kind == "xfer":
            self.xfer.append(arg)


async def wait_until(wake: asyncio.Event, condition: Callable[[], bool], timeout_s: float | None) -> bool:
    """Wait until ``condition()`` holds (True) or ``timeout_s`` runs out (False, unless it holds
    by then); ``wake`` is set by whoever changes what ``condition`` reads (a leg's events)."""
    loop = asyncio.get_running_loop()
    deadline = None if timeout_s is None else loop.time() + timeout_s
    while not condition():
        wake.clear()
        left = None if deadline is None else deadline - loop.time()
        if left is not None and left <= 0:
            return False
        try:
            await asyncio.wait_for(wake.wait(), left)
        except TimeoutError:
            return bool(condition())
    return True


class Legs:
    """The legs one task dialled, and the engine commands over them. ``wait`` wakes on any of
    their events (and on ``wake()``, for what else the task follows)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.legs: dict[int, Leg] = {}
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def wait(self, condition: Callable[[], bool], timeout_s: float | None) -> bool:
        """Wait until ``condition()`` holds (True) or the time runs out (False)."""
        return await wait_until(self._wake, condition, timeout_s)

    async def woken(self) -> None:
        """Wait for the next event or ``wake()`` since the last ``woken`` returned."""
        await self._wake.wait()
        self._wake.clear()

    def on_leg_event(self, key: int, kind: str, arg: Any) -> None:
        self.legs.setdefault(key, Leg(key)).on_event(kind, arg)
        self._wake.set()

    async def dial(self, dest: str, headers: dict[str, str] | None = None) -> Leg:
        """Call ``dest`` on a new leg (raises what the engine raised when it cannot)."""
        engine = self.engine

        def make() -> int:  # engine thread: the key must be known before the first event
            key = engine.new_key()

            def sink(kind: str, arg: Any) -> None:  # engine thread
                engine.post(self.on_leg_event, key, kind, arg)

            return engine.make_call_keyed(key, dest, sink, headers)

        key = await engine.run(make)
        leg = self.legs.setdefault(key, Leg(key))
        leg.dest = dest
        return leg

    def hang_up(self, leg: Leg, code: int = 0) -> None:
        self.engine.submit(self.engine.hangup, leg.key, code)

    async def bridge(self, a: int, b: int) -> None:
        """Both ways between the legs (engine keys): raises ``KeyError`` when one is gone."""
        await self.engine.run(self.engine.bridge, a, b)

    def unbridge(self, a: int) -> None:
        self.engine.submit(self.engine.unbridge, a)

    def connect(self, src: int, dst: int) -> None:
        """One way: ``dst`` hears ``src`` (a supervisor's paths)."""
        self.engine.submit(self.engine.connect, src, dst)

    def disconnect(self, src: int, dst: int) -> None:
        self.engine.submit(self.engine.disconnect, src, dst)

    async def rx_packets(self, leg: Leg) -> int | None:
        """The RTP packets the leg has received so far (None: no media)."""
        count: int | None = await self.engine.run(self.engine.rx_packets, leg.key)
        return count


class FaxLine(Protocol):
    """A leg a fax runs on (``SipCall``, ``fax_dialer.SipPlacedCall``)."""

    engine: Any
    key: int
    fax_done: bool

    @property
    def hung_up(self) -> bool: ...

    async def wait(self, condition: Callable[[], bool], timeout_s: float | None) -> bool: ...


async def fax_frames(line: FaxLine, endpoint: Any) -> None:
    """A fax ``CallAudio`` on ``line``: the engine routes the leg's audio both ways through
    ``endpoint`` until it is done or the leg hangs up; the leg stays up."""
    line.fax_done = False
    await line.engine.run(line.engine.fax, line.key, endpoint)
    try:
        await line.wait(lambda: line.fax_done or line.hung_up or endpoint.done, None)
    finally:
        if line.hung_up:
            endpoint.hangup()
        await line.engine.run(line.engine.stop_fax, line.key)
