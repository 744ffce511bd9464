"""Test helpers: an ACD on a fake clock that records every event (used by the tests and bench)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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


@asynccontextmanager
async def acd_service(*queues: QueueConfig, store_url: str = "sqlite://",
                      token: str = "test-platform-token",
                      admin_token: str = "test-admin-token", port: int = 0) -> AsyncIterator[RunningAcd]:
    """A real ACD service on 127.0.0.1 (``port``, or a free one) for other packages' end-to-end
    tests, e.g. the SIP platform's ``<transfer dest="queue:...">`` test::

        async with acd_service(QueueConfig("sales", skills={"sales": 1})) as acd:
            await acd.agent_ready("ann", "sip:ann@127.0.0.1:5070", {"sales": 1})
            # the browser under test uses AcdClient(acd.url, acd.token)

    A restart: leave the block and enter another with the same ``port`` and a file
    ``store_url`` (``sqlite:///path``); the state comes back from the store."""
    from aiohttp import ClientSession, web

    from agent_queue.service.app import create_app
    from agent_queue.service.config import Settings, Token

    settings = Settings(store_url=store_url, secret="test", queues=queues or (QueueConfig("sales"),),
                        tokens=(Token(token, "platform", "platform"), Token(admin_token, "admin", "admin")))
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    host, port = runner.addresses[0][:2]
    session = ClientSession(headers={"Authorization": f"Bearer {admin_token}"})
    try:
        yield RunningAcd(f"http://{host}:{port}", token, session)
    finally:
        await session.close()
        await runner.cleanup()


class RunningAcd:
    def __init__(self, url: str, token: str, admin: Any) -> None:
        self.url, self.token, self._admin = url, token, admin

    async def agent_ready(self, agent_id: str, contact: str, skills: dict[str, int]) -> dict[str, Any]:
        """Sign an agent in and make him ready (as an admin, so no console is needed)."""
        async with self._admin.post(f"{self.url}/api/agents/{agent_id}/sign-in",
                                    json={"contact": contact, "skills": skills, "ready": True}) as resp:
            resp.raise_for_status()
            return await resp.json()

    async def agent(self, agent_id: str) -> dict[str, Any]:
        async with self._admin.get(f"{self.url}/api/agents/{agent_id}") as resp:
            resp.raise_for_status()
            return (await resp.json())["agent"]
