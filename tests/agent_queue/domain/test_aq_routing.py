"""Routing rules: skills and levels, order by (tier, priority, entry), fairness, strategies."""

from __future__ import annotations

import random

import pytest

from agent_queue.domain.model import TimeRule
from agent_queue.domain.routing import ReadyIndex, naive_candidates, pick
from agent_queue.testing import Q, World


def test_skill_levels_decide_who_is_eligible():
    w = World(Q(skills={"sales": 3, "french": 2}))
    w.agent_up("low", {"sales": 2, "french": 5})
    w.agent_up("nofrench", {"sales": 5})
    w.enter("c1", "sales")
    assert w.offers() == []
    w.agent_up("good", {"sales": 3, "french": 2})
    assert w.offers() == [("c1", "good")]


def test_order_is_tier_then_priority_then_entry_time():
    w = World(Q())
    w.enter("normal-old", "sales")
    w.tick(1)
    w.enter("prio-low", "sales", tier="priority", priority=1)
    w.tick(1)
    w.enter("prio-high", "sales", tier="priority", priority=5)
    w.tick(1)
    w.enter("special", "sales", tier="special")
    w.tick(1)
    w.enter("normal-new", "sales")
    order = [c.id for c in w.acd.waiting["sales"]]
    assert order == ["special", "prio-high", "prio-low", "normal-old", "normal-new"]
    for i in range(5):
        w.agent_up(f"a{i}")
    assert [c for c, _ in w.offers()] == order


def test_agent_serving_several_queues_takes_the_longest_waiting_caller():
    w = World(Q("sales"), Q("support", skills={"support": 1}))
    w.enter("support-old", "support")
    w.tick(5)
    w.enter("sales-new", "sales")
    w.agent_up("both", {"sales": 1, "support": 1})
    assert w.offers() == [("support-old", "both")]


def test_tier_beats_waiting_time_across_queues():
    w = World(Q("sales"), Q("support", skills={"support": 1}))
    w.enter("support-old", "support")
    w.tick(30)
    w.enter("sales-vip", "sales", tier="special")
    w.agent_up("both", {"sales": 1, "support": 1})
    assert w.offers() == [("sales-vip", "both")]


def test_ineligible_head_does_not_block_a_later_eligible_caller():
    w = World(Q(skills={"sales": 5}, time_rules=(TimeRule(60, {"sales": 1}),)))
    w.enter("old-normal", "sales")
    w.tick(60)  # its requirement is now widened to level 1
    w.enter("new-special", "sales", tier="special")  # first in line, still needs level 5
    assert [c.id for c in w.acd.waiting["sales"]] == ["new-special", "old-normal"]
    w.agent_up("junior", {"sales": 1})
    assert w.offers() == [("old-normal", "junior")]
    w.agent_up("senior", {"sales": 5})
    assert w.offers()[-1] == ("new-special", "senior")


def test_time_rule_widens_eligible_agents_when_its_timer_fires():
    w = World(Q(skills={"sales": 5}, time_rules=(TimeRule(30, {"sales": 3}), TimeRule(60, {}))))
    w.agent_up("junior", {"sales": 3})
    w.agent_up("trainee", {"billing": 1})
    w.enter("c1", "sales")
    assert w.offers() == []
    w.tick(29.9)
    assert w.offers() == []
    out = w.tick(0.1)
    assert w.offers(out) == [("c1", "junior")]
    w.answered("c1", "junior")
    w.enter("c2", "sales")
    w.tick(60)
    assert w.offers()[-1] == ("c2", "trainee")


def test_time_rule_applies_when_an_agent_becomes_ready_later():
    w = World(Q(skills={"sales": 5}, time_rules=(TimeRule(30, {"sales": 3}),)))
    w.enter("c1", "sales")
    w.tick(40)
    w.agent_up("junior", {"sales": 3})
    assert w.offers() == [("c1", "junior")]


def agents_with(w: World, n: int) -> None:
    for i in range(n):
        w.agent_up(f"a{i}")
        w.tick(1)


@pytest.mark.parametrize(("strategy", "expected"), [
    ("longest_idle", "a0"),
    ("linear", "a0"),
])
def test_simple_strategies(strategy, expected):
    w = World(Q(strategy=strategy))
    agents_with(w, 3)
    w.enter("c1", "sales")
    assert w.offers() == [("c1", expected)]


def test_longest_idle_prefers_the_agent_ready_the_longest():
    w = World(Q(strategy="longest_idle", wrap_up=0))
    agents_with(w, 2)
    w.enter("c1", "sales")
    w.answered("c1", "a0")
    w.hangup("c1")
    w.enter("c2", "sales")
    assert w.offers()[-1] == ("c2", "a1")
    w.enter("c3", "sales")
    assert w.offers()[-1] == ("c3", "a0")


def test_linear_follows_the_members_list():
    w = World(Q(strategy="linear", members=("a2", "a0", "a1")))
    agents_with(w, 3)
    w.enter("c1", "sales")
    assert w.offers() == [("c1", "a2")]


def test_round_robin_goes_on_after_the_last_agent():
    w = World(Q(strategy="round_robin", wrap_up=0))
    agents_with(w, 3)
    got = []
    for i in range(5):
        w.enter(f"c{i}", "sales")
        call, agent = w.offers()[-1]
        got.append(agent)
        w.answered(call, agent)
        w.hangup(call)
    assert got == ["a0", "a1", "a2", "a0", "a1"]


def test_fewest_calls_and_least_talk_time():
    w = World(Q(strategy="fewest_calls", wrap_up=0))
    agents_with(w, 2)
    w.acd.agents["a0"].calls_taken = 3
    w.enter("c1", "sales")
    assert w.offers()[-1] == ("c1", "a1")
    w2 = World(Q(strategy="least_talk_time", wrap_up=0))
    agents_with(w2, 2)
    w2.acd.agents["a0"].talk_time = 500
    w2.acd.agents["a1"].talk_time = 100
    w2.enter("c1", "sales")
    assert w2.offers()[-1] == ("c1", "a1")


def test_least_talk_time_counts_real_calls():
    w = World(Q(strategy="least_talk_time", wrap_up=0))
    agents_with(w, 2)
    w.enter("c1", "sales")
    w.answered("c1", "a0")
    w.tick(100)
    w.hangup("c1")
    assert w.acd.agents["a0"].talk_time == 100
    w.enter("c2", "sales")
    assert w.offers()[-1] == ("c2", "a1")


def test_random_uses_the_injected_rng():
    picks = []
    for seed in (1, 1, 2, 3, 4, 5):
        w = World(Q(strategy="random"), seed=seed)
        agents_with(w, 5)
        w.enter("c1", "sales")
        picks.append(w.offers()[-1][1])
    assert picks[0] == picks[1]  # same seed, same choice
    assert len(set(picks)) > 1


def test_ring_all_offers_to_every_ready_agent_and_first_answer_wins():
    w = World(Q(strategy="ring_all"))
    agents_with(w, 3)
    w.enter("c1", "sales")
    assert sorted(a for _, a in w.offers()) == ["a0", "a1", "a2"]
    assert all(e.data["ring_all"] for e in w.events if e.kind == "offer")
    out = w.answered("c1", "a1")
    assert sorted(e.agent_id for e in out if e.kind == "cancel") == ["a0", "a2"]
    assert w.state("a1") == "TALKING"
    assert w.state("a0") == w.state("a2") == "READY"


def test_ring_all_one_no_answer_leaves_the_others_ringing():
    w = World(Q(strategy="ring_all"))
    agents_with(w, 2)
    w.enter("c1", "sales")
    w.no_answer("c1", "a0")
    assert w.state("a0") == "NOT_READY"
    assert w.acd.calls["c1"].state == "OFFERED"
    w.answered("c1", "a1")
    assert w.state("a1") == "TALKING"


def test_ready_index_matches_a_linear_scan():
    rng = random.Random(3)
    w = World(Q())
    for i in range(300):
        skills = {f"s{rng.randrange(20)}": rng.randrange(1, 6) for _ in range(4)}
        w.acd.sign_in(f"a{i}", "sip:x", skills, ready=rng.random() < 0.6)
    index: ReadyIndex = w.acd.ready
    for _ in range(50):
        req = {f"s{rng.randrange(20)}": rng.randrange(1, 6) for _ in range(rng.randrange(0, 3))}
        assert {a.id for a in index.candidates(req)} == {a.id for a in naive_candidates(w.acd.agents.values(), req)}


def test_pick_refuses_unknown_strategy():
    with pytest.raises(AssertionError):
        pick("bogus", [object()])  # type: ignore[list-item]
