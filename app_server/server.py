"""``create_app(settings)``: the application server as an aiohttp ``Application``.

Routes (``call`` is the call id, see ``calls.py``):

- ``GET|POST /apps/NAME/`` and ``/apps/NAME/PAGE?call=ID``: a page of an app (VoiceXML).
  Submitted fields go to the CDR (PINs masked); recordings in a multipart submit are written
  and fsync'd, then given a ``recordings`` row, before the handler runs and the 200 goes out.
- ``GET /apps/NAME/root?call=ID``: the app's application root document (hang-up catch).
- ``GET|POST /apps/NAME/data/DATA``: ``<data>`` endpoints (XML).
- ``/apps/NAME/grammars/...``, ``/apps/NAME/prompts/...``: the app's files; a folder of
  plain ``*.vxml`` files without ``app.py`` (sample_apps/demo) is served as it is at /apps/NAME/;
  ``/media/NAME/...``: prompt audio uploaded through the admin.
- ``POST /calls/ID/end``: the end of a call (the app's hang-up catch, the platform);
  ``POST /calls``: the voice platform's JSON call record (the SIP worker's, ``calls.py``):
  stored and committed before the 201 (new call row) or 200, a malformed one is 400 and
  writes nothing; ``GET /calls/ID``: the call record as JSON. With ``call_records_token`` set
  all three need ``Authorization: Bearer TOKEN`` (the SIP platform sends it); the root
  document's end URL carries an HMAC of the call id instead (``?sig=``, good for that call's
  end only); GET also takes a signed-in admin session (any role). Without a token they answer
  loopback clients only (``make run``'s run_platform sets a fresh token per run).
- A page or ``<data>`` URL without ``call`` takes the request's ``X-Call-ID`` header (the SIP
  platform's Call-ID, mapped by ``calls.call_id_for``) as its call id.
- ``/admin/...``: content maintenance behind a login (``admin.py``).
- ``/phone``: the web phone (``phone.py``), ``/webui/...``: the browser modules it loads.

A handler that raises (a failing back end, or a bug) never reaches the caller as a trace: the
error is logged with its traceback, recorded in the CDR, and the caller hears the apology page.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import ipaddress
import logging
import mimetypes
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web, web_fileresponse
from jinja2 import TemplateNotFound
from lxml import etree
from sqlalchemy import MetaData

from . import calls as cdr
from .admin import setup_admin
from .apps import LoadedApp, discover, load_app
from .connectors import BackendError, HttpService
from .content import Content
from .db import Database
from .fax import setup_fax
from .keys import ADMIN, APPS, CALL_LOG, DB, FAILURES, RELOAD, SERVICES, SETTINGS, STATIC_APPS
from .migrate import upgrade
from .phone import setup_phone
from .settings import SAMPLE_APPS, ServiceSettings, Settings, load_settings

log = logging.getLogger("app_server")

# what static files are (plain VoiceXML apps, grammars, prompts), for the Content-Type
for _type, _ext in (("application/voicexml+xml", ".vxml"), ("application/srgs+xml", ".grxml"),
                    ("application/srgs", ".gram")):
    mimetypes.add_type(_type, _ext)
    # aiohttp's file responses keep a table of their own
    getattr(web_fileresponse, "CONTENT_TYPES", mimetypes).add_type(_type, _ext)

MAX_FAILURES = 3  # then the apology ends the call instead of sending the caller back

SHARED_ONLY = frozenset({"page", "ivr", "end"})  # shared templates that are not pages
VXML = "application/voicexml+xml"
NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True, slots=True)
class Page:
    """A rendered VoiceXML page."""

    body: str
    name: str = ""


@dataclass
class CallContext:
    """What a page handler gets: the call, its submitted fields and the app's back ends."""

    app: LoadedApp
    request: web.Request
    call_id: str
    page: str
    form: dict[str, str]
    recordings: dict[str, cdr.StoredRecording]
    db: Database
    services: dict[str, Any]
    content: Content
    settings: Settings
    events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    @property
    def now(self) -> datetime:
        return self.settings.clock()

    def url(self, target: str, **params: Any) -> str:
        """The URL of page ``target`` of this app, carrying the call id."""
        if target.startswith("#") or "://" in target:
            return target
        path = target if target.startswith("/") else f"/apps/{self.app.name}/{target}"
        extra = {k: v for k, v in params.items() if v is not None}
        return f"{path}?{self._call_query}" + (f"&{urlencode(extra)}" if extra else "")

    @functools.cached_property
    def _call_query(self) -> str:
        return urlencode({"call": self.call_id})

    def outcome(self, name: str, **detail: Any) -> None:
        """Note a business outcome in the CDR (``purchase.confirmed``, ``case.created`` ...)."""
        self.events.append(("outcome", name, detail))

    def service(self, name: str) -> HttpService:
        """A configured HTTP back end; a URL that is a path is on this server (stand-ins)."""
        svc = self.services.get(name)
        if svc is None:
            default = self.app.spec.services.get(name)
            if default is None:
                raise BackendError(f"no service {name!r} is configured")
            svc = HttpService(name, ServiceSettings(default), self.services["__client__"])
        if svc.settings.url.startswith("/"):
            origin = str(self.request.url.origin())
            svc = HttpService(name, replace(svc.settings, url=origin + svc.settings.url), svc.session)
        return svc

    async def state(self) -> dict[str, Any]:
        """The call's server-side session (keyed by the call id)."""
        return await self.db.run(cdr.get_state, self.call_id)

    async def save_state(self, state: dict[str, Any]) -> None:
        await self.db.run(cdr.set_state, self.call_id, self.app.name, state)

    def context(self) -> dict[str, Any]:
        now = self.now
        return {
            "url": self.url, "call_id": self.call_id, "app_name": self.app.name,
            "title": self.app.spec.title, "content": self.content, "now": now,
            "service_state": self.content.service_state(now), "form": self.form,
            "apology_next": self.app.spec.apology_next,
        }

    def render(self, template: str, **values: Any) -> Page:
        tpl = self.app.env.get_template(template)
        return Page(tpl.render({**self.context(), **values}), template)


def offline_context(app: LoadedApp, settings: Settings, db: Database, call_id: str = "preview") -> CallContext:
    """A context without a request: template previews and the render-every-template test."""
    return CallContext(app, None, call_id, "preview", {}, {}, db, {}, app.content.load(), settings)  # type: ignore[arg-type]


def vxml_response(page: Page | str, status: int = 200) -> web.Response:
    body = page.body if isinstance(page, Page) else page
    return web.Response(text=body, status=status, content_type=VXML, charset="utf-8", headers=NO_STORE)


async def read_form(request: web.Request, app: LoadedApp, call_id: str, settings: Settings,
                    db: Database) -> tuple[dict[str, str], dict[str, cdr.StoredRecording]]:
    """Query and body fields; recordings stored durably (file fsync'd, then its row committed)."""
    fields = {k: v for k, v in request.query.items() if k != "call"}
    recordings: dict[str, cdr.StoredRecording] = {}
    if request.method != "POST" or not request.body_exists:
        return fields, recordings
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                data = await part.read(decode=False)
                media = part.headers.get("Content-Type", "application/octet-stream").split(";")[0]
                rec = await asyncio.get_running_loop().run_in_executor(  # write + fsync off the loop
                    None, cdr.store_recording, settings.data_dir, app.name, call_id, part.name, media, bytes(data))
                await db.run(cdr.add_recording_row, call_id, app.name, rec)
                recordings[part.name] = rec
            else:
                fields[part.name] = await part.text()
    else:
        post = await request.post()
        fields.update({k: v for k, v in post.items() if isinstance(v, str)})
    return fields, recordings


async def page_handler(request: web.Request) -> web.Response:
    root = request.app
    apps: dict[str, LoadedApp] = root[APPS]
    app = apps.get(request.match_info["app"])
    if app is None:
        raise web.HTTPNotFound(text="no such app")
    page = request.match_info.get("page") or app.spec.entry
    settings, db = root[SETTINGS], root[DB]
    call_id = request_call_id(request) or cdr.new_call_id()
    content = app.content.cached() or await app.content.aload()  # no coroutine when fresh
    fields, recordings = await read_form(request, app, call_id, settings, db)
    ctx = CallContext(app, request, call_id, page, fields, recordings, db, root[SERVICES], content, settings)
    caller = fields.get("caller", "")
    if page == "root":
        token = settings.call_records_token
        end_url = f"/calls/{call_id}/end" + (f"?sig={end_signature(token, call_id)}" if token else "")
        return vxml_response(ctx.render("root.vxml.j2", end_url=end_url))
    events: list[tuple[str, str, dict[str, Any]]] = []
    if fields:
        events.append(("input", page, cdr.mask(fields, app.spec.sensitive)))
    try:
        handler = app.spec.pages.get(page)
        if handler is not None:
            result = await handler(ctx)
        elif _template_exists(app, page):
            result = ctx.render(f"{page}.vxml.j2")
        else:
            raise web.HTTPNotFound(text=f"no page {page!r} in app {app.name}")
        events.append(("page", page, {}))
        events.extend(ctx.events)
    except web.HTTPException:
        raise
    except Exception as exc:  # a back end failed, or a bug: the caller hears an apology
        log.exception("app %s page %s call %s failed", app.name, page, call_id)
        events.append(("page", page, {}))
        events.append(("error", type(exc).__name__, {"message": str(exc)[:500]}))
        failures = root[FAILURES]
        failures[call_id] = failures.pop(call_id, 0) + 1
        while len(failures) > 10_000:  # a bounded memory of recent calls' failures
            failures.pop(next(iter(failures)))
        result = ctx.render("apology.vxml.j2", final=failures[call_id] >= MAX_FAILURES)
    root[CALL_LOG].add(call_id, app.name, caller, events)
    return vxml_response(result)


def request_call_id(request: web.Request) -> str:
    """The call a request belongs to: its ``call`` parameter (400 if malformed), else the
    platform's ``X-Call-ID`` header as ``calls.call_id_for`` maps it, else ""."""
    call_id = request.query.get("call", "")
    if call_id:
        if not cdr.valid_call_id(call_id):
            raise web.HTTPBadRequest(text="bad call id")
        return call_id
    platform_id = request.headers.get("X-Call-ID", "")
    return cdr.call_id_for(platform_id) if platform_id else ""


def _template_exists(app: LoadedApp, page: str) -> bool:
    try:
        app.env.get_template(f"{page}.vxml.j2")  # cached; re-checked on the loader's schedule
    except TemplateNotFound:
        return False
    return page not in SHARED_ONLY


async def data_handler(request: web.Request) -> web.Response:
    app = request.app[APPS].get(request.match_info["app"])
    if app is None:
        raise web.HTTPNotFound()
    handler = app.spec.data_handlers.get(request.match_info["name"])
    if handler is None:
        raise web.HTTPNotFound()
    settings, db = request.app[SETTINGS], request.app[DB]
    call_id = request_call_id(request) or "-"  # validated: it names the recordings' folder
    fields, recs = await read_form(request, app, call_id, settings, db)
    content = await app.content.aload()
    ctx = CallContext(app, request, call_id, request.match_info["name"], fields, recs, db,
                      request.app[SERVICES], content, settings)
    try:
        element = await handler(ctx)
    except Exception as exc:
        log.exception("app %s data %s failed", app.name, request.match_info["name"])
        element = etree.Element("error", code="backend")
        element.text = type(exc).__name__
    body = etree.tostring(element, xml_declaration=True, encoding="UTF-8")
    return web.Response(body=body, content_type="application/xml", headers=NO_STORE)


def end_signature(token: str, call_id: str) -> str:
    """What the root document's end URL carries: an HMAC of the call id under the token."""
    return hmac.new(token.encode(), b"end:" + call_id.encode(), hashlib.sha256).hexdigest()[:32]


def _loopback(remote: str | None) -> bool:
    try:
        return ipaddress.ip_address(remote or "").is_loopback
    except ValueError:
        return False


def check_records_access(request: web.Request, call_id: str | None, reading: bool) -> None:
    """Who may end a call or read its record (see the module docstring); 401 otherwise.
    ``call_id`` None: a write that no end signature covers (``POST /calls``)."""
    from .admin import admin_session

    token = request.app[SETTINGS].call_records_token
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return
        sig = request.query.get("sig", "")
        if not reading and call_id is not None and hmac.compare_digest(sig.encode(), end_signature(token, call_id).encode()):
            return
    elif _loopback(request.remote):
        return
    if reading and admin_session(request) is not None:
        return
    log.warning("call records: %s %s refused for %s", request.method, request.path, request.remote)
    raise web.HTTPUnauthorized(text="call records need the bearer token (call_records_token)",
                               headers={"WWW-Authenticate": 'Bearer realm="call records"'})


async def end_handler(request: web.Request) -> web.Response:
    call_id = request.match_info["call_id"]
    if not cdr.valid_call_id(call_id):
        raise web.HTTPBadRequest(text="bad call id")
    check_records_access(request, call_id, reading=False)
    post = await request.post() if request.method == "POST" else {}
    fields = {**request.query, **{k: v for k, v in post.items() if isinstance(v, str)}}
    reason = fields.get("end_reason") or fields.get("reason") or "unknown"
    await request.app[CALL_LOG].flush()
    await request.app[DB].run(cdr.end_call, call_id, reason[:64], fields.get("outcome", "")[:128])
    return vxml_response(END_DOC)


async def platform_record_handler(request: web.Request) -> web.Response:
    """``POST /calls``: a voice platform's JSON call record, acknowledged once committed."""
    check_records_access(request, None, reading=False)
    try:
        record = cdr.platform_record(await request.json())
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise web.HTTPBadRequest(text=f"bad call record: {exc}") from None
    await request.app[CALL_LOG].flush()
    call_id, created, new = await request.app[DB].run(cdr.add_platform_record, record)
    return web.json_response({"id": call_id, "created": created, "stored": new},
                             status=201 if created else 200, headers={"Location": f"/calls/{call_id}"})


END_DOC = ('<?xml version="1.0" encoding="UTF-8"?>\n<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">'
           '<form><block><exit/></block></form></vxml>\n')


async def record_handler(request: web.Request) -> web.Response:
    check_records_access(request, request.match_info["call_id"], reading=True)
    await request.app[CALL_LOG].flush()
    record = await request.app[DB].run(cdr.call_record, request.match_info["call_id"])
    if record is None:
        raise web.HTTPNotFound()
    return web.json_response(record)


async def index_handler(request: web.Request) -> web.Response:
    apps = request.app[APPS]
    rows = "".join(f'<li><a href="/apps/{n}/">{a.spec.title or n}</a></li>' for n, a in apps.items())
    return web.Response(text=f"<!doctype html><title>vxml-app-server</title><h1>Voice apps</h1><ul>{rows}</ul>"
                        '<p><a href="/admin/">Admin</a></p>', content_type="text/html")


def app_folders(settings: Settings) -> list[Path]:
    folders = [SAMPLE_APPS] if settings.sample_apps else []
    return discover([*folders, *settings.app_dirs])


def static_app_folders(settings: Settings) -> list[Path]:
    """Folders of plain VoiceXML files (no ``app.py``), served as they are at /apps/NAME/."""
    roots = [SAMPLE_APPS] if settings.sample_apps else []
    found = []
    for root in [*roots, *settings.app_dirs]:
        candidates = [root] if any(root.glob("*.vxml")) else (sorted(root.iterdir()) if root.is_dir() else [])
        found.extend(f for f in candidates if f.is_dir() and not (f / "app.py").exists() and any(f.glob("*.vxml")))
    return found


def prepare_database(db: Database, apps: dict[str, LoadedApp]) -> None:
    """Platform tables through Alembic; each app's tables created when missing, then seeded."""
    upgrade(db.engine)
    for app in apps.values():
        metadata: MetaData | None = app.spec.metadata
        if metadata is not None:
            metadata.create_all(db.engine)
        if app.spec.seed is not None:
            db.call(app.spec.seed)


def reload_config(app: web.Application) -> bool:
    """Re-read the config file: HTTP back ends and the admin users change in place
    (templates and content reload by themselves; new app folders need a restart)."""
    settings = app[SETTINGS]
    assert settings.config_path is not None
    try:
        fresh = load_settings(settings.config_path)
    except (OSError, ValueError) as exc:
        log.error("config %s not reloaded: %s", settings.config_path, exc)
        return False
    services = app[SERVICES]
    session = services["__client__"]
    for name in [n for n in services if n != "__client__" and n not in fresh.services]:
        del services[name]
    services.update({name: HttpService(name, s, session) for name, s in fresh.services.items()})
    app[ADMIN].users = fresh.users()
    log.info("config %s reloaded", settings.config_path)
    return True


async def config_watcher(app: web.Application, interval_s: float = 2.0) -> AsyncIterator[None]:
    path = app[SETTINGS].config_path
    assert path is not None

    def mtime() -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return -1.0

    async def watch() -> None:
        seen = mtime()
        while True:
            await asyncio.sleep(interval_s)
            now = mtime()
            if now != seen:
                seen = now
                reload_config(app)

    task = asyncio.get_running_loop().create_task(watch())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def create_app(settings: Settings) -> web.Application:
    """The application server: loads the apps, migrates and seeds the database."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    root = web.Application(client_max_size=settings.max_upload_bytes)
    db = Database(settings.db_url)
    apps: dict[str, LoadedApp] = {}
    for folder in app_folders(settings):
        loaded = load_app(folder, db)
        if loaded.name in apps:
            raise ValueError(f"two apps named {loaded.name!r}: {apps[loaded.name].folder} and {folder}")
        apps[loaded.name] = loaded
    prepare_database(db, apps)
    root[SETTINGS] = settings
    root[DB] = db
    root[APPS] = apps
    root[SERVICES] = {}
    root[CALL_LOG] = cdr.CallLog(db)
    root[FAILURES] = {}
    root[STATIC_APPS] = {}

    async def http_client(app: web.Application) -> AsyncIterator[None]:
        app[CALL_LOG].start()
        async with aiohttp.ClientSession() as session:
            app[SERVICES]["__client__"] = session
            app[SERVICES].update({name: HttpService(name, s, session) for name, s in settings.services.items()})
            yield
        await app[CALL_LOG].stop()
        db.close()

    root.cleanup_ctx.append(http_client)
    if settings.config_path is not None:
        root.cleanup_ctx.append(config_watcher)
    root.router.add_get("/", index_handler)
    for name, app in apps.items():
        for sub in ("grammars", "prompts"):
            if (app.folder / sub).is_dir():
                root.router.add_static(f"/apps/{name}/{sub}", app.folder / sub)
        media = settings.data_dir / "media" / name
        media.mkdir(parents=True, exist_ok=True)
        root.router.add_static(f"/media/{name}", media)
        for method, path, fn in app.spec.extra_routes:
            root.router.add_route(method, f"/apps/{name}/{path.lstrip('/')}", fn)
    for folder in static_app_folders(settings):
        if folder.name not in apps:
            root.router.add_static(f"/apps/{folder.name}", folder)
            root[STATIC_APPS][folder.name] = folder
    root.router.add_route("*", "/apps/{app}/data/{name}", data_handler)
    root.router.add_route("*", r"/apps/{app}/", page_handler)
    root.router.add_route("*", r"/apps/{app}/{page:[A-Za-z0-9_-]+}", page_handler)
    root.router.add_post("/calls", platform_record_handler)
    root.router.add_post("/calls/{call_id}/end", end_handler)
    root.router.add_get("/calls/{call_id}", record_handler)
    root[RELOAD] = functools.partial(reload_config, root)
    setup_admin(root)
    setup_fax(root)  # received faxes under /admin/fax/, behind the admin login
    setup_phone(root)  # the web phone at /phone
    log.info("app server ready with apps %s (started %s)", sorted(apps), time.strftime("%H:%M:%S"))
    return root
