"""Typed application keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from .auth import Principal, Sessions
    from .config import Settings
    from .runtime import Runtime

RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime")
SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
SESSIONS: web.AppKey[Sessions] = web.AppKey("sessions")
PRINCIPAL: web.RequestKey[Principal | None] = web.RequestKey("principal")
