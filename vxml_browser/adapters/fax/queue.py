"""Store and forward: a fax queue with retries and a delivery report, in one SQLite file.

A document is converted to TIFF-F when it is submitted (a bad document is refused then, not at
3 a.m. on its first attempt) and kept in the queue with its number. ``run_due()`` makes one
attempt for every job whose time has come: it asks the ``Dialer`` for a call, faxes the
document on it with a ``FaxSession`` and records the attempt. A failed attempt is retried after
``retry_delays_s`` until ``max_attempts``; once an attempt failed during the transfer itself, the
next ones offer at most ``fallback_bit_rate`` (V.29 at 9600 bit/s gets through lines that
spandsp's V.17 does not). Time comes from the injected ``clock``, so tests move it by hand.

Several processes may run one queue (the SIP pool's workers each do): an attempt claims its job
with one UPDATE, and the claim is a lease (``next_at`` of a 'sending' job is when it runs out,
``SENDING_LEASE_S`` after the claim). A job whose sender died is due again once its lease is
over, so a restarting worker never takes a fax another worker is still sending.

The dialer is the telephony platform's part (the SIP platform implements it by placing an
outbound call and returning the answered call's ``CallAudio``):

    class Dialer(Protocol):
        async def dial(self, number: str) -> PlacedCall  # raises DialFailed("busy") ...
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from . import documents, events
from .session import FaxSession

SCHEMA = """
CREATE TABLE IF NOT EXISTS fax_jobs (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    document BLOB NOT NULL,
    pages INTEGER NOT NULL,
    status TEXT NOT NULL,            -- queued, sending, delivered, failed
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL,
    submitted_at REAL NOT NULL,
    finished_at REAL
);
CREATE INDEX IF NOT EXISTS fax_jobs_due ON fax_jobs (status, next_at);
CREATE TABLE IF NOT EXISTS fax_attempts (
    job_id TEXT NOT NULL REFERENCES fax_jobs (id),
    n INTEGER NOT NULL,
    started_at REAL NOT NULL,
    outcome TEXT NOT NULL,           -- delivered, busy, noanswer, failed, or the error.fax.* event
    message TEXT NOT NULL DEFAULT '',
    pages INTEGER NOT NULL DEFAULT 0,
    bit_rate INTEGER NOT NULL DEFAULT 0,
    max_bit_rate INTEGER NOT NULL DEFAULT 0,
    remote_id TEXT NOT NULL DEFAULT '',
    duration_s REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, n)
);
"""


SENDING_LEASE_S = 900.0  # a claim's lease: longer than any fax call (dial, pages, retrains)
DUE = "(status = 'queued' OR status = 'sending') AND next_at <= ?"  # a lapsed claim is due too


class DialFailed(Exception):
    """The call was not answered: ``reason`` is busy, noanswer, congestion or failed."""

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(message or reason)
        self.reason = reason


class PlacedCall(Protocol):
    """An answered outbound call: its audio for the fax (``CallAudio``) and a way to end it."""

    async def run_fax(self, endpoint: Any) -> None: ...
    async def hangup(self) -> None: ...


class Dialer(Protocol):
    async def dial(self, number: str) -> PlacedCall: ...


@dataclass(frozen=True, slots=True)
class Attempt:
    n: int
    started_at: float
    outcome: str
    message: str
    pages: int
    bit_rate: int
    max_bit_rate: int
    remote_id: str
    duration_s: float


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    job_id: str
    number: str
    reference: str
    status: str  # queued, sending, delivered, failed
    pages: int  # in the document
    submitted_at: float
    finished_at: float | None
    next_attempt_at: float | None
    attempts: tuple[Attempt, ...]

    @property
    def delivered(self) -> bool:
        return self.status == "delivered"

    def text(self) -> str:
        """The report as a person reads it."""
        lines = [f"Fax {self.job_id} to {self.number}"
                 + (f" ({self.reference})" if self.reference else "")
                 + f": {self.status}, {self.pages} page{'s' if self.pages != 1 else ''}"]
        for a in self.attempts:
            detail = (f"{a.pages} pages at {a.bit_rate} bit/s to {a.remote_id or '?'}"
                      f" in {a.duration_s:.0f} s" if a.outcome == "delivered" else a.message)
            lines.append(f"  attempt {a.n} at {_stamp(a.started_at)}: {a.outcome}"
                         + (f" - {detail}" if detail else ""))
        if self.status == "queued" and self.next_attempt_at is not None:
            lines.append(f"  next attempt at {_stamp(self.next_attempt_at)}")
        return "\n".join(lines)


def _stamp(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t)) + "Z"


class FaxQueue:
    def __init__(self, path: str, dialer: Dialer | None = None, *, clock: Callable[[], float] = time.time,
                 max_attempts: int = 3, retry_delays_s: Sequence[float] = (120.0, 600.0),
                 fallback_bit_rate: int = 9600, ident: str = "", header: str = "",
                 workdir: str | None = None) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)
        self.dialer = dialer
        self.clock = clock
        self.max_attempts = max_attempts
        self.retry_delays_s = tuple(retry_delays_s) or (0.0,)
        self.fallback_bit_rate = fallback_bit_rate
        self.ident = ident
        self.header = header
        self.workdir = workdir
        # A job left 'sending' by a process that died is due again once its lease is over (its
        # attempt is not counted); one another process is sending now keeps its claim.
        self.db.execute("UPDATE fax_jobs SET status = 'queued' WHERE status = 'sending' AND next_at <= ?",
                        (self.clock(),))

    def close(self) -> None:
        self.db.close()

    # -- submitting ----------------------------------------------------------------------------------
    def submit(self, number: str, document: bytes, *, reference: str = "",
               not_before: float | None = None) -> str:
        """Queue ``document`` (PDF, TIFF or an image) for ``number``; returns the job id.
        Raises ``documents.DocumentError`` (queuing nothing) for a document that cannot be sent."""
        with tempfile.TemporaryDirectory(prefix="faxq-", dir=self.workdir) as tmp:
            path = os.path.join(tmp, "doc.tif")
            pages = documents.to_fax_tiff(document, path)
            with open(path, "rb") as f:
                tiff = f.read()
        job_id = uuid.uuid4().hex
        now = self.clock()
        self.db.execute(
            "INSERT INTO fax_jobs (id, number, reference, document, pages, status, next_at,"
            " submitted_at) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)",
            (job_id, number, reference, tiff, pages, now if not_before is None else not_before,
             now))
        return job_id

    def due(self) -> list[str]:
        rows = self.db.execute(
            f"SELECT id FROM fax_jobs WHERE {DUE} ORDER BY next_at", (self.clock(),)).fetchall()
        return [r[0] for r in rows]

    # -- sending -------------------------------------------------------------------------------------
    async def run_due(self) -> list[DeliveryReport]:
        """One attempt for each job that is due, one after another; their reports."""
        return [await self.attempt(job_id) for job_id in self.due()]

    async def attempt(self, job_id: str) -> DeliveryReport:
        now = self.clock()
        claimed = self.db.execute(
            f"UPDATE fax_jobs SET status = 'sending', next_at = ? WHERE id = ? AND {DUE}",
            (now + SENDING_LEASE_S, job_id, now)).rowcount
        if not claimed:
            return self.report(job_id)
        if self.dialer is None:  # opened only to submit and report (``vxml-browser fax``)
            self.db.execute("UPDATE fax_jobs SET status = 'queued', next_at = ? WHERE id = ?", (now, job_id))
            raise RuntimeError("this FaxQueue has no dialer: it cannot send")
        number, tiff, n, failed_in_transfer = self._job_for_attempt(job_id)
        max_bit_rate = self.fallback_bit_rate if failed_in_transfer else 14400
        started = self.clock()
        record: dict[str, Any] = {"pages": 0, "bit_rate": 0, "remote_id": "", "duration_s": 0.0,
                                  "message": ""}
        try:
            call = await self.dialer.dial(number)
        except DialFailed as exc:
            record.update(outcome=exc.reason, message=str(exc) if str(exc) != exc.reason else "")
        else:
            with tempfile.TemporaryDirectory(prefix="faxq-", dir=self.workdir) as tmp:
                path = os.path.join(tmp, "doc.tif")
                with open(path, "wb") as f:
                    f.write(tiff)
                session = FaxSession("send", path, ident=self.ident, header=self.header,
                                     max_bit_rate=max_bit_rate)
                try:
                    await call.run_fax(session)
                finally:
                    session.hangup()
                    await call.hangup()
                result = session.result()
            record.update(outcome="delivered" if result.ok else result.event or "failed",
                          message=result.message, pages=result.pages, bit_rate=result.bit_rate,
                          remote_id=result.remote_id, duration_s=result.duration_s)
        self._record(job_id, n, started, max_bit_rate, record)
        return self.report(job_id)

    def _job_for_attempt(self, job_id: str) -> tuple[str, bytes, int, bool]:
        number, tiff, attempts = self.db.execute(
            "SELECT number, document, attempts FROM fax_jobs WHERE id = ?", (job_id,)).fetchone()
        transfer_failures = self.db.execute(
            "SELECT COUNT(*) FROM fax_attempts WHERE job_id = ? AND outcome IN (?, ?, ?, ?)",
            (job_id, events.CUTOFF, events.BADPAGE, events.INCOMPATIBLE, events.PROTOCOL),
        ).fetchone()[0]
        return number, tiff, attempts + 1, transfer_failures > 0

    def _record(self, job_id: str, n: int, started: float, max_bit_rate: int,
                record: dict[str, Any]) -> None:
        outcome = record["outcome"]
        now = self.clock()
        if outcome == "delivered":
            status, next_at, finished = "delivered", None, now
        elif n >= self.max_attempts or outcome == events.BADDOCUMENT:
            status, next_at, finished = "failed", None, now
        else:
            delay = self.retry_delays_s[min(n - 1, len(self.retry_delays_s) - 1)]
            status, next_at, finished = "queued", now + delay, None
        self.db.execute("BEGIN")
        try:
            self.db.execute(
                "INSERT INTO fax_attempts (job_id, n, started_at, outcome, message, pages,"
                " bit_rate, max_bit_rate, remote_id, duration_s) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (job_id, n, started, outcome, record["message"], record["pages"],
                 record["bit_rate"], max_bit_rate, record["remote_id"], record["duration_s"]))
            self.db.execute(
                "UPDATE fax_jobs SET status = ?, attempts = ?, next_at = ?, finished_at = ?"
                " WHERE id = ?", (status, n, next_at, finished, job_id))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    # -- reporting -----------------------------------------------------------------------------------
    def report(self, job_id: str) -> DeliveryReport:
        row = self.db.execute(
            "SELECT number, reference, status, pages, submitted_at, finished_at, next_at"
            " FROM fax_jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise KeyError(job_id)
        attempts = tuple(Attempt(*a) for a in self.db.execute(
            "SELECT n, started_at, outcome, message, pages, bit_rate, max_bit_rate, remote_id,"
            " duration_s FROM fax_attempts WHERE job_id = ? ORDER BY n", (job_id,)))
        number, reference, status, pages, submitted, finished, next_at = row
        return DeliveryReport(job_id, number, reference, status, pages, submitted, finished,
                              next_at if status == "queued" else None, attempts)

    def jobs(self, status: str | None = None) -> list[DeliveryReport]:
        query = "SELECT id FROM fax_jobs" + (" WHERE status = ?" if status else "")
        query += " ORDER BY submitted_at"
        return [self.report(r[0]) for r in self.db.execute(query, (status,) if status else ())]
