"""The fax queue's ``Dialer`` on the SIP platform (``adapters/fax/queue.py``).

``SipFaxDialer(engine).dial(number)`` places an outbound call through the process's ``Engine``
and returns, once it is answered and has audio, a ``SipPlacedCall``: its ``run_fax(endpoint)``
routes the call's audio through the ``FaxSession`` one 20 ms frame at a time (``Engine.fax``,
2.15's ``AudioMediaPort``, as for the fax objects on inbound calls) and ``hangup()`` ends it.
A call that is not answered raises ``DialFailed``:

| final status | reason |
| --- | --- |
| 486, 600, 603 | ``busy`` |
| 408, 480, 487, or no answer within ``answer_timeout_s`` | ``noanswer`` |
| 5xx | ``congestion`` |
| anything else, or a dial that fails at once | ``failed`` |

Like ``SipCall`` it never touches pjsua2 itself: commands go through ``engine.run``/``submit``
and the leg's events come back to the loop. Fax needs the 2.15 wheel (``Engine.has_frames``).

    queue = FaxQueue("faxq.db", SipFaxDialer(engine, uri="sip:{number}@gateway.example"))
    await queue.run_due()
"""

from __future__ import annotations

import logging
from typing import Any

from ..fax.queue import DialFailed
from .engine import Engine
from .leg import Leg, Legs, fax_frames, setup_outcome

log = logging.getLogger(__name__)


def dial_failure(code: int) -> str:
    """``DialFailed.reason`` for an outbound call's final SIP status (see the module table):
    ``setup_outcome``'s choice in the fax queue's words."""
    outcome = setup_outcome(code)
    return {"network_busy": "congestion", "unknown": "failed"}.get(outcome, outcome)


class SipPlacedCall:
    """An answered outbound call (the queue's ``PlacedCall``); state lives on the loop."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.lines = Legs(engine)
        self.leg = Leg(0)
        self.fax_done = False

    @property
    def key(self) -> int:
        return self.leg.key

    def on_event(self, kind: str, arg: Any) -> None:  # on the loop
        if kind == "fax_done":
            self.fax_done = True
        self.leg.on_event(kind, arg)
        self.lines.wake()

    @property
    def hung_up(self) -> bool:
        return self.leg.ended

    async def wait(self, condition: Any, timeout_s: float | None) -> bool:
        return await self.lines.wait(condition, timeout_s)

    async def run_fax(self, endpoint: Any) -> None:
        """Frames both ways until the endpoint is done or the call ends (``CallAudio``)."""
        if self.hung_up:
            endpoint.hangup()
            return
        await fax_frames(self, endpoint)

    async def hangup(self) -> None:
        if not self.hung_up:
            self.engine.submit(self.engine.hangup, self.key, 0)
            await self.wait(lambda: self.hung_up, 5.0)


class SipFaxDialer:
    """Places the queue's calls: ``uri`` makes a SIP URI of a number (``{number}`` in it)."""

    def __init__(self, engine: Engine, *, uri: str = "sip:{number}@127.0.0.1",
                 answer_timeout_s: float = 60.0) -> None:
        self.engine = engine
        self.uri = uri
        self.answer_timeout_s = answer_timeout_s

    async def dial(self, number: str) -> SipPlacedCall:
        if not self.engine.has_frames:
            raise DialFailed("failed", f"fax needs the pjsua2 2.15 wheel, not {self.engine.version}")
        dest = number if number.startswith(("sip:", "sips:")) else self.uri.format(number=number)
        placed = SipPlacedCall(self.engine)
        engine = self.engine

        def sink(kind: str, arg: Any) -> None:  # engine thread
            engine.post(placed.on_event, kind, arg)

        def make() -> int:
            placed.leg.key = key = engine.new_key()
            return engine.make_call_keyed(key, dest, sink)

        try:
            await engine.run(make)
        except Exception as exc:
            raise DialFailed("failed", f"{dest}: {exc}") from exc
        up = await placed.wait(
            lambda: placed.hung_up or placed.leg.answered,
            self.answer_timeout_s)
        if placed.hung_up:
            code, reason = placed.leg.disconnected  # type: ignore[misc]
            raise DialFailed(dial_failure(code), f"{dest}: {code} {reason}")
        if not up:
            engine.submit(engine.hangup, placed.key, 0)
            raise DialFailed("noanswer", f"{dest}: no answer in {self.answer_timeout_s:g} s")
        log.info("fax call to %s answered", dest)
        return placed
