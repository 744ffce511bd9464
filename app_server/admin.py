"""Content maintenance without a restart: ``/admin/``.

Staff edit an app's prompt texts and audio, menu entries and their targets, opening hours,
holidays and the night/holiday messages; the next page a caller fetches uses them (the content
cache is dropped on save). Behind a login: the password is checked against a PBKDF2 hash from
the config (``[admin] password_hash``) or VXML_ADMIN_PASSWORD_HASH; a session is a random id in
an HttpOnly, SameSite=Strict cookie, kept server-side for ``SESSION_TTL_S``; every form carries
the session's CSRF token (the login form a token of its own, double-submitted in a cookie).
Without a configured hash the admin is off (403).
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .apps import LoadedApp
from .calls import write_durably
from .content import DAYS
from .security import verify_password

log = logging.getLogger("app_server.admin")

SESSION_COOKIE = "vxml_admin"
LOGIN_COOKIE = "vxml_admin_login"
SESSION_TTL_S = 8 * 3600
AUDIO_TYPES = {"audio/wav": ".wav", "audio/x-wav": ".wav", "audio/wave": ".wav", "audio/basic": ".au",
               "audio/mpeg": ".mp3", "audio/ogg": ".ogg"}
MAX_AUDIO = 16 * 1024 * 1024


@dataclass
class AdminState:
    """The password hash (reloadable with the config) and the live sessions."""

    password_hash: str
    sessions: dict[str, tuple[str, float]] = field(default_factory=dict)  # id -> (csrf, expiry)

    def new_session(self) -> tuple[str, str]:
        sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.sessions[sid] = (csrf, time.monotonic() + SESSION_TTL_S)
        return sid, csrf

    def csrf_of(self, sid: str | None) -> str | None:
        if not sid or sid not in self.sessions:
            return None
        csrf, expiry = self.sessions[sid]
        if time.monotonic() > expiry:
            del self.sessions[sid]
            return None
        return csrf


ADMIN = web.AppKey("admin", AdminState)
ENV = web.AppKey("admin_env", Environment)


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates" / "admin")),
                      autoescape=True, undefined=StrictUndefined, auto_reload=True)
    return env


def _render(request: web.Request, name: str, status: int = 200, **values: Any) -> web.Response:
    body = request.app[ENV].get_template(name).render(**values)
    return web.Response(text=body, status=status, content_type="text/html",
                        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"})


def _apps(request: web.Request) -> dict[str, LoadedApp]:
    from .server import APPS

    return request.app[APPS]


def _session(request: web.Request) -> tuple[str, str] | None:
    state = request.app[ADMIN]
    sid = request.cookies.get(SESSION_COOKIE)
    csrf = state.csrf_of(sid)
    return (sid, csrf) if sid and csrf else None


def _require(request: web.Request) -> str:
    """The session's CSRF token, or a redirect to the login page."""
    if not request.app[ADMIN].password_hash:
        raise web.HTTPForbidden(text="the admin is off: set [admin] password_hash or VXML_ADMIN_PASSWORD_HASH")
    session = _session(request)
    if session is None:
        raise web.HTTPSeeOther("/admin/login")
    return session[1]


async def _check_csrf(request: web.Request, csrf: str) -> Any:
    form = await request.post()
    token = form.get("csrf_token")
    if not isinstance(token, str) or not hmac.compare_digest(token, csrf):
        raise web.HTTPForbidden(text="the form's CSRF token is missing or wrong: reload the page")
    return form


async def login_page(request: web.Request) -> web.Response:
    if not request.app[ADMIN].password_hash:
        raise web.HTTPForbidden(text="the admin is off: set [admin] password_hash or VXML_ADMIN_PASSWORD_HASH")
    token = secrets.token_urlsafe(24)
    resp = _render(request, "login.html.j2", csrf_token=token, error="")
    resp.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="Strict", path="/admin")
    return resp


async def login(request: web.Request) -> web.Response:
    state = request.app[ADMIN]
    if not state.password_hash:
        raise web.HTTPForbidden(text="the admin is off")
    form = await request.post()
    token, cookie = form.get("csrf_token"), request.cookies.get(LOGIN_COOKIE, "")
    if not isinstance(token, str) or not cookie or not hmac.compare_digest(token, cookie):
        raise web.HTTPForbidden(text="the login form's CSRF token is missing or wrong: reload the page")
    password = form.get("password")
    if not isinstance(password, str) or not verify_password(password, state.password_hash):
        log.warning("admin login failed from %s", request.remote)
        new = secrets.token_urlsafe(24)
        resp = _render(request, "login.html.j2", status=401, csrf_token=new, error="Wrong password.")
        resp.set_cookie(LOGIN_COOKIE, new, httponly=True, samesite="Strict", path="/admin")
        return resp
    sid, _ = state.new_session()
    resp = web.HTTPSeeOther("/admin/")
    resp.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="Strict", path="/admin", max_age=SESSION_TTL_S)
    resp.del_cookie(LOGIN_COOKIE, path="/admin")
    log.info("admin signed in from %s", request.remote)
    raise resp


async def logout(request: web.Request) -> web.Response:
    csrf = _require(request)
    await _check_csrf(request, csrf)
    request.app[ADMIN].sessions.pop(request.cookies.get(SESSION_COOKIE, ""), None)
    resp = web.HTTPSeeOther("/admin/login")
    resp.del_cookie(SESSION_COOKIE, path="/admin")
    raise resp


async def home(request: web.Request) -> web.Response:
    csrf = _require(request)
    return _render(request, "home.html.j2", apps=_apps(request), csrf_token=csrf)


def _targets(app: LoadedApp) -> list[str]:
    names = {n.removesuffix(".vxml.j2") for n in app.template_names()} | set(app.spec.pages)
    return sorted(n for n in names if "/" not in n and n not in ("record_message",))


async def app_page(request: web.Request) -> web.Response:
    csrf = _require(request)
    app = _apps(request).get(request.match_info["app"])
    if app is None:
        raise web.HTTPNotFound()
    content = app.content.load()
    return _render(request, "app.html.j2", app=app, content=content.data, days=DAYS, csrf_token=csrf,
                   targets=_targets(app), saved=request.query.get("saved", ""), error=request.query.get("error", ""))


async def save(request: web.Request) -> web.Response:
    csrf = _require(request)
    app = _apps(request).get(request.match_info["app"])
    if app is None:
        raise web.HTTPNotFound()
    form = await _check_csrf(request, csrf)
    section = request.match_info["section"]
    try:
        edits = _edits(request, app, section, form)
        for key, value in edits:
            app.content.save(key, value, user="admin")
    except ValueError as exc:
        raise web.HTTPSeeOther(f"/admin/apps/{app.name}?{_q(error=str(exc))}") from None
    log.info("admin saved %s of app %s", ", ".join(k for k, _ in edits), app.name)
    raise web.HTTPSeeOther(f"/admin/apps/{app.name}?{_q(saved=section)}")


def _q(**values: str) -> str:
    from urllib.parse import urlencode

    return urlencode(values)


def _edits(request: web.Request, app: LoadedApp, section: str, form: Any) -> list[tuple[str, Any]]:
    content = app.content.load().data
    if section.startswith("prompt:"):
        key = section.split(":", 1)[1]
        if key not in content.get("prompts", {}):
            raise ValueError(f"no prompt {key!r}")
        old = content["prompts"][key]
        audio = "" if form.get("remove_audio") else (old.get("audio", "") if isinstance(old, dict) else "")
        upload = form.get("audio")
        if isinstance(upload, web.FileField) and upload.filename:
            audio = _store_audio(request, app, key, upload)
        return [(f"prompts.{key}", {"text": str(form.get("text", "")).strip(), "audio": audio})]
    if section.startswith("menu:"):
        name = section.split(":", 1)[1]
        if name not in content.get("menus", {}):
            raise ValueError(f"no menu {name!r}")
        entries = []
        for i in range(int(form.get("rows", "0"))):
            dtmf = str(form.get(f"dtmf_{i}", "")).strip()
            if not dtmf:
                continue  # an emptied row removes the entry
            entries.append({"dtmf": dtmf, "label": str(form.get(f"label_{i}", "")).strip(),
                            "say": str(form.get(f"say_{i}", "")).strip(),
                            "target": str(form.get(f"target_{i}", "")).strip()})
        for e in entries:
            if not re.fullmatch(r"[A-Za-z0-9_-]+|#[A-Za-z0-9_-]+", e["target"]):
                raise ValueError(f"menu {name}: target {e['target']!r} is not a page name")
        return [(f"menus.{name}", {**content["menus"][name], "entries": entries})]
    if section == "hours":
        return [("hours", {d: str(form.get(d, "closed")).strip() or "closed" for d in DAYS})]
    if section == "holidays":
        days = sorted({line.strip() for line in str(form.get("holidays", "")).splitlines() if line.strip()})
        return [("holidays", days)]
    if section == "messages":
        names = content.get("messages", {}).keys()
        return [(f"messages.{n}", str(form.get(n, "")).strip()) for n in names]
    raise ValueError(f"unknown section {section!r}")


def _store_audio(request: web.Request, app: LoadedApp, key: str, upload: Any) -> str:
    from .server import SETTINGS

    media = upload.content_type.split(";")[0]
    ext = AUDIO_TYPES.get(media) or Path(upload.filename).suffix.lower()
    if ext not in AUDIO_TYPES.values():
        raise ValueError(f"prompt {key}: {upload.filename} is not WAV, AU, MP3 or Ogg audio")
    data = upload.file.read(MAX_AUDIO + 1)
    if len(data) > MAX_AUDIO:
        raise ValueError(f"prompt {key}: the audio file is over 16 MB")
    name = f"{key}-{secrets.token_hex(6)}{ext}"
    write_durably(request.app[SETTINGS].data_dir / "media" / app.name, name, data)
    return f"/media/{app.name}/{name}"


def setup_admin(root: web.Application) -> None:
    from .server import SETTINGS

    root[ADMIN] = AdminState(root[SETTINGS].admin_password_hash)
    root[ENV] = _env()
    root.router.add_get("/admin/login", login_page)
    root.router.add_post("/admin/login", login)
    root.router.add_post("/admin/logout", logout)
    root.router.add_get("/admin/", home)
    root.router.add_get("/admin/apps/{app}", app_page)
    root.router.add_post("/admin/apps/{app}/{section}", save)
