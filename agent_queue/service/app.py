"""The app factory: ``create_app(settings)`` -> aiohttp Application."""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

from agent_queue.domain.clock import Clock
from agent_queue.domain.errors import AcdError
from agent_queue.store import Store

from .api import routes as api_routes
from .auth import COOKIE, SAFE_METHODS, Principal, Sessions, forbidden
from .config import Settings
from .keys import PRINCIPAL, RUNTIME, SESSIONS, SETTINGS
from .runtime import Runtime

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Who is asking (token or session cookie); CSRF check for cookie sessions; domain errors."""
    settings, sessions = request.app[SETTINGS], request.app[SESSIONS]
    principal: Principal | None = None
    authz = request.headers.get("Authorization", "")
    token = authz[7:] if authz.startswith("Bearer ") else request.query.get("token")
    if token:
        match = next((t for t in settings.tokens if secrets.compare_digest(t.token, token)), None)
        if match is None:
            return web.json_response({"error": "unknown API token"}, status=401)
        principal = Principal(match.name, match.role, via="token")
    else:
        principal = sessions.read(request.cookies.get(COOKIE))
    request[PRINCIPAL] = principal
    if principal is not None and principal.via == "cookie" and request.method not in SAFE_METHODS:
        sent = request.headers.get("X-CSRF-Token")
        if sent is None and request.content_type in ("application/x-www-form-urlencoded",
                                                     "multipart/form-data"):
            sent = (await request.post()).get("csrf_token")  # type: ignore[assignment]
        if not sent or not secrets.compare_digest(str(sent), sessions.csrf(principal)):
            raise forbidden("missing or wrong CSRF token")
    try:
        return await handler(request)
    except AcdError as exc:
        return web.json_response({"error": str(exc)}, status=exc.status)


def create_app(settings: Settings, *, clock: Clock | None = None, rng: random.Random | None = None) -> web.Application:
    from agent_queue.web.views import setup as setup_web

    store = Store(settings.store_url)
    secret = settings.secret or store.get_meta("secret")
    if not secret:
        secret = secrets.token_hex(32)
        store.set_meta("secret", secret)
    app = web.Application(middlewares=[auth_middleware])
    app[SETTINGS] = settings
    app[SESSIONS] = Sessions(secret)
    runtime = Runtime(settings, store, clock, rng)
    app[RUNTIME] = runtime
    app.add_routes(api_routes)
    setup_web(app)

    async def start(app: web.Application) -> None:
        await runtime.start()

    async def stop(app: web.Application) -> None:
        await runtime.stop()

    async def shutdown(app: web.Application) -> None:
        await runtime.close_sockets()

    app.on_startup.append(start)
    app.on_shutdown.append(shutdown)
    app.on_cleanup.append(stop)
    return app


def error_json(message: str, status: int) -> web.Response:
    return web.Response(text=json.dumps({"error": message}), status=status, content_type="application/json")
