"""Typed application keys of the app server's aiohttp ``Application`` (as
``agent_queue/service/keys.py``): every module reads shared state through these, so
``admin.py`` and ``fax.py`` never import ``server.py``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from jinja2 import Environment

    from vxml_browser.adapters.fax.store import FaxStore

    from .admin import AdminSession, AdminState
    from .apps import LoadedApp
    from .calls import CallLog
    from .db import Database
    from .settings import Settings

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
DB: web.AppKey[Database] = web.AppKey("db")
APPS: web.AppKey[dict[str, LoadedApp]] = web.AppKey("apps")
SERVICES: web.AppKey[dict[str, Any]] = web.AppKey("services")
"""Name -> ``connectors.HttpService``; ``"__client__"`` is the shared ``aiohttp.ClientSession``."""
CALL_LOG: web.AppKey[CallLog] = web.AppKey("call_log")
STATIC_APPS: web.AppKey[dict[str, Path]] = web.AppKey("static_apps")
"""Name -> folder of plain VoiceXML files (an app without ``app.py``)."""
FAILURES: web.AppKey[dict[str, int]] = web.AppKey("failures")
"""Call id -> back-end failures so far."""
RELOAD: web.AppKey[Callable[[], bool]] = web.AppKey("reload")
"""Re-read the config file (``server.reload_config``); False when it could not be read."""

ADMIN: web.AppKey[AdminState] = web.AppKey("admin")
ADMIN_ENV: web.AppKey[Environment] = web.AppKey("admin_env")
ADMIN_SESSION: web.RequestKey[AdminSession] = web.RequestKey("admin_session")

PHONE_ENV: web.AppKey[Environment] = web.AppKey("phone_env")
"""The web phone's templates (``phone.py``)."""

FAX_STORE: web.AppKey[FaxStore] = web.AppKey("fax_store")
FAX_GUARD: web.AppKey[Callable[[web.Request], Any]] = web.AppKey("fax_guard")
"""The fax views' login check (``admin.require`` by default)."""
