"""The support hotline walked end to end: the console caller over real HTTP (127.0.0.1)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from app_server.apps import import_app
from app_server.settings import SAMPLE_APPS

import_app(SAMPLE_APPS / "support_hotline")
from vxml_apps.support_hotline.models import Case  # noqa: E402


async def test_report_a_problem_then_check_its_status(platform, heard) -> None:
    caller = await platform.call(
        "support_hotline", ["dtmf 1", "dtmf 3", "say the printer prints blank receipts", "dtmf 2", "hangup"], "rep-1")
    text = heard(caller)
    assert text.startswith("Welcome to Contoso technical support.")
    assert "For Contoso Point of Sale, press 3." in text
    assert "Your case number is 2 4 0 1 3 2." in text
    case = platform.db.call(lambda s: s.get(Case, 240132))
    assert (case.product_key, case.status, case.call_id) == (3, "new", "rep-1")
    assert Path(case.recording).read_bytes()[:4] == b"RIFF"
    record = await platform.record("rep-1")
    assert record["outcome"] == "case.created"
    assert record["recordings"][0]["field"] == "description"

    caller = await platform.call("support_hotline", ["dtmf 2", "dtmf 240132", "hangup"], "rep-2")
    assert "Case 2 4 0 1 3 2, about your Contoso Point of Sale, is new." in heard(caller)
    assert "It was last updated on Tuesday, November 24, 2026." in heard(caller)


async def test_case_status_of_a_seeded_case_and_an_unknown_one(platform, heard) -> None:
    caller = await platform.call("support_hotline", ["dtmf 2", "dtmf 999999", "dtmf 240117", "hangup"], "st-1")
    text = heard(caller)
    assert "Sorry, we have no case with that number." in text
    assert ("Case 2 4 0 1 1 7, about your Contoso Cloud Backup, is in progress. It is handled by Ben Carter. "
            "It was last updated on Wednesday, November 11, 2026. "
            "The latest note says: We are analysing the backup logs you sent.") in text
    record = await platform.record("st-1")
    assert [e["name"] for e in record["events"] if e["kind"] == "outcome"] == ["case.unknown", "case.status"]


async def test_engineer_on_duty_then_the_queue_when_no_answer(platform, heard) -> None:
    caller = await platform.call("support_hotline", ["dtmf 3", "transfer noanswer"], "eng-1")
    transfers = [e for e in caller.events if e["event"] == "transfer"]
    assert transfers[0]["dest"] == "sip:dana.kowalski@support.contoso.example"  # week 4 of the roster
    assert transfers[0]["type"] == "bridge" and transfers[0]["aai"] == "app=support_hotline;call=eng-1"
    assert "Dana Kowalski cannot take your call right now." in heard(caller)
    assert transfers[1]["dest"] == "queue:support"
    record = await platform.record("eng-1")
    assert record["end_reason"] == "transferred"


async def test_engineer_out_of_hours(platform, heard) -> None:
    platform.clock.now = datetime(2026, 11, 24, 23, 15)
    caller = await platform.call("support_hotline", ["dtmf 3", "hangup"], "eng-2")
    assert "The engineer on duty can be reached from 7 in the morning" in heard(caller)
    assert not any(e["event"] == "transfer" for e in caller.events)


async def test_hang_up_while_recording_opens_no_case(platform, heard) -> None:
    before = platform.db.call(lambda s: len(s.scalars(select(Case)).all()))
    await platform.call("support_hotline", ["dtmf 1", "dtmf 1", "hangup"], "rep-hangup")
    assert platform.db.call(lambda s: len(s.scalars(select(Case)).all())) == before
    record = await platform.record("rep-hangup")
    assert record["end_reason"] == "hangup" and record["path"] == ["index", "main", "report"]


async def test_a_failing_database_gives_an_apology(platform, heard, caplog) -> None:
    from sqlalchemy import text

    platform.db.call(lambda s: s.execute(text("ALTER TABLE support_cases RENAME TO support_cases_gone")))
    caller = await platform.call("support_hotline", ["dtmf 2", "dtmf 240117", "hangup"], "db-down")
    text_heard = heard(caller)
    assert "We are sorry, this service is not available at the moment." in text_heard
    assert "To report a new problem, press 1." in text_heard.split("We are sorry")[1]  # back at the menu
    record = await platform.record("db-down")
    assert any(e["kind"] == "error" and e["name"] in ("OperationalError", "ProgrammingError")
               for e in record["events"])
    assert "page status_check call db-down failed" in caplog.text
