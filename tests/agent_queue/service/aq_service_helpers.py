"""A real ACD service on 127.0.0.1 (random port), real HTTP and WebSocket clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from agent_queue.domain.model import QueueConfig
from agent_queue.service.app import create_app
from agent_queue.service.auth import hash_password
from agent_queue.service.config import Settings, Token, User

TOKEN = "platform-secret-token"
PASSWORDS = {"ann": "ann-pw", "bob": "bob-pw", "sue": "sue-pw", "root": "root-pw"}
ROLES = {"ann": "agent", "bob": "agent", "sue": "supervisor", "root": "admin"}
_HASHES = {n: hash_password(p, iterations=1000) for n, p in PASSWORDS.items()}


def settings(store_url: str, crm_url: str = "", **queue_kw: Any) -> Settings:
    sales = dict(skills={"sales": 1}, ring_timeout=30, wrap_up=0.3, announce_interval=0,
                 app_url=f"{crm_url}/customers?caller={{caller}}&call={{call_id}}" if crm_url else None)
    sales.update(queue_kw)
    return Settings(
        store_url=store_url, secret="test-secret",
        users=tuple(User(n, ROLES[n], _HASHES[n]) for n in PASSWORDS),
        tokens=(Token(TOKEN, "vxml-browser", "platform"),),
        queues=(QueueConfig("sales", **sales), QueueConfig("support", skills={"support": 1})),
    )


class Service:
    def __init__(self, server: TestServer) -> None:
        self.server = server
        self.url = str(server.make_url("")).rstrip("/")
        self.sessions: list[aiohttp.ClientSession] = []

    async def login(self, name: str) -> Console:
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.sessions.append(session)
        async with session.post(f"{self.url}/login", data={"name": name, "password": PASSWORDS[name]},
                                allow_redirects=False) as resp:
            assert resp.status == 303, await resp.text()
        async with session.get(f"{self.url}/api/me") as resp:
            me = await resp.json()
        return Console(self, session, name, me["csrf"])

    async def platform(self) -> aiohttp.ClientSession:
        session = aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"})
        self.sessions.append(session)
        return session

    async def close(self) -> None:
        for s in self.sessions:
            await s.close()


class Console:
    """A signed-in console user: JSON calls with the session's CSRF token."""

    def __init__(self, service: Service, session: aiohttp.ClientSession, name: str, csrf: str) -> None:
        self.service, self.session, self.name, self.csrf = service, session, name, csrf

    async def post(self, path: str, body: dict[str, Any] | None = None, status: int = 200) -> dict[str, Any]:
        async with self.session.post(f"{self.service.url}{path}", json=body or {},
                                     headers={"X-CSRF-Token": self.csrf}) as resp:
            data = await resp.json(content_type=None)
            assert resp.status == status, data
            return data

    async def get(self, path: str, status: int = 200) -> Any:
        async with self.session.get(f"{self.service.url}{path}") as resp:
            assert resp.status == status, await resp.text()
            if resp.content_type == "application/json":
                return await resp.json()
            return await resp.text()

    async def agent_ready(self, skills: dict[str, int] | None = None) -> None:
        await self.post(f"/api/agents/{self.name}/sign-in",
                        {"contact": f"sip:{self.name}@127.0.0.1:5070", "skills": skills or {"sales": 3}})
        await self.post(f"/api/agents/{self.name}/ready")


async def crm_handler(request: web.Request) -> web.Response:
    caller = request.query.get("caller", "")
    return web.json_response({"customer": {"name": "Jane Doe", "phone": caller, "tier": "gold"},
                              "history": [{"date": "2026-01-02", "subject": "billing question"}]})


@pytest.fixture
async def crm() -> AsyncIterator[str]:
    """The app server's customer-record endpoint (a tiny stand-in)."""
    app = web.Application()
    app.router.add_get("/customers", crm_handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    await server.close()


async def start(s: Settings) -> Service:
    server = TestServer(create_app(s), host="127.0.0.1")
    await server.start_server()
    return Service(server)


@pytest.fixture
async def service(tmp_path: Path, crm: str) -> AsyncIterator[Service]:
    svc = await start(settings(f"sqlite:///{tmp_path / 'acd.db'}", crm))
    yield svc
    await svc.close()
    await svc.server.close()
