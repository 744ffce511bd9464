"""Admin users with roles (viewer < editor < admin), swept over every admin route on a real
server, and the call records' bearer token; settings from TOML and the environment."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from app_server.security import hash_password
from app_server.server import APPS, _loopback, end_signature
from app_server.settings import AdminUser, Settings, load_settings

Platform = Any  # tests/app_server/conftest.py's Platform: a running server

USERS = {"vera": "viewer", "ed": "editor", "ada": "admin"}
TOKEN = "records-token-for-tests"
# The least role of every admin route; a route added without an entry here fails the sweep.
ROUTE_ROLES = {
    ("GET", "/admin/"): "viewer",
    ("GET", "/admin/apps/{app}"): "viewer",
    ("POST", "/admin/apps/{app}/{section}"): "editor",
    ("POST", "/admin/logout"): "viewer",
    ("POST", "/admin/reload"): "editor",
    ("GET", "/admin/users"): "admin",
    ("POST", "/admin/users/{user}/end-sessions"): "admin",
    ("GET", "/admin/calls/{call_id}/recordings/{index}"): "viewer",
    ("GET", "/admin/fax/"): "viewer",
    ("GET", "/admin/fax/{fax_id}/"): "viewer",
    ("GET", "/admin/fax/{fax_id}/{page}.png"): "viewer",
    ("GET", "/admin/fax/{fax_id}.pdf"): "viewer",
}
PUBLIC = {("GET", "/admin/login"), ("POST", "/admin/login")}
FILL = {"app": "fund_hotline", "section": "hours", "user": "nobody", "call_id": "c-1", "index": "0",
        "fax_id": "0" * 32, "page": "1"}
RANK = ("viewer", "editor", "admin")


def password(name: str) -> str:
    return f"{name}-password"


@pytest.fixture
async def staff(tmp_path: Path, clock: Any, run_server: Any) -> AsyncIterator[Platform]:
    users = tuple(AdminUser(n, hash_password(password(n), 1000), r) for n, r in USERS.items())
    settings = Settings(data_dir=tmp_path / "data", clock=clock, admin_users=users, call_records_token=TOKEN)
    async with run_server(settings, clock) as p:
        yield p


def admin_routes(platform: Platform) -> set[tuple[str, str]]:
    out = set()
    for route in platform.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or ""
        if path.startswith("/admin") and route.method != "HEAD":
            out.add((route.method, re.sub(r"\{(\w+):[^}]*\}[^/.]*", r"{\1}", path)))
    return out


def filled(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: FILL[m.group(1)], path)


async def sign_in(client: aiohttp.ClientSession, platform: Platform, user: str | None,
                  secret: str) -> int:
    async with client.get(platform.url("/admin/login")) as resp:
        form = re.search(r'name="csrf_token" value="([^"]+)"', await resp.text()).group(1)
    data = {"csrf_token": form, "password": secret, **({"user": user} if user else {})}
    async with client.post(platform.url("/admin/login"), data=data, allow_redirects=False) as resp:
        return resp.status


def session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def test_every_admin_route_is_in_the_role_table(staff: Platform) -> None:
    assert admin_routes(staff) == set(ROUTE_ROLES) | PUBLIC


async def test_anonymous_requests_go_to_the_login_page(staff: Platform) -> None:
    async with aiohttp.ClientSession() as client:
        for method, path in ROUTE_ROLES:
            async with client.request(method, staff.url(filled(path)), allow_redirects=False) as resp:
                assert (resp.status, resp.headers.get("Location")) == (303, "/admin/login"), (method, path)


@pytest.mark.parametrize("user", list(USERS))
async def test_each_role_gets_exactly_its_routes(staff: Platform, user: str) -> None:
    """Below a route's role: 403. At or above: a GET is served (or 404 for a made-up id) and a
    POST without the CSRF token is refused for that reason, not the role."""
    role = USERS[user]
    async with session() as client:
        assert await sign_in(client, staff, user, password(user)) == 303
        for (method, path), needed in ROUTE_ROLES.items():
            async with client.request(method, staff.url(filled(path)), data={"mon": "closed"},
                                      allow_redirects=False) as resp:
                text = await resp.text()
                if RANK.index(role) < RANK.index(needed):
                    assert resp.status == 403 and f"needs the {needed} role" in text, (user, method, path)
                elif method == "POST":
                    assert resp.status == 403 and "CSRF" in text, (user, method, path, resp.status)
                else:
                    assert resp.status in (200, 404), (user, method, path, resp.status)


async def csrf_of(client: aiohttp.ClientSession, platform: Platform) -> str:
    async with client.get(platform.url("/admin/apps/fund_hotline")) as resp:
        return re.search(r'name="csrf_token" value="([^"]+)"', await resp.text()).group(1)


async def test_an_editor_saves_hours_a_viewer_cannot(staff: Platform) -> None:
    async with session() as viewer, session() as editor:
        await sign_in(viewer, staff, "vera", password("vera"))
        await sign_in(editor, staff, "ed", password("ed"))
        async with viewer.get(staff.url("/admin/apps/fund_hotline")) as resp:
            assert 'id="read-only"' in await resp.text()
        hours = {"mon": "closed", "tue": "closed"}
        async with viewer.post(staff.url("/admin/apps/fund_hotline/hours"),
                               data={**hours, "csrf_token": await csrf_of(viewer, staff)}) as resp:
            assert resp.status == 403
        content = staff.app[APPS]["fund_hotline"].content
        assert content.load().hours["tue"] != "closed"
        async with editor.post(staff.url("/admin/apps/fund_hotline/hours"),
                               data={**hours, "csrf_token": await csrf_of(editor, staff)}) as resp:
            assert resp.status == 200 and 'id="saved"' in await resp.text()
        assert content.load().hours["tue"] == "closed"


async def test_a_wrong_user_name_is_refused_like_a_wrong_password(staff: Platform) -> None:
    async with session() as client:
        assert await sign_in(client, staff, "mallory", password("ed")) == 401
        assert await sign_in(client, staff, "ed", password("vera")) == 401
        async with client.get(staff.url("/admin/"), allow_redirects=False) as resp:
            assert resp.status == 303


async def test_the_single_password_hash_is_user_admin_with_role_admin(tmp_path: Path, clock: Any,
                                                                        run_server: Any) -> None:
    settings = Settings(data_dir=tmp_path / "data", clock=clock, admin_password_hash=hash_password("old-style", 1000))
    async with run_server(settings, clock) as platform, session() as client:
        assert await sign_in(client, platform, None, "old-style") == 303  # no user field: "admin"
        async with client.get(platform.url("/admin/users")) as resp:
            assert resp.status == 200 and "<td>admin</td><td>admin</td>" in await resp.text()


async def test_an_admin_signs_a_user_out_everywhere(staff: Platform) -> None:
    async with session() as admin, session() as editor:
        await sign_in(admin, staff, "ada", password("ada"))
        await sign_in(editor, staff, "ed", password("ed"))
        async with admin.post(staff.url("/admin/users/ed/end-sessions"),
                              data={"csrf_token": await csrf_of(admin, staff)}) as resp:
            assert resp.status == 200
        async with editor.get(staff.url("/admin/"), allow_redirects=False) as resp:
            assert resp.status == 303 and resp.headers["Location"] == "/admin/login"


async def test_a_reload_that_changes_a_role_ends_that_users_sessions(tmp_path: Path, clock: Any,
                                                                      run_server: Any) -> None:
    config = tmp_path / "server.toml"

    def write(role: str) -> None:
        config.write_text(f'[server]\ndata_dir = "data"\nsample_apps = false\n[[admin.users]]\nname = "ed"\n'
                          f'password_hash = "{hash_password(password("ed"), 1000)}"\nrole = "{role}"\n')

    write("editor")
    async with run_server(load_settings(config).with_(clock=clock), clock) as platform, session() as client:
        await sign_in(client, platform, "ed", password("ed"))
        async with client.get(platform.url("/admin/")) as resp:
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', await resp.text()).group(1)
        write("viewer")
        async with client.post(platform.url("/admin/reload"), data={"csrf_token": csrf},
                               allow_redirects=False) as resp:
            assert resp.status == 303 and "reloaded=1" in resp.headers["Location"]
        async with client.get(platform.url("/admin/"), allow_redirects=False) as resp:
            assert resp.status == 303  # the editor session is gone; signing in again gives a viewer


# --- call records: the bearer token ------------------------------------------------------------


async def test_call_records_need_the_bearer_token_when_one_is_set(staff: Platform) -> None:
    await staff.call("fund_hotline", ["hangup"], "tok-1")
    async with aiohttp.ClientSession() as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            async with client.get(staff.url("/calls/tok-1"), headers=headers) as resp:
                assert resp.status == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")
            async with client.post(staff.url("/calls/tok-1/end"), headers=headers, data={"reason": "x"}) as resp:
                assert resp.status == 401
        async with client.get(staff.url("/calls/tok-1"), headers={"Authorization": f"Bearer {TOKEN}"}) as resp:
            assert resp.status == 200 and (await resp.json())["end_reason"] == "hangup"


async def test_the_root_documents_end_url_carries_the_calls_signature(staff: Platform) -> None:
    async with aiohttp.ClientSession() as client:
        async with client.get(staff.url("/apps/fund_hotline/root?call=sig-1")) as resp:
            assert f"/calls/sig-1/end?sig={end_signature(TOKEN, 'sig-1')}" in await resp.text()
        other = end_signature(TOKEN, "sig-2")  # another call's signature ends nothing
        async with client.post(staff.url(f"/calls/sig-1/end?sig={other}"), data={"reason": "x"}) as resp:
            assert resp.status == 401


async def test_a_viewer_session_reads_call_records_but_cannot_end_calls(staff: Platform) -> None:
    await staff.call("fund_hotline", ["hangup"], "view-1")
    async with session() as client:
        await sign_in(client, staff, "vera", password("vera"))
        async with client.get(staff.url("/calls/view-1")) as resp:
            assert resp.status == 200 and (await resp.json())["id"] == "view-1"
        async with client.post(staff.url("/calls/view-1/end"), data={"reason": "x"}) as resp:
            assert resp.status == 401


def test_without_a_token_only_loopback_clients_reach_call_records() -> None:
    assert _loopback("127.0.0.1") and _loopback("::1")
    assert not _loopback("192.0.2.7") and not _loopback(None) and not _loopback("")


# --- settings ------------------------------------------------------------------------------------


def test_admin_users_come_from_the_config(tmp_path: Path) -> None:
    config = tmp_path / "s.toml"
    config.write_text('[[admin.users]]\nname = "ed"\npassword_hash = "pbkdf2_sha256$1$00$00"\nrole = "editor"\n')
    assert load_settings(config).users() == {"ed": AdminUser("ed", "pbkdf2_sha256$1$00$00", "editor")}


@pytest.mark.parametrize(("entry", "message"), [('password = "plain"', "plain-text password"),
                                                ('role = "root"', "is not one of")])
def test_a_plain_password_or_an_unknown_role_is_refused(tmp_path: Path, entry: str, message: str) -> None:
    config = tmp_path / "s.toml"
    config.write_text(f'[[admin.users]]\nname = "ed"\n{entry}\n')
    with pytest.raises(ValueError, match=message):
        load_settings(config)


@pytest.mark.parametrize(("variable", "key", "attribute"), [
    ("VXML_DATABASE_URL", "database_url", "database_url"),
    ("VXML_CALL_RECORDS_TOKEN", "call_records_token", "call_records_token"),
])
def test_the_environment_overrides_the_files_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     variable: str, key: str, attribute: str) -> None:
    config = tmp_path / "s.toml"
    config.write_text(f'[server]\n{key} = "from-the-file"\n')
    assert getattr(load_settings(config), attribute) == "from-the-file"
    monkeypatch.setenv(variable, "from-the-environment")
    assert getattr(load_settings(config), attribute) == "from-the-environment"
