"""Console pages: thin handlers rendering Jinja2 templates over the runtime's views."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from agent_queue.domain.reports import PERIODS
from agent_queue.service.api import report_rows
from agent_queue.service.auth import COOKIE, SESSION_SECONDS, Principal, check_password
from agent_queue.service.keys import PRINCIPAL, RUNTIME, SESSIONS, SETTINGS

from .charts import bar_chart

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("agent_queue.web", "templates"),
    autoescape=True, undefined=jinja2.StrictUndefined,
)
HOME = {"agent": "/desktop", "supervisor": "/supervisor", "admin": "/supervisor"}
routes = web.RouteTableDef()


def render(request: web.Request, name: str, status: int = 200, **ctx: Any) -> web.Response:
    p: Principal | None = request.get(PRINCIPAL)
    csrf = request.app[SESSIONS].csrf(p) if p and p.via == "cookie" else ""
    html = ENV.get_template(name).render(user=p, csrf=csrf, **ctx)
    return web.Response(text=html, content_type="text/html", status=status)


def page_user(request: web.Request, role: str) -> Principal:
    p: Principal | None = request.get(PRINCIPAL)
    if p is None or p.via != "cookie":
        raise web.HTTPSeeOther(f"/login?next={request.path}")
    if not p.at_least(role):
        raise web.HTTPForbidden(text=f"{p.name} ({p.role}) may not open this page")
    return p


def users(request: web.Request) -> dict[str, tuple[str, str]]:
    found = {u.name: (u.role, u.password_hash) for u in request.app[SETTINGS].users}
    found.update(request.app[RUNTIME].store.users())
    return found


@routes.get("/")
async def index(request: web.Request) -> web.Response:
    p: Principal | None = request.get(PRINCIPAL)
    raise web.HTTPSeeOther(HOME.get(p.role, "/login") if p else "/login")


@routes.get("/login")
async def login_form(request: web.Request) -> web.Response:
    return render(request, "login.html.j2", error=None, next=request.query.get("next", ""))


@routes.post("/login")
async def login(request: web.Request) -> web.Response:
    form = await request.post()
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    found = users(request).get(name)
    if found is None or not check_password(password, found[1]):
        return render(request, "login.html.j2", status=401, error="Wrong name or password.",
                      next=str(form.get("next", "")))
    role = found[0]
    nxt = str(form.get("next", ""))
    target = nxt if nxt.startswith("/") and not nxt.startswith("//") else HOME[role]
    resp = web.HTTPSeeOther(target)
    resp.set_cookie(COOKIE, request.app[SESSIONS].issue(name, role), httponly=True,
                    samesite="Lax", max_age=SESSION_SECONDS, path="/")
    raise resp


@routes.post("/logout")
async def logout(request: web.Request) -> web.Response:
    resp = web.HTTPSeeOther("/login")
    resp.del_cookie(COOKIE, path="/")
    raise resp


@routes.get("/desktop")
async def desktop(request: web.Request) -> web.Response:
    p = page_user(request, "agent")
    r = request.app[RUNTIME]
    agent = r.agent_view(p.name) if p.name in r.acd.agents else None
    settings = request.app[SETTINGS]
    phone = {"ws_url": settings.phone_ws_url, "domain": settings.phone_domain, "edge": settings.phone_edge}
    return render(request, "desktop.html.j2", agent=agent, pop=r.pops.get(p.name), phone=phone)


@routes.get("/supervisor")
async def supervisor(request: web.Request) -> web.Response:
    page_user(request, "supervisor")
    r = request.app[RUNTIME]
    return render(request, "supervisor.html.j2",
                  agents=[r.agent_view(a) for a in sorted(r.acd.agents)],
                  queues=[r.queue_view(q) for q in sorted(r.acd.queues)])


@routes.get("/wallboard")
async def wallboard(request: web.Request) -> web.Response:
    page_user(request, "agent")
    r = request.app[RUNTIME]
    offset = timedelta(minutes=r.settings.utc_offset)  # "today" in the reports' local time
    local_midnight = (datetime.now(UTC) + offset).replace(hour=0, minute=0, second=0, microsecond=0)
    start = (local_midnight - offset).timestamp()
    from agent_queue.domain.reports import queue_report

    today = {row["queue"]: row for row in queue_report(r.events(since=start), r.acd.queues, "year")}
    return render(request, "wallboard.html.j2", queues=[r.queue_view(q) for q in sorted(r.acd.queues)],
                  today=today)


@routes.get("/reports")
async def reports(request: web.Request) -> web.Response:
    page_user(request, "supervisor")
    kind, rows, columns = report_rows(request)
    series = ("offered", "answered", "abandoned") if kind == "queue" else ("calls", "ronas")
    label = "period"
    chart = bar_chart(rows, label, series) if rows else ""
    return render(request, "reports.html.j2", kind=kind, rows=rows, columns=columns, chart=chart,
                  period=request.query.get("period", "day"), periods=PERIODS,
                  since=request.query.get("since", ""), until=request.query.get("until", ""))


@routes.get("/static/console.js")
async def console_js(request: web.Request) -> web.Response:
    return web.Response(text=ENV.get_template("console.js.j2").render(), content_type="application/javascript")


WEBUI = Path(__file__).resolve().parents[2] / "webui"


def setup(app: web.Application) -> None:
    app.add_routes(routes)
    if WEBUI.is_dir():  # the softphone module and the npm assets (make install) the desktop loads
        app.router.add_static("/webui", WEBUI)
