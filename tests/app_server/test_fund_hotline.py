"""The fund hotline walked end to end: the console caller over real HTTP (127.0.0.1)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from app_server.apps import import_app
from app_server.models import RecordingRow
from app_server.settings import SAMPLE_APPS, ServiceSettings
from vxml_browser.adapters.caller import ScriptedCaller
from vxml_browser.adapters.http import HttpFetcher
from vxml_browser.adapters.runner import run_session

import_app(SAMPLE_APPS / "fund_hotline")
from vxml_apps.fund_hotline.models import Account, Feedback, Holding, Trade  # noqa: E402

LOGIN = ["dtmf 2", "dtmf 100234", "dtmf 4321"]


def count(platform, model) -> int:
    return platform.db.call(lambda s: s.scalar(select(func.count()).select_from(model)))


async def test_fund_prices_come_from_the_price_service_and_data(platform, heard) -> None:
    caller = await platform.call("fund_hotline", ["dtmf 1", "dtmf 4", "dtmf 9", "hangup"], "prices-1")
    text = heard(caller)
    assert text.startswith("Welcome to the Northwind Funds hotline.")
    assert "We offer 6 funds. For Northwind Global Equity, press 1." in text
    assert "The net asset value of Northwind Technology on Friday, November 20, 2026 was 41 dollars and 93 cents per unit." in text
    record = await platform.record("prices-1")
    assert record["path"] == ["index", "main", "funds", "main"]
    assert record["end_reason"] == "hangup" and record["ended_at"]


async def test_balance_and_recent_transactions_after_sign_in(platform, heard) -> None:
    caller = await platform.call("fund_hotline", [*LOGIN, "dtmf 1", "dtmf 2", "hangup"], "acct-1")
    text = heard(caller)
    assert "Thank you, you are signed in." in text
    assert "Your Northwind Global Equity holding is 152 point 2 3 units, worth 3711 dollars and 63 cents." in text
    assert "Your cash balance is 2500 dollars." in text
    assert "On Sunday, November 1, 2026, dividend of 13 dollars and 40 cents in Northwind Bond Income." in text
    record = await platform.record("acct-1")
    inputs = [e for e in record["events"] if e["kind"] == "input"]
    assert inputs[0]["detail"] == {"account": "100234", "pin": "***"}  # the PIN never reaches the CDR
    assert record["outcome"] == "login.ok"


async def test_purchase_with_read_back_and_confirmation(platform, heard) -> None:
    before = platform.db.call(lambda s: s.get(Holding, ("100234", "NWBA")))
    assert before is None
    caller = await platform.call("fund_hotline", [*LOGIN, "dtmf 3", "dtmf 5", "dtmf 500", "dtmf 1", "hangup"], "buy-1")
    text = heard(caller)
    assert "You asked to buy 500 dollars of Northwind Balanced, at the next net asset value." in text
    assert "Your order is confirmed. Your reference number is 0 0 0 0" in text
    trade = platform.db.call(lambda s: s.scalar(select(Trade).where(Trade.call_id == "buy-1")))
    assert (trade.kind, trade.fund, trade.amount) == ("purchase", "NWBA", Decimal("500.00"))
    assert trade.units == Decimal("29.2722")  # 500 / 17.0810 = 29.27229..., rounded down
    account = platform.db.call(lambda s: s.get(Account, "100234"))
    assert account.cash == Decimal("2000.00")
    holding = platform.db.call(lambda s: s.get(Holding, ("100234", "NWBA")))
    assert holding.units == trade.units
    record = await platform.record("buy-1")
    assert record["outcome"] == "purchase.done"
    assert record["path"][-3:] == ["trade_review", "trade_confirm", "account"]


async def test_redemption_cancelled_changes_nothing(platform, heard) -> None:
    trades = count(platform, Trade)
    caller = await platform.call("fund_hotline", [*LOGIN, "dtmf 4", "dtmf 2", "dtmf 1000", "dtmf 2", "hangup"], "sell-1")
    assert "You asked to sell 1000 dollars of Northwind Bond Income" in heard(caller)
    assert "Your order was cancelled. Nothing has been changed." in heard(caller)
    assert count(platform, Trade) == trades
    assert (await platform.record("sell-1"))["outcome"] == "redemption.cancelled"


async def test_hang_up_at_the_confirmation_leaves_no_half_written_trade(platform, heard) -> None:
    trades = count(platform, Trade)
    caller = await platform.call("fund_hotline", [*LOGIN, "dtmf 3", "dtmf 1", "dtmf 2000", "hangup"], "buy-hangup")
    assert "You asked to buy 2000 dollars of Northwind Global Equity" in heard(caller)
    assert count(platform, Trade) == trades
    account = platform.db.call(lambda s: s.get(Account, "100234"))
    assert account.cash == Decimal("2500.00")
    record = await platform.record("buy-hangup")  # written by the app's own hang-up catch
    assert record["end_reason"] == "hangup" and record["ended_at"] is not None
    assert record["path"][-1] == "trade_review"
    assert not any(e["kind"] == "outcome" and e["name"].startswith("purchase") for e in record["events"])


async def test_three_wrong_pins_lock_the_account(platform, heard) -> None:
    lines = ["dtmf 2", "dtmf 100871", "dtmf 0000", "dtmf 100871", "dtmf 9999", "dtmf 100871", "dtmf 1234", "hangup"]
    caller = await platform.call("fund_hotline", lines, "pin-1")
    text = heard(caller)
    assert text.count("Sorry, that account number and PIN do not match.") == 2
    assert "this account is locked after too many incorrect PIN entries" in text
    account = platform.db.call(lambda s: s.get(Account, "100871"))
    assert account.locked and account.failed_pins == 3
    # the right PIN no longer opens it, in a new call
    caller = await platform.call("fund_hotline", ["dtmf 2", "dtmf 100871", "dtmf 1357", "hangup"], "pin-2")
    assert "this account is locked" in heard(caller)
    assert "you are signed in" not in heard(caller)
    assert [e["name"] for e in (await platform.record("pin-1"))["events"] if e["kind"] == "outcome"] == [
        "login.failed", "login.failed", "login.locked"]


async def test_complaint_is_recorded_durably(platform, heard) -> None:
    caller = await platform.call("fund_hotline", ["dtmf 3", "dtmf 1", "say my statement arrived late again", "hangup"], "rec-1")
    assert "Your complaint has been recorded with reference number 0 0 0 0 1." in heard(caller)
    row = platform.db.call(lambda s: s.scalar(select(RecordingRow).where(RecordingRow.call_id == "rec-1")))
    path = Path(row.path)
    assert path.is_file() and path.stat().st_size == row.size > 44
    assert path.read_bytes()[:4] == b"RIFF"
    feedback = platform.db.call(lambda s: s.scalar(select(Feedback).where(Feedback.call_id == "rec-1")))
    assert (feedback.kind, feedback.recording) == ("complaint", row.path)
    record = await platform.record("rec-1")
    assert record["recordings"][0]["field"] == "message"
    assert record["outcome"] == "complaint.recorded"


async def test_agent_transfer_to_the_funds_queue_with_caller_data(platform, heard) -> None:
    caller = await platform.call("fund_hotline", [*LOGIN, "dtmf 9", "dtmf 0"], "agent-1")
    transfer = next(e for e in caller.events if e["event"] == "transfer")
    assert transfer["dest"] == "queue:funds"
    assert transfer["aai"] == "app=fund_hotline;call=agent-1;account=100234;verified=yes"
    record = await platform.record("agent-1")
    assert record["end_reason"] == "transferred"
    assert record["outcome"] == "agent.transfer"


@pytest.mark.parametrize(("now", "message"), [
    (datetime(2026, 11, 29, 10, 0), "Our agents are available Monday to Thursday"),  # a Sunday
    (datetime(2026, 11, 24, 21, 30), "Our agents are available Monday to Thursday"),  # after hours
    (datetime(2026, 12, 25, 10, 0), "Our offices are closed today for a public holiday."),
])
async def test_no_transfer_out_of_hours(platform, heard, now, message) -> None:
    platform.clock.now = now
    caller = await platform.call("fund_hotline", ["dtmf 0", "hangup"], "night-1")
    assert message in heard(caller)
    assert not any(e["event"] == "transfer" for e in caller.events)


class TestBackEndFailure:
    @pytest.fixture
    def services(self) -> dict[str, ServiceSettings]:
        return {"fund_prices": ServiceSettings("http://127.0.0.1:9/", timeout_s=0.5, retries=1)}

    async def test_the_caller_hears_an_apology_not_a_trace(self, platform, heard, caplog) -> None:
        caller = await platform.call("fund_hotline", ["dtmf 1", "hangup"], "down-1")
        text = heard(caller)
        assert "We are sorry, this service is not available at the moment." in text
        assert text.count("For fund prices, press 1.") == 2  # back at the main menu
        record = await platform.record("down-1")
        error = next(e for e in record["events"] if e["kind"] == "error")
        assert error["name"] == "BackendError" and "fund_prices" in error["detail"]["message"]
        assert "app fund_hotline page funds call down-1 failed" in caplog.text
        async with aiohttp.ClientSession() as client:
            async with client.get(platform.url("/apps/fund_hotline/funds?call=down-2")) as resp:
                body = await resp.text()
        assert resp.status == 200 and "Traceback" not in body and "BackendError" not in body


async def test_the_platform_may_end_the_call_too(platform) -> None:
    caller = ScriptedCaller(["dtmf 1"])
    async with HttpFetcher() as fetcher:
        await run_session(platform.url("/apps/fund_hotline/?call=sip-abc"), caller, fetcher=fetcher, timeout_s=20)
    async with aiohttp.ClientSession() as client:
        async with client.post(platform.url("/calls/sip-abc/end"), data={"reason": "platform-teardown"}) as resp:
            assert resp.status == 200
    record = await platform.record("sip-abc")
    assert record["end_reason"] == "hangup"  # the app's own catch came first; the first end wins
    assert sum(e["kind"] == "end" for e in record["events"]) == 1
