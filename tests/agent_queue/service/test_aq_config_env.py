"""Secrets from the environment: ``password_env``, ``token_env``, AQ_STORE_URL and AQ_SECRET;
a plain-text password or token in the file still works and is logged as a warning."""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from agent_queue.service.app import create_app
from agent_queue.service.config import load_settings

CONFIG = """
[store]
url = "sqlite:///{db}"

[[users]]
name = "sue"
password_env = "AQ_TEST_SUE_PASSWORD"
role = "supervisor"

[[tokens]]
token_env = "AQ_TEST_PLATFORM_TOKEN"
name = "vxml-browser"
role = "platform"
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AQ_TEST_SUE_PASSWORD", "sue-from-the-environment")
    monkeypatch.setenv("AQ_TEST_PLATFORM_TOKEN", "platform-token-from-the-environment")
    path = tmp_path / "acd.toml"
    path.write_text(CONFIG.format(db=tmp_path / "acd.db"))
    return path


async def test_a_user_signs_in_with_the_password_from_the_environment(config: Path) -> None:
    server = TestServer(create_app(load_settings(config)), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
            for secret, status in (("sue-from-the-file", 401), ("sue-from-the-environment", 303)):
                async with client.post(server.make_url("/login"), data={"name": "sue", "password": secret},
                                       allow_redirects=False) as resp:
                    assert resp.status == status, secret
    finally:
        await server.close()


async def test_the_platform_token_comes_from_the_environment(config: Path) -> None:
    server = TestServer(create_app(load_settings(config)), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as client:
            for token, status in (("AQ_TEST_PLATFORM_TOKEN", 401), ("platform-token-from-the-environment", 200)):
                async with client.get(server.make_url("/api/agents"),
                                      headers={"Authorization": f"Bearer {token}"}) as resp:
                    assert resp.status == status, token
    finally:
        await server.close()


def test_an_unset_variable_is_an_error_naming_it(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AQ_TEST_SUE_PASSWORD")
    with pytest.raises(ValueError, match="password_env names AQ_TEST_SUE_PASSWORD, which is not set"):
        load_settings(config)


@pytest.mark.parametrize(("variable", "attribute", "value"), [
    ("AQ_STORE_URL", "store_url", "sqlite:////tmp/from-the-environment.db"),
    ("AQ_SECRET", "secret", "session-secret-from-the-environment"),
])
def test_the_environment_overrides_the_store_url_and_secret(config: Path, monkeypatch: pytest.MonkeyPatch,
                                                            variable: str, attribute: str, value: str) -> None:
    assert getattr(load_settings(config), attribute) != value
    monkeypatch.setenv(variable, value)
    assert getattr(load_settings(config), attribute) == value


def test_a_plain_text_password_in_the_file_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "acd.toml"
    path.write_text('[[users]]\nname = "ann"\npassword = "plain-text-here"\nrole = "agent"\n')
    with caplog.at_level(logging.WARNING, logger="agent_queue.config"):
        settings = load_settings(path)
    assert settings.users[0].name == "ann"
    assert any("plain-text password" in r.getMessage() and "ann" in r.getMessage() for r in caplog.records)


def test_the_phone_table_gives_the_desktop_its_browser_phone(tmp_path: Path) -> None:
    path = tmp_path / "acd.toml"
    path.write_text('[phone]\nws_url = "ws://127.0.0.1:8088"\nedge = "127.0.0.1:5062"\n')
    settings = load_settings(path)
    assert (settings.phone_ws_url, settings.phone_domain, settings.phone_edge) == (
        "ws://127.0.0.1:8088", "127.0.0.1", "127.0.0.1:5062")


def test_an_unknown_phone_setting_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "acd.toml"
    path.write_text('[phone]\nwss = "x"\n')
    with pytest.raises(ValueError, match=r"unknown \[phone\] settings"):
        load_settings(path)
