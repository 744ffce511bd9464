"""The database: a SQLAlchemy 2 engine and a worker pool that runs synchronous ORM work.

Back-end bindings are plain functions of an ORM ``Session`` (easy to test, the same code for
SQLite and PostgreSQL); handlers ``await db.run(fn, ...)`` and the work runs on a small thread
pool in one transaction: committed when ``fn`` returns, rolled back when it raises. So a call
that hangs up before a transaction's submit leaves nothing half-written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """An engine, a session factory and the pool the synchronous work runs on."""

    def __init__(self, url: str, workers: int = 4) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="db")

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(session, *args)`` in one transaction, here and now (setup, tests)."""
        with self.sessions.begin() as session:
            return fn(session, *args)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(session, *args)`` in one transaction on the pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.call, fn, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.engine.dispose()


__all__ = ["Database", "Session", "make_engine"]
