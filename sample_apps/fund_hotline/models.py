"""The fund company's business tables (prefixed ``fund_``) and their first-run seed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from app_server.security import hash_password

PIN_ITERATIONS = 20_000


class Base(DeclarativeBase):
    pass


class Fund(Base):
    __tablename__ = "fund_funds"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[int] = mapped_column(Integer, unique=True)  # the DTMF key that picks it
    name: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(40))
    nav: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    nav_date: Mapped[date] = mapped_column(Date)


class Account(Base):
    __tablename__ = "fund_accounts"

    number: Mapped[str] = mapped_column(String(8), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80))
    pin_hash: Mapped[str] = mapped_column(String(200))
    failed_pins: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    cash: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=0)


class Holding(Base):
    __tablename__ = "fund_holdings"

    account: Mapped[str] = mapped_column(ForeignKey("fund_accounts.number"), primary_key=True)
    fund: Mapped[str] = mapped_column(ForeignKey("fund_funds.code"), primary_key=True)
    units: Mapped[Decimal] = mapped_column(Numeric(16, 4))


class Trade(Base):
    __tablename__ = "fund_transactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(ForeignKey("fund_accounts.number"), index=True)
    fund: Mapped[str] = mapped_column(ForeignKey("fund_funds.code"))
    kind: Mapped[str] = mapped_column(String(16))  # purchase | redemption | dividend
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    units: Mapped[Decimal] = mapped_column(Numeric(16, 4))
    nav: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    channel: Mapped[str] = mapped_column(String(16), default="phone")
    call_id: Mapped[str] = mapped_column(String(64), default="")


class Feedback(Base):
    __tablename__ = "fund_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # complaint | suggestion
    account: Mapped[str] = mapped_column(String(8), default="")
    recording: Mapped[str] = mapped_column(String(400))
    call_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)


FUNDS = [
    ("NWGE", 1, "Northwind Global Equity", "equity", "24.3817"),
    ("NWBI", 2, "Northwind Bond Income", "bond", "10.5402"),
    ("NWMM", 3, "Northwind Money Market", "money market", "1.0000"),
    ("NWTE", 4, "Northwind Technology", "equity", "41.9265"),
    ("NWBA", 5, "Northwind Balanced", "mixed", "17.0810"),
    ("NWEM", 6, "Northwind Emerging Markets", "equity", "13.6644"),
]

ACCOUNTS = [
    # number, holder, PIN, cash, holdings {fund: units}
    ("100234", "Maria Garcia", "4321", "2500.00", {"NWGE": "152.2300", "NWBI": "480.0000"}),
    ("100871", "James Okafor", "1357", "120.50", {"NWTE": "35.1000", "NWMM": "2000.0000"}),
    ("101456", "Linh Tran", "2468", "9800.00", {"NWBA": "310.7500"}),
    ("102093", "Peter Novak", "8080", "0.00", {"NWEM": "75.0000", "NWGE": "12.5000"}),
    ("103318", "Aisha Rahman", "1111", "15000.00", {}),
]

SEED_DAY = date(2026, 11, 20)


def seed(s: Session) -> None:
    """Realistic data on first run (an empty fund table); later starts leave data alone."""
    if s.scalar(select(func.count()).select_from(Fund)):
        return
    for code, key, name, category, nav in FUNDS:
        s.add(Fund(code=code, key=key, name=name, category=category, nav=Decimal(nav), nav_date=SEED_DAY))
    s.flush()
    navs = {code: Decimal(nav) for code, _, _, _, nav in FUNDS}
    for i, (number, holder, pin, cash, holdings) in enumerate(ACCOUNTS):
        s.add(Account(number=number, holder=holder, pin_hash=hash_password(pin, PIN_ITERATIONS),
                      failed_pins=0, locked=False, cash=Decimal(cash)))
        s.flush()
        for j, (fund, units) in enumerate(holdings.items()):
            u = Decimal(units)
            s.add(Holding(account=number, fund=fund, units=u))
            when = datetime(2026, 10, 1 + i * 3 + j, 10, 15)
            s.add(Trade(account=number, fund=fund, kind="purchase", amount=(u * navs[fund]).quantize(Decimal("0.01")),
                        units=u, nav=navs[fund], created_at=when, channel="web"))
            s.add(Trade(account=number, fund=fund, kind="dividend", amount=Decimal("12.40") + j,
                        units=Decimal("0"), nav=navs[fund], created_at=when + timedelta(days=30), channel="auto"))
