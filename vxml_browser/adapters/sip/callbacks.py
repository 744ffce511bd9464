"""ACD callbacks on SIP: the customer who asked to be called back (CTI op ``callback``) is dialled
when his turn comes (``agent_queue/CTI.md``, "Callbacks").

* One ``CallbackDialer`` per worker (``Worker.run``, when ``[acd] url`` is set) watches the CTI
  stream of the worker's ``AcdLink`` for ``offer`` events with ``callback`` set whose call no
  live call of this process follows (``AcdClient.watch_callbacks``: the caller who asked hung up,
  so no ``queue_transfer`` reads that call any more). Every worker of a pool sees the offer; each
  sends the ACD's ``claim`` op and only the first to claim it dials (the others get 409).
* The order is CTI.md's: "if ``callback`` is set, dial that number first". The customer's
  number becomes a SIP URI through ``[acd] callback_uri`` (``sip:{number}@127.0.0.1:5090``);
  once he answers (200 and media) the offered agent's contact is rung (every one under
  ``ring_all``), ``ringing`` is reported at 180/183, and the first agent to answer is bridged
  to him (``Engine.bridge``) and reported ``answered``: the ACD counts the call as answered
  like any other. The end is reported as ``hangup`` by ``caller`` (the customer) or ``agent``;
  a customer who hangs up while the agent rings is ``hangup`` by ``caller`` too (an abandon).
* A customer who does not answer, is busy or cannot be dialled is reported ``callback-failed``
  with the reason (``callback_failure``: no-answer, busy, congestion, failed): the offered
  agents, never rung, go back to READY, and the call keeps its place, to be offered and dialled
  again after the queue's ``callback_retry``, until ``callback_attempts`` tries exit it. The
  ACD's ring timer runs from the offer, so the queue's ``ring_timeout`` must cover the
  customer's ringing plus the agent's: when it fires first (``rona``), the customer's leg is
  hung up and the call waits again.
* An agent who does not answer is reported ``no-answer`` as for a caller in the queue; when no
  agent is left (the call is back in the queue) the customer's leg is hung up. The ACD ending
  the call (``complete``, ``abandon``: a supervisor's forced hang-up) hangs both legs up.
* Nothing is said to the customer while the agent rings (no prompt renderer on this path).
* Reports made while the ACD is away (restarting) are kept in order and sent when it is back,
  for up to ``[acd] reconnect_timeout`` (``queue_transfer.Reports``, as for queued callers).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .leg import Leg, Legs, setup_outcome
from .queue_transfer import (
    RECONNECT_TIMEOUT_S,
    RETRY_FIRST_S,
    RETRY_MAX_S,
    AcdLink,
    Reports,
    cancel_for_sure,
)

log = logging.getLogger(__name__)


def callback_failure(code: int) -> str:
    """The ACD's ``callback-failed`` reason for the customer leg's final SIP status
    (``setup_outcome``'s choice in the CTI's words)."""
    outcome = setup_outcome(code)
    return {"noanswer": "no-answer", "network_busy": "congestion", "unknown": "failed"}.get(outcome, outcome)


class CallbackDialer:
    """The worker's taker of callback offers (see the module docstring)."""

    def __init__(self, engine: Any, link: AcdLink, uri: str, name: str) -> None:
        self.engine, self.link, self.uri, self.name = engine, link, uri, name
        self.tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Connect to the ACD (retried with backoff while it is away), then take each offer."""
        from agent_queue.client import backoff

        for delay in backoff(RETRY_FIRST_S, RETRY_MAX_S):
            try:
                acd = await self.link.client()
                break
            except Exception as exc:  # the ACD is away: the client is made at the next try
                log.info("callbacks: the ACD at %s: %s; again in %.1f s", self.link.url, exc, delay)
                await asyncio.sleep(delay)
        offers = acd.watch_callbacks()
        try:
            while True:
                offer = await offers.get()
                task = asyncio.get_running_loop().create_task(self.take(acd, offer))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
        finally:
            for task in list(self.tasks):
                await cancel_for_sure(task)

    async def take(self, acd: Any, offer: Any) -> None:
        """Claim the offer's call and, when it is ours, run the callback."""
        try:
            await acd.claim(offer.call_id, self.name)
        except Exception as exc:  # 409: another worker has it; 422: the offer is over
            log.debug("callback %s: not ours (%s)", offer.call_id, exc)
            acd.forget(offer.call_id)
            return
        dest = self.uri.format(number=offer.callback)
        log.info("callback %s: dialling %s for agent %s", offer.call_id, dest, offer.agent)
        try:
            await Callback(self.engine, acd, offer, dest, self.link.reconnect_timeout).run()
        except Exception:
            log.exception("callback %s failed", offer.call_id)
        finally:
            acd.forget(offer.call_id)


class Callback:
    """One callback attempt: the customer's leg, then the agents' legs, then the bridge."""

    def __init__(self, engine: Any, acd: Any, offer: Any, dest: str,
                 reconnect_timeout: float = RECONNECT_TIMEOUT_S) -> None:
        self.acd, self.dest = acd, dest
        self.legs = Legs(engine)
        self.cid: str = offer.call_id
        self.reports = Reports(acd, self.cid, f"callback {self.cid}", reconnect_timeout)
        self.customer: Leg | None = None
        self.up = False  # the customer answered
        self.offers: dict[str, str] = {offer.agent: offer.contact}  # to ring once he answers
        self.ringing: dict[Leg, str] = {}  # agent legs -> agent id
        self.told: set[Leg] = set()  # legs reported ``ringing``
        self.bridged: tuple[Leg, str] | None = None
        self.pending: asyncio.Task[Any] | None = None

    async def report(self, op: str, *args: Any, **kwargs: Any) -> bool:
        """Tell the ACD ``op``; False when it refused (a race with its timers). While it is
        away the report is kept and sent when it is back (``queue_transfer.Reports``)."""
        return await self.reports.send(op, *args, **kwargs)

    def _next(self) -> None:
        self.pending = asyncio.get_running_loop().create_task(self.acd.next_action(self.cid))
        self.pending.add_done_callback(lambda _: self.legs.wake())

    async def run(self) -> None:
        try:
            self.customer = await self.legs.dial(self.dest)
        except Exception as exc:
            log.info("callback %s: cannot dial %s: %s", self.cid, self.dest, exc)
            await self.report("callback_failed", "failed")
            return
        self._next()
        try:
            while not await self.step():
                await self.legs.woken()
        finally:
            if self.pending is not None:
                await cancel_for_sure(self.pending)
            if self.bridged is not None:
                self.legs.unbridge(self.customer.key)
            for leg in self.legs.legs.values():
                self.legs.hang_up(leg)

    async def step(self) -> bool:
        """Take what happened since the last turn; True when the attempt is over."""
        from agent_queue.client import TERMINAL, Bridge, StopRinging

        if self.pending is not None and self.pending.done():
            task, self.pending = self.pending, None
            got = None if task.cancelled() or task.exception() is not None else task.result()
            match got:
                case Bridge(agent=agent, contact=contact):
                    self.offers[agent] = contact
                case StopRinging(agent=agent):  # rona (the ring timer), cancel
                    self.offers.pop(agent, None)
                    for leg in [leg for leg, who in self.ringing.items() if who == agent]:
                        del self.ringing[leg]
                        self.legs.hang_up(leg)
                case None:
                    return True  # the stream is gone
                case _ if isinstance(got, TERMINAL):  # complete, abandon: a forced hang-up
                    log.info("callback %s: the ACD ended the call (%s)", self.cid, got.event.get("kind"))
                    return True
            self._next()
        return await self.customer_moved() or await self.agents_moved()

    async def customer_moved(self) -> bool:
        customer = self.customer
        assert customer is not None
        if customer.ended:
            if self.bridged is not None or self.up:
                await self.report("hangup", by="caller")
            else:  # no answer, busy, refused: a failed try (module docstring)
                log.info("callback %s: %s did not answer (%s)", self.cid, self.dest, customer.disconnected)
                await self.report("callback_failed", callback_failure(customer.code))
            return True
        if not self.up and customer.answered:
            self.up = True
            log.info("callback %s: the customer answered", self.cid)
        if self.up:
            for agent, contact in list(self.offers.items()):
                del self.offers[agent]
                try:
                    self.ringing[await self.legs.dial(contact)] = agent
                except Exception as exc:
                    log.info("callback %s: cannot ring agent %s at %s: %s", self.cid, agent, contact, exc)
                    await self.report("no_answer", agent)
        return False

    async def agents_moved(self) -> bool:
        if self.bridged is not None:
            leg, agent = self.bridged
            if leg.ended:
                log.info("callback %s: agent %s hung up", self.cid, agent)
                await self.report("hangup", by="agent")
                return True
            return False
        for leg, agent in list(self.ringing.items()):
            if leg.ended:
                del self.ringing[leg]
                await self.report("no_answer", agent)
            elif leg.answered:
                del self.ringing[leg]
                await self.connect(leg, agent)
            elif leg.early and leg not in self.told:
                self.told.add(leg)
                await self.report("ringing", agent)
        # nobody left to ring: the ACD has the call back in its queue
        return self.bridged is None and not self.ringing and not self.offers

    async def connect(self, leg: Leg, agent: str) -> None:
        assert self.customer is not None
        if self.bridged is not None or not await self.report("answered", agent):
            self.legs.hang_up(leg)  # too late: another answered, or the ACD gave the offer up
            return
        for other in list(self.ringing):
            self.legs.hang_up(other)
        self.ringing.clear()
        await self.legs.bridge(self.customer.key, leg.key)
        self.bridged = (leg, agent)
        log.info("callback %s: the customer is bridged to agent %s", self.cid, agent)
