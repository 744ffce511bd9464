"""Contoso support hotline: report a problem by phone (product, recorded description) and get
a case number; check a case's status; reach the engineer on duty (a bridged transfer to the
engineer, falling back to the support queue when they do not answer)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app_server.apps import VoiceApp
from app_server.server import CallContext, Page

from .models import FIRST_CASE, Base, Case, Duty, Engineer, Product, seed

app = VoiceApp("support_hotline", title="Contoso support hotline", metadata=Base.metadata, seed=seed,
               apology_next="main")


def products(s: Session) -> list[dict[str, object]]:
    return [{"key": p.key, "name": p.name} for p in s.scalars(select(Product).order_by(Product.key))]


def open_case(s: Session, product_key: int, recording: str, caller: str, call_id: str, now: datetime) -> int | None:
    """A new case; its number is the next after the highest (one transaction)."""
    if s.get(Product, product_key) is None:
        return None
    number = (s.scalar(select(func.max(Case.number))) or FIRST_CASE - 1) + 1
    s.add(Case(number=number, product_key=product_key, caller=caller, recording=recording, status="new",
               engineer_id=None, opened_at=now, updated_at=now, summary="(recorded by phone)", last_note="",
               call_id=call_id))
    s.flush()
    return number


def case_status(s: Session, number: int) -> dict[str, object] | None:
    case = s.get(Case, number)
    if case is None:
        return None
    product = s.get(Product, case.product_key)
    engineer = s.get(Engineer, case.engineer_id) if case.engineer_id else None
    return {"number": str(case.number), "product": product.name if product else "", "status": case.status,
            "engineer": engineer.name if engineer else "", "updated": case.updated_at.date(),
            "note": case.last_note}


def on_duty(s: Session, day: object) -> dict[str, str] | None:
    duty = s.get(Duty, day)
    if duty is None:
        return None
    engineer = s.get(Engineer, duty.engineer_id)
    return None if engineer is None else {"name": engineer.name, "uri": engineer.uri}


@app.page("report")
async def report(call: CallContext) -> Page:
    return call.render("report.vxml.j2", products=await call.db.run(products))


@app.page("case_created")
async def case_created(call: CallContext) -> Page:
    rec = call.recordings.get("description")
    try:
        key = int(call.form.get("product", ""))
    except ValueError:
        key = -1
    if rec is None:
        return call.render("report.vxml.j2", products=await call.db.run(products), problem="recording")
    number = await call.db.run(open_case, key, str(rec.path), call.form.get("caller", ""), call.call_id, call.now)
    if number is None:
        return call.render("report.vxml.j2", products=await call.db.run(products), problem="product")
    call.outcome("case.created", case=number, product=key)
    return call.render("case_created.vxml.j2", number=str(number))


@app.page("status_check")
async def status_check(call: CallContext) -> Page:
    try:
        number = int(call.form.get("case_number", ""))
    except ValueError:
        number = -1
    case = await call.db.run(case_status, number)
    call.outcome("case.status" if case else "case.unknown", case=number)
    if case is None:
        return call.render("status.vxml.j2", unknown=True)
    return call.render("case_status.vxml.j2", case=case)


@app.page("status")
async def status(call: CallContext) -> Page:
    return call.render("status.vxml.j2", unknown=False)


@app.page("engineer")
async def engineer(call: CallContext) -> Page:
    service = call.content.service_state(call.now)
    duty = await call.db.run(on_duty, call.now.date()) if service == "open" else None
    aai = f"app=support_hotline;call={call.call_id}"
    call.outcome(f"engineer.{'transfer' if duty else service if service != 'open' else 'queue'}",
                 engineer=duty["name"] if duty else "")
    return call.render("engineer.vxml.j2", service=service, duty=duty, aai=aai)


_PRODUCTS = [{"key": 1, "name": "Contoso Router X2"}, {"key": 2, "name": "Contoso Cloud & Backup"}]
app.examples.update({
    "report.vxml.j2": [{"products": _PRODUCTS}, {"products": _PRODUCTS, "problem": "product"},
                       {"products": _PRODUCTS, "problem": "recording"}],
    "case_created.vxml.j2": [{"number": "240132"}],
    "status.vxml.j2": [{"unknown": False}, {"unknown": True}],
    "case_status.vxml.j2": [
        {"case": {"number": "240117", "product": "Contoso Cloud Backup", "status": "in progress", "engineer": "Ben Carter",
                  "updated": datetime(2026, 11, 11).date(), "note": "We are analysing <the> logs."}},
        {"case": {"number": "240130", "product": "Contoso Mobile App", "status": "new", "engineer": "",
                  "updated": datetime(2026, 11, 21).date(), "note": ""}},
    ],
    "engineer.vxml.j2": [
        {"service": "open", "duty": {"name": "Alice Dupont", "uri": "sip:alice.dupont@support.contoso.example"},
         "aai": "app=support_hotline;call=x"},
        {"service": "open", "duty": None, "aai": "app=support_hotline;call=x"},
        {"service": "night", "duty": None, "aai": ""},
        {"service": "holiday", "duty": None, "aai": ""},
    ],
})
