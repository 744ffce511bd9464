"""The call log's write-behind (``calls.CallLog``) on a real SQLite database: batches, one per
interval under continuous load, and ``flush`` writing everything queued."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app_server.calls import CallLog
from app_server.db import Database
from app_server.migrate import upgrade
from app_server.models import CallEvent


class CountingDatabase(Database):
    """A real database that counts its transactions on the pool (the call log's batches)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.runs = 0

    async def run(self, fn: Any, *args: Any) -> Any:
        self.runs += 1
        return await super().run(fn, *args)


def database(tmp_path: Path) -> CountingDatabase:
    db = CountingDatabase(f"sqlite:///{tmp_path / 'calls.db'}")
    upgrade(db.engine)
    return db


def stored_events(db: Database) -> int:
    return db.call(lambda s: s.scalar(select(func.count()).select_from(CallEvent)))


async def test_under_continuous_pages_the_writer_commits_one_batch_per_interval(tmp_path: Path) -> None:
    db = database(tmp_path)
    log = CallLog(db, interval_s=0.1)
    log.start()
    pages = 0
    loop = asyncio.get_running_loop()
    stop = loop.time() + 0.6
    while loop.time() < stop:  # a page every millisecond, 16 calls
        log.add(f"c{pages % 16}", "app", "", [("page", "menu", {})])
        pages += 1
        await asyncio.sleep(0.001)
    await log.stop()
    assert stored_events(db) == pages
    assert db.runs <= 8  # 0.6 s at one batch per 0.1 s, and stop's flush (not one per write)
    db.close()


async def test_flush_writes_what_was_queued_while_a_batch_was_being_written(tmp_path: Path) -> None:
    db = database(tmp_path)
    log = CallLog(db, interval_s=0.01)
    log.start()
    log.add("c1", "app", "", [("page", "index", {})])
    await asyncio.sleep(0.015)  # the writer is taking its batch now
    log.add("c1", "app", "", [("page", "menu", {})])
    await log.flush()
    assert stored_events(db) == 2
    await log.stop()
    db.close()
