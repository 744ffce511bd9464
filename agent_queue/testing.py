"""Test helpers: an ACD on a fake clock that records every event (used by the tests and bench)."""

from __future__ import annotations

import random
from typing import Any

from agent_queue.domain.acd import Acd
from agent_queue.domain.clock import FakeClock
from agent_queue.domain.model import QueueConfig


class World:
    """An ACD with a fake clock; ``tick`` moves time and fires due timers."""

    def __init__(self, *queues: QueueConfig, seed: int = 7) -> None:
        self.clock = FakeClock()
        self.acd = Acd(self.clock, random.Random(seed), queues)
        self.events: list = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.acd, name)

        def run(*args, **kwargs):
            out = method(*args, **kwargs)
            self.events.extend(out)
            return out

        return run

    def tick(self, seconds: float):
        self.clock.advance(seconds)
        out = self.acd.advance()
        self.events.extend(out)
        return out

    def state(self, agent_id: str) -> str:
        return str(self.acd.agents[agent_id].state)

    def kinds(self, out=None) -> list[str]:
        return [e.kind for e in (self.events if out is None else out)]

    def offers(self, out=None) -> list[tuple[str, str]]:
        return [(e.call_id, e.agent_id) for e in (self.events if out is None else out) if e.kind == "offer"]

    def agent_up(self, agent_id: str, skills=None, **kw) -> None:
        self.sign_in(agent_id, f"sip:{agent_id}@pbx", skills if skills is not None else {"sales": 5},
                         ready=True, **kw)


def Q(name: str = "sales", **kw) -> QueueConfig:
    kw.setdefault("skills", {"sales": 1})
    kw.setdefault("announce_interval", 0)
    return QueueConfig(name, **kw)
