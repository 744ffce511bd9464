"""The support desk's tables (prefixed ``support_``) and their first-run seed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "support_products"

    key: Mapped[int] = mapped_column(Integer, primary_key=True)  # the DTMF key that picks it
    name: Mapped[str] = mapped_column(String(80))


class Engineer(Base):
    __tablename__ = "support_engineers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    uri: Mapped[str] = mapped_column(String(120))  # where a transfer reaches them


class Duty(Base):
    """Who is on duty on a day (the roster)."""

    __tablename__ = "support_duty"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("support_engineers.id"))


class Case(Base):
    __tablename__ = "support_cases"

    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_key: Mapped[int] = mapped_column(ForeignKey("support_products.key"))
    caller: Mapped[str] = mapped_column(String(80), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    recording: Mapped[str] = mapped_column(String(400), default="")
    status: Mapped[str] = mapped_column(String(20))  # new | in progress | waiting for you | resolved
    engineer_id: Mapped[int | None] = mapped_column(ForeignKey("support_engineers.id"), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    last_note: Mapped[str] = mapped_column(Text, default="")
    call_id: Mapped[str] = mapped_column(String(64), default="")


PRODUCTS = [(1, "Contoso Router X2"), (2, "Contoso Cloud Backup"), (3, "Contoso Point of Sale"),
            (4, "Contoso Mobile App"), (5, "Contoso Smart Thermostat")]
ENGINEERS = [(1, "Alice Dupont", "sip:alice.dupont@support.contoso.example"),
             (2, "Ben Carter", "sip:ben.carter@support.contoso.example"),
             (3, "Chen Wei", "sip:chen.wei@support.contoso.example"),
             (4, "Dana Kowalski", "sip:dana.kowalski@support.contoso.example")]
CASES = [
    # number, product, status, engineer, opened, summary, last note
    (240101, 1, "resolved", 1, "2026-10-02 09:12", "Router drops Wi-Fi every evening", "Firmware 2.4.1 installed; the drops stopped."),
    (240117, 2, "in progress", 2, "2026-11-10 14:40", "Backup of the laptop fails at 80 percent", "We are analysing the backup logs you sent."),
    (240123, 3, "waiting for you", 3, "2026-11-16 11:05", "Receipt printer prints blank pages", "Please send a photo of the printer's status light."),
    (240130, 4, "new", None, "2026-11-20 17:30", "Cannot sign in to the app after the update", ""),
    (240131, 5, "in progress", 4, "2026-11-21 08:02", "Thermostat shows the wrong temperature", "A replacement sensor is on its way."),
]
FIRST_CASE = 240101


def seed(s: Session) -> None:
    """Realistic data on first run (no products yet); later starts leave data alone."""
    if s.scalar(select(func.count()).select_from(Product)):
        return
    s.add_all(Product(key=k, name=n) for k, n in PRODUCTS)
    s.add_all(Engineer(id=i, name=n, uri=u) for i, n, u in ENGINEERS)
    s.flush()
    start = date(2026, 11, 1)
    for d in range(92):  # November to January, a week each in turn
        day = start + timedelta(days=d)
        s.add(Duty(day=day, engineer_id=ENGINEERS[(d // 7) % len(ENGINEERS)][0]))
    for number, product, status, engineer, opened, summary, note in CASES:
        when = datetime.fromisoformat(opened)
        s.add(Case(number=number, product_key=product, status=status, engineer_id=engineer, opened_at=when,
                   updated_at=when + timedelta(days=1), summary=summary, last_note=note, caller=""))
