"""The fax store: received (and sent) faxes with their metadata, in any SQLAlchemy database.

Its own tables (``fax_documents``), created on first use, so it can live in the app server's
database (give it the same URL) without touching the app server's models or migrations. A fax
is stored in one transaction, after its TIFF has been decoded page by page and the page count
checked against what T.30 reported: a fax is stored whole or not at all.

    store = FaxStore("sqlite:///var/fax.sqlite")
    fax_id = store.save(tiff_bytes, direction="in", result=fax_result, call_id="c-42")
    store.get(fax_id).pages; store.page_png(fax_id, 0); store.pdf(fax_id); store.recent()
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, LargeBinary, String, create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from . import documents
from .session import FaxResult

Direction = Literal["in", "out"]


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class FaxBase(DeclarativeBase):
    pass


class FaxDocument(FaxBase):
    __tablename__ = "fax_documents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    direction: Mapped[str] = mapped_column(String(3), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    call_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    remote_id: Mapped[str] = mapped_column(String(32), default="")
    pages: Mapped[int] = mapped_column(Integer)
    bit_rate: Mapped[int] = mapped_column(Integer, default=0)
    ecm: Mapped[bool] = mapped_column(Boolean, default=False)
    encoding: Mapped[str] = mapped_column(String(32), default="")
    resolution: Mapped[str] = mapped_column(String(16), default="")
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    tiff: Mapped[bytes] = mapped_column(LargeBinary)


@dataclass(frozen=True, slots=True)
class FaxRecord:
    """A stored fax without its image (``FaxStore.tiff`` has that)."""

    id: str
    direction: str
    created_at: datetime
    call_id: str
    remote_id: str
    pages: int
    bit_rate: int
    ecm: bool
    encoding: str
    resolution: str
    duration_s: float
    meta: dict[str, Any]
    size: int


class StoreError(Exception):
    """A fax that cannot be stored (its TIFF does not decode, or its pages are missing)."""


class FaxNotFound(KeyError):
    pass


def _record(row: FaxDocument) -> FaxRecord:
    return FaxRecord(row.id, row.direction, row.created_at, row.call_id, row.remote_id,
                     row.pages, row.bit_rate, row.ecm, row.encoding, row.resolution,
                     row.duration_s, dict(row.meta or {}), len(row.tiff))


class FaxStore:
    def __init__(self, url_or_engine: str | Engine) -> None:
        self.engine = (create_engine(url_or_engine) if isinstance(url_or_engine, str)
                       else url_or_engine)
        FaxBase.metadata.create_all(self.engine)
        self.db_session = sessionmaker(self.engine)

    def save(self, tiff: bytes | str, *, direction: Direction, result: FaxResult | None = None,
             call_id: str = "", meta: dict[str, Any] | None = None) -> str:
        """Store a whole fax; returns its id. Raises ``StoreError`` (storing nothing) when the
        TIFF does not decode or has another page count than the fax reported."""
        if isinstance(tiff, str):
            with open(tiff, "rb") as f:
                tiff = f.read()
        try:
            pages = documents.read_pages(tiff)
        except Exception as exc:  # noqa: BLE001 - any decoder failure means a bad file
            raise StoreError(f"the fax image does not decode: {exc}") from exc
        if not pages:
            raise StoreError("the fax has no page")
        if result is not None and result.pages != len(pages):
            raise StoreError(f"the fax reported {result.pages} pages but its file holds"
                             f" {len(pages)}")
        row = FaxDocument(
            id=uuid.uuid4().hex, direction=direction, call_id=call_id, pages=len(pages),
            meta=dict(meta or {}), tiff=tiff,
        )
        if result is not None:
            row.remote_id = result.remote_id
            row.bit_rate = result.bit_rate
            row.ecm = result.ecm
            row.encoding = result.encoding
            row.resolution = f"{result.resolution[0]}x{result.resolution[1]}"
            row.duration_s = result.duration_s
        fax_id = row.id
        with self.db_session() as session, session.begin():
            session.add(row)
        return fax_id

    def _row(self, session: Session, fax_id: str) -> FaxDocument:
        row = session.get(FaxDocument, fax_id)
        if row is None:
            raise FaxNotFound(fax_id)
        return row

    def get(self, fax_id: str) -> FaxRecord:
        with self.db_session() as session:
            return _record(self._row(session, fax_id))

    def tiff(self, fax_id: str) -> bytes:
        with self.db_session() as session:
            return self._row(session, fax_id).tiff

    def page_png(self, fax_id: str, index: int) -> bytes:
        return documents.page_png(self.tiff(fax_id), index)

    def pdf(self, fax_id: str) -> bytes:
        return documents.to_pdf(self.tiff(fax_id))

    def recent(self, limit: int = 50, direction: Direction | None = None) -> list[FaxRecord]:
        with self.db_session() as session:
            query = session.query(FaxDocument)
            if direction:
                query = query.filter(FaxDocument.direction == direction)
            rows = query.order_by(FaxDocument.created_at.desc()).limit(limit).all()
            return [_record(r) for r in rows]

    def count(self) -> int:
        with self.db_session() as session:
            return session.query(FaxDocument).count()

    def delete(self, fax_id: str) -> None:
        with self.db_session() as session, session.begin():
            session.delete(self._row(session, fax_id))

    def close(self) -> None:
        self.engine.dispose()
