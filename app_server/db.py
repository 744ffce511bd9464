"""The database: a SQLAlchemy 2 engine and a worker pool that runs synchronous ORM work.

Back-end bindings are plain functions of an ORM ``Session`` (easy to test, the same code for
SQLite and PostgreSQL); handlers ``await db.run(fn, ...)`` and the work runs in one
transaction: committed when ``fn`` returns, rolled back when it raises. So a call that hangs up
before a transaction's submit leaves nothing half-written. ``await db.read(fn, ...)`` is the
cheap path for a read-only Core query (``fn`` gets a Connection).

Where the work runs: transactions on a small thread pool (a commit waits for the disk); reads
of SQLite, a local file whose queries take less time than a hand-off to a thread, on the event
loop itself; reads of a server database (PostgreSQL) on the pool.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
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

    def __init__(self, url: str, workers: int = 4, inline: bool | None = None) -> None:
        self.url = url
        self.engine = make_engine(url)
        # SQLite is a local file: a read takes less time than handing it to a thread, so by
        # default SQLite reads run on the event loop; a server database's go to the pool.
        self.inline = url.startswith("sqlite") if inline is None else inline
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="db")
        self._reader: Connection | None = None
        self._loop_thread: int | None = None

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(session, *args)`` in one transaction, here and now (setup, tests)."""
        with self.sessions.begin() as session:
            return fn(session, *args)

    def read_now(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(connection, *args)``: a Core read, no ORM session and no commit.

        On the event loop (SQLite) one long-lived connection serves every read: SQLAlchemy's
        per-read pool checkout and reset cost more than a small SELECT. It never holds an old
        snapshot: Python's sqlite3 begins a transaction for writes only, so after a plain
        SELECT the driver is outside one (SQLite's snapshot ends with the statement) and there
        is nothing to end; a driver left in a transaction is rolled back (as after an error)."""
        if self.inline and threading.get_ident() == self._loop_thread:
            if self._reader is None:
                self._reader = self.engine.connect()
            try:
                result = fn(self._reader, *args)
            except BaseException:
                self._reader.rollback()
                raise
            if getattr(self._reader.connection.dbapi_connection, "in_transaction", True):
                self._reader.rollback()
            return result
        with self.engine.connect() as conn:
            return fn(conn, *args)

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """``read_now`` for handlers: inline for SQLite, on the pool for a server database."""
        if self.inline:
            if self._loop_thread is None:
                self._loop_thread = threading.get_ident()
            return self.read_now(fn, *args)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.read_now, fn, *args)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(session, *args)`` in one transaction on the pool (a commit may wait for
        fsync: never on the event loop)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.call, fn, *args)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self._pool.shutdown(wait=True)
        self.engine.dispose()


__all__ = ["Database", "Session", "make_engine"]
