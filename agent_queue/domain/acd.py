"""The ACD: agents, queues and calls, driven by requests, platform reports and timers.

Every public method takes a request, changes state through the tables in :mod:`.states`, and
returns the events it caused. Dispatch is event-driven: a call is offered when it arrives, when
an agent becomes ready, when a time rule widens its eligible agents, or when it comes back
after a ring-no-answer; nothing is polled. Timers are data: :meth:`Acd.next_deadline` tells the
service when to call :meth:`Acd.advance`.
"""

from __future__ import annotations

import heapq
import math
from bisect import insort
from collections.abc import Iterable, Mapping
from typing import Any

from . import events as ev
from .clock import Clock, Rng
from .errors import AcdError, BadRequest, NotFound
from .events import Event
from .model import Agent, Call, QueueConfig, Tier
from .routing import ReadyIndex, pick, qualifies
from .states import (
    AgentEvent,
    AgentState,
    CallEvent,
    CallState,
    Pending,
    agent_next,
    call_next,
)

RONA_REASON = "RONA"
MONITOR_MODES = ("listen", "whisper", "barge", "intercept")
TimerKey = tuple[str, ...]


class Acd:
    def __init__(self, clock: Clock, rng: Rng | None = None,
                 queues: Iterable[QueueConfig] = ()) -> None:
        self.clock = clock
        self.rng = rng
        self.queues: dict[str, QueueConfig] = {}
        self.waiting: dict[str, list[Call]] = {}
        self.agents: dict[str, Agent] = {}
        self.calls: dict[str, Call] = {}
        self.ready = ReadyIndex()
        self._heap: list[tuple[float, int, TimerKey]] = []
        self._timers: dict[TimerKey, int] = {}  # key -> live token
        self._token = 0
        self._seq = 0
        self._order = 0
        self._rr_last: dict[str, tuple[int, int]] = {}
        self._aht: dict[str, float] = {}
        self._staffed: dict[str, int] = {}  # queue -> signed-in agents who may serve it
        self._out: list[Event] = []
        self.dirty_agents: set[str] = set()
        self.dirty_calls: set[str] = set()
        for q in queues:
            self.set_queue(q)

    # ----------------------------------------------------------------- queues
    def set_queue(self, config: QueueConfig) -> list[Event]:
        self.queues[config.name] = config
        self.waiting.setdefault(config.name, [])
        self._aht.setdefault(config.name, config.default_aht)
        req = config.widest()
        self._staffed[config.name] = sum(
            1 for a in self.agents.values()
            if a.state is not AgentState.OFFLINE and qualifies(a.skills, req))
        return []

    def remove_queue(self, name: str) -> list[Event]:
        if self.waiting.get(name):
            raise BadRequest(f"queue {name}: {len(self.waiting[name])} callers are waiting")
        self._queue(name)
        del self.queues[name], self.waiting[name]
        self._staffed.pop(name, None)
        return []

    def _queue(self, name: str) -> QueueConfig:
        try:
            return self.queues[name]
        except KeyError:
            raise NotFound(f"no queue {name!r}") from None

    # ----------------------------------------------------------------- agents
    def sign_in(self, agent_id: str, contact: str, skills: Mapping[str, int] | None = None,
                name: str = "", ready: bool = False, by: str | None = None) -> list[Event]:
        """Sign an agent in at a SIP contact; ``skills`` None keeps the ones he had."""
        if not contact:
            raise BadRequest(f"agent {agent_id}: a SIP contact is needed to sign in")
        agent = self.agents.get(agent_id)
        if agent is not None:
            agent_next(agent.state, AgentEvent.SIGN_IN)  # refused unless signed out
        else:
            self._order += 1
            agent = self.agents[agent_id] = Agent(agent_id, order=self._order, since=self.now())
        if skills is not None:
            agent.skills = {str(k): int(v) for k, v in skills.items()}
        agent.name, agent.contact = name or agent.name or agent_id, contact
        self._emit(ev.SIGN_IN, agent=agent_id, contact=contact, skills=dict(agent.skills), by=by)
        self._change(agent, AgentEvent.SIGN_IN, reason="signed in", by=by)
        if ready:
            self._change(agent, AgentEvent.READY, by=by)
        return self._flush()

    def sign_out(self, agent_id: str, by: str | None = None) -> list[Event]:
        self._change(self._agent(agent_id), AgentEvent.SIGN_OUT, by=by)
        return self._flush()

    def set_ready(self, agent_id: str, by: str | None = None) -> list[Event]:
        self._change(self._agent(agent_id), AgentEvent.READY, by=by)
        return self._flush()

    def set_not_ready(self, agent_id: str, reason: str = "", by: str | None = None) -> list[Event]:
        self._change(self._agent(agent_id), AgentEvent.NOT_READY, reason=reason or "not ready", by=by)
        return self._flush()

    def set_skills(self, agent_id: str, skills: Mapping[str, int], by: str | None = None) -> list[Event]:
        agent = self._agent(agent_id)
        was_ready = agent.id in self.ready
        self.ready.discard(agent)
        signed_in = agent.state is not AgentState.OFFLINE
        if signed_in:
            self._staff(agent, -1)
        agent.skills = {str(k): int(v) for k, v in skills.items()}
        if signed_in:
            self._staff(agent, +1)
        self.dirty_agents.add(agent.id)
        self._emit(ev.SIGN_IN, agent=agent.id, contact=agent.contact, skills=dict(skills), by=by)
        if was_ready:
            self.ready.add(agent)
            self._dispatch_agent(agent)
        return self._flush()

    def force(self, action: str, agent_id: str, by: str, reason: str = "") -> list[Event]:
        """A supervisor's forced ready / not_ready / sign_out, logged with who did it."""
        agent = self._agent(agent_id)
        self._emit(ev.FORCE, agent=agent_id, action=action, by=by, reason=reason,
                   state=str(agent.state))
        match action:
            case "ready":
                self._change(agent, AgentEvent.READY, by=by)
            case "not_ready":
                self._change(agent, AgentEvent.NOT_READY, reason=reason or "supervisor", by=by)
            case "sign_out":
                self._change(agent, AgentEvent.SIGN_OUT, by=by)
            case "hangup":  # the supervisor ends the agent's call (a call the platform lost)
                call = self.calls.get(agent.call_id or "")
                if call is None:
                    raise BadRequest(f"force hangup: agent {agent_id} has no call (state {agent.state})")
                self._hangup(call, by=f"supervisor:{by}")
            case _:
                raise BadRequest(f"force: found {action!r}, expected ready, not_ready, sign_out or hangup")
        return self._flush()

    def wrap_done(self, agent_id: str, notes: str | None = None) -> list[Event]:
        agent = self._agent(agent_id)
        if notes:
            self._emit(ev.NOTES, call=agent.call_id, agent=agent_id, queue=agent.queue, notes=notes)
        if agent.state is AgentState.WRAP_UP:
            self._change(agent, AgentEvent.WRAP_END)
        return self._flush()

    def notes(self, agent_id: str, call_id: str | None, notes: str) -> list[Event]:
        agent = self._agent(agent_id)
        self._emit(ev.NOTES, call=call_id or agent.call_id, agent=agent_id, queue=agent.queue,
                   notes=notes)
        return self._flush()

    def monitor(self, agent_id: str, mode: str, by: str, contact: str = "") -> list[Event]:
        """Listen, whisper, barge-in or intercept on an agent's call (the SIP platform acts)."""
        if mode not in MONITOR_MODES:
            raise BadRequest(f"monitor: found {mode!r}, expected one of {MONITOR_MODES}")
        agent = self._agent(agent_id)
        call = self.calls.get(agent.call_id or "")
        if call is None or call.state not in (CallState.CONNECTED, CallState.HELD) or call.agent != agent_id:
            raise BadRequest(f"monitor: agent {agent_id} is not on a call (state {agent.state})")
        self._emit(ev.MONITOR, call=call.id, agent=agent_id, queue=call.queue, mode=mode, by=by,
                   contact=contact, agent_contact=agent.contact)
        self._emit(ev.FORCE, call=call.id, agent=agent_id, action=mode, by=by, reason="",
                   state=str(agent.state))
        if mode == "intercept":  # the supervisor takes the caller; the agent's leg ends
            self._end_agent_leg(call, agent)
            call.agent = None
            self.dirty_calls.add(call.id)
        return self._flush()

    def _agent(self, agent_id: str) -> Agent:
        try:
            return self.agents[agent_id]
        except KeyError:
            raise NotFound(f"no agent {agent_id!r}") from None

    def _change(self, agent: Agent, event: AgentEvent, reason: str = "",
                by: str | None = None) -> None:
        """The one place an agent's state changes (through the table)."""
        now = self.now()
        target = agent_next(agent.state, event, agent.pending)
        self.dirty_agents.add(agent.id)
        if target is Pending.DEFER:
            agent.pending, agent.pending_reason = event, reason
            self._emit(ev.AGENT_STATE, agent=agent.id, call=agent.call_id, **{
                "from": str(agent.state), "to": str(agent.state), "reason": agent.reason,
                "duration": 0.0, "by": by, "pending": str(event), "pending_reason": reason})
            return
        if target is Pending.UNDEFER:
            agent.pending, agent.pending_reason = None, ""
            self._emit(ev.AGENT_STATE, agent=agent.id, call=agent.call_id, **{
                "from": str(agent.state), "to": str(agent.state), "reason": agent.reason,
                "duration": 0.0, "by": by, "pending": None, "pending_reason": ""})
            return
        assert isinstance(target, AgentState)
        old, duration = agent.state, now - agent.since
        if old is target and old is not AgentState.NOT_READY:
            return  # 'ready' when ready, 'ring' when ringing: nothing changes
        if target is AgentState.NOT_READY:
            if event is AgentEvent.NO_ANSWER:
                reason = RONA_REASON
            elif event is not AgentEvent.NOT_READY and agent.pending is AgentEvent.NOT_READY:
                reason = agent.pending_reason
            agent.reason = reason or "not ready"
        else:
            agent.reason = ""
        if target in (AgentState.READY, AgentState.NOT_READY, AgentState.OFFLINE):
            agent.pending, agent.pending_reason = None, ""
        if target is not AgentState.WRAP_UP and old is AgentState.WRAP_UP:
            self._disarm(("wrap", agent.id))
        call_id = agent.call_id
        if target in (AgentState.READY, AgentState.NOT_READY, AgentState.OFFLINE):
            agent.call_id = None
        agent.state, agent.since = target, now
        self._emit(ev.AGENT_STATE, agent=agent.id, call=call_id, queue=agent.queue, **{
            "from": str(old), "to": str(target), "reason": agent.reason, "duration": duration,
            "by": by})
        if old is AgentState.READY and target is not AgentState.READY:
            self.ready.discard(agent)
        if old is AgentState.OFFLINE:
            self._staff(agent, +1)
        if target is AgentState.OFFLINE:
            self._staff(agent, -1)
            self._leave_if_empty()
        if target is AgentState.READY and old is not AgentState.READY:
            agent.ready_since = now
            self.ready.add(agent)
            self._dispatch_agent(agent)

    # ------------------------------------------------------------------ calls
    def enter(self, call_id: str, queue: str, caller: str = "", aai: Mapping[str, Any] | None = None,
              tier: str | int | None = None, priority: int = 0) -> list[Event]:
        """A caller joins a queue (POST /calls)."""
        q = self._queue(queue)
        if not call_id:
            raise BadRequest("call: missing call id")
        if call_id in self.calls:
            raise BadRequest(f"call {call_id} is already in the ACD")
        now = self.now()
        call = Call(call_id, queue, caller, dict(aai or {}), Tier.parse(tier), int(priority),
                    entered=now, first_entered=now, seq=self._next_seq())
        refusal = self._refusal(q, now)
        if refusal is not None:
            reason, dest = refusal
            self._emit(ev.EXIT, call=call_id, queue=queue, reason=reason, destination=dest,
                       wait=0.0, caller=caller, refused=True)
            return self._flush()
        self._join(call, q)
        return self._flush()

    def _refusal(self, q: QueueConfig, now: float) -> tuple[str, str | None] | None:
        status = q.schedule.status(now) if q.schedule else "open"
        if status == "holiday":
            return "holiday", q.holiday_target or q.night_target
        if status == "closed":
            return "closed", q.night_target
        if q.max_length is not None and len(self.waiting[q.name]) >= q.max_length:
            return "full", q.full_target or q.overflow
        if not q.join_empty and self._staffed_count(q) == 0:
            return "empty", q.empty_target or q.overflow
        return None

    def _join(self, call: Call, q: QueueConfig, max_wait_from: float | None = None) -> None:
        """Put a call in a queue's line; its max wait counts from ``max_wait_from`` (entry)."""
        now = self.now()
        call.queue, call.state = q.name, CallState.WAITING
        self.calls[call.id] = call
        insort(self.waiting[q.name], call, key=Call.key)
        self.dirty_calls.add(call.id)
        self._emit(ev.ENTER, call=call.id, queue=q.name, caller=call.caller, aai=call.aai,
                   tier=call.tier.name.lower(), priority=call.priority,
                   position=self.position(call))
        if q.max_wait is not None:
            base = call.entered if max_wait_from is None else max_wait_from
            self._arm(("maxwait", call.id), base + q.max_wait)
        for i, rule in enumerate(q.time_rules):
            if call.entered + rule.after > now:
                self._arm(("rule", call.id, str(i)), call.entered + rule.after)
        self._dispatch_call(call)
        self._announce(call)  # only if still waiting

    def ringing(self, call_id: str, agent_id: str) -> list[Event]:
        call, agent = self._offered(call_id, agent_id)
        call.state = call_next(call.state, CallEvent.RING)
        self._change(agent, AgentEvent.RING)
        self._emit(ev.RING, call=call_id, agent=agent_id, queue=call.queue)
        self.dirty_calls.add(call_id)
        return self._flush()

    def answered(self, call_id: str, agent_id: str) -> list[Event]:
        call, agent = self._offered(call_id, agent_id)
        now = self.now()
        call.state = call_next(call.state, CallEvent.ANSWER)
        call.agent, call.connected_at = agent_id, now
        others = [a for a in call.agents if a != agent_id]
        call.agents = [agent_id]
        for key in (("ring", call_id), ("maxwait", call_id), ("announce", call_id)):
            self._disarm(key)
        for i in range(len(self.queues[call.queue].time_rules)):
            self._disarm(("rule", call_id, str(i)))
        self._remove_waiting(call)
        agent.calls_taken += 1
        self._change(agent, AgentEvent.ANSWER)
        self._emit(ev.CONNECT, call=call_id, agent=agent_id, queue=call.queue,
                   wait=now - call.entered, total_wait=now - call.first_entered, caller=call.caller,
                   ringing=now - call.offered_at)
        for other in others:
            self._emit(ev.CANCEL, call=call_id, agent=other, queue=call.queue, reason="answered elsewhere")
            self._change(self.agents[other], AgentEvent.CANCEL)
        self.dirty_calls.add(call_id)
        return self._flush()

    def no_answer(self, call_id: str, agent_id: str | None = None) -> list[Event]:
        """Ring-no-answer: the agent goes NOT_READY(RONA), the call back to its place."""
        call = self._call(call_id)
        if call.state not in (CallState.OFFERED, CallState.RINGING):
            raise BadRequest(f"call {call_id}: no answer reported in state {call.state}")
        ids = [agent_id] if agent_id else list(call.agents)
        for aid in ids:
            if aid not in call.agents:
                raise BadRequest(f"call {call_id} was not offered to agent {aid}")
        self._no_answer(call, ids)
        return self._flush()

    def _no_answer(self, call: Call, ids: list[str]) -> None:
        call_id = call.id
        for aid in ids:
            call.agents.remove(aid)
            self._emit(ev.RONA, call=call_id, agent=aid, queue=call.queue,
                       ringing=self.now() - call.offered_at)
            self._change(self.agents[aid], AgentEvent.NO_ANSWER)
        call.ronas += 1
        if not call.agents:
            self._back_to_queue(call, CallEvent.NO_ANSWER)

    def _back_to_queue(self, call: Call, event: CallEvent) -> None:
        call.state = call_next(call.state, event)
        self._disarm(("ring", call.id))
        insort(self.waiting[call.queue], call, key=Call.key)  # its place: the key is unchanged
        self.dirty_calls.add(call.id)
        q = self.queues[call.queue]
        if q.max_wait is not None and self.now() - call.entered >= q.max_wait:
            self._overflow(call)
            return
        self._dispatch_call(call)

    def hold(self, call_id: str) -> list[Event]:
        call = self._call(call_id)
        call.state = call_next(call.state, CallEvent.HOLD)
        call.held_at = self.now()
        if call.agent:
            self._change(self.agents[call.agent], AgentEvent.HOLD)
        self._emit(ev.HOLD, call=call_id, agent=call.agent, queue=call.queue)
        self.dirty_calls.add(call_id)
        return self._flush()

    def unhold(self, call_id: str) -> list[Event]:
        call = self._call(call_id)
        call.state = call_next(call.state, CallEvent.UNHOLD)
        call.hold_total += self.now() - call.held_at
        if call.agent:
            self._change(self.agents[call.agent], AgentEvent.UNHOLD)
        self._emit(ev.UNHOLD, call=call_id, agent=call.agent, queue=call.queue)
        self.dirty_calls.add(call_id)
        return self._flush()

    def hangup(self, call_id: str, by: str = "caller") -> list[Event]:
        self._hangup(self._call(call_id), by)
        return self._flush()

    def _hangup(self, call: Call, by: str) -> None:
        call_id = call.id
        now = self.now()
        match call.state:
            case CallState.WAITING if call.callback and by == "caller":
                return  # the caller hung up after asking for a callback: the place stays
            case CallState.WAITING | CallState.OFFERED | CallState.RINGING:
                stage = "queue" if call.state is CallState.WAITING else "ringing"
                offered = list(call.agents)
                call.state = call_next(call.state, CallEvent.HANGUP)
                self._emit(ev.ABANDON, call=call_id, queue=call.queue, wait=now - call.entered,
                           stage=stage, caller=call.caller, by=by)
                for aid in offered:
                    self._emit(ev.CANCEL, call=call_id, agent=aid, queue=call.queue, reason="caller left")
                    self._change(self.agents[aid], AgentEvent.CANCEL)
            case CallState.CONNECTED | CallState.HELD:
                if call.state is CallState.HELD:
                    call.hold_total += now - call.held_at
                call.state = call_next(call.state, CallEvent.HANGUP)
                talk = now - call.connected_at
                self._emit(ev.COMPLETE, call=call_id, agent=call.agent, queue=call.queue,
                           talk=talk, hold=call.hold_total, by=by)
                if call.agent:
                    self._end_agent_leg(call, self.agents[call.agent])
            case _:
                raise BadRequest(f"call {call_id}: hangup in state {call.state}")
        self._finish(call)

    def transfer(self, call_id: str, target: str, by: str | None = None) -> list[Event]:
        """The agent transfers the caller: to another queue (``queue:NAME``) or a destination."""
        call = self._call(call_id)
        if call.state not in (CallState.CONNECTED, CallState.HELD):
            raise BadRequest(f"call {call_id}: transfer in state {call.state}")
        now = self.now()
        if call.state is CallState.HELD:
            call.hold_total += now - call.held_at
        agent = self.agents.get(call.agent or "")
        self._emit(ev.TRANSFER, call=call_id, agent=call.agent, queue=call.queue, target=target,
                   talk=now - call.connected_at, hold=call.hold_total, by=by)
        if target.startswith("queue:"):
            q = self._queue(target.removeprefix("queue:"))
            call.state = call_next(call.state, CallEvent.REQUEUE)
            if agent:
                self._end_agent_leg(call, agent)
            call.agent, call.agents, call.hold_total, call.ronas = None, [], 0.0, 0
            call.entered, call.seq = now, self._next_seq()
            self._join(call, q)
        else:
            call.state = call_next(call.state, CallEvent.TRANSFER)
            if agent:
                self._end_agent_leg(call, agent)
            self._finish(call)
        return self._flush()

    def exit_key(self, call_id: str, key: str) -> list[Event]:
        """The caller pressed a key while waiting: leave if the queue maps it to a destination."""
        call = self._call(call_id)
        dest = self.queues[call.queue].exit_keys.get(key)
        if dest is None or call.state is not CallState.WAITING:
            return self._flush()
        self._exit(call, "key", dest)
        return self._flush()

    def request_callback(self, call_id: str, number: str | None = None) -> list[Event]:
        """The caller asks to be called back, keeping the place in the queue."""
        call = self._call(call_id)
        if call.state is not CallState.WAITING:
            raise BadRequest(f"call {call_id}: callback in state {call.state}")
        if not (number or call.caller):
            raise BadRequest(f"call {call_id}: a callback needs a number")
        call.callback = number or call.caller
        self._disarm(("announce", call_id))
        self._emit(ev.CALLBACK, call=call_id, queue=call.queue, number=call.callback,
                   position=self.position(call))
        self.dirty_calls.add(call_id)
        return self._flush()

    def claim(self, call_id: str, by: str) -> list[Event]:
        """A platform process takes an offered call's legs (a callback: every process of a pool
        sees the offer, no caller's leg ties it to one); the first ``by`` keeps it until the
        call is offered again. Another process's claim is refused (409)."""
        call = self._call(call_id)
        if call.state not in (CallState.OFFERED, CallState.RINGING):
            raise BadRequest(f"call {call_id}: claim in state {call.state}")
        if call.claimed_by not in (None, by):
            raise AcdError(f"call {call_id} is claimed by {call.claimed_by}")
        call.claimed_by = by
        self.dirty_calls.add(call_id)
        return self._flush()

    def callback_failed(self, call_id: str, reason: str = "no-answer") -> list[Event]:
        """The platform dialled a callback's number and nobody answered (``reason``: no-answer,
        busy, congestion, failed). The offered agents go back to READY, not RONA: they were
        never rung. The call keeps its place but is not offered again for the queue's
        ``callback_retry`` seconds; after ``callback_attempts`` tries it exits (reason
        ``callback-failed``, with its number)."""
        call = self._call(call_id)
        if call.state not in (CallState.OFFERED, CallState.RINGING) or not call.callback:
            raise BadRequest(f"call {call_id}: callback-failed in state {call.state}"
                             + ("" if call.callback else " without a callback"))
        q = self.queues[call.queue]
        agents, call.agents = call.agents, []
        call.callback_tries += 1
        last = call.callback_tries >= q.callback_attempts
        call.retry_at = 0.0 if last else self.now() + q.callback_retry
        self._emit(ev.CALLBACK_FAILED, call=call_id, queue=call.queue, number=call.callback,
                   reason=reason, attempt=call.callback_tries, retry_at=None if last else call.retry_at)
        for aid in agents:
            self._emit(ev.CANCEL, call=call_id, agent=aid, queue=call.queue, reason="callback not answered")
        if last:
            call.state = call_next(call.state, CallEvent.CANCEL)
            self._exit(call, "callback-failed", None)
        else:
            self._arm(("retry", call_id), call.retry_at)
            self._back_to_queue(call, CallEvent.CANCEL)  # waits: _dispatch_call minds retry_at
        for aid in agents:
            self._change(self.agents[aid], AgentEvent.CANCEL)
        return self._flush()

    def _end_agent_leg(self, call: Call, agent: Agent) -> None:
        now = self.now()
        agent.talk_time += now - call.connected_at
        q = self.queues.get(call.queue)
        wrap = q.wrap_up if q else 0.0
        if q:
            handle = (now - call.connected_at) + wrap
            self._aht[q.name] = 0.8 * self._aht[q.name] + 0.2 * handle
        agent.queue = call.queue
        self._change(agent, AgentEvent.END_CALL)
        if wrap > 0:
            self._arm(("wrap", agent.id), now + wrap)
        else:
            self._change(agent, AgentEvent.WRAP_END)

    def _exit(self, call: Call, reason: str, dest: str | None) -> None:
        call.state = call_next(call.state, CallEvent.EXIT)
        self._emit(ev.EXIT, call=call.id, queue=call.queue, reason=reason, destination=dest,
                   wait=self.now() - call.entered, caller=call.caller, callback=call.callback)
        self._finish(call)

    def _overflow(self, call: Call) -> None:
        q = self.queues[call.queue]
        target = q.overflow
        if target and target.startswith("queue:") and target.removeprefix("queue:") in self.queues:
            other = self.queues[target.removeprefix("queue:")]
            self._emit(ev.EXIT, call=call.id, queue=call.queue, reason="timeout", destination=target,
                       wait=self.now() - call.entered, caller=call.caller, callback=call.callback)
            self._clear_timers(call)
            self._remove_waiting(call)
            # the caller keeps the time already waited: the place is by first entry
            call.entered = call.first_entered
            call.state = CallState.WAITING
            self._join(call, other, max_wait_from=self.now())  # the new queue's max wait from now
            return
        self._exit(call, "timeout", target)

    def _finish(self, call: Call) -> None:
        self._clear_timers(call)
        self._remove_waiting(call)
        self.calls.pop(call.id, None)
        self.dirty_calls.add(call.id)

    def _clear_timers(self, call: Call) -> None:
        for key in (("ring", call.id), ("maxwait", call.id), ("announce", call.id), ("retry", call.id)):
            self._disarm(key)
        for i in range(len(self.queues[call.queue].time_rules) if call.queue in self.queues else 0):
            self._disarm(("rule", call.id, str(i)))

    def _remove_waiting(self, call: Call) -> None:
        lst = self.waiting.get(call.queue, [])
        for i, c in enumerate(lst):
            if c is call:
                del lst[i]
                return

    def _call(self, call_id: str) -> Call:
        try:
            return self.calls[call_id]
        except KeyError:
            raise NotFound(f"no call {call_id!r}") from None

    def _offered(self, call_id: str, agent_id: str) -> tuple[Call, Agent]:
        call = self._call(call_id)
        if agent_id not in call.agents or call.state not in (CallState.OFFERED, CallState.RINGING):
            raise BadRequest(f"call {call_id} is not ringing agent {agent_id} (state {call.state})")
        return call, self.agents[agent_id]

    # --------------------------------------------------------------- dispatch
    def _dispatch_call(self, call: Call) -> None:
        """Offer a waiting call to the best ready agent(s), if any qualifies."""
        if call.state is not CallState.WAITING or call.retry_at > self.now():
            return
        q = self.queues[call.queue]
        cands = self.ready.candidates(q.requirements(self.now() - call.entered))
        if not cands:
            return
        chosen = pick(q.strategy, cands, members=q.members, last=self._rr_last.get(q.name),
                      rng=self.rng)
        self._offer(call, q, chosen)

    def _dispatch_agent(self, agent: Agent) -> None:
        """A ready agent takes the longest-waiting best caller of all the queues he serves."""
        now = self.now()
        best: Call | None = None
        for name, lst in self.waiting.items():
            if not lst:
                continue
            q = self.queues[name]
            if not q.time_rules and not qualifies(agent.skills, q.skills):
                continue
            for call in lst:
                if best is not None and call.key()[:3] >= best.key()[:3]:
                    break
                if call.retry_at > now:  # a callback nobody answered, waiting for its next try
                    continue
                if qualifies(agent.skills, q.requirements(now - call.entered)):
                    best = call
                    break
        if best is not None:
            self._offer(best, self.queues[best.queue], [agent])

    def _offer(self, call: Call, q: QueueConfig, agents: list[Agent]) -> None:
        now = self.now()
        call.state = call_next(call.state, CallEvent.OFFER)
        call.agents, call.offered_at, call.claimed_by = [a.id for a in agents], now, None
        self._remove_waiting(call)
        self.dirty_calls.add(call.id)
        members = {m: i for i, m in enumerate(q.members)}
        self._rr_last[q.name] = (members.get(agents[-1].id, len(members)), agents[-1].order)
        self._arm(("ring", call.id), now + q.ring_timeout)
        for agent in agents:
            agent.call_id, agent.queue = call.id, q.name
            self._change(agent, AgentEvent.RESERVE)
            self._emit(ev.OFFER, call=call.id, agent=agent.id, queue=q.name, contact=agent.contact,
                       caller=call.caller, aai=call.aai, ring_all=len(agents) > 1,
                       callback=call.callback, wait=now - call.entered, tier=call.tier.name.lower())

    def _leave_if_empty(self) -> None:
        for name, lst in self.waiting.items():
            q = self.queues[name]
            if q.leave_when_empty and lst and self._staffed_count(q) == 0:
                for call in list(lst):
                    self._exit(call, "empty", q.empty_target or q.overflow)

    def _staffed_count(self, q: QueueConfig) -> int:
        return self._staffed.get(q.name, 0)

    def _staff(self, agent: Agent, delta: int) -> None:
        """An agent signs in (+1) or out (-1): count him for each queue he may serve."""
        for q in self.queues.values():
            if qualifies(agent.skills, q.widest()):
                self._staffed[q.name] += delta

    # ---------------------------------------------------------- announcements
    def position(self, call: Call) -> int:
        """1-based place among the waiting callers of its queue (0 if not waiting)."""
        for i, c in enumerate(self.waiting.get(call.queue, ())):
            if c is call:
                return i + 1
        return 0

    def estimated_wait(self, call: Call) -> float:
        q = self.queues[call.queue]
        staffed = max(1, self._staffed_count(q))
        return self.position(call) * self._aht[q.name] / staffed

    def announcement(self, call: Call) -> dict[str, Any]:
        pos, ewt = self.position(call), self.estimated_wait(call)
        minutes = max(1, math.ceil(ewt / 60))
        text = (f"You are number {pos} in the queue. Your estimated waiting time is about "
                f"{minutes} minute{'s' if minutes != 1 else ''}.")
        return {"position": pos, "ewt": round(ewt, 1), "text": text}

    def _announce(self, call: Call) -> None:
        if call.state is not CallState.WAITING or call.callback:
            return
        self._emit(ev.ANNOUNCE, call=call.id, queue=call.queue, **self.announcement(call))
        q = self.queues[call.queue]
        if q.announce_interval > 0:
            self._arm(("announce", call.id), self.now() + q.announce_interval)

    # ------------------------------------------------------------------ timers
    def now(self) -> float:
        return self.clock.now()

    def next_deadline(self) -> float | None:
        while self._heap and self._timers.get(self._heap[0][2]) != self._heap[0][1]:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def advance(self) -> list[Event]:
        """Fire every timer that is due at the clock's time."""
        now = self.now()
        while True:
            deadline = self.next_deadline()
            if deadline is None or deadline > now:
                break
            _, token, key = heapq.heappop(self._heap)
            del self._timers[key]
            self._fire(key)
        return self._flush()

    def _fire(self, key: TimerKey) -> None:
        kind, ident = key[0], key[1]
        match kind:
            case "ring":
                call = self.calls.get(ident)
                if call and call.state in (CallState.OFFERED, CallState.RINGING):
                    self._no_answer(call, list(call.agents))
            case "wrap":
                agent = self.agents.get(ident)
                if agent and agent.state is AgentState.WRAP_UP:
                    self._change(agent, AgentEvent.WRAP_END)
            case "maxwait":
                call = self.calls.get(ident)
                if call and call.state is CallState.WAITING:
                    self._overflow(call)
            case "rule" | "retry":
                call = self.calls.get(ident)
                if call:
                    self._dispatch_call(call)
            case "announce":
                call = self.calls.get(ident)
                if call:
                    self._announce(call)

    def _arm(self, key: TimerKey, at: float) -> None:
        self._token += 1
        self._timers[key] = self._token
        heapq.heappush(self._heap, (at, self._token, key))

    def _disarm(self, key: TimerKey) -> None:
        self._timers.pop(key, None)

    # ---------------------------------------------------------------- helpers
    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _emit(self, kind: str, call: str | None = None, agent: str | None = None,
              queue: str | None = None, **data: Any) -> None:
        self._out.append(Event(kind, self.now(), call, agent, queue, data))

    def _flush(self) -> list[Event]:
        out, self._out = self._out, []
        return out

    # -------------------------------------------------------------- snapshots
    def snapshot(self) -> dict[str, Any]:
        return {"agents": [a.to_dict() for a in self.agents.values()],
                "calls": [c.to_dict() for c in self.calls.values()],
                "counters": self.counters()}

    def counters(self) -> dict[str, Any]:
        return {"seq": self._seq, "order": self._order, "aht": dict(self._aht),
                "rr_last": {k: list(v) for k, v in self._rr_last.items()}}

    def take_dirty(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
        """Agents and live calls changed since the last call, and calls that ended."""
        agents = [self.agents[a].to_dict() for a in self.dirty_agents if a in self.agents]
        calls = [self.calls[c].to_dict() for c in self.dirty_calls if c in self.calls]
        gone = [c for c in self.dirty_calls if c not in self.calls]
        self.dirty_agents.clear()
        self.dirty_calls.clear()
        return agents, calls, gone

    def restore(self, agents: Iterable[Mapping[str, Any]], calls: Iterable[Mapping[str, Any]],
                counters: Mapping[str, Any] | None = None) -> list[Event]:
        """Rebuild state from a snapshot (after a restart) and re-arm the timers."""
        now = self.now()
        counters = counters or {}
        self._seq = int(counters.get("seq", 0))
        self._order = int(counters.get("order", 0))
        self._aht.update({k: float(v) for k, v in dict(counters.get("aht", {})).items()})
        self._rr_last = {k: (int(v[0]), int(v[1])) for k, v in dict(counters.get("rr_last", {})).items()}
        for d in agents:
            agent = Agent.from_dict(d)
            self.agents[agent.id] = agent
            self._order = max(self._order, agent.order)
        for d in calls:
            call = Call.from_dict(d)
            if call.queue not in self.queues:
                continue
            self.calls[call.id] = call
            self._seq = max(self._seq, call.seq)
            q = self.queues[call.queue]
            if call.state is CallState.WAITING:
                insort(self.waiting[q.name], call, key=Call.key)
                if q.max_wait is not None:
                    self._arm(("maxwait", call.id), max(now, call.entered + q.max_wait))
                for i, rule in enumerate(q.time_rules):
                    if call.entered + rule.after > now:
                        self._arm(("rule", call.id, str(i)), call.entered + rule.after)
                if q.announce_interval > 0 and not call.callback:
                    self._arm(("announce", call.id), now + q.announce_interval)
                if call.retry_at > now:
                    self._arm(("retry", call.id), call.retry_at)
            elif call.state in (CallState.OFFERED, CallState.RINGING):
                self._arm(("ring", call.id), now + q.ring_timeout)
        for q in list(self.queues.values()):
            self.set_queue(q)  # recount the staffed agents
        for agent in self.agents.values():
            if agent.state is AgentState.WRAP_UP:
                wrap = self.queues[agent.queue].wrap_up if agent.queue in self.queues else 0.0
                self._arm(("wrap", agent.id), max(now, agent.since + wrap))
            elif agent.state is AgentState.READY:
                self.ready.add(agent)
        for call in sorted((c for c in self.calls.values() if c.state is CallState.WAITING), key=Call.key):
            self._dispatch_call(call)
        return self._flush()
