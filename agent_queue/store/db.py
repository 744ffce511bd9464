"""The store: one append-only ``events`` table (the source of every report) and snapshot
tables (agents, live calls, queues, counters) from which the ACD comes back after a restart.

SQLite by default, PostgreSQL by URL (``postgresql+psycopg://...``). Each ACD command is saved
in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    insert,
    select,
)
from sqlalchemy.engine import Engine

from agent_queue.domain.events import Event

metadata = MetaData()

events_t = Table(
    "aq_events", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False, index=True),
    Column("kind", String(32), nullable=False, index=True),
    Column("call_id", String(128), index=True),
    Column("agent_id", String(128), index=True),
    Column("queue", String(128)),
    Column("data", JSON, nullable=False),
)
agents_t = Table("aq_agents", metadata, Column("id", String(128), primary_key=True),
                 Column("data", JSON, nullable=False))
calls_t = Table("aq_calls", metadata, Column("id", String(128), primary_key=True),
                Column("data", JSON, nullable=False))
queues_t = Table("aq_queues", metadata, Column("name", String(128), primary_key=True),
                 Column("data", JSON, nullable=False))
meta_t = Table("aq_meta", metadata, Column("key", String(64), primary_key=True),
               Column("value", Text, nullable=False))
users_t = Table("aq_users", metadata, Column("name", String(128), primary_key=True),
                Column("role", String(32), nullable=False),
                Column("password_hash", String(256), nullable=False))


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


class Store:
    def __init__(self, url: str = "sqlite:///agent_queue.db") -> None:
        self.engine: Engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # ---------------------------------------------------------------- writes
    def save(self, events: Sequence[Event], agents: Iterable[Mapping[str, Any]] = (),
             calls: Iterable[Mapping[str, Any]] = (), gone: Iterable[str] = (),
             counters: Mapping[str, Any] | None = None) -> None:
        """Append ``events`` and update the snapshot, in one transaction."""
        with self.engine.begin() as conn:
            if events:
                conn.execute(insert(events_t), [
                    {"at": e.at, "kind": e.kind, "call_id": e.call_id, "agent_id": e.agent_id,
                     "queue": e.queue, "data": e.data} for e in events])
            self._upsert_many(conn, agents_t, "id", [dict(a) for a in agents])
            self._upsert_many(conn, calls_t, "id", [dict(c) for c in calls])
            gone = list(gone)
            if gone:
                conn.execute(delete(calls_t).where(calls_t.c.id.in_(gone)))
            if counters is not None:
                self._set_meta(conn, "counters", counters)

    def _upsert_many(self, conn: Any, table: Table, pk: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.engine.dialect.name in ("sqlite", "postgresql"):
            stmt = self._dialect_insert()(table)
            stmt = stmt.on_conflict_do_update(index_elements=[table.c[pk]], set_={"data": stmt.excluded.data})
            conn.execute(stmt, [{pk: r[pk], "data": r} for r in rows])
            return
        for r in rows:
            self._upsert(conn, table, pk, r[pk], r)

    @staticmethod
    def _upsert(conn: Any, table: Table, pk: str, key: str, data: dict[str, Any]) -> None:
        col = table.c[pk]
        if conn.execute(select(col).where(col == key)).first():
            conn.execute(table.update().where(col == key).values(data=data))
        else:
            conn.execute(insert(table).values({pk: key, "data": data}))

    def _set_meta(self, conn: Any, key: str, value: Any) -> None:
        import json

        text = json.dumps(value)
        if self.engine.dialect.name in ("sqlite", "postgresql"):
            stmt = self._dialect_insert()(meta_t).values(key=key, value=text)
            conn.execute(stmt.on_conflict_do_update(index_elements=[meta_t.c.key], set_={"value": text}))
        elif conn.execute(select(meta_t.c.key).where(meta_t.c.key == key)).first():
            conn.execute(meta_t.update().where(meta_t.c.key == key).values(value=text))
        else:
            conn.execute(insert(meta_t).values(key=key, value=text))

    def _dialect_insert(self) -> Any:
        if self.engine.dialect.name == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        return dialect_insert

    def set_meta(self, key: str, value: Any) -> None:
        with self.engine.begin() as conn:
            self._set_meta(conn, key, value)

    def get_meta(self, key: str) -> Any:
        import json

        with self.engine.connect() as conn:
            row = conn.execute(select(meta_t.c.value).where(meta_t.c.key == key)).first()
        return json.loads(row[0]) if row else None

    def save_queue(self, config: Mapping[str, Any]) -> None:
        with self.engine.begin() as conn:
            self._upsert(conn, queues_t, "name", config["name"], dict(config))

    def delete_queue(self, name: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(queues_t).where(queues_t.c.name == name))

    def save_user(self, name: str, role: str, password_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(users_t).where(users_t.c.name == name))
            conn.execute(insert(users_t).values(name=name, role=role, password_hash=password_hash))

    # ----------------------------------------------------------------- reads
    def load(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
        with self.engine.connect() as conn:
            agents = [r[0] for r in conn.execute(select(agents_t.c.data))]
            calls = [r[0] for r in conn.execute(select(calls_t.c.data))]
        return agents, calls, self.get_meta("counters") or {}

    def queues(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(select(queues_t.c.data).order_by(queues_t.c.name))]

    def users(self) -> dict[str, tuple[str, str]]:
        with self.engine.connect() as conn:
            return {r.name: (r.role, r.password_hash) for r in conn.execute(select(users_t))}

    def events(self, since: float | None = None, until: float | None = None,
               kinds: Iterable[str] | None = None, call_id: str | None = None,
               caller: str | None = None, limit: int | None = None) -> list[Event]:
        q = select(events_t).order_by(events_t.c.seq)
        if since is not None:
            q = q.where(events_t.c.at >= since)
        if until is not None:
            q = q.where(events_t.c.at < until)
        if kinds is not None:
            q = q.where(events_t.c.kind.in_(list(kinds)))
        if call_id is not None:
            q = q.where(events_t.c.call_id == call_id)
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        out = [Event(r.kind, r.at, r.call_id, r.agent_id, r.queue, r.data) for r in rows]
        if caller is not None:
            out = [e for e in out if e.data.get("caller") == caller]
        if limit is not None:
            out = out[-limit:]
        return out
