"""Content maintenance without a restart: ``/admin/``.

Staff edit an app's prompt texts and audio, menu entries and their targets, opening hours,
holidays and the night/holiday messages; the next page a caller fetches uses them (the content
cache is dropped on save). Behind a login with roles (``settings.ROLES``): ``[[admin.users]]``
name + PBKDF2 hash + role, and ``[admin] password_hash`` (or VXML_ADMIN_PASSWORD_HASH) as user
"admin" with role admin. Each handler names the least role it needs (``require``): viewers
read pages, call records (``GET /calls/ID``), recordings and faxes; editors also save content
and reload the config; admins also list users and end their sessions. A session is a random id
in an HttpOnly, SameSite=Strict cookie, kept server-side for ``SESSION_TTL_S``; every form
carries the session's CSRF token (the login form a token of its own, double-submitted in a
cookie). Without any user the admin is off (403).
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
from .keys import ADMIN, ADMIN_ENV, ADMIN_SESSION, APPS, CALL_LOG, DB, RELOAD, SETTINGS
from .security import verify_password
from .settings import AdminUser

log = logging.getLogger("app_server.admin")

SESSION_COOKIE = "vxml_admin"
LOGIN_COOKIE = "vxml_admin_login"
SESSION_TTL_S = 8 * 3600
AUDIO_TYPES = {"audio/wav": ".wav", "audio/x-wav": ".wav", "audio/wave": ".wav", "audio/basic": ".au",
               "audio/mpeg": ".mp3", "audio/ogg": ".ogg"}
MAX_AUDIO = 16 * 1024 * 1024
# a password check against a hash nobody has: a wrong user name costs what a wrong password does
_NO_USER = "pbkdf2_sha256$240000$00$00"
OFF = "the admin is off: set [admin] password_hash, VXML_ADMIN_PASSWORD_HASH or [[admin.users]]"


@dataclass(frozen=True, slots=True)
class AdminSession:
    user: str
    role: str
    csrf: str
    expiry: float


@dataclass
class AdminState:
    """The users (reloadable with the config) and the live sessions."""

    users: dict[str, AdminUser]
    sessions: dict[str, AdminSession] = field(default_factory=dict)

    def new_session(self, user: AdminUser) -> str:
        sid = secrets.token_urlsafe(32)
        self.sessions[sid] = AdminSession(user.name, user.role, secrets.token_urlsafe(32),
                                          time.monotonic() + SESSION_TTL_S)
        return sid

    def session(self, sid: str | None) -> AdminSession | None:
        """The live session ``sid``; expired ones, and those of users removed or given another
        role by a config reload, are dropped."""
        found = self.sessions.get(sid or "")
        if found is None:
            return None
        user = self.users.get(found.user)
        if time.monotonic() > found.expiry or user is None or user.role != found.role:
            del self.sessions[sid or ""]
            return None
        return found

    def end_sessions(self, user: str) -> int:
        ended = [sid for sid, s in self.sessions.items() if s.user == user]
        for sid in ended:
            del self.sessions[sid]
        return len(ended)


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates" / "admin")),
                      autoescape=True, undefined=StrictUndefined, auto_reload=True)
    return env


def _render(request: web.Request, name: str, status: int = 200, **values: Any) -> web.Response:
    session = request.get(ADMIN_SESSION)
    body = request.app[ADMIN_ENV].get_template(name).render(
        role=session.role if session else "", user=session.user if session else "", **values)
    return web.Response(text=body, status=status, content_type="text/html",
                        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"})


def _apps(request: web.Request) -> dict[str, LoadedApp]:
    return request.app[APPS]


def admin_session(request: web.Request) -> AdminSession | None:
    """The request's signed-in admin session, if any."""
    return request.app[ADMIN].session(request.cookies.get(SESSION_COOKIE))


def require(request: web.Request, role: str = "viewer") -> str:
    """The session's CSRF token: a redirect to the login page without a session, 403 when the
    session's role is below ``role``."""
    if not request.app[ADMIN].users:
        raise web.HTTPForbidden(text=OFF)
    session = admin_session(request)
    if session is None:
        raise web.HTTPSeeOther("/admin/login")
    if not AdminUser(session.user, "", session.role).may(role):
        log.warning("admin %s (%s) refused %s %s", session.user, session.role, request.method, request.path)
        raise web.HTTPForbidden(text=f"this needs the {role} role; you are {session.role}")
    request[ADMIN_SESSION] = session
    return session.csrf


async def _check_csrf(request: web.Request, csrf: str) -> Any:
    form = await request.post()
    token = form.get("csrf_token")
    if not isinstance(token, str) or not hmac.compare_digest(token, csrf):
        raise web.HTTPForbidden(text="the form's CSRF token is missing or wrong: reload the page")
    return form


def _login_form(request: web.Request, status: int = 200, error: str = "") -> web.Response:
    token = secrets.token_urlsafe(24)
    resp = _render(request, "login.html.j2", status=status, csrf_token=token, error=error)
    resp.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="Strict", path="/admin")
    return resp


async def login_page(request: web.Request) -> web.Response:
    if not request.app[ADMIN].users:
        raise web.HTTPForbidden(text=OFF)
    return _login_form(request)


async def login(request: web.Request) -> web.Response:
    state = request.app[ADMIN]
    if not state.users:
        raise web.HTTPForbidden(text=OFF)
    form = await request.post()
    token, cookie = form.get("csrf_token"), request.cookies.get(LOGIN_COOKIE, "")
    if not isinstance(token, str) or not cookie or not hmac.compare_digest(token, cookie):
        raise web.HTTPForbidden(text="the login form's CSRF token is missing or wrong: reload the page")
    name, password = str(form.get("user") or "admin"), form.get("password")
    user = state.users.get(name)
    ok = verify_password(password if isinstance(password, str) else "", user.password_hash if user else _NO_USER)
    if user is None or not ok:
        log.warning("admin login of %r failed from %s", name[:64], request.remote)
        return _login_form(request, 401, "Wrong password.")
    sid = state.new_session(user)
    resp = web.HTTPSeeOther("/admin/")
    # path "/": the session also reads call records (GET /calls/ID); SameSite=Strict keeps it first-party
    resp.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="Strict", path="/", max_age=SESSION_TTL_S)
    resp.del_cookie(LOGIN_COOKIE, path="/admin")
    log.info("admin %s (%s) signed in from %s", user.name, user.role, request.remote)
    raise resp


async def logout(request: web.Request) -> web.Response:
    csrf = require(request)
    await _check_csrf(request, csrf)
    request.app[ADMIN].sessions.pop(request.cookies.get(SESSION_COOKIE, ""), None)
    resp = web.HTTPSeeOther("/admin/login")
    resp.del_cookie(SESSION_COOKIE, path="/")
    raise resp


async def home(request: web.Request) -> web.Response:
    csrf = require(request)
    return _render(request, "home.html.j2", apps=_apps(request), csrf_token=csrf)


async def reload(request: web.Request) -> web.Response:
    """Re-read the config file now and drop every app's content cache (editor)."""
    csrf = require(request, "editor")
    await _check_csrf(request, csrf)
    ok = request.app[SETTINGS].config_path is None or request.app[RELOAD]()
    for app in _apps(request).values():
        app.content.invalidate()
    log.info("admin %s reloaded the config", request[ADMIN_SESSION].user)
    raise web.HTTPSeeOther("/admin/?" + _q(**({"reloaded": "1"} if ok else {"error": "config not reloaded"})))


async def users_page(request: web.Request) -> web.Response:
    """The users from the config, their roles and live sessions (admin)."""
    csrf = require(request, "admin")
    state = request.app[ADMIN]
    live = {name: sum(1 for s in state.sessions.values() if s.user == name) for name in state.users}
    return _render(request, "users.html.j2", users=sorted(state.users.values(), key=lambda u: u.name),
                   live=live, csrf_token=csrf)


async def end_user_sessions(request: web.Request) -> web.Response:
    """Sign a user out everywhere (admin)."""
    csrf = require(request, "admin")
    await _check_csrf(request, csrf)
    name = request.match_info["user"]
    ended = request.app[ADMIN].end_sessions(name)
    log.info("admin %s ended %d sessions of %s", request[ADMIN_SESSION].user, ended, name[:64])
    raise web.HTTPSeeOther("/admin/users")


async def recording(request: web.Request) -> web.FileResponse:
    """A stored recording of a call, by the CDR's recording index (viewer)."""
    from . import calls as cdr

    require(request)
    await request.app[CALL_LOG].flush()
    record = await request.app[DB].run(cdr.call_record, request.match_info["call_id"])
    index = int(request.match_info["index"])
    if record is None or index >= len(record["recordings"]):
        raise web.HTTPNotFound()
    rec = record["recordings"][index]
    return web.FileResponse(rec["path"], headers={"Content-Type": rec["media_type"], "Cache-Control": "no-store"})


def _targets(app: LoadedApp) -> list[str]:
    names = {n.removesuffix(".vxml.j2") for n in app.template_names()} | set(app.spec.pages)
    return sorted(n for n in names if "/" not in n and n not in ("record_message",))


async def app_page(request: web.Request) -> web.Response:
    csrf = require(request)
    app = _apps(request).get(request.match_info["app"])
    if app is None:
        raise web.HTTPNotFound()
    content = app.content.load()
    return _render(request, "app.html.j2", app=app, content=content.data, days=DAYS, csrf_token=csrf,
                   targets=_targets(app), saved=request.query.get("saved", ""), error=request.query.get("error", ""))


async def save(request: web.Request) -> web.Response:
    csrf = require(request, "editor")
    app = _apps(request).get(request.match_info["app"])
    if app is None:
        raise web.HTTPNotFound()
    form = await _check_csrf(request, csrf)
    section = request.match_info["section"]
    try:
        edits = _edits(request, app, section, form)
        for key, value in edits:
            app.content.save(key, value, user=request[ADMIN_SESSION].user)
    except ValueError as exc:
        raise web.HTTPSeeOther(f"/admin/apps/{app.name}?{_q(error=str(exc))}") from None
    log.info("admin %s saved %s of app %s", request[ADMIN_SESSION].user, ", ".join(k for k, _ in edits), app.name)
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
    root[ADMIN] = AdminState(root[SETTINGS].users())
    root[ADMIN_ENV] = _env()
    root.router.add_get("/admin/login", login_page)
    root.router.add_post("/admin/login", login)
    root.router.add_post("/admin/logout", logout)
    root.router.add_get("/admin/", home)
    root.router.add_get("/admin/apps/{app}", app_page)
    root.router.add_post("/admin/apps/{app}/{section}", save)
    root.router.add_post("/admin/reload", reload)
    root.router.add_get("/admin/users", users_page)
    root.router.add_post("/admin/users/{user}/end-sessions", end_user_sessions)
    root.router.add_get(r"/admin/calls/{call_id}/recordings/{index:\d+}", recording)
