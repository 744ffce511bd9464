"""Hostile XML, fetches restricted to the configured origins, authenticated APIs with roles and
CSRF (route sweeps, so a route added later without protection fails here), no hard-coded
secrets. VoiceXML documents' own XXE and billion-laughs tests are in
tests/vxml_browser/core/model/test_document.py; these cover SRGS grammars and ``<data>``."""

from __future__ import annotations

import re
import select
import socket
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from vxml_browser.adapters.caller import ScriptedCaller
from vxml_browser.adapters.http import HttpFetcher
from vxml_browser.adapters.runner import run_session
from vxml_browser.core.grammars import GrammarError, match_text, parse_grammar
from vxml_browser.testing.call import Call, vxml

ROOT = Path(__file__).resolve().parents[2]
SRGS = 'xmlns="http://www.w3.org/2001/06/grammar" version="1.0" root="r"'


def laughs(levels: int, root: str, inner: str) -> str:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1))
    return f'<?xml version="1.0"?>\n<!DOCTYPE {root} [{entities}]>\n' + inner.replace("LOL", f"&lol{levels};")


# --- SRGS grammars -----------------------------------------------------------------------------


def test_grammar_external_entity_is_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("topsecret")
    src = (f'<?xml version="1.0"?><!DOCTYPE grammar [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
           f'<grammar {SRGS}><rule id="r"><one-of><item>yes &x;</item><item>no</item></one-of></rule></grammar>')
    try:
        g = parse_grammar(src.encode(), uri="http://t/xxe.grxml")
    except GrammarError:
        return  # refusing the grammar is as good
    assert not match_text([g], "yes topsecret")
    assert match_text([g], "no")


def test_grammar_billion_laughs_stays_small_and_quick() -> None:
    src = laughs(9, "grammar", f'<grammar {SRGS}><rule id="r"><item>LOL</item></rule></grammar>')
    started = time.monotonic()
    try:
        g = parse_grammar(src.encode(), uri="http://t/lol.grxml")
        assert not match_text([g], "lol " * 20)
    except GrammarError:
        pass
    assert time.monotonic() - started < 1.0


def test_grammar_dtd_and_entities_never_touch_the_network() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/x"
        src = (f'<?xml version="1.0"?><!DOCTYPE grammar SYSTEM "{url}.dtd" [<!ENTITY r SYSTEM "{url}.txt">]>'
               f'<grammar {SRGS}><rule id="r"><item>a &r;</item></rule></grammar>')
        try:
            parse_grammar(src.encode(), uri="http://t/net.grxml")
        except GrammarError:
            pass
        ready, _, _ = select.select([listener], [], [], 0.1)
    assert ready == []


def test_a_hostile_grammar_in_a_call_is_harmless(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("topsecret")
    g = (f'<?xml version="1.0"?><!DOCTYPE grammar [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
         f'<grammar {SRGS}><rule id="r"><item>yes &x;</item></rule></grammar>')
    call = Call({"main.vxml": vxml('<form><field name="f"><grammar src="g.grxml"/><prompt>say</prompt>'
                                   '<nomatch><prompt>no match</prompt><exit/></nomatch>'
                                   '<filled><prompt>matched</prompt></filled></field></form>'),
                 "g.grxml": g})
    if call.over:  # the grammar was refused: error.badfetch
        call.error("error.badfetch")
        return
    call.hears("say")
    call.say("yes topsecret")
    call.hears("no match")


# --- <data> -----------------------------------------------------------------------------------


DATA_DOC = ('<form><data name="d" src="d.xml"/><block><log expr="d.documentElement.textContent"/>'
            '</block></form><catch event="error.badfetch"><log>refused</log></catch>')


def test_data_external_entity_is_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("topsecret")
    data = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{secret.as_uri()}">]><r>a&x;b</r>'
    call = Call({"main.vxml": vxml(DATA_DOC), "d.xml": data})
    assert call.log_texts and "topsecret" not in "".join(call.log_texts)


def test_data_billion_laughs_stays_small_and_quick() -> None:
    data = laughs(9, "r", "<r>LOL</r>")
    started = time.monotonic()
    call = Call({"main.vxml": vxml(DATA_DOC), "d.xml": data})
    assert time.monotonic() - started < 1.0
    assert call.log_texts and max(len(t) for t in call.log_texts) < 1000


def test_data_dtd_never_touches_the_network() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/x"
        data = f'<?xml version="1.0"?><!DOCTYPE r SYSTEM "{url}.dtd" [<!ENTITY e SYSTEM "{url}.txt">]><r>&e;</r>'
        Call({"main.vxml": vxml(DATA_DOC), "d.xml": data})
        ready, _, _ = select.select([listener], [], [], 0.1)
    assert ready == []


# --- submit and data restricted to the allowed origins ----------------------------------------


class Origin:
    """An app server (or a foreign one) on 127.0.0.1 that counts every request."""

    def __init__(self, pages: dict[str, str]) -> None:
        self.pages = pages
        self.hits: list[str] = []
        self.redirect_to = ""
        app = web.Application()
        app.router.add_get("/redirect", self.redirect)
        app.router.add_route("*", "/{name:.*}", self.handle)
        self.server = TestServer(app, host="127.0.0.1")

    async def handle(self, request: web.Request) -> web.Response:
        self.hits.append(f"{request.method} {request.path_qs} {(await request.read()).decode(errors='replace')}")
        body = self.pages.get(request.path.lstrip("/"))
        if body is None:
            raise web.HTTPNotFound()
        return web.Response(text=body, content_type="application/xml" if body.startswith("<r") else
                            "application/voicexml+xml")

    async def redirect(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(self.redirect_to)

    def url(self, path: str = "") -> str:
        return str(self.server.make_url("/" + path))


@pytest.fixture
async def two_origins():
    foreign = Origin({"steal.vxml": vxml("<form><block>stolen</block></form>"), "d.xml": "<r>x</r>"})
    await foreign.server.start_server()
    app = Origin({})
    await app.server.start_server()
    yield app, foreign
    await app.server.close()
    await foreign.server.close()


@pytest.mark.parametrize("element", [
    '<submit next="{foreign}steal.vxml" method="post" namelist="pin"/>',
    '<submit next="{foreign}steal.vxml" namelist="pin"/>',
    '<data name="d" src="{foreign}d.xml" namelist="pin"/>',
    '<goto next="{foreign}steal.vxml"/>',
    '<goto next="{app}redirect"/>',
])
async def test_fetches_outside_the_allowed_origins_never_leave(two_origins, element: str) -> None:
    app, foreign = two_origins
    app.pages["main.vxml"] = vxml(
        '<var name="pin" expr="\'4321\'"/><catch event="error.badfetch"><prompt>refused</prompt><exit/></catch>'
        "<form><block>" + element.format(foreign=foreign.url(), app=app.url()) + "</block></form>")
    app.redirect_to = foreign.url("steal.vxml?pin=4321")
    caller = ScriptedCaller([])
    async with HttpFetcher(allowed_origins=[app.url()]) as fetcher:
        await run_session(app.url("main.vxml"), caller, fetcher=fetcher, timeout_s=10)
    assert caller.prompts == ["refused"]
    assert foreign.hits == []


# --- the app server's admin: every state-changing route needs a session and a CSRF token ------


ADMIN_PASSWORD = "robust horse battery"


@pytest.fixture
async def admin(tmp_path: Path):
    from app_server.security import hash_password
    from app_server.server import create_app
    from app_server.settings import Settings

    app = create_app(Settings(data_dir=tmp_path / "data", admin_password_hash=hash_password(ADMIN_PASSWORD, 1000)))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


def admin_posts(server: TestServer) -> list[str]:
    paths = []
    for route in server.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or ""
        if route.method in ("POST", "PUT", "PATCH", "DELETE") and path.startswith("/admin"):
            for section in ("hours", "holidays", "messages", "menu:main", "prompts:welcome"):
                paths.append(re.sub(r"\{\w+\}", "admin", path.replace("{app}", "fund_hotline")
                                    .replace("{section}", section)))
    return sorted(set(paths))


async def test_every_admin_change_needs_a_session(admin: TestServer) -> None:
    paths = admin_posts(admin)
    assert "/admin/apps/fund_hotline/hours" in paths and "/admin/logout" in paths
    async with aiohttp.ClientSession() as client:
        for path in paths:
            async with client.post(admin.make_url(path), data={"mon": "closed", "csrf_token": "x",
                                                                "password": "guess"},
                                   allow_redirects=False) as resp:
                assert resp.status in (303, 401, 403), (path, resp.status)
                if resp.status == 303:
                    assert resp.headers["Location"] == "/admin/login", path


async def test_every_admin_change_needs_the_csrf_token(admin: TestServer) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        async with client.get(admin.make_url("/admin/login")) as resp:
            token = re.search(r'name="csrf_token" value="([^"]+)"', await resp.text()).group(1)
        async with client.post(admin.make_url("/admin/login"), data={"csrf_token": token,
                                                                     "password": ADMIN_PASSWORD}) as resp:
            assert resp.status == 200
        for path in admin_posts(admin):
            if path == "/admin/login":
                continue
            for data in ({"mon": "closed"}, {"mon": "closed", "csrf_token": "forged"}):
                async with client.post(admin.make_url(path), data=data, allow_redirects=False) as resp:
                    assert resp.status == 403, (path, data, resp.status)
        async with client.get(admin.make_url("/admin/apps/fund_hotline")) as resp:
            assert resp.status == 200  # still signed in: the refusals changed nothing


# --- the agent queue service: every API route needs credentials; cookies need the CSRF token ---


@pytest.fixture
async def acd(tmp_path: Path):
    from agent_queue.domain.model import QueueConfig
    from agent_queue.service.app import create_app
    from agent_queue.service.auth import hash_password
    from agent_queue.service.config import Settings, Token, User

    settings = Settings(store_url=f"sqlite:///{tmp_path / 'acd.db'}", secret="robustness-secret",
                        users=(User("ann", "agent", hash_password("ann-password", iterations=1000)),
                               User("sue", "supervisor", hash_password("sue-password", iterations=1000))),
                        tokens=(Token("platform-token-for-tests", "vxml-browser", "platform"),),
                        queues=(QueueConfig("sales", skills={"sales": 1}),))
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


AGENT_OPS = ("sign-in", "sign-out", "ready", "not-ready", "wrap-done", "notes", "skills", "force", "monitor")


def api_routes(server: TestServer) -> list[tuple[str, str]]:
    """Every API route with its parameters filled in; every operation of the ``{op}`` routes."""
    from agent_queue.service.api import CALL_OPS

    out = []
    for route in server.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or ""
        if not path.startswith("/api") or route.method == "HEAD":
            continue
        ops = (CALL_OPS if "{call_id}/{op}" in path else AGENT_OPS if "{op}" in path else ("",))
        for op in ops:
            out.append((route.method, re.sub(r"\{[^}]+\}", "ann", path.replace("{op}", op))))
    return sorted(set(out))


async def test_every_acd_api_route_needs_credentials(acd: TestServer) -> None:
    routes = api_routes(acd)
    assert len(routes) > 10
    async with aiohttp.ClientSession() as client:
        for method, path in routes:
            async with client.request(method, acd.make_url(path), json={}, allow_redirects=False) as resp:
                assert resp.status in (401, 403), (method, path, resp.status)
            async with client.request(method, acd.make_url(path), json={}, allow_redirects=False,
                                      headers={"Authorization": "Bearer not-a-token"}) as resp:
                assert resp.status == 401, (method, path, resp.status)


async def test_every_acd_change_by_cookie_needs_the_csrf_token(acd: TestServer) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        async with client.post(acd.make_url("/login"), data={"name": "sue", "password": "sue-password"},
                               allow_redirects=False) as resp:
            assert resp.status == 303
        for method, path in api_routes(acd):
            if method == "GET":
                continue
            for headers in ({}, {"X-CSRF-Token": "forged"}):
                async with client.request(method, acd.make_url(path), json={}, headers=headers,
                                          allow_redirects=False) as resp:
                    assert resp.status == 403, (method, path, headers, resp.status)


async def test_an_agent_cannot_use_supervisor_or_admin_routes(acd: TestServer) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        async with client.post(acd.make_url("/login"), data={"name": "ann", "password": "ann-password"},
                               allow_redirects=False) as resp:
            assert resp.status == 303
        async with client.get(acd.make_url("/api/me")) as resp:
            csrf = (await resp.json())["csrf"]
        for method, path in (("GET", "/api/reports"), ("POST", "/api/users/carl"), ("POST", "/api/calls")):
            async with client.request(method, acd.make_url(path), json={"role": "admin", "password": "x" * 12,
                                                                        "call_id": "c", "queue": "sales"},
                                      headers={"X-CSRF-Token": csrf}) as resp:
                assert resp.status == 403, (method, path, resp.status)


# --- secrets only from the config or the environment -----------------------------------------


SECRET = re.compile(
    r"""(?i)(password|passwd|secret|token|api_?key|private_key)\w*\s*[:=]\s*(b?["'])([^"'\s]{4,})\2"""
    r"|BEGIN (RSA |EC |OPENSSH )?PRIVATE KEY|AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{30,}|pbkdf2_sha256\$\d+\$[0-9a-f]{8,}")
PLACEHOLDERS = {"change-me-now", "change-me-too", "change-me-three", "replace-with-a-long-random-token",
                "secret", "test", "..."}
"""Values in example configs and docstrings that are obviously not secrets."""


def test_no_hard_coded_secrets_outside_the_tests() -> None:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    found = []
    for name in files:
        if name.startswith(("tests/", "fuzz/")) or not name.endswith((".py", ".toml", ".j2", ".md", ".cfg",
                                                                      ".ini", ".yaml", ".yml", ".json", ".sh")):
            continue
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            m = SECRET.search(line)
            value = m.group(3) or "" if m else ""
            env_name = m is not None and re.search(r"_env\s*[:=]", m.group(0))  # names a variable
            if m and not env_name and value not in PLACEHOLDERS and not value.endswith("..."):
                found.append(f"{name}:{number}: {line.strip()[:100]}")
    assert found == []
