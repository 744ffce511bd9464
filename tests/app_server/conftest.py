"""The application server on a real socket (127.0.0.1, an ephemeral port) with the sample apps,
a fresh data folder and database per test, and a pinned clock (Tuesday 10:00, open hours)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from app_server.security import hash_password
from app_server.server import DB, create_app
from app_server.settings import ServiceSettings, Settings
from vxml_browser.adapters.caller import ScriptedCaller
from vxml_browser.adapters.http import HttpFetcher
from vxml_browser.adapters.runner import run_session

TUESDAY_10AM = datetime(2026, 11, 24, 10, 0)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Platform:
    """A running app server and a way to call it with the console caller."""

    server: TestServer
    app: web.Application
    clock: Clock

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    @property
    def db(self) -> Any:
        return self.app[DB]

    async def call(self, app: str, lines: list[str], call_id: str, end: bool = False) -> ScriptedCaller:
        """One console call to ``app``; ``end`` also posts the platform's end as a SIP side would."""
        caller = ScriptedCaller(lines)
        async with HttpFetcher() as fetcher:
            await run_session(self.url(f"/apps/{app}/?call={call_id}"), caller, fetcher=fetcher, timeout_s=20)
        return caller

    async def record(self, call_id: str) -> dict[str, Any]:
        async with self.server_client() as client:
            async with client.get(self.url(f"/calls/{call_id}")) as resp:
                assert resp.status == 200
                return await resp.json()

    def server_client(self) -> Any:
        import aiohttp

        return aiohttp.ClientSession()


# Set APP_SERVER_POSTGRES_URL (postgresql+psycopg://...) to run the server tests on PostgreSQL:
# each test starts from an empty public schema.
POSTGRES_URL = os.environ.get("APP_SERVER_POSTGRES_URL", "")


def fresh_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def make_settings(tmp_path: Path, clock: Clock, **overrides: Any) -> Settings:
    if POSTGRES_URL and "database_url" not in overrides:
        fresh_postgres(POSTGRES_URL)
        overrides["database_url"] = POSTGRES_URL
    return Settings(data_dir=tmp_path / "data", clock=clock, **overrides)


@pytest.fixture
def clock() -> Clock:
    return Clock(TUESDAY_10AM)


@pytest.fixture
def services() -> dict[str, ServiceSettings]:
    return {}


@asynccontextmanager
async def running(settings: Settings, clock: Clock) -> AsyncIterator[Platform]:
    app = create_app(settings)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield Platform(server, app, clock)
    finally:
        await server.close()


@pytest.fixture
async def platform(tmp_path: Path, clock: Clock, services: dict[str, ServiceSettings]) -> AsyncIterator[Platform]:
    async with running(make_settings(tmp_path, clock, services=services), clock) as p:
        yield p


ADMIN_PASSWORD = "correct horse battery"


@pytest.fixture
async def admin_platform(tmp_path: Path, clock: Clock) -> AsyncIterator[Platform]:
    """The server with the admin on (password ``ADMIN_PASSWORD``)."""
    settings = make_settings(tmp_path, clock, admin_password_hash=hash_password(ADMIN_PASSWORD, 1000))
    async with running(settings, clock) as p:
        yield p


def spoken(caller: ScriptedCaller) -> str:
    """Everything the caller heard, one prompt per line, whitespace collapsed."""
    return "\n".join(" ".join(p.split()) for p in caller.prompts)


@pytest.fixture
def heard() -> Any:
    return spoken


@pytest.fixture
def run_server() -> Any:
    """``async with run_server(settings, clock) as platform``: a server with settings of one's own."""
    return running
