"""The Northwind Funds hotline: fund prices (public), account services after account number
and PIN (balance, recent transactions, buy and sell with read-back and confirmation),
complaints and suggestions recorded with <record>, and an agent transfer to the funds queue.

Back ends: the fund company's database (``models.py``) and the fund price service over HTTP
(``fund_prices``: a stand-in on this server at ``/apps/fund_hotline/api`` unless the config
names a real one). Three wrong PINs in a row lock the account.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from aiohttp import web
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from app_server.apps import VoiceApp
from app_server.connectors import BackendError
from app_server.security import verify_password
from app_server.server import CallContext, Page

from .models import Account, Base, Feedback, Fund, Holding, Trade, seed

MAX_PIN_TRIES = 3
MAX_TRADE = Decimal("50000")

app = VoiceApp(
    "fund_hotline",
    title="Northwind Funds hotline",
    metadata=Base.metadata,
    seed=seed,
    sensitive=frozenset({"pin"}),
    apology_next="main",
    services={"fund_prices": "/apps/fund_hotline/api"},
)


# --- back-end bindings (plain functions of a Session, run in one transaction each) -----------


def fund_rows(s: Session) -> list[dict[str, object]]:
    return [{"code": f.code, "key": f.key, "name": f.name, "nav": str(f.nav), "nav_date": f.nav_date.isoformat()}
            for f in s.scalars(select(Fund).order_by(Fund.key))]


def check_pin(s: Session, number: str, pin: str) -> str:
    """"ok", "unknown", "wrong", "locked" (this try locked it or it was locked before)."""
    account = s.get(Account, number, with_for_update=True)
    if account is None:
        return "unknown"
    if account.locked:
        return "locked"
    if verify_password(pin, account.pin_hash):
        account.failed_pins = 0
        return "ok"
    account.failed_pins += 1
    if account.failed_pins >= MAX_PIN_TRIES:
        account.locked = True
        return "locked"
    return "wrong"


def portfolio(s: Session, number: str) -> dict[str, object]:
    account = s.get(Account, number)
    assert account is not None
    rows = s.execute(select(Holding, Fund).join(Fund, Fund.code == Holding.fund)
                     .where(Holding.account == number).order_by(Fund.key)).all()
    holdings = [{"fund": f.name, "units": h.units, "value": (h.units * f.nav).quantize(Decimal("0.01"))}
                for h, f in rows if h.units > 0]
    return {"holder": account.holder, "cash": account.cash, "holdings": holdings,
            "total": sum((h["value"] for h in holdings), Decimal("0"))}


def recent_trades(s: Session, number: str, limit: int = 3) -> list[dict[str, object]]:
    rows = s.execute(select(Trade, Fund).join(Fund, Fund.code == Trade.fund).where(Trade.account == number)
                     .order_by(Trade.created_at.desc(), Trade.id.desc()).limit(limit)).all()
    return [{"date": t.created_at.date(), "kind": t.kind, "fund": f.name, "amount": t.amount} for t, f in rows]


def fund_by_key(s: Session, key: int) -> dict[str, object] | None:
    f = s.scalar(select(Fund).where(Fund.key == key))
    return None if f is None else {"code": f.code, "name": f.name, "nav": f.nav}


def execute_trade(s: Session, number: str, kind: str, code: str, amount: Decimal, call_id: str,
                  now: datetime) -> dict[str, object]:
    """Buy or sell in one transaction: the trade row, the holding and the cash move together."""
    account = s.get(Account, number, with_for_update=True)
    fund = s.get(Fund, code)
    assert account is not None and fund is not None
    holding = s.get(Holding, (number, code), with_for_update=True)
    units = (amount / fund.nav).quantize(Decimal("0.0001"), rounding=ROUND_DOWN)
    if kind == "purchase":
        if account.cash < amount:
            return {"ok": False, "reason": "funds"}
        account.cash -= amount
        if holding is None:
            holding = Holding(account=number, fund=code, units=Decimal(0))
            s.add(holding)
        holding.units += units
    else:
        if holding is None or holding.units < units:
            return {"ok": False, "reason": "units"}
        holding.units -= units
        account.cash += amount
    trade = Trade(account=number, fund=code, kind=kind, amount=amount, units=units, nav=fund.nav,
                  created_at=now, channel="phone", call_id=call_id)
    s.add(trade)
    s.flush()
    return {"ok": True, "reference": f"{trade.id:06d}", "units": units}


def save_feedback(s: Session, kind: str, account: str, path: str, call_id: str, now: datetime) -> int:
    row = Feedback(kind=kind, account=account, recording=path, call_id=call_id, created_at=now)
    s.add(row)
    s.flush()
    return row.id


# --- the stand-in fund price service (what `fund_prices` points at by default) ---------------


@app.route("GET", "api/nav")
async def price_service(request: web.Request) -> web.Response:
    from app_server.server import DB

    return web.json_response({"funds": await request.app[DB].run(fund_rows)})


async def prices(call: CallContext) -> list[dict[str, object]]:
    data = await call.service("fund_prices").get_json("/nav")
    try:
        return [{**f, "nav": Decimal(str(f["nav"]))} for f in data["funds"]]
    except (KeyError, TypeError, InvalidOperation) as exc:
        raise BackendError(f"fund_prices: unexpected answer: {exc}") from exc


# --- pages ------------------------------------------------------------------------------------


@app.page("funds")
async def funds(call: CallContext) -> Page:
    return call.render("funds.vxml.j2", funds=await prices(call))


@app.data("nav")
async def nav_data(call: CallContext) -> etree._Element:
    """``<data>``: one fund's price as XML, ``<fund name=".." nav=".." spoken=".."/>``."""
    from app_server.templating import say_date, say_money

    try:
        key = int(call.form.get("fund", ""))
    except ValueError:
        key = -1
    rows = [f for f in await prices(call) if f["key"] == key]
    if not rows:
        return etree.Element("fund", found="false")
    f = rows[0]
    return etree.Element("fund", found="true", code=str(f["code"]), name=str(f["name"]), nav=str(f["nav"]),
                         spoken=say_money(f["nav"]), date=say_date(str(f["nav_date"])))


async def signed_in(call: CallContext) -> str | None:
    return (await call.state()).get("account")


@app.page("login_check")
async def login_check(call: CallContext) -> Page:
    number, pin = call.form.get("account", ""), call.form.get("pin", "")
    state = await call.state()
    result = await call.db.run(check_pin, number, pin)
    tries = int(state.get("pin_tries", 0)) + (result != "ok")
    state["pin_tries"] = tries
    if result == "ok":
        state.update(account=number, pin_tries=0)
        await call.save_state(state)
        call.outcome("login.ok", account=number)
        return call.render("account.vxml.j2", greeting=True)
    await call.save_state(state)
    if result == "locked":
        call.outcome("login.locked", account=number)
        return call.render("locked.vxml.j2")
    call.outcome("login.failed", account=number, reason=result)
    if tries >= MAX_PIN_TRIES:
        return call.render("locked.vxml.j2")
    return call.render("login.vxml.j2", retry=True)


@app.page("account")
async def account_menu(call: CallContext) -> Page:
    if not await signed_in(call):
        return call.render("login.vxml.j2", retry=False)
    return call.render("account.vxml.j2", greeting=False)


@app.page("login")
async def login(call: CallContext) -> Page:
    if await signed_in(call):
        return call.render("account.vxml.j2", greeting=False)
    return call.render("login.vxml.j2", retry=False)


@app.page("balance")
async def balance(call: CallContext) -> Page:
    number = await signed_in(call)
    if not number:
        return call.render("login.vxml.j2", retry=False)
    return call.render("balance.vxml.j2", p=await call.db.run(portfolio, number))


@app.page("transactions")
async def transactions(call: CallContext) -> Page:
    number = await signed_in(call)
    if not number:
        return call.render("login.vxml.j2", retry=False)
    return call.render("transactions.vxml.j2", trades=await call.db.run(recent_trades, number))


async def trade_form(call: CallContext, kind: str) -> Page:
    if not await signed_in(call):
        return call.render("login.vxml.j2", retry=False)
    return call.render("trade.vxml.j2", kind=kind, funds=await call.db.run(fund_rows))


@app.page("purchase")
async def purchase(call: CallContext) -> Page:
    return await trade_form(call, "purchase")


@app.page("redemption")
async def redemption(call: CallContext) -> Page:
    return await trade_form(call, "redemption")


@app.page("trade_review")
async def trade_review(call: CallContext) -> Page:
    """Read the order back; the order waits in the call's session, nothing is written yet."""
    state = await call.state()
    if not state.get("account"):
        return call.render("login.vxml.j2", retry=False)
    kind = "redemption" if call.form.get("kind") == "redemption" else "purchase"
    fund = await call.db.run(fund_by_key, int(call.form.get("fund") or 0))
    try:
        amount = Decimal(call.form.get("amount", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        amount = Decimal(0)
    if fund is None or not (0 < amount <= MAX_TRADE):
        return call.render("trade.vxml.j2", kind=kind, funds=await call.db.run(fund_rows), invalid=True)
    state["pending"] = {"kind": kind, "fund": fund["code"], "name": fund["name"], "amount": str(amount)}
    await call.save_state(state)
    return call.render("trade_review.vxml.j2", kind=kind, fund=fund, amount=amount)


@app.page("trade_confirm")
async def trade_confirm(call: CallContext) -> Page:
    state = await call.state()
    pending = state.pop("pending", None)
    number = state.get("account")
    if not number or not pending:
        return call.render("account.vxml.j2", greeting=False)
    await call.save_state(state)
    if call.form.get("confirm") != "true":
        call.outcome(f"{pending['kind']}.cancelled", fund=pending["fund"], amount=pending["amount"])
        return call.render("trade_done.vxml.j2", result={"ok": False, "reason": "cancelled"}, order=pending)
    result = await call.db.run(execute_trade, number, pending["kind"], pending["fund"],
                               Decimal(pending["amount"]), call.call_id, call.now)
    call.outcome(f"{pending['kind']}.{'done' if result['ok'] else 'refused'}", fund=pending["fund"],
                 amount=pending["amount"], reference=result.get("reference", ""))
    return call.render("trade_done.vxml.j2", result=result, order=pending)


@app.page("feedback_saved")
async def feedback_saved(call: CallContext) -> Page:
    kind = "suggestion" if call.form.get("kind") == "suggestion" else "complaint"
    rec = call.recordings.get("message")
    if rec is None:
        return call.render("feedback.vxml.j2", nothing=True)
    account = (await call.state()).get("account", "")
    ref = await call.db.run(save_feedback, kind, account, str(rec.path), call.call_id, call.now)
    call.outcome(f"{kind}.recorded", reference=ref)
    return call.render("feedback_saved.vxml.j2", kind=kind, reference=f"{ref:05d}")


@app.page("agent")
async def agent(call: CallContext) -> Page:
    state = await call.state()
    aai = f"app=fund_hotline;call={call.call_id};account={state.get('account', '')};" \
          f"verified={'yes' if state.get('account') else 'no'}"
    service = call.content.service_state(call.now)
    if service == "open":
        call.outcome("agent.transfer", queue="funds")
    else:
        call.outcome(f"agent.{service}")
    return call.render("agent.vxml.j2", aai=aai, service=service)


# --- sample values for every template with values of its own (render-and-parse test) ---------

_FUNDS = [{"code": c, "key": k, "name": n, "nav": nav} for c, k, n, _, nav in
          [("NWGE", 1, "Northwind Global Equity", "", "24.38"), ("NWBI", 2, "Northwind Bond & Income <A>", "", "10.54")]]
app.examples.update({
    "funds.vxml.j2": [{"funds": _FUNDS}],
    "login.vxml.j2": [{"retry": False}, {"retry": True}],
    "account.vxml.j2": [{"greeting": True}, {"greeting": False}],
    "balance.vxml.j2": [
        {"p": {"holdings": [{"fund": "Northwind Global Equity", "units": Decimal("152.23"), "value": Decimal("3711.63")}],
               "total": Decimal("3711.63"), "cash": Decimal("2500")}},
        {"p": {"holdings": [], "total": Decimal(0), "cash": Decimal(0)}},
    ],
    "transactions.vxml.j2": [
        {"trades": [{"date": datetime(2026, 11, 1).date(), "kind": "purchase", "fund": "Northwind Balanced",
                     "amount": Decimal("500")}]},
        {"trades": []},
    ],
    "trade.vxml.j2": [{"kind": "purchase", "funds": _FUNDS}, {"kind": "redemption", "funds": _FUNDS, "invalid": True}],
    "trade_review.vxml.j2": [{"kind": "purchase", "fund": _FUNDS[1], "amount": Decimal("500")},
                             {"kind": "redemption", "fund": _FUNDS[0], "amount": Decimal("12.5")}],
    "trade_done.vxml.j2": [{"result": {"ok": True, "reference": "000042"}, "order": {}}]
    + [{"result": {"ok": False, "reason": r}, "order": {}} for r in ("cancelled", "funds", "units")],
    "feedback_saved.vxml.j2": [{"kind": "complaint", "reference": "00007"}],
    "agent.vxml.j2": [{"aai": "app=fund_hotline;call=x;account=100234;verified=yes", "service": s}
                      for s in ("open", "night", "holiday")],
})
