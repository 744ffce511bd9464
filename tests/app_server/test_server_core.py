"""Settings, user app folders, hot reload (templates, content, config), migrations, the CLI and
the small pieces (money, dates, the call id, durable writes)."""

from __future__ import annotations

import os
import textwrap
import time
from datetime import date
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import inspect

from app_server.calls import mask, valid_call_id, write_durably
from app_server.cli import main as cli_main
from app_server.content import Content, validate
from app_server.db import Database
from app_server.migrate import upgrade
from app_server.security import hash_password, verify_password
from app_server.server import APPS, SERVICES, reload_config
from app_server.settings import load_settings
from app_server.templating import say_date, say_digits, say_money, say_number

APP_PY = """
from app_server.apps import VoiceApp
from app_server.server import CallContext, Page

app = VoiceApp("hello_app", title="Hello")


@app.page("price")
async def price(call: CallContext) -> Page:
    data = await call.service("prices").get_json("/p")
    return call.render("price.vxml.j2", amount=data["amount"])
"""

INDEX = """{% extends "page.vxml.j2" %}
{% block body %}
  <form><block><prompt>{{ ivr.say(content.prompt("hello")) }} VERSION</prompt><goto next="{{ url('price') }}"/></block></form>
{% endblock %}
"""

PRICE = """{% extends "page.vxml.j2" %}
{% block body %}
  <form><block><prompt>It costs {{ ivr.money(amount) }}.</prompt></block>{{ ivr.goodbye() }}</form>
{% endblock %}
"""


@pytest.fixture
def user_app(tmp_path: Path) -> Path:
    folder = tmp_path / "apps" / "hello_app"
    (folder / "templates").mkdir(parents=True)
    (folder / "app.py").write_text(APP_PY)
    (folder / "templates" / "index.vxml.j2").write_text(INDEX.replace("VERSION", "one"))
    (folder / "templates" / "price.vxml.j2").write_text(PRICE)
    (folder / "content.toml").write_text('[prompts]\nhello = { text = "Hello there.", audio = "" }\n')
    return folder


def write_config(tmp_path: Path, price_url: str, extra: str = "") -> Path:
    config = tmp_path / "server.toml"
    config.write_text(textwrap.dedent(f"""
        [server]
        data_dir = "data"
        app_dirs = ["apps"]
        sample_apps = false

        [services.prices]
        url = "{price_url}"
        timeout_s = 1.0
        retries = 0
        {extra}
    """))
    return config


def test_settings_from_toml(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9/")
    settings = load_settings(config)
    assert settings.host == "127.0.0.1" and settings.port == 8091
    assert settings.data_dir == tmp_path / "data"
    assert settings.app_dirs == (tmp_path / "apps",)
    assert settings.services["prices"].retries == 0
    assert settings.db_url == f"sqlite:///{tmp_path / 'data' / 'app_server.db'}"
    (tmp_path / "bad.toml").write_text("[serverr]\n")
    with pytest.raises(ValueError, match="unknown sections"):
        load_settings(tmp_path / "bad.toml")


async def test_user_app_hot_reload_of_templates_content_and_config(tmp_path, user_app, clock, heard,
                                                                   run_server) -> None:
    prices = web.Application()

    async def p(request: web.Request) -> web.Response:
        return web.json_response({"amount": "12.5"})

    prices.router.add_get("/p", p)
    price_server = TestServer(prices, host="127.0.0.1")
    await price_server.start_server()
    config = write_config(tmp_path, "http://127.0.0.1:9/")
    settings = load_settings(config).with_(clock=clock)
    try:
        async with run_server(settings, clock) as platform:
            caller = await platform.call("hello_app", [], "u-1")
            assert "Hello there. one" in heard(caller)
            # prices is down: an apology; the apology loop (index -> price -> apology) ends the
            # call after the third failure
            assert heard(caller).count("We are sorry, this service is not available") == 3
            assert (await platform.record("u-1"))["end_reason"] == "error"

            # the template, the content file and the config change; no restart
            (user_app / "templates" / "index.vxml.j2").write_text(INDEX.replace("VERSION", "two"))
            (user_app / "content.toml").write_text('[prompts]\nhello = { text = "Good day.", audio = "" }\n')
            future = os.stat(config).st_mtime + 5
            for f in (user_app / "templates" / "index.vxml.j2", user_app / "content.toml"):
                os.utime(f, (future, future))
            write_config(tmp_path, str(price_server.make_url("/")).rstrip("/"))
            assert reload_config(platform.app)  # what the watcher does when the file changes
            assert str(platform.app[SERVICES]["prices"].settings.url).startswith("http://127.0.0.1:")
            # the caches look again after their check interval: let it pass
            app = platform.app[APPS]["hello_app"]
            app.content._stamp = time.monotonic() - 10
            for loader in app.env.loader.loaders:
                loader.check_s = 0
            caller = await platform.call("hello_app", [], "u-2")
            assert "Good day. two" in heard(caller)
            assert "It costs 12 dollars and 50 cents." in heard(caller)
            record = await platform.record("u-2")
            assert record["end_reason"] == "completed" and record["path"] == ["index", "price"]
    finally:
        await price_server.close()


def test_migrations_create_the_platform_tables_once(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(db.engine)
    upgrade(db.engine)  # idempotent
    tables = set(inspect(db.engine).get_table_names())
    assert {"calls", "call_events", "recordings", "app_content", "alembic_version"} <= tables
    db.close()


def test_cli_hash_password_and_bad_config(tmp_path: Path, monkeypatch, capsys) -> None:
    answers = iter(["s3cret", "s3cret"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli_main(["--hash-password"]) == 0
    assert verify_password("s3cret", capsys.readouterr().out.strip())
    assert cli_main(["--config", str(tmp_path / "missing.toml")]) == 2


def test_speaking_money_numbers_dates_digits() -> None:
    assert say_money("1234.5") == "1234 dollars and 50 cents"
    assert say_money(1) == "1 dollar"
    assert say_money("0.01") == "0 dollars and 1 cent"
    assert say_money("-3.10", "EUR") == "minus 3 euros and 10 cents"
    assert say_number("12.50", 2) == "12 point 5 0"
    assert say_number(7) == "7"
    assert say_date(date(2026, 12, 25)) == "Friday, December 25, 2026"
    assert say_digits("240132") == "2 4 0 1 3 2"


def test_content_rules() -> None:
    c = Content({"hours": {"mon": "08:00-18:00"}, "holidays": ["2026-11-23"]})
    from datetime import datetime

    assert c.service_state(datetime(2026, 11, 23, 9)) == "holiday"
    assert c.service_state(datetime(2026, 11, 30, 9)) == "open"
    assert c.service_state(datetime(2026, 11, 30, 18)) == "night"
    assert c.service_state(datetime(2026, 12, 1, 9)) == "night"  # Tuesday: closed by default
    with pytest.raises(ValueError, match="the end must come after the start"):
        validate("hours", {"mon": "18:00-08:00"})
    with pytest.raises(ValueError, match="needs a text"):
        validate("prompts.welcome", {"text": " "})
    with pytest.raises(ValueError):
        validate("holidays", ["25/12/2026"])


def test_call_ids_masks_and_durable_files(tmp_path: Path) -> None:
    assert valid_call_id("sip-abc.123@host:5060")
    assert not valid_call_id("../etc") and not valid_call_id("a b") and not valid_call_id("")
    assert mask({"account": "1", "pin": "4321", "login.pin": "1"}, frozenset({"pin"})) == {
        "account": "1", "pin": "***", "login.pin": "***"}
    path = write_durably(tmp_path / "r", "x.wav", b"RIFFdata")
    assert path.read_bytes() == b"RIFFdata" and not list((tmp_path / "r").glob(".*.tmp"))
    assert verify_password("pw", hash_password("pw", 1000)) and not verify_password("px", hash_password("pw", 1000))


async def test_a_page_that_does_not_exist_is_404(platform) -> None:
    async with aiohttp.ClientSession() as client:
        async with client.get(platform.url("/apps/fund_hotline/nope?call=x")) as resp:
            assert resp.status == 404
        async with client.get(platform.url("/apps/nope/?call=x")) as resp:
            assert resp.status == 404
        async with client.get(platform.url("/apps/fund_hotline/?call=bad%20id")) as resp:
            assert resp.status == 400
        async with client.get(platform.url("/apps/fund_hotline/")) as resp:  # no id: one is minted
            assert resp.status == 200 and "call=" in await resp.text()


async def test_a_folder_of_plain_voicexml_is_served_as_it_is(tmp_path, clock, run_server, heard) -> None:
    folder = tmp_path / "apps" / "static_one"
    folder.mkdir(parents=True)
    (folder / "main.vxml").write_text('<?xml version="1.0"?>\n<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">'
                                      "<form><block><prompt>Static hello.</prompt></block></form></vxml>\n")
    settings = load_settings(write_config(tmp_path, "http://127.0.0.1:9/")).with_(clock=clock)
    async with run_server(settings, clock) as platform:
        async with aiohttp.ClientSession() as client:
            async with client.get(platform.url("/apps/static_one/main.vxml")) as resp:
                assert resp.status == 200 and resp.content_type == "application/voicexml+xml"
        from vxml_browser.adapters.caller import ScriptedCaller
        from vxml_browser.adapters.http import HttpFetcher
        from vxml_browser.adapters.runner import run_session

        caller = ScriptedCaller([])
        async with HttpFetcher() as fetcher:
            await run_session(platform.url("/apps/static_one/main.vxml"), caller, fetcher=fetcher, timeout_s=10)
        assert heard(caller) == "Static hello."
