"""The web phone page: ``/phone`` with the WebRTC edge's WebSocket, and the browser modules."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from app_server.server import create_app
from app_server.settings import Settings, load_settings


async def get(settings: Settings, path: str) -> tuple[int, str]:
    async with TestClient(TestServer(create_app(settings))) as client:
        resp = await client.get(path)
        return resp.status, await resp.text()


async def test_the_phone_page_carries_the_websocket_and_the_numbers(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, phone_ws_url="ws://127.0.0.1:8088",
                        phone_numbers={"1000": "fund_hotline", "1002": "demo"})
    status, body = await get(settings, "/phone")
    assert status == 200
    config = json.loads(re.search(r'id="phone-config">(.*?)</script>', body, re.S).group(1))  # type: ignore[union-attr]
    assert config == {"ws": "ws://127.0.0.1:8088", "domain": "127.0.0.1",
                      "numbers": {"1000": "fund_hotline", "1002": "demo"}, "default_number": "1000"}
    assert '<script type="module" src="/webui/phone.js">' in body


async def test_without_a_websocket_the_page_says_how_to_get_one(tmp_path: Path) -> None:
    status, body = await get(Settings(data_dir=tmp_path), "/phone")
    assert status == 200 and "make run" in body and "phone.js" not in body


async def test_the_phone_modules_are_served(tmp_path: Path) -> None:
    status, body = await get(Settings(data_dir=tmp_path), "/webui/softphone.js")
    assert status == 200 and "export class Softphone" in body


def test_the_phone_section_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "app.toml"
    path.write_text('[phone]\nws_url = "ws://127.0.0.1:9"\nnumbers = { "7" = "demo" }\n')
    settings = load_settings(path)
    assert (settings.phone_ws_url, settings.phone_numbers) == ("ws://127.0.0.1:9", {"7": "demo"})
    path.write_text('[phone]\nws = "x"\n')
    with pytest.raises(ValueError, match="unknown \\[phone\\] settings"):
        load_settings(path)
