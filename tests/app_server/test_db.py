"""``Database.read`` on SQLite: reads run on the event loop over one long-lived connection that
never holds an old snapshot and never keeps a write (a real SQLite file)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from app_server.db import Database


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'read.db'}")
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE items (k INTEGER PRIMARY KEY, name TEXT)"))
        conn.execute(text("INSERT INTO items VALUES (1, 'one')"))
    yield db
    db.close()


def names(conn: Connection) -> list[str]:
    return list(conn.execute(text("SELECT name FROM items ORDER BY k")).scalars())


def write_in_a_read(conn: Connection) -> None:
    conn.execute(text("INSERT INTO items VALUES (9, 'nine')"))


def failing_read(conn: Connection) -> None:
    conn.execute(text("SELECT name FROM items")).first()
    raise LookupError("the back end's bug")


async def test_a_read_sees_what_another_connection_committed_after_the_previous_read(db: Database) -> None:
    assert await db.read(names) == ["one"]
    with db.engine.begin() as conn:  # the call log's writer, say
        conn.execute(text("INSERT INTO items VALUES (2, 'two')"))
    assert await db.read(names) == ["one", "two"]


async def test_a_write_made_through_a_read_is_not_kept(db: Database) -> None:
    await db.read(write_in_a_read)
    assert await db.read(names) == ["one"]
    with db.engine.connect() as conn:
        assert names(conn) == ["one"]


async def test_a_read_that_raises_leaves_the_connection_usable(db: Database) -> None:
    with pytest.raises(LookupError):
        await db.read(failing_read)
    assert await db.read(names) == ["one"]
