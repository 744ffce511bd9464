"""The demo of the README tour, end to end: the demo server, the HTTP fetcher, the console platform.

Each call runs through the real aiohttp server of ``vxml_browser.demo`` on 127.0.0.1 (an
ephemeral port) with a scripted caller, as ``make run`` does with a person at the keyboard.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from vxml_browser.adapters.caller import ScriptedCaller
from vxml_browser.adapters.http import HttpFetcher
from vxml_browser.adapters.runner import run_session
from vxml_browser.core.model import parse_document
from vxml_browser.demo import DEMO_PATH, SAMPLE_APPS, is_loopback, main, start_server

DEMO = SAMPLE_APPS / "demo"
MENU = ("Welcome to the demo. For your balance, say balance or press 1. For our opening hours, "
        "say hours or press 2. To leave, say goodbye or press 9.")
ACCOUNT = "Please enter your four digit account number."


@pytest.fixture
async def base_url() -> AsyncIterator[str]:
    runner, base = await start_server("127.0.0.1", 0)
    try:
        yield base
    finally:
        await runner.cleanup()


async def call(base_url: str, *lines: str) -> tuple[ScriptedCaller, dict[str, Any]]:
    caller = ScriptedCaller(lines)
    async with HttpFetcher() as fetcher:
        final = await run_session(base_url + DEMO_PATH, caller, fetcher=fetcher, timeout_s=20)
    assert caller.events[-1] == final
    assert not [e for e in caller.events if e["event"] == "error"]
    return caller, final


def test_every_demo_document_parses() -> None:
    paths = sorted(DEMO.glob("*.vxml"))
    assert {p.name for p in paths} >= {"root.vxml", "main.vxml", "balance.vxml", "lookup.vxml",
                                       "operator.vxml"}
    for path in paths:
        doc = parse_document(path.read_bytes(), path.as_uri())
        assert doc.dialog_order or path.name == "root.vxml", path.name


async def test_balance_with_read_back_confirmation_and_subdialog(base_url: str) -> None:
    caller, final = await call(base_url, "say balance", "dtmf 1234", "say no", "dtmf 4321",
                               "dtmf 1", "dtmf 9")
    assert caller.prompts == [
        MENU,
        ACCOUNT,
        "You entered 1 2 3 4. Is that right? Say yes or press 1, say no or press 2.",
        "Let us try again.",
        ACCOUNT,
        "You entered 4 3 2 1. Is that right? Say yes or press 1, say no or press 2.",
        "Your balance is 321.5 dollars.",
        MENU,
        "Thank you for calling. Goodbye.",
    ]
    assert {"event": "log", "text": "balance of account 4321: 321.5"} in caller.events
    assert final == {"event": "exit", "value": "goodbye", "reason": "exit"}


async def test_menu_takes_voice_and_dtmf(base_url: str) -> None:
    caller, final = await call(base_url, "dtmf 2", "say hours", "say goodbye")
    assert caller.prompts == [
        MENU, "We are open from nine to five, Monday to Friday.",
        MENU, "We are open from nine to five, Monday to Friday.",
        MENU, "Thank you for calling. Goodbye.",
    ]
    listens = [e for e in caller.events if e["event"] == "listen"]
    assert listens[0] == {"event": "listen", "modes": ["dtmf", "voice"], "phase": "start", "timeout": 5.0}
    assert final["value"] == "goodbye"


async def test_help_noinput_and_nomatch(base_url: str) -> None:
    caller, final = await call(base_url, "say help", "say pizza", "silence", "dtmf 1",
                               "dtmf 12", "say help")
    assert caller.prompts == [
        MENU,
        "Say balance, hours or goodbye, or press 1, 2 or 9.", MENU,   # the menu's own help
        "Sorry, I did not understand.", MENU,                           # the root's nomatch
        "Sorry, I did not hear anything.", MENU,                        # the root's noinput
        ACCOUNT,
        "Sorry, I did not understand.", ACCOUNT,                        # 2 digits, then silence
        "Your account number has four digits. Key it in on your phone.", ACCOUNT,
    ]
    assert final == {"event": "exit", "value": None, "reason": "hangup"}  # the lines ran out


async def test_third_noinput_says_goodbye(base_url: str) -> None:
    caller, final = await call(base_url, "silence", "silence", "silence")
    assert caller.prompts[-1] == "Sorry, I still did not hear anything. Goodbye."
    assert final == {"event": "exit", "value": None, "reason": "exit"}


@pytest.mark.parametrize("ask", ["say operator", "dtmf 0"])
async def test_operator_link_and_bridge_transfer(base_url: str, ask: str) -> None:
    caller, final = await call(base_url, "dtmf 1", ask, "transfer busy", "dtmf 0",
                               "transfer far_end_disconnect")
    hold = "Please hold while I connect you to an operator."
    assert caller.prompts == [MENU, ACCOUNT, hold, "Sorry, all our operators are busy.", MENU,
                              hold, "Thank you for calling. Goodbye."]
    transfer = next(e for e in caller.events if e["event"] == "transfer")
    assert transfer["dest"] == "tel:+15555550100"
    assert transfer["type"] == "bridge"
    assert final == {"event": "exit", "value": "operator far_end_disconnect", "reason": "exit"}


async def test_server_serves_sample_apps_only(base_url: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(base_url + DEMO_PATH) as resp:
            assert resp.status == 200
            assert resp.content_type == "application/voicexml+xml"
            assert resp.headers["Cache-Control"] == "no-cache"
            assert await resp.read() == (DEMO / "main.vxml").read_bytes()
        for path in ("/demo/missing.vxml", "/demo/%2e%2e/%2e%2e/pyproject.toml", "/demo/"):
            async with http.get(base_url + path) as resp:
                assert resp.status == 404, path


def test_loopback_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1")
    with pytest.raises(SystemExit) as exc:
        main(["--host", "0.0.0.0", "--no-console"])
    assert exc.value.code == 2
    assert "loopback" in capsys.readouterr().err


def test_sample_apps_is_the_repository_folder() -> None:
    assert SAMPLE_APPS == Path(__file__).resolve().parents[2] / "sample_apps"
