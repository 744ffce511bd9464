"""Call records (CDR): one ``calls`` row per call and its events, in order.

The call id is the ``call`` query parameter on every URL of a call (chosen over a cookie: it is
visible in logs and survives any fetcher). A first URL without one gets its id from the
request's ``X-Call-ID`` header, which the SIP platform sends with every fetch of a call (its
SIP Call-ID, RFC 3261 §20.8; a header, not a parameter, so the voice browser's HTTP cache,
keyed on URLs, is shared by all calls), or else mints one; every URL the app renders carries
it from then on. ``call_id_for`` maps a SIP Call-ID to the call id: itself when it matches
``CALL_ID``, else ``sip-`` and the first 40 hex digits of its SHA-256 (a Call-ID may be longer
than 64 characters or hold ``/ ( ) < > ? ...``); so the platform's record finds the same row.

The end of a call is ``POST /calls/{id}/end`` (form fields ``end_reason`` or ``reason`` and
optional ``outcome``), sent by the app's own hang-up catch (root document), or the platform's
JSON call record, ``POST /calls`` (``platform_record``: call_id, from, to, app, start, answer,
end, cause, worker, transfers; kept whole as a ``platform`` event, its cause the end reason).
The first end wins, later ones are ignored.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .models import Call, CallEvent, RecordingRow, utcnow

log = logging.getLogger("app_server.calls")

CALL_ID = re.compile(r"^[A-Za-z0-9._@:-]{1,64}$")
MASK = "***"


def new_call_id() -> str:
    return uuid.uuid4().hex


def valid_call_id(value: str) -> bool:
    return bool(CALL_ID.match(value))


def call_id_for(platform_id: str) -> str:
    """The call id of a platform's (SIP) call id: itself if valid, else a hash of it (above)."""
    if valid_call_id(platform_id):
        return platform_id
    return "sip-" + hashlib.sha256(platform_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def mask(fields: dict[str, str], sensitive: frozenset[str]) -> dict[str, str]:
    """Inputs as the CDR keeps them: PINs and passwords masked."""
    return {k: (MASK if k.split(".")[-1].lower() in sensitive else v) for k, v in fields.items()}


def ensure_call(s: Session, call_id: str, app: str, caller: str = "") -> Call:
    """The call's row, created if missing; safe when two writers create it at once."""
    call = s.get(Call, call_id)
    if call is None:
        values = {"id": call_id, "app": app, "caller": caller, "started_at": utcnow(), "end_reason": "",
                  "outcome": "", "state": {}}
        dialect = s.get_bind().dialect.name
        if dialect in ("sqlite", "postgresql"):
            insert = sqlite_insert if dialect == "sqlite" else pg_insert
            s.execute(insert(Call).values(**values).on_conflict_do_nothing(index_elements=["id"]))
        else:
            s.add(Call(**values))
            s.flush()
        call = s.get(Call, call_id)
        assert call is not None
    if app and not call.app:
        call.app = app
    return call


def add_events(s: Session, call_id: str, app: str, events: list[tuple[str, str, dict[str, Any]]],
               caller: str = "") -> None:
    ensure_call(s, call_id, app, caller)
    for kind, name, detail in events:
        s.add(CallEvent(call_id=call_id, kind=kind, name=name, detail=detail))
        if kind == "outcome":
            call = s.get(Call, call_id)
            assert call is not None
            call.outcome = name


def get_state(s: Session, call_id: str) -> dict[str, Any]:
    call = s.get(Call, call_id)
    return dict(call.state or {}) if call is not None else {}


def set_state(s: Session, call_id: str, app: str, state: dict[str, Any]) -> None:
    call = ensure_call(s, call_id, app)
    call.state = dict(state)


INSERT_EVENTS = {  # by DB-API parameter style; sent to the driver's executemany as it is
    "named": "INSERT INTO call_events (call_id, at, kind, name, detail) "
             "VALUES (:call_id, :at, :kind, :name, :detail)",
    "pyformat": "INSERT INTO call_events (call_id, at, kind, name, detail) "
                "VALUES (%(call_id)s, %(at)s, %(kind)s, %(name)s, %(detail)s)",
}


# an event's detail as the JSON column stores it; one encoder (json.dumps with options builds one
# per call), and a page event's empty detail is "{}" without encoding
DETAIL_JSON = json.JSONEncoder(ensure_ascii=False, default=str).encode


def add_batch(s: Session, batch: list[tuple[str, str, str, list[tuple[str, str, dict[str, Any]]]]]) -> None:
    """Many calls' events in one go: the missing call rows first, then one multi-row insert."""
    seen: dict[str, tuple[str, str]] = {}
    for call_id, app, caller, _ in batch:
        seen.setdefault(call_id, (app, caller))
    existing = set(s.scalars(select(Call.id).where(Call.id.in_(list(seen)))))
    for call_id, (app, caller) in seen.items():
        if call_id not in existing:
            ensure_call(s, call_id, app, caller)
    now: Any = utcnow()
    if s.get_bind().dialect.name == "sqlite":  # the text SQLAlchemy's SQLite DateTime stores
        now = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = [{"call_id": call_id, "at": now, "kind": kind, "name": name,
             "detail": DETAIL_JSON(detail) if detail else "{}"}
            for call_id, _, _, events in batch for kind, name, detail in events]
    # the driver's own executemany: SQLAlchemy's per-row processing costs more than the insert
    dialect = s.get_bind().dialect
    style = "named" if dialect.name == "sqlite" else "pyformat"  # sqlite3 takes :name with a dict
    s.connection().exec_driver_sql(INSERT_EVENTS[style], rows)
    outcomes = {call_id: name for call_id, _, _, events in batch for kind, name, _ in events if kind == "outcome"}
    for call_id, name in outcomes.items():
        s.execute(update(Call).where(Call.id == call_id).values(outcome=name))


class CallLog:
    """Write-behind of page and input events: handlers queue them, one writer commits them in
    batches (one transaction every ``interval_s`` at most, whatever the load: a batch's fixed
    cost, the call rows' check and the commit, is shared by all the pages of an interval), so a
    page costs no commit of its own. ``flush()`` writes everything queued; it runs before a
    call's end is written and before a record is read. Recordings and business transactions do
    not go through here (they commit before the response)."""

    def __init__(self, db: Any, interval_s: float = 0.1) -> None:
        self.db = db
        self.interval_s = interval_s
        self._pending: list[tuple[str, str, str, list[tuple[str, str, dict[str, Any]]]]] = []
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock: asyncio.Lock | None = None

    def add(self, call_id: str, app: str, caller: str, events: list[tuple[str, str, dict[str, Any]]]) -> None:
        if events:
            self._pending.append((call_id, app, caller, events))
            if self._wake is not None:
                self._wake.set()

    async def flush(self) -> None:
        """Write everything queued, including what is queued while it writes."""
        while await self._write_batch():
            pass

    async def _write_batch(self) -> bool:
        """Write what is queued now, in one transaction; False if nothing was."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if not self._pending:
                return False
            batch, self._pending = self._pending, []
            try:
                await self.db.run(add_batch, batch)
            except Exception:
                log.exception("call records: %d events could not be written", sum(len(b[3]) for b in batch))
            return True

    async def _writer(self) -> None:
        """One batch per wake-up, ``interval_s`` after the first event of the batch: events
        queued while a batch is written wait for the next interval (not written straight away)."""
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(self.interval_s)
            await self._write_batch()
            if self._pending:
                self._wake.set()

    def start(self) -> None:
        self._wake = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._writer())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        await self.flush()


def end_call(s: Session, call_id: str, reason: str, outcome: str = "", at: datetime | None = None) -> bool:
    """Close the call record (at ``at``, UTC, or now); False if it had already ended (the first
    end wins)."""
    call = ensure_call(s, call_id, "")
    if call.ended_at is not None:
        return False
    call.ended_at = at or utcnow()
    call.end_reason = reason or "unknown"
    if outcome:
        call.outcome = outcome
    s.add(CallEvent(call_id=call_id, kind="end", name=call.end_reason, detail={}))
    return True


@dataclass(frozen=True, slots=True)
class PlatformRecord:
    """A voice platform's JSON call record (the SIP worker's ``CallRecord.as_json``), checked."""

    call_id: str  # the platform's (SIP Call-ID); ``call_id_for`` gives the row's id
    cause: str
    caller: str  # the From URI
    app: str  # the app's name when the record's app URL is one of ours (/apps/NAME/...)
    end: datetime | None
    raw: dict[str, Any]


RECORD_TEXT = ("from", "to", "app")
RECORD_TIMES = ("start", "answer", "end")
APP_PATH = re.compile(r"/apps/([A-Za-z0-9_-]{1,64})/")
ANGLED = re.compile(r"<([^<>]*)>")


def _epoch(record: dict[str, Any], key: str) -> datetime | None:
    value = record.get(key)
    if value is None and key != "start":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{key} must be a time in epoch seconds, not {value!r}")
    try:
        return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"{key} is not a time: {value!r}") from None


def platform_record(data: Any) -> PlatformRecord:
    """``data`` (parsed JSON) as a ``PlatformRecord``; ValueError naming what is wrong.

    Needed: ``call_id`` and ``cause`` (non-empty strings) and ``start``; ``answer`` and ``end``
    are epoch seconds or null, ``from``/``to``/``app`` strings, ``worker`` an integer,
    ``transfers`` a list of objects. Other keys are kept as they are."""
    if not isinstance(data, dict):
        raise ValueError(f"a call record is a JSON object, not {type(data).__name__}")
    for key in ("call_id", "cause"):
        if not isinstance(data.get(key), str) or not data[key] or len(data[key]) > 1024:
            raise ValueError(f"{key} must be a string of 1 to 1024 characters")
    for key in RECORD_TEXT:
        if not isinstance(data.get(key, ""), str):
            raise ValueError(f"{key} must be a string")
    times = {key: _epoch(data, key) for key in RECORD_TIMES}
    worker = data.get("worker", 0)
    if isinstance(worker, bool) or not isinstance(worker, int):
        raise ValueError(f"worker must be an integer, not {worker!r}")
    transfers = data.get("transfers", [])
    if not isinstance(transfers, list) or not all(isinstance(t, dict) for t in transfers):
        raise ValueError("transfers must be a list of objects")
    app = APP_PATH.search(data.get("app", ""))
    angled = ANGLED.search(data.get("from", ""))  # "Alice" <sip:alice@host>;tag=...: the URI
    caller = angled.group(1) if angled else data.get("from", "")
    return PlatformRecord(data["call_id"], data["cause"], caller[:128], app.group(1) if app else "",
                          times["end"], data)


def add_platform_record(s: Session, record: PlatformRecord) -> tuple[str, bool, bool]:
    """Store a platform's call record: the call's row (created if missing), the record whole as
    a ``platform`` event, the end (cause as reason, unless the call had ended). Returns the call
    id, whether the row was created, whether the record was new (an identical one sent again,
    a retry, adds nothing)."""
    call_id = call_id_for(record.call_id)
    created = s.get(Call, call_id) is None
    ensure_call(s, call_id, record.app, record.caller)
    kept = s.scalars(select(CallEvent.detail).where(CallEvent.call_id == call_id,
                                                    CallEvent.kind == "platform")).all()
    if record.raw in kept:
        return call_id, created, False
    s.add(CallEvent(call_id=call_id, kind="platform", name=record.cause[:128], detail=record.raw))
    end_call(s, call_id, record.cause[:64], at=record.end)
    return call_id, created, True


def call_record(s: Session, call_id: str) -> dict[str, Any] | None:
    """The CDR as JSON: header, path (pages in order), inputs, outcomes, recordings."""
    call = s.get(Call, call_id)
    if call is None:
        return None
    events = s.scalars(select(CallEvent).where(CallEvent.call_id == call_id).order_by(CallEvent.id)).all()
    recs = s.scalars(select(RecordingRow).where(RecordingRow.call_id == call_id)).all()
    return {
        "id": call.id, "app": call.app, "caller": call.caller,
        "started_at": call.started_at.isoformat(),
        "ended_at": call.ended_at.isoformat() if call.ended_at else None,
        "end_reason": call.end_reason, "outcome": call.outcome,
        "path": [e.name for e in events if e.kind == "page"],
        "events": [{"at": e.at.isoformat(), "kind": e.kind, "name": e.name, "detail": e.detail}
                   for e in events],
        "recordings": [{"field": r.field, "path": r.path, "media_type": r.media_type, "size": r.size}
                       for r in recs],
    }


# --- recordings: durable before the 200 ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredRecording:
    field: str
    path: Path
    media_type: str
    size: int
    sha256: str


EXTENSIONS = {"audio/wav": ".wav", "audio/x-wav": ".wav", "audio/basic": ".au", "audio/mpeg": ".mp3",
              "audio/ogg": ".ogg"}


def write_durably(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to ``folder/name`` and fsync the file and its folder (a crash after this
    returns keeps the file). Written under a temporary name then renamed: never half a file."""
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / name
    tmp = folder / f".{name}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, final)
    dfd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
    return final


def store_recording(data_dir: Path, app: str, call_id: str, field: str, media_type: str,
                    data: bytes) -> StoredRecording:
    ext = EXTENSIONS.get(media_type, ".bin")
    safe_field = re.sub(r"[^A-Za-z0-9_-]", "_", field)[:40]
    name = f"{safe_field}-{uuid.uuid4().hex[:12]}{ext}"
    path = write_durably(data_dir / "recordings" / app / call_id, name, data)
    return StoredRecording(field, path, media_type, len(data), hashlib.sha256(data).hexdigest())


def add_recording_row(s: Session, call_id: str, app: str, rec: StoredRecording) -> None:
    ensure_call(s, call_id, app)
    s.add(RecordingRow(call_id=call_id, app=app, field=rec.field, path=str(rec.path),
                       media_type=rec.media_type, size=rec.size, sha256=rec.sha256))
    s.add(CallEvent(call_id=call_id, kind="recording", name=rec.field,
                    detail={"size": rec.size, "media_type": rec.media_type}))
