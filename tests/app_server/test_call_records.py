"""The voice platform's call records on the app server: ``POST /calls`` (the SIP worker's JSON
record) and the ``X-Call-ID`` header that files a call's pages under the platform's id, on a
real server (127.0.0.1) with a real SQLite database."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from app_server.calls import call_id_for
from app_server.models import Call, CallEvent
from app_server.server import end_signature
from app_server.settings import Settings
from vxml_browser.adapters.caller import ScriptedCaller
from vxml_browser.adapters.http import HttpFetcher
from vxml_browser.adapters.runner import run_session

Platform = Any  # conftest's Platform: a running server
TOKEN = "records-token-for-tests"
SIP_ID = "a84b4c76e66710@pc33.example.com"
ODD_SIP_ID = "3848276298220188511@" + "atlanta.example.com/" * 5 + "<odd>"


def sip_record(call_id: str = SIP_ID, cause: str = "remote-hangup", **more: Any) -> dict[str, Any]:
    """A record as the SIP worker posts it (``CallRecord.as_json``)."""
    start = time.time() - 30
    return {"call_id": call_id, "from": '"Alice" <sip:alice@127.0.0.1:5062>;tag=9fxced76sl', "to": "sip:funds@127.0.0.1:5070",
            "app": "http://127.0.0.1:8091/apps/fund_hotline/", "start": start, "answer": start + 1,
            "end": start + 29, "cause": cause, "worker": 2,
            "transfers": [{"dest": "tel:+15551234", "result": "busy"}], **more}


async def post_record(platform: Platform, body: Any, headers: dict[str, str] | None = None,
                      raw: bytes | None = None) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as client:
        kwargs: dict[str, Any] = {"data": raw} if raw is not None else {"json": body}
        async with client.post(platform.url("/calls"), headers=headers, **kwargs) as resp:
            text = await resp.text()
            return resp.status, (await resp.json() if resp.content_type == "application/json" else text)


def counts(platform: Platform) -> tuple[int, int]:
    """How many call rows and call events the database holds."""
    return platform.db.call(lambda s: (s.scalar(select(func.count()).select_from(Call)),
                                       s.scalar(select(func.count()).select_from(CallEvent))))


def platform_events(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in record["events"] if e["kind"] == "platform"]


async def test_a_platforms_record_is_stored_and_readable(platform) -> None:
    record = sip_record()
    status, answer = await post_record(platform, record)
    assert status == 201 and answer == {"id": SIP_ID, "created": True, "stored": True}
    stored = await platform.record(SIP_ID)
    assert stored["end_reason"] == "remote-hangup"
    assert stored["app"] == "fund_hotline" and stored["caller"] == "sip:alice@127.0.0.1:5062"
    assert stored["ended_at"] == datetime.fromtimestamp(record["end"], UTC).replace(tzinfo=None).isoformat()
    assert [e["detail"] for e in platform_events(stored)] == [record]


async def test_a_record_of_a_call_the_server_knows_is_200_on_the_same_row(platform) -> None:
    async with aiohttp.ClientSession() as client:
        async with client.get(platform.url(f"/apps/fund_hotline/?call={SIP_ID}")) as resp:
            assert resp.status == 200
    status, answer = await post_record(platform, sip_record())
    assert status == 200 and answer["created"] is False
    stored = await platform.record(SIP_ID)
    assert stored["path"] == ["index"] and stored["end_reason"] == "remote-hangup"


async def test_the_same_record_sent_again_adds_nothing(platform) -> None:
    record = sip_record()
    await post_record(platform, record)
    before = counts(platform)
    status, answer = await post_record(platform, record)
    assert status == 200 and answer["stored"] is False
    assert counts(platform) == before


async def test_the_first_end_wins_over_the_platforms_cause(platform) -> None:
    async with aiohttp.ClientSession() as client:
        async with client.post(platform.url(f"/calls/{SIP_ID}/end"), data={"reason": "hangup"}) as resp:
            assert resp.status == 200
    await post_record(platform, sip_record(cause="remote-hangup"))
    stored = await platform.record(SIP_ID)
    assert stored["end_reason"] == "hangup"
    assert [e["name"] for e in stored["events"] if e["kind"] == "end"] == ["hangup"]
    assert platform_events(stored)[0]["detail"]["cause"] == "remote-hangup"


@pytest.mark.parametrize(("body", "message"), [
    (b"{not json", "bad call record"),
    (b"[1, 2]", "a call record is a JSON object, not list"),
    (b"\xff\xfe", "bad call record"),
    ({**sip_record(), "call_id": ""}, "call_id must be a string"),
    ({k: v for k, v in sip_record().items() if k != "call_id"}, "call_id must be a string"),
    ({**sip_record(), "cause": None}, "cause must be a string"),
    ({**sip_record(), "start": "yesterday"}, "start must be a time in epoch seconds"),
    ({**sip_record(), "end": True}, "end must be a time in epoch seconds"),
    ({**sip_record(), "answer": 1e300}, "answer is not a time"),
    ({**sip_record(), "from": 42}, "from must be a string"),
    ({**sip_record(), "worker": "2"}, "worker must be an integer"),
    ({**sip_record(), "transfers": ["busy"]}, "transfers must be a list of objects"),
], ids=["not-json", "list", "not-utf8", "empty-call-id", "no-call-id", "no-cause", "start-text",
        "end-bool", "answer-huge", "from-number", "worker-text", "transfers-strings"])
async def test_a_malformed_record_is_400_and_writes_nothing(platform, body, message) -> None:
    raw = body if isinstance(body, bytes) else None
    status, text = await post_record(platform, body, raw=raw)
    assert status == 400 and message in text, text
    assert counts(platform) == (0, 0)


@pytest.fixture
async def guarded(tmp_path: Path, clock: Any, run_server: Any) -> AsyncIterator[Platform]:
    """The server with ``call_records_token`` set."""
    settings = Settings(data_dir=tmp_path / "data", clock=clock, call_records_token=TOKEN)
    async with run_server(settings, clock) as p:
        yield p


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": TOKEN}],
                         ids=["none", "wrong", "not-bearer"])
async def test_with_a_token_a_record_without_the_bearer_is_401_and_writes_nothing(guarded, headers) -> None:
    status, _ = await post_record(guarded, sip_record(), headers=headers)
    assert status == 401
    assert counts(guarded) == (0, 0)


async def test_an_end_signature_does_not_admit_a_record(guarded) -> None:
    async with aiohttp.ClientSession() as client:
        url = guarded.url(f"/calls?sig={end_signature(TOKEN, SIP_ID)}")
        async with client.post(url, json=sip_record()) as resp:
            assert resp.status == 401
    assert counts(guarded) == (0, 0)


async def test_with_a_token_the_bearer_stores_the_record(guarded) -> None:
    status, _ = await post_record(guarded, sip_record(), headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 201
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        async with client.get(guarded.url(f"/calls/{SIP_ID}")) as resp:
            assert (await resp.json())["end_reason"] == "remote-hangup"


async def entry_page(platform: Platform, sip_id: str) -> str:
    async with aiohttp.ClientSession() as client:
        async with client.get(platform.url("/apps/fund_hotline/"), headers={"X-Call-ID": sip_id}) as resp:
            assert resp.status == 200
            return await resp.text()


async def test_the_entry_page_adopts_the_x_call_id_header(platform) -> None:
    page = await entry_page(platform, SIP_ID)
    assert f"call={SIP_ID.replace('@', '%40')}" in page
    assert (await platform.record(SIP_ID))["path"] == ["index"]


async def test_an_odd_sip_call_id_is_hashed_into_the_same_valid_id_each_time(platform) -> None:
    call_id = call_id_for(ODD_SIP_ID)
    assert re.fullmatch(r"sip-[0-9a-f]{40}", call_id) and call_id_for(ODD_SIP_ID) == call_id
    assert f"call={call_id}" in await entry_page(platform, ODD_SIP_ID)
    status, answer = await post_record(platform, sip_record(call_id=ODD_SIP_ID))
    assert status == 200 and answer["id"] == call_id
    stored = await platform.record(call_id)
    assert stored["path"] == ["index"] and platform_events(stored)[0]["detail"]["call_id"] == ODD_SIP_ID


async def test_the_call_parameter_wins_over_the_header(platform) -> None:
    async with aiohttp.ClientSession() as client:
        async with client.get(platform.url("/apps/fund_hotline/?call=app-own-1"),
                              headers={"X-Call-ID": SIP_ID}) as resp:
            assert "call=app-own-1" in await resp.text()
    assert (await platform.record("app-own-1"))["path"] == ["index"]


async def test_a_call_fetched_with_its_sip_id_and_its_record_meet_in_one_row(platform) -> None:
    """The whole SIP path without SIP: the worker's fetcher (``X-Call-ID`` on every request),
    the app's own hang-up catch, then the worker's record."""
    caller = ScriptedCaller(["dtmf 1", "hangup"])
    async with HttpFetcher(headers={"X-Call-ID": SIP_ID}) as fetcher:
        await run_session(platform.url("/apps/fund_hotline/"), caller, fetcher=fetcher, timeout_s=20)
    await post_record(platform, sip_record())
    stored = await platform.record(SIP_ID)
    assert stored["path"][:2] == ["index", "main"], stored["path"]
    assert stored["end_reason"] == "hangup"  # the app's catch ended it first
    assert platform_events(stored)[0]["name"] == "remote-hangup"
    assert counts(platform)[0] == 1


async def test_a_data_request_with_a_malformed_call_id_is_400_and_stores_nothing(platform, tmp_path) -> None:
    """The call id names the recordings' folder: ``../`` in it must not reach the file system."""
    form = aiohttp.FormData()
    form.add_field("msg", b"RIFF" + bytes(64), filename="msg.wav", content_type="audio/x-wav")
    async with aiohttp.ClientSession() as client:
        async with client.post(platform.url("/apps/fund_hotline/data/nav?call=../../../escaped"),
                               data=form) as resp:
            assert resp.status == 400
    assert not list(tmp_path.rglob("*.wav"))
    assert counts(platform) == (0, 0)


def test_make_run_posts_the_console_calls_record_to_calls(tmp_path, capsys, monkeypatch) -> None:
    """``make run`` (run_platform) plays the platform's part: X-Call-ID on the fetches, then the
    JSON record to ``/calls`` with the run's token; the record printed holds both."""
    from app_server.run_platform import main as run_platform

    # run_platform exports its run's token: set it here first so monkeypatch restores "unset" after
    monkeypatch.setenv("VXML_CALL_RECORDS_TOKEN", "")
    monkeypatch.delenv("VXML_CALL_RECORDS_TOKEN")

    config = tmp_path / "app_server.toml"
    config.write_text(f'[server]\ndata_dir = "{tmp_path / "data"}"\n')
    lines = tmp_path / "lines.txt"
    lines.write_text("dtmf 1\nhangup\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert run_platform(["fund_hotline", "--port", str(port), "--input", str(lines), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f'call_records_url = "http://127.0.0.1:{port}/calls"' in out
    assert "call record: path index > main > funds; ended: hangup; outcome: -; platform record: hangup" in out
