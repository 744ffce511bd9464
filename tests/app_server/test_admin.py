"""The admin: sign-in, CSRF, validation, and edits that callers hear without a restart
(over HTTP here; in headless Chromium in test_admin_browser.py)."""

from __future__ import annotations

import re

import aiohttp

PASSWORD = "correct horse battery"  # conftest.ADMIN_PASSWORD


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


async def sign_in(client: aiohttp.ClientSession, platform, password: str = PASSWORD) -> aiohttp.ClientResponse:
    async with client.get(platform.url("/admin/login")) as resp:
        form = token(await resp.text())
    return await client.post(platform.url("/admin/login"), data={"csrf_token": form, "password": password})


async def test_admin_pages_need_a_session(admin_platform) -> None:
    async with aiohttp.ClientSession() as client:
        async with client.get(admin_platform.url("/admin/apps/fund_hotline"), allow_redirects=False) as resp:
            assert resp.status == 303 and resp.headers["Location"] == "/admin/login"
        async with client.post(admin_platform.url("/admin/apps/fund_hotline/hours"), data={"mon": "closed"},
                               allow_redirects=False) as resp:
            assert resp.status == 303


async def test_wrong_password_and_missing_csrf_are_refused(admin_platform) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        resp = await sign_in(client, admin_platform, "guess")
        assert resp.status == 401 and "Wrong password." in await resp.text()
        async with client.post(admin_platform.url("/admin/login"), data={"password": PASSWORD}) as resp:
            assert resp.status == 403  # no login CSRF token
        resp = await sign_in(client, admin_platform)
        assert resp.status == 200 and "Northwind Funds hotline" in await resp.text()
        async with client.post(admin_platform.url("/admin/apps/fund_hotline/hours"), data={"mon": "closed"}) as resp:
            assert resp.status == 403 and "CSRF" in await resp.text()


async def test_an_invalid_menu_is_refused_and_changes_nothing(admin_platform, heard) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        await sign_in(client, admin_platform)
        async with client.get(admin_platform.url("/admin/apps/fund_hotline")) as resp:
            csrf = token(await resp.text())
        data = {"csrf_token": csrf, "rows": "2", "dtmf_0": "1", "label_0": "a", "target_0": "funds",
                "dtmf_1": "1", "label_1": "b", "target_1": "login"}
        async with client.post(admin_platform.url("/admin/apps/fund_hotline/menu:main"), data=data) as resp:
            assert "DTMF key 1 is used twice" in await resp.text()
    caller = await admin_platform.call("fund_hotline", ["hangup"], "adm-0")
    assert "To speak to an agent, press 0." in heard(caller)


async def test_hours_holidays_and_night_message_take_effect_at_once(admin_platform, heard) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        await sign_in(client, admin_platform)
        async with client.get(admin_platform.url("/admin/apps/fund_hotline")) as resp:
            csrf = token(await resp.text())
        hours = {d: "closed" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        async with client.post(admin_platform.url("/admin/apps/fund_hotline/hours"),
                               data={"csrf_token": csrf, **hours}) as resp:
            assert "Saved: hours." in await resp.text()
        async with client.post(admin_platform.url("/admin/apps/fund_hotline/messages"),
                               data={"csrf_token": csrf, "night": "We are closed this week for a move.",
                                     "holiday": "Happy holidays."}) as resp:
            assert resp.status == 200
    caller = await admin_platform.call("fund_hotline", ["dtmf 0", "hangup"], "adm-1")
    assert "We are closed this week for a move." in heard(caller)
    assert not any(e["event"] == "transfer" for e in caller.events)


async def test_uploaded_prompt_audio_is_played_with_the_text_as_fallback(admin_platform) -> None:
    from vxml_browser.adapters.runner import silent_wav

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        await sign_in(client, admin_platform)
        async with client.get(admin_platform.url("/admin/apps/fund_hotline")) as resp:
            csrf = token(await resp.text())
        form = aiohttp.FormData()
        form.add_field("csrf_token", csrf)
        form.add_field("text", "Welcome to Northwind.")
        form.add_field("audio", silent_wav(0.2), filename="welcome.wav", content_type="audio/wav")
        async with client.post(admin_platform.url("/admin/apps/fund_hotline/prompt:welcome"), data=form) as resp:
            assert "Saved: prompt:welcome." in await resp.text()
    caller = await admin_platform.call("fund_hotline", ["hangup"], "adm-2")
    welcome = next(e for e in caller.events if e["event"] == "prompt")
    assert welcome["audio"][0].startswith(admin_platform.url("/media/fund_hotline/welcome-"))
    async with aiohttp.ClientSession() as client:
        async with client.get(welcome["audio"][0]) as resp:
            assert resp.status == 200 and (await resp.read())[:4] == b"RIFF"


async def test_admin_is_off_without_a_password_hash(platform) -> None:
    async with aiohttp.ClientSession() as client:
        async with client.get(platform.url("/admin/login")) as resp:
            assert resp.status == 403
