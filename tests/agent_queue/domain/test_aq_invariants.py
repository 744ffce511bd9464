"""Random request sequences never leave the ACD inconsistent: no agent stuck in a call state
without a call, no ready agent idle while a caller he may take waits, queues in order.
Refused requests (AcdError) must leave everything as it was."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_queue.domain.errors import AcdError
from agent_queue.domain.model import Call, TimeRule
from agent_queue.domain.routing import qualifies
from agent_queue.domain.states import AgentState, CallState
from agent_queue.testing import Q, World

AGENTS = ["a0", "a1", "a2", "a3"]
CALLS = [f"c{i}" for i in range(6)]
QUEUES = ("sales", "support", "vip")
SKILLS = st.dictionaries(st.sampled_from(["sales", "support"]), st.integers(1, 5), max_size=2)

OPS = st.one_of(
    st.tuples(st.just("sign_in"), st.sampled_from(AGENTS), SKILLS, st.booleans()),
    st.tuples(st.just("sign_out"), st.sampled_from(AGENTS)),
    st.tuples(st.just("set_ready"), st.sampled_from(AGENTS)),
    st.tuples(st.just("set_not_ready"), st.sampled_from(AGENTS)),
    st.tuples(st.just("wrap_done"), st.sampled_from(AGENTS)),
    st.tuples(st.just("force_hangup"), st.sampled_from(AGENTS)),
    st.tuples(st.just("enter"), st.sampled_from(CALLS), st.sampled_from(QUEUES),
              st.sampled_from(["special", "priority", "normal"])),
    st.tuples(st.sampled_from(["ringing", "answered", "no_answer"]), st.sampled_from(CALLS),
              st.sampled_from(AGENTS)),
    st.tuples(st.just("callback_failed"), st.sampled_from(CALLS), st.sampled_from(["no-answer", "busy"])),
    st.tuples(st.sampled_from(["hangup", "hold", "unhold", "request_callback"]), st.sampled_from(CALLS)),
    st.tuples(st.just("transfer"), st.sampled_from(CALLS), st.sampled_from(["queue:support", "sip:x"])),
    st.tuples(st.just("exit_key"), st.sampled_from(CALLS), st.sampled_from(["0", "1"])),
    st.tuples(st.just("tick"), st.sampled_from([0.5, 3, 11, 31, 61])),
)
# requests about whatever call is ringing or connected right now, drawn as often as the rest
LIVE = st.tuples(st.sampled_from(["ring_offered", "answer_offered", "answer_offered", "refuse_offered",
                                  "callback_offered_fails", "end_connected", "hold_connected",
                                  "transfer_connected"]),
                 st.integers(0, 5))
ENTER = st.tuples(st.just("enter"), st.sampled_from(CALLS), st.sampled_from(QUEUES),
                  st.sampled_from(["special", "priority", "normal"]))
OPS = st.sampled_from([OPS, LIVE, LIVE, ENTER]).flatmap(lambda strategy: strategy)  # no flattening


def pick_call(w: World, states: tuple[CallState, ...], n: int) -> Call | None:
    found = [c for c in w.acd.calls.values() if c.state in states]
    return found[n % len(found)] if found else None


def world() -> World:
    w = World(
        Q("sales", skills={"sales": 3}, ring_timeout=10, wrap_up=5, max_wait=120,
          overflow="queue:support", time_rules=(TimeRule(30, {"sales": 1}),)),
        Q("support", skills={"support": 1}, strategy="ring_all", wrap_up=0, exit_keys={"0": "sip:op"}),
        Q("vip", skills={"sales": 5}, strategy="round_robin", leave_when_empty=True, join_empty=False,
          max_length=2),
    )
    w.sign_in("a0", "sip:a0", {"sales": 3, "support": 1}, ready=True)
    w.sign_in("a1", "sip:a1", {"support": 2}, ready=True)
    return w


def check(w: World) -> None:
    acd, now = w.acd, w.clock.now()
    ready = {a.id for a in acd.agents.values() if a.state is AgentState.READY}
    assert ready == set(acd.ready.all)
    for a in acd.agents.values():
        if a.state in (AgentState.RESERVED, AgentState.ALERTING):
            call = acd.calls[a.call_id]
            assert a.id in call.agents and call.state in (CallState.OFFERED, CallState.RINGING)
        elif a.state in (AgentState.TALKING, AgentState.HELD):
            assert acd.calls[a.call_id].agent == a.id
        elif a.state is not AgentState.WRAP_UP:
            assert a.call_id is None and a.pending is None
    for c in acd.calls.values():
        if c.state in (CallState.OFFERED, CallState.RINGING):
            for aid in c.agents:
                a = acd.agents[aid]
                assert a.state in (AgentState.RESERVED, AgentState.ALERTING) and a.call_id == c.id
            assert c.agents
    for name, lst in acd.waiting.items():
        assert lst == sorted(lst, key=Call.key)
        assert all(c.state is CallState.WAITING and c.queue == name for c in lst)
        q = acd.queues[name]
        for c in lst:  # event-driven dispatch: nobody idle who may take a waiting caller
            if c.retry_at > now:  # a callback nobody answered: not offered before its retry
                continue
            req = q.requirements(now - c.entered)
            assert not [a for a in ready if qualifies(acd.agents[a].skills, req)], (c.id, req)
    waiting = {c.id for lst in acd.waiting.values() for c in lst}
    assert waiting == {c.id for c in acd.calls.values() if c.state is CallState.WAITING}


def apply(w: World, op: tuple) -> None:
    name, *args = op
    match name:
        case "tick":
            w.tick(args[0])
        case "sign_in":
            w.sign_in(args[0], f"sip:{args[0]}", args[1], ready=args[2])
        case "set_not_ready":
            w.set_not_ready(args[0], "break")
        case "force_hangup":
            w.force("hangup", args[0], by="sue")
        case "enter":
            w.enter(args[0], args[1], caller="+1" if args[0] < "c3" else "", tier=args[2])
        case "no_answer":
            w.no_answer(args[0], args[1])
        case "ring_offered" | "answer_offered" | "refuse_offered":
            call = pick_call(w, (CallState.OFFERED, CallState.RINGING), args[0])
            if call:
                method = {"ring_offered": w.ringing, "answer_offered": w.answered,
                          "refuse_offered": w.no_answer}[name]
                method(call.id, call.agents[args[0] % len(call.agents)])
        case "callback_offered_fails":
            call = pick_call(w, (CallState.OFFERED, CallState.RINGING), args[0])
            if call and call.callback:
                w.callback_failed(call.id, "busy")
        case "end_connected" | "hold_connected" | "transfer_connected":
            call = pick_call(w, (CallState.CONNECTED, CallState.HELD), args[0])
            if call and name == "end_connected":
                w.hangup(call.id, by="agent" if args[0] % 2 else "caller")
            elif call and name == "hold_connected":
                (w.unhold if call.state is CallState.HELD else w.hold)(call.id)
            elif call:
                w.transfer(call.id, "queue:sales" if args[0] % 2 else "sip:out")
        case _:
            getattr(w, name)(*args)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPS, min_size=3, max_size=40))
def test_random_requests_keep_the_acd_consistent(ops):
    w = world()
    for op in ops:
        before = w.acd.snapshot()
        try:
            apply(w, op)
        except AcdError:
            assert w.acd.snapshot() == before, f"{op} was refused but changed the state"
            w.acd._flush()
        check(w)
        check_staffed(w)


def check_staffed(w: World) -> None:
    for q in w.acd.queues.values():
        expected = sum(1 for a in w.acd.agents.values()
                       if a.state is not AgentState.OFFLINE and qualifies(a.skills, q.widest()))
        assert w.acd._staffed_count(q) == expected, q.name
