"""Agent and call life cycles, queue rules and timers, all with the fake clock."""

from __future__ import annotations

import pytest

from agent_queue.domain.acd import Acd
from agent_queue.domain.clock import FakeClock
from agent_queue.domain.errors import BadRequest, InvalidTransition, NotFound
from agent_queue.domain.schedule import Schedule
from agent_queue.testing import Q, World


def test_full_call_cycle_through_every_agent_state(world):
    w = world
    w.sign_in("ann", "sip:ann@pbx", {"sales": 3})
    assert w.state("ann") == "NOT_READY"
    w.set_ready("ann")
    w.enter("c1", "sales", caller="+3312345", aai={"account": "42"})
    assert w.state("ann") == "RESERVED"
    offer = [e for e in w.events if e.kind == "offer"][0]
    assert offer.data["contact"] == "sip:ann@pbx" and offer.data["aai"] == {"account": "42"}
    w.ringing("c1", "ann")
    assert w.state("ann") == "ALERTING"
    w.tick(3)
    w.answered("c1", "ann")
    assert w.state("ann") == "TALKING"
    connect = [e for e in w.events if e.kind == "connect"][0]
    assert connect.data["wait"] == 3
    w.hold("c1")
    assert w.state("ann") == "HELD"
    w.tick(5)
    w.unhold("c1")
    w.tick(10)
    w.hangup("c1")
    complete = [e for e in w.events if e.kind == "complete"][0]
    assert (complete.data["talk"], complete.data["hold"]) == (15, 5)
    assert w.state("ann") == "WRAP_UP"
    w.tick(9.9)
    assert w.state("ann") == "WRAP_UP"
    w.tick(0.1)
    assert w.state("ann") == "READY"
    w.set_not_ready("ann", "lunch")
    assert (w.state("ann"), w.acd.agents["ann"].reason) == ("NOT_READY", "lunch")
    w.sign_out("ann")
    assert w.state("ann") == "OFFLINE"
    assert "c1" not in w.acd.calls


def test_rona_puts_agent_not_ready_and_call_back_at_its_place():
    w = World(Q(ring_timeout=10))
    w.enter("first", "sales")
    w.tick(1)
    w.enter("second", "sales")
    w.agent_up("ann")
    assert w.offers() == [("first", "ann")]
    w.ringing("first", "ann")
    out = w.tick(10)
    assert "rona" in w.kinds(out)
    assert (w.state("ann"), w.acd.agents["ann"].reason) == ("NOT_READY", "RONA")
    assert [c.id for c in w.acd.waiting["sales"]] == ["first", "second"]
    w.agent_up("bob")
    assert w.offers()[-1] == ("first", "bob")


def test_rona_reported_by_platform_redispatches_to_another_agent():
    w = World(Q())
    w.agent_up("ann")
    w.tick(1)
    w.agent_up("bob")
    w.enter("c1", "sales")
    assert w.offers() == [("c1", "ann")]
    out = w.no_answer("c1", "ann")
    assert w.offers(out) == [("c1", "bob")]


def test_wrap_up_is_honoured_across_queues():
    w = World(Q("sales", wrap_up=30), Q("support", skills={"support": 1}))
    w.agent_up("ann", {"sales": 1, "support": 1})
    w.enter("c1", "sales")
    w.answered("c1", "ann")
    w.hangup("c1")
    w.enter("c2", "support")
    assert w.offers() == [("c1", "ann")]
    assert w.state("ann") == "WRAP_UP"
    out = w.tick(30)
    assert w.offers(out) == [("c2", "ann")]


def test_agent_may_end_wrap_up_early_with_notes():
    w = World(Q(wrap_up=60))
    w.agent_up("ann")
    w.enter("c1", "sales")
    w.answered("c1", "ann")
    w.hangup("c1", by="agent")
    out = w.wrap_done("ann", notes="sold two")
    notes = [e for e in out if e.kind == "notes"][0]
    assert (notes.call_id, notes.data["notes"]) == ("c1", "sold two")
    assert w.state("ann") == "READY"
    assert w.tick(60) == []  # the old wrap timer is dead


def test_not_ready_during_a_call_waits_until_the_call_ends():
    w = World(Q(wrap_up=5))
    w.agent_up("ann")
    w.enter("c1", "sales")
    w.answered("c1", "ann")
    w.set_not_ready("ann", "break")
    assert w.state("ann") == "TALKING"
    w.hangup("c1")
    assert w.state("ann") == "WRAP_UP"
    w.enter("c2", "sales")
    w.tick(5)
    assert (w.state("ann"), w.acd.agents["ann"].reason) == ("NOT_READY", "break")
    assert w.offers() == [("c1", "ann")]


def test_sign_out_during_ringing_waits_and_ready_cancels_it():
    w = World(Q(wrap_up=0))
    w.agent_up("ann")
    w.enter("c1", "sales")
    w.sign_out("ann")
    assert w.state("ann") == "RESERVED"
    w.set_ready("ann")  # changed her mind
    w.answered("c1", "ann")
    w.hangup("c1")
    assert w.state("ann") == "READY"
    w.enter("c2", "sales")
    w.sign_out("ann")
    w.hangup("c2")  # caller abandons while ringing: the pending sign-out applies
    assert w.state("ann") == "OFFLINE"


def test_abandon_while_waiting_and_while_ringing():
    w = World(Q())
    w.enter("c1", "sales")
    w.tick(4)
    out = w.hangup("c1")
    ab = [e for e in out if e.kind == "abandon"][0]
    assert (ab.data["stage"], ab.data["wait"]) == ("queue", 4)
    w.agent_up("ann")
    w.enter("c2", "sales")
    out = w.hangup("c2")
    assert [e.kind for e in out if e.kind in ("abandon", "cancel")] == ["abandon", "cancel"]
    assert w.state("ann") == "READY"


def test_max_wait_overflows_to_another_queue_keeping_the_wait():
    w = World(Q("sales", max_wait=60, overflow="queue:backup"), Q("backup", skills={"backup": 1}))
    w.enter("c1", "sales")
    out = w.tick(60)
    ex = [e for e in out if e.kind == "exit"][0]
    assert (ex.data["reason"], ex.data["destination"]) == ("timeout", "queue:backup")
    assert [c.id for c in w.acd.waiting["backup"]] == ["c1"]
    w.enter("c2", "backup")
    w.agent_up("bob", {"backup": 1})
    assert w.offers() == [("c1", "bob")]


def test_max_wait_to_a_destination_ends_the_call():
    w = World(Q(max_wait=30, overflow="sip:voicemail@pbx"))
    w.enter("c1", "sales")
    out = w.tick(30)
    assert [(e.data["reason"], e.data["destination"]) for e in out if e.kind == "exit"] == [
        ("timeout", "sip:voicemail@pbx")]
    assert "c1" not in w.acd.calls


def test_max_wait_reached_while_ringing_applies_after_rona():
    w = World(Q(max_wait=20, ring_timeout=15, overflow="sip:vm"))
    w.enter("c1", "sales")
    w.tick(10)
    w.agent_up("ann")
    out = w.tick(15)
    assert [e.kind for e in out if e.kind in ("rona", "exit")] == ["rona", "exit"]


def test_max_length_join_empty_and_leave_when_empty():
    w = World(Q(max_length=1, full_target="sip:busy"))
    w.enter("c1", "sales")
    out = w.enter("c2", "sales")
    assert [(e.data["reason"], e.data["destination"]) for e in out] == [("full", "sip:busy")]
    w2 = World(Q(join_empty=False, leave_when_empty=True, empty_target="sip:vm"))
    out = w2.enter("c1", "sales")
    assert [e.data["reason"] for e in out] == ["empty"]
    w2.sign_in("ann", "sip:ann", {"sales": 1})  # signed in, not ready: the queue is staffed
    w2.enter("c2", "sales")
    assert "c2" in w2.acd.calls
    out = w2.sign_out("ann")
    assert [(e.call_id, e.data["reason"]) for e in out if e.kind == "exit"] == [("c2", "empty")]


def test_exit_keys():
    w = World(Q(exit_keys={"0": "sip:operator"}))
    w.enter("c1", "sales")
    assert w.exit_key("c1", "5") == []
    out = w.exit_key("c1", "0")
    assert [(e.data["reason"], e.data["destination"]) for e in out] == [("key", "sip:operator")]


def test_opening_hours_holidays_and_night_service():
    sched = Schedule({"mon": ("08:00-18:00",), "thu": ("08:00-18:00",)}, frozenset({"2026-01-01"}), 60)
    w = World(Q(schedule=sched, night_target="sip:night", holiday_target="sip:holiday"))
    out = w.enter("c1", "sales")  # Thursday 2026-01-01 01:00 local: holiday
    assert [(e.data["reason"], e.data["destination"]) for e in out] == [("holiday", "sip:holiday")]
    w.tick(4 * 86400 + 8 * 3600 - 3600)  # Monday 2026-01-05 08:00 local
    out = w.enter("c2", "sales")
    assert "enter" in w.kinds(out)
    w.tick(10 * 3600)  # 18:00 local
    out = w.enter("c3", "sales")
    assert [e.data["reason"] for e in out] == ["closed"]


def test_position_and_estimated_wait_announcements():
    w = World(Q(announce_interval=30, default_aht=120))
    w.sign_in("ann", "sip:ann", {"sales": 1})
    w.sign_in("bob", "sip:bob", {"sales": 1})
    w.enter("c1", "sales")
    out = w.enter("c2", "sales")
    ann = [e for e in out if e.kind == "announce"][0]
    assert (ann.data["position"], ann.data["ewt"]) == (2, 120.0)
    assert ann.data["text"] == ("You are number 2 in the queue. Your estimated waiting time is "
                                "about 2 minutes.")
    out = w.tick(30)
    assert sorted((e.call_id, e.data["position"]) for e in out if e.kind == "announce") == [
        ("c1", 1), ("c2", 2)]
    w.hangup("c1")
    out = w.tick(30)
    assert [(e.call_id, e.data["position"]) for e in out if e.kind == "announce"] == [("c2", 1)]


def test_callback_keeps_the_place_and_is_offered_in_turn():
    w = World(Q(announce_interval=30))
    w.enter("c1", "sales", caller="+111")
    w.tick(1)
    w.enter("c2", "sales")
    out = w.request_callback("c1", "+222")
    assert [e.data["number"] for e in out if e.kind == "callback"] == ["+222"]
    assert w.hangup("c1") == []  # the caller hangs up, the place stays
    assert [c.id for c in w.acd.waiting["sales"]] == ["c1", "c2"]
    w.agent_up("ann")
    offer = [e for e in w.events if e.kind == "offer"][0]
    assert (offer.call_id, offer.data["callback"]) == ("c1", "+222")


def _callback_offered(w: World) -> None:
    """c1 asked for a callback and hung up; c2 waits behind it; ann is offered c1."""
    w.enter("c1", "sales", caller="+111")
    w.request_callback("c1")
    w.hangup("c1")
    w.tick(1)
    w.enter("c2", "sales")
    w.agent_up("ann")
    assert w.offers()[-1] == ("c1", "ann")


def test_a_callback_nobody_answers_frees_the_agent_and_waits_for_its_retry():
    w = World(Q(callback_retry=60, callback_attempts=3))
    _callback_offered(w)
    out = w.callback_failed("c1", "busy")
    [failed] = [e for e in out if e.kind == "callback-failed"]
    assert (failed.data["reason"], failed.data["attempt"], failed.data["number"]) == ("busy", 1, "+111")
    assert failed.data["retry_at"] == w.clock.now() + 60
    assert "rona" not in w.kinds(out)  # ann was never rung: no RONA, she takes c2 at once
    assert w.offers(out) == [("c2", "ann")]
    assert [c.id for c in w.acd.waiting["sales"]] == ["c1"]  # c1 keeps its place
    w.answered("c2", "ann")
    w.hangup("c2")
    w.tick(30)  # ann is ready again (wrap-up over) but c1's retry is not due
    assert w.state("ann") == "READY" and w.acd.calls["c1"].state == "WAITING"
    out = w.tick(30)
    assert w.offers(out) == [("c1", "ann")]


def test_a_callback_exits_after_its_last_try():
    w = World(Q(callback_retry=10, callback_attempts=2))
    _callback_offered(w)
    w.callback_failed("c1", "no-answer")
    w.answered("c2", "ann")
    w.hangup("c2")
    out = w.tick(10)
    assert w.offers(out) == [("c1", "ann")]
    out = w.callback_failed("c1", "no-answer")
    [ex] = [e for e in out if e.kind == "exit"]
    assert (ex.data["reason"], ex.data["callback"]) == ("callback-failed", "+111")
    assert [e.data["retry_at"] for e in out if e.kind == "callback-failed"] == [None]
    assert "c1" not in w.acd.calls and w.state("ann") == "READY"


def test_callback_failed_needs_an_offered_callback():
    w = World(Q())
    w.agent_up("ann")
    w.enter("c1", "sales")
    with pytest.raises(BadRequest, match="without a callback"):
        w.callback_failed("c1")


def test_a_callback_retry_survives_a_restart():
    w = World(Q(callback_retry=60))
    _callback_offered(w)
    w.callback_failed("c1")
    w.answered("c2", "ann")
    w.hangup("c2")
    snap = w.acd.snapshot()
    clock = FakeClock(w.clock.now() + 20)
    acd = Acd(clock, None, w.acd.queues.values())
    acd.restore(snap["agents"], snap["calls"], snap["counters"])
    clock.advance(30)
    assert [e for e in acd.advance() if e.kind == "offer"] == []
    clock.advance(10)  # 60 s after the failed try
    assert [(e.call_id, e.agent_id) for e in acd.advance() if e.kind == "offer"] == [("c1", "ann")]


def test_transfer_to_another_queue_and_to_a_destination():
    w = World(Q("sales", wrap_up=0), Q("billing", skills={"billing": 1}))
    w.agent_up("ann", {"sales": 1})
    w.agent_up("bob", {"billing": 1})
    w.enter("c1", "sales")
    w.answered("c1", "ann")
    out = w.transfer("c1", "queue:billing", by="ann")
    assert w.kinds(out)[:1] == ["transfer"]
    assert w.offers(out) == [("c1", "bob")]
    assert w.state("ann") == "READY"
    w.answered("c1", "bob")
    w.transfer("c1", "sip:external@x")
    assert "c1" not in w.acd.calls


def test_supervisor_forces_states_and_is_logged():
    w = World(Q())
    w.agent_up("ann")
    out = w.force("not_ready", "ann", by="sue", reason="meeting")
    force = [e for e in out if e.kind == "force"][0]
    assert (force.data["by"], force.data["action"]) == ("sue", "not_ready")
    st = [e for e in out if e.kind == "agent_state"][0]
    assert (st.data["by"], st.data["reason"]) == ("sue", "meeting")
    w.force("ready", "ann", by="sue")
    assert w.state("ann") == "READY"
    w.force("sign_out", "ann", by="sue")
    assert w.state("ann") == "OFFLINE"
    with pytest.raises(BadRequest):
        w.force("dance", "ann", by="sue")


def test_monitor_listen_whisper_barge_and_intercept():
    w = World(Q(wrap_up=10))
    w.agent_up("ann")
    with pytest.raises(BadRequest):
        w.monitor("ann", "listen", by="sue")
    w.enter("c1", "sales")
    w.answered("c1", "ann")
    for mode in ("listen", "whisper", "barge"):
        out = w.monitor("ann", mode, by="sue", contact="sip:sue@pbx")
        mon = [e for e in out if e.kind == "monitor"][0]
        assert (mon.call_id, mon.data["mode"], mon.data["by"]) == ("c1", mode, "sue")
    w.monitor("ann", "intercept", by="sue", contact="sip:sue@pbx")
    assert w.state("ann") == "WRAP_UP"
    out = w.hangup("c1")
    assert [e.agent_id for e in out if e.kind == "complete"] == [None]


def test_errors_name_what_was_found():
    w = World(Q())
    with pytest.raises(NotFound, match="no queue 'nope'"):
        w.enter("c1", "nope")
    with pytest.raises(NotFound):
        w.set_ready("ghost")
    w.sign_in("ann", "sip:ann", {})
    with pytest.raises(InvalidTransition, match="cannot hold"):
        w.acd._change(w.acd.agents["ann"], __import__("agent_queue.domain.states", fromlist=["x"]).AgentEvent.HOLD)
    with pytest.raises(BadRequest, match="SIP contact"):
        w.sign_in("bob", "", {})
    w.enter("c1", "sales")
    with pytest.raises(BadRequest, match="already"):
        w.enter("c1", "sales")
    with pytest.raises(BadRequest):
        w.answered("c1", "ann")


def test_skills_change_while_ready_dispatches():
    w = World(Q(skills={"sales": 4}))
    w.agent_up("ann", {"sales": 1})
    w.enter("c1", "sales")
    assert w.offers() == []
    w.set_skills("ann", {"sales": 4}, by="admin")
    assert w.offers() == [("c1", "ann")]


def test_restore_brings_back_agents_calls_and_timers():
    w = World(Q(wrap_up=20, max_wait=100, overflow="sip:vm", ring_timeout=10))
    w.agent_up("ann")
    w.agent_up("bob")
    w.enter("c1", "sales")
    w.answered("c1", "ann")
    w.enter("c2", "sales")  # offered to bob
    w.enter("c3", "sales")  # waits
    w.tick(5)
    w.hangup("c1")  # ann in wrap-up until +20
    snap = w.acd.snapshot()
    clock = FakeClock(w.clock.now() + 2)
    acd = Acd(clock, None, w.acd.queues.values())
    acd.restore(snap["agents"], snap["calls"], snap["counters"])
    assert {a: str(x.state) for a, x in acd.agents.items()} == {"ann": "WRAP_UP", "bob": "RESERVED"}
    assert [c.id for c in acd.waiting["sales"]] == ["c3"]
    clock.advance(10)  # bob never answered c2 (ring timer re-armed at restore)
    out = acd.advance()
    assert [e.agent_id for e in out if e.kind == "rona"] == ["bob"]
    assert [c.id for c in acd.waiting["sales"]] == ["c2", "c3"]
    clock.advance(8)  # ann's wrap-up ends on time and she takes c2
    out = acd.advance()
    assert [(e.call_id, e.agent_id) for e in out if e.kind == "offer"] == [("c2", "ann")]


def test_dirty_tracking_for_the_store():
    w = World(Q())
    w.acd.take_dirty()
    w.agent_up("ann")
    w.enter("c1", "sales")
    agents, calls, gone = w.acd.take_dirty()
    assert [a["id"] for a in agents] == ["ann"] and [c["id"] for c in calls] == ["c1"] and gone == []
    w.hangup("c1")
    assert w.acd.take_dirty()[2] == ["c1"]


def test_supervisor_ends_a_call_the_platform_lost():
    w = World(Q(wrap_up=0))
    w.agent_up("ann")
    w.enter("c1", "sales")
    w.answered("c1", "ann")
    with pytest.raises(NotFound):
        w.force("hangup", "ghost", by="sue")
    out = w.force("hangup", "ann", by="sue")
    assert [(e.kind, e.data.get("by")) for e in out if e.kind in ("force", "complete")] == [
        ("force", "sue"), ("complete", "supervisor:sue")]
    assert w.state("ann") == "READY"
    with pytest.raises(BadRequest, match="has no call"):
        w.force("hangup", "ann", by="sue")


def test_sign_in_twice_is_refused_without_changing_anything():
    w = World(Q())
    w.agent_up("ann", {"sales": 2})
    with pytest.raises(InvalidTransition):
        w.sign_in("ann", "sip:other", {"sales": 9})
    assert (w.acd.agents["ann"].contact, w.acd.agents["ann"].skills) == ("sip:ann@pbx", {"sales": 2})


def test_hold_time_counts_when_the_call_ends_on_hold():
    w = World(Q(wrap_up=0))
    w.agent_up("ann")
    w.enter("c1", "sales")
    w.answered("c1", "ann")
    w.tick(10)
    w.hold("c1")
    w.tick(7)
    out = w.hangup("c1")
    [done] = [e for e in out if e.kind == "complete"]
    assert (done.data["talk"], done.data["hold"]) == (17, 7)
    assert w.state("ann") == "READY"


def test_transfer_while_held_ends_the_hold():
    w = World(Q(wrap_up=0))
    w.agent_up("ann")
    w.enter("c1", "sales")
    w.answered("c1", "ann")
    w.hold("c1")
    w.tick(4)
    out = w.transfer("c1", "sip:billing@pbx", by="ann")
    [t] = [e for e in out if e.kind == "transfer"]
    assert (t.data["hold"], t.data["target"], t.data["by"]) == (4, "sip:billing@pbx", "ann")
    assert w.state("ann") == "READY"


def test_ring_all_timeout_puts_every_ringing_agent_rona():
    w = World(Q(strategy="ring_all", ring_timeout=10))
    w.agent_up("ann")
    w.agent_up("bob")
    w.enter("c1", "sales")
    out = w.tick(10)
    assert sorted(e.agent_id for e in out if e.kind == "rona") == ["ann", "bob"]
    assert w.state("ann") == w.state("bob") == "NOT_READY"
    assert w.acd.calls["c1"].state == "WAITING"


def test_callback_is_kept_through_max_wait_overflow_and_exits_with_its_number():
    w = World(Q(max_wait=30, overflow="sip:vm"))
    w.enter("c1", "sales", caller="+1")
    w.request_callback("c1")
    out = w.tick(30)
    [ex] = [e for e in out if e.kind == "exit"]
    assert (ex.data["reason"], ex.data["callback"]) == ("timeout", "+1")


def test_callback_needs_a_waiting_call():
    w = World(Q())
    w.agent_up("ann")
    w.enter("c1", "sales")
    with pytest.raises(BadRequest, match="callback in state OFFERED"):
        w.request_callback("c1")


def test_rona_while_not_ready_pending_keeps_rona_reason():
    w = World(Q())
    w.agent_up("ann")
    w.enter("c1", "sales")
    w.set_not_ready("ann", "lunch")
    w.no_answer("c1", "ann")
    assert (w.state("ann"), w.acd.agents["ann"].reason) == ("NOT_READY", "RONA")


def test_queue_update_and_removal():
    w = World(Q())
    w.set_queue(Q(strategy="linear"))
    assert w.acd.queues["sales"].strategy == "linear"
    w.enter("c1", "sales")
    with pytest.raises(BadRequest, match="1 callers are waiting"):
        w.remove_queue("sales")
    w.hangup("c1")
    w.remove_queue("sales")
    with pytest.raises(NotFound):
        w.enter("c2", "sales")


def test_sign_in_without_skills_keeps_the_assigned_ones():
    w = World(Q())
    w.sign_in("ann", "sip:ann", {"sales": 4})
    w.sign_out("ann")
    w.sign_in("ann", "sip:ann-desk2", None)
    assert (w.acd.agents["ann"].skills, w.acd.agents["ann"].contact) == ({"sales": 4}, "sip:ann-desk2")


def test_overflow_between_two_queues_does_not_ping_pong():
    w = World(Q("a", max_wait=30, overflow="queue:b"), Q("b", max_wait=20, overflow="queue:a"))
    w.enter("c1", "a")
    out = w.tick(30)
    assert [(e.kind, e.queue) for e in out if e.kind in ("exit", "enter")] == [("exit", "a"), ("enter", "b")]
    out = w.tick(20)
    assert [(e.kind, e.queue) for e in out if e.kind in ("exit", "enter")] == [("exit", "b"), ("enter", "a")]


@pytest.mark.parametrize(("setting", "value"), [("ring_timeout", 0), ("wrap_up", -1), ("max_wait", 0),
                                                ("announce_interval", -5), ("strategy", "fastest")])
def test_queue_settings_are_checked(setting, value):
    with pytest.raises(BadRequest, match=f"{setting} {value!r}"):
        Q(**{setting: value})
