"""The running ACD: domain + store + CTI hub + timers + screen pops.

Every request goes through :meth:`Runtime.run`: the domain method runs, its events are saved
(the logged kinds, with the changed snapshot rows, in one transaction), published to the CTI
hub, and the one timer is re-armed at the domain's next deadline. Nothing polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import aiohttp

from agent_queue.domain import events as ev
from agent_queue.domain.acd import Acd
from agent_queue.domain.clock import Clock
from agent_queue.domain.events import Event
from agent_queue.domain.model import QueueConfig
from agent_queue.store import Store

from .config import Settings

log = logging.getLogger(__name__)
Message = dict[str, Any]
Filter = Callable[[Message], bool]


class SystemClock:
    def now(self) -> float:
        return time.time()


class Hub:
    """Fans CTI messages out to subscribers; keeps the recent ones for replay and long-poll.

    ``stream_seq`` counts from 1 in each run of the service; ``epoch`` names the run, so that a
    client back after a restart (``?since=N&epoch=E`` with another epoch) is replayed everything
    this run published, not what came after N."""

    def __init__(self, keep: int = 10_000) -> None:
        self.seq = 0
        self.epoch = secrets.token_hex(8)
        self.recent: deque[Message] = deque(maxlen=keep)
        self.subscribers: dict[int, tuple[Filter, asyncio.Queue[Message]]] = {}
        self.lagging: set[int] = set()

    def publish(self, msg: Message) -> None:
        self.seq += 1
        msg["stream_seq"] = self.seq
        self.recent.append(msg)
        for key, (flt, queue) in list(self.subscribers.items()):
            if flt(msg):
                try:
                    queue.put_nowait(msg)
                except asyncio.QueueFull:  # a subscriber that does not keep up: cut it off;
                    self.subscribers.pop(key, None)  # it reconnects and replays with ?since=
                    self.lagging.add(key)

    def subscribe(self, flt: Filter, maxsize: int = 5_000) -> tuple[int, asyncio.Queue[Message]]:
        queue: asyncio.Queue[Message] = asyncio.Queue(maxsize)
        key = id(queue)
        self.subscribers[key] = (flt, queue)
        return key, queue

    def unsubscribe(self, key: int) -> None:
        self.subscribers.pop(key, None)
        self.lagging.discard(key)

    def is_lagging(self, key: int) -> bool:
        return key in self.lagging

    def since(self, after: int, flt: Filter, epoch: str | None = None) -> list[Message]:
        """The kept messages after ``after``; all of them when ``epoch`` names an earlier run
        (or ``after`` is beyond this run's stream: an old client back after a restart)."""
        if (epoch is not None and epoch != self.epoch) or after > self.seq:
            after = 0
        return [m for m in self.recent if m["stream_seq"] > after and flt(m)]

    async def wait(self, after: int, flt: Filter, timeout: float) -> list[Message]:
        """Long-poll: the messages after ``after``, waiting up to ``timeout`` for the first."""
        got = self.since(after, flt)
        if got:
            return got
        key, queue = self.subscribe(flt)
        try:
            first = await asyncio.wait_for(queue.get(), timeout)
        except TimeoutError:
            return []
        finally:
            self.unsubscribe(key)
        return [first]


class Runtime:
    def __init__(self, settings: Settings, store: Store, clock: Clock | None = None,
                 rng: random.Random | None = None) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock or SystemClock()
        self.acd = Acd(self.clock, rng or random.Random())
        for q in settings.queues:
            self.acd.set_queue(q)
        for d in store.queues():
            self.acd.set_queue(QueueConfig.from_dict(d))
        self.hub = Hub()
        self.pops: dict[str, Message] = {}  # agent id -> last screen pop
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._unsaved: list[Event] = []
        self._dirty_agents: dict[str, Message] = {}
        self._dirty_calls: dict[str, Message | None] = {}
        self._flush_scheduled = False
        self.sockets: set[Any] = set()  # open CTI WebSockets, closed at shutdown
        self.retry_delay = 1.0  # seconds before saving again when the database was away
        self.http: aiohttp.ClientSession | None = None
        agents, calls, counters = store.load()
        self._restored = (agents, calls, counters)

    async def start(self) -> None:
        self.http = aiohttp.ClientSession()
        agents, calls, counters = self._restored
        self.run(self.acd.restore, agents, calls, counters)

    async def close_sockets(self) -> None:
        """At shutdown: tell CTI clients we are going away (they reconnect) instead of
        waiting for them to hang up."""
        from aiohttp import WSCloseCode

        for ws in list(self.sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"service shutting down")

    async def stop(self) -> None:
        if self._timer:
            self._timer.cancel()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.http:
            await self.http.close()
        self.flush()
        self.store.close()

    # --------------------------------------------------------------- commands
    def run(self, method: Callable[..., list[Event]], *args: Any, **kwargs: Any) -> list[Event]:
        events = method(*args, **kwargs)
        self._commit(events)
        return events

    def _commit(self, events: list[Event]) -> None:
        """Queue the store writes (one transaction per loop turn), publish, re-arm the timer."""
        self._unsaved.extend(e for e in events if e.kind in ev.LOGGED)
        agents, calls, gone = self.acd.take_dirty()
        for a in agents:
            self._dirty_agents[a["id"]] = a
        for c in calls:
            self._dirty_calls[c["id"]] = c
        for c in gone:
            self._dirty_calls[c] = None
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)
        for e in events:
            self.hub.publish(e.to_dict())
            if e.kind == ev.OFFER:
                self._spawn(self._screen_pop(e))
        self._reschedule()

    def flush(self) -> None:
        """Write what the commands since the last flush changed, in one transaction."""
        self._flush_scheduled = False
        if not (self._unsaved or self._dirty_agents or self._dirty_calls):
            return
        events, self._unsaved = self._unsaved, []
        agents, self._dirty_agents = self._dirty_agents, {}
        calls, self._dirty_calls = self._dirty_calls, {}
        try:
            self.store.save(events, agents.values(), [c for c in calls.values() if c is not None],
                            [k for k, c in calls.items() if c is None], self.acd.counters())
        except Exception:  # the database is away: keep everything, in order, and try again
            log.exception("agent queue: saving %d events failed; retrying", len(events))
            self._unsaved[:0] = events
            self._dirty_agents = {**agents, **self._dirty_agents}
            self._dirty_calls = {**calls, **self._dirty_calls}
            if not self._flush_scheduled:
                self._flush_scheduled = True
                asyncio.get_running_loop().call_later(self.retry_delay, self.flush)

    def _reschedule(self) -> None:
        if self._timer:
            self._timer.cancel()
            self._timer = None
        deadline = self.acd.next_deadline()
        if deadline is None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, deadline - self.clock.now())
        self._timer = loop.call_at(loop.time() + delay, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self.run(self.acd.advance)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def events(self, **query: Any) -> list[Event]:
        """The event log (after writing what is pending)."""
        self.flush()
        return self.store.events(**query)

    # ------------------------------------------------------------ screen pops
    async def _screen_pop(self, offer: Event) -> None:
        q = self.acd.queues.get(offer.queue or "")
        caller = offer.data.get("caller", "")
        pop: Message = {"call_id": offer.call_id, "queue": offer.queue, "caller": caller,
                        "aai": offer.data.get("aai", {}), "tier": offer.data.get("tier"),
                        "callback": offer.data.get("callback"), "customer": None, "history": []}
        if q and q.app_url and self.http:
            url = q.app_url.format(caller=quote(caller, safe=""), call_id=quote(offer.call_id or "", safe=""),
                                   queue=quote(q.name, safe=""))
            try:
                timeout = aiohttp.ClientTimeout(total=self.settings.screen_pop_timeout)
                async with self.http.get(url, timeout=timeout) as resp:
                    resp.raise_for_status()
                    body = await resp.json(content_type=None)
                pop["customer"] = body.get("customer", body) if isinstance(body, dict) else body
                pop["history"] = body.get("history", []) if isinstance(body, dict) else []
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                pop["error"] = f"customer record from {url}: {exc.__class__.__name__}: {exc}"
        if offer.agent_id:
            self.pops[offer.agent_id] = pop
        self.hub.publish({"kind": "screen_pop", "at": self.clock.now(), "call_id": offer.call_id,
                          "agent_id": offer.agent_id, "queue": offer.queue, "data": pop})

    # ------------------------------------------------------------------ views
    def agent_view(self, agent_id: str) -> Message:
        a = self.acd.agents[agent_id]
        d = a.to_dict()
        d["state_seconds"] = round(self.clock.now() - a.since, 1)
        return d

    def call_view(self, call_id: str) -> Message:
        call = self.acd._call(call_id)
        d = call.to_dict()
        d["position"] = self.acd.position(call)
        d["announcement"] = self.acd.announcement(call) if d["position"] else None
        d["wait"] = round(self.clock.now() - call.entered, 1)
        return d

    def queue_view(self, name: str) -> Message:
        q = self.acd._queue(name)
        now = self.clock.now()
        waiting = self.acd.waiting[name]
        from agent_queue.domain.routing import qualifies
        from agent_queue.domain.states import AgentState

        staffed = [a for a in self.acd.agents.values()
                   if a.state is not AgentState.OFFLINE and qualifies(a.skills, q.widest())]
        return {
            "name": name, "strategy": q.strategy, "waiting": len(waiting),
            "longest_wait": round(now - min((c.entered for c in waiting), default=now), 1),
            "calls": [{"id": c.id, "caller": c.caller, "tier": c.tier.name.lower(),
                       "priority": c.priority, "wait": round(now - c.entered, 1),
                       "callback": c.callback, "position": i + 1,
                       "retry_in": round(max(0.0, c.retry_at - now), 1)} for i, c in enumerate(waiting)],
            "staffed": len(staffed),
            "ready": sum(1 for a in staffed if a.state is AgentState.READY),
            "busy": sum(1 for a in staffed if a.state not in (AgentState.READY, AgentState.NOT_READY)),
            "not_ready": sum(1 for a in staffed if a.state is AgentState.NOT_READY),
            "connected": sum(1 for c in self.acd.calls.values()
                             if c.queue == name and c.state in ("CONNECTED", "HELD")),
        }
