"""Routing: which ready agents may take a call, and which of them a strategy picks.

Ready agents are indexed by skill, so finding candidates costs the size of the smallest
required skill's ready set, not the number of agents.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from .clock import Rng
from .model import Agent


def qualifies(skills: Mapping[str, int], req: Mapping[str, int]) -> bool:
    for skill, level in req.items():
        if skills.get(skill, -1) < level:
            return False
    return True


class ReadyIndex:
    """The READY agents, by skill."""

    def __init__(self) -> None:
        self.by_skill: dict[str, dict[str, Agent]] = {}
        self.all: dict[str, Agent] = {}

    def add(self, agent: Agent) -> None:
        self.all[agent.id] = agent
        for skill in agent.skills:
            self.by_skill.setdefault(skill, {})[agent.id] = agent

    def discard(self, agent: Agent) -> None:
        if self.all.pop(agent.id, None) is None:
            return
        for skill in agent.skills:
            bucket = self.by_skill.get(skill)
            if bucket is not None:
                bucket.pop(agent.id, None)

    def __contains__(self, agent_id: str) -> bool:
        return agent_id in self.all

    def candidates(self, req: Mapping[str, int]) -> list[Agent]:
        if not req:
            return list(self.all.values())
        smallest: dict[str, Agent] | None = None
        for skill in req:
            bucket = self.by_skill.get(skill)
            if not bucket:
                return []
            if smallest is None or len(bucket) < len(smallest):
                smallest = bucket
        assert smallest is not None
        return [a for a in smallest.values() if qualifies(a.skills, req)]


def _rank(members: tuple[str, ...]) -> Callable[[Agent], tuple[int, int]]:
    pos = {m: i for i, m in enumerate(members)}
    return lambda a: (pos.get(a.id, len(pos)), a.order)


def pick(strategy: str, cands: list[Agent], *, members: tuple[str, ...] = (),
         last: tuple[int, int] | None = None, rng: Rng | None = None) -> list[Agent]:
    """The agent(s) to offer the call to, from non-empty ``cands``; ring_all gives all."""
    match strategy:
        case "longest_idle":
            return [min(cands, key=lambda a: (a.ready_since, a.order))]
        case "fewest_calls":
            return [min(cands, key=lambda a: (a.calls_taken, a.ready_since, a.order))]
        case "least_talk_time":
            return [min(cands, key=lambda a: (a.talk_time, a.ready_since, a.order))]
        case "linear":
            return [min(cands, key=_rank(members))]
        case "round_robin":
            rank = _rank(members)
            after = [a for a in cands if last is None or rank(a) > last]
            return [min(after or cands, key=rank)]
        case "random":
            assert rng is not None, "the random strategy needs an injected RNG"
            ordered = sorted(cands, key=lambda a: a.order)
            return [ordered[rng.randrange(len(ordered))]]
        case "ring_all":
            return sorted(cands, key=lambda a: a.order)
    raise AssertionError(f"unknown strategy {strategy}")


def naive_candidates(agents: Iterable[Agent], req: Mapping[str, int]) -> list[Agent]:
    """The linear scan a simple ACD does (the benchmark's baseline)."""
    from .states import AgentState

    return [a for a in agents if a.state is AgentState.READY and qualifies(a.skills, req)]
