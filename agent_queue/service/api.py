"""The REST API and the CTI event stream (WebSocket, or long-poll).

The voice browser's side (role ``platform``, a Bearer token):

* ``POST /api/calls`` ``{"call_id", "queue", "caller", "aai", "tier", "priority"}`` -> 201 with
  the call (``state``, ``position``, ``announcement``: position/estimated-wait text to play).
* events, over ``GET /api/cti`` (WebSocket; ``?call_id=`` narrows, ``?since=N&epoch=E`` replays) or
  ``GET /api/calls/{id}/events?after=N&timeout=S`` (long-poll): ``offer`` (bridge the caller to
  ``data.contact``), ``cancel`` (stop ringing that agent), ``announce`` (play ``data.text``),
  ``exit`` (leave the queue to ``data.destination``, ``data.reason``), ``callback``,
  ``monitor`` (join a supervisor: ``data.mode`` listen/whisper/barge/intercept), ``transfer``,
  ``complete``...
* reports back: ``POST /api/calls/{id}/ringing|answered|no-answer`` ``{"agent"}``,
  ``/hangup`` ``{"by"}``, ``/key`` ``{"key"}``, ``/callback`` ``{"number"}``, ``/claim`` ``{"by"}``,
  ``/callback-failed`` ``{"reason"}``, ``/hold``,
  ``/unhold``, ``/transfer`` ``{"target"}``. The same commands are accepted as WebSocket
  messages: ``{"op": "answered", "call_id": ..., "agent": ..., "id": 7}`` -> ``{"reply_to": 7}``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from agent_queue.domain.errors import AcdError, BadRequest
from agent_queue.domain.events import Event
from agent_queue.domain.model import QueueConfig
from agent_queue.domain.reports import (
    AGENT_COLUMNS,
    PERIODS,
    QUEUE_COLUMNS,
    agent_report,
    queue_report,
)

from .auth import Principal, forbidden, unauthorized
from .keys import PRINCIPAL, RUNTIME
from .runtime import Message, Runtime

routes = web.RouteTableDef()


def principal(request: web.Request) -> Principal:
    p = request.get(PRINCIPAL)
    if p is None:
        raise unauthorized()
    return p


def need(request: web.Request, *roles: str) -> Principal:
    p = principal(request)
    if p.role != "admin" and p.role not in roles and not any(
            r in ("agent", "supervisor") and p.at_least(r) for r in roles):
        raise forbidden(f"{p.name} ({p.role}) may not do this; needs {' or '.join(roles)}")
    return p


async def body(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        try:
            data = await request.json()
        except ValueError:
            raise BadRequest("body: malformed JSON") from None
        if not isinstance(data, dict):
            raise BadRequest("body: expected a JSON object")
        return data
    if request.can_read_body:
        return dict(await request.post())
    return {}


def rt(request: web.Request) -> Runtime:
    return request.app[RUNTIME]


def ok(events: list[Event], **extra: Any) -> web.Response:
    return web.json_response({"events": [e.to_dict() for e in events], **extra})


@routes.get("/api/me")
async def me(request: web.Request) -> web.Response:
    """Who am I, and the CSRF token a cookie session must send with changes."""
    from .keys import SESSIONS

    p = principal(request)
    csrf = request.app[SESSIONS].csrf(p) if p.via == "cookie" else None
    return web.json_response({"name": p.name, "role": p.role, "csrf": csrf})


# ------------------------------------------------------------------ calls
CALL_OPS = {
    "ringing": lambda r, cid, d: r.acd.ringing(cid, _req(d, "agent")),
    "answered": lambda r, cid, d: r.acd.answered(cid, _req(d, "agent")),
    "no-answer": lambda r, cid, d: r.acd.no_answer(cid, d.get("agent") or None),
    "hangup": lambda r, cid, d: r.acd.hangup(cid, d.get("by", "caller")),
    "key": lambda r, cid, d: r.acd.exit_key(cid, str(_req(d, "key"))),
    "callback": lambda r, cid, d: r.acd.request_callback(cid, d.get("number")),
    "claim": lambda r, cid, d: r.acd.claim(cid, str(_req(d, "by"))),
    "callback-failed": lambda r, cid, d: r.acd.callback_failed(cid, str(d.get("reason") or "no-answer")),
    "hold": lambda r, cid, d: r.acd.hold(cid),
    "unhold": lambda r, cid, d: r.acd.unhold(cid),
    "transfer": lambda r, cid, d: r.acd.transfer(cid, _req(d, "target"), d.get("by")),
}
AGENT_CALL_OPS = frozenset({"hangup", "hold", "unhold", "transfer"})


def _req(d: dict[str, Any], key: str) -> Any:
    if d.get(key) in (None, ""):
        raise BadRequest(f"missing {key!r}")
    return d[key]


@routes.post("/api/calls")
async def enter_call(request: web.Request) -> web.Response:
    need(request, "platform")
    d = await body(request)
    r = rt(request)
    aai = d.get("aai") or {}
    if isinstance(aai, str):
        from agent_queue.client import parse_aai

        aai = parse_aai(aai)
    try:
        priority = int(d.get("priority") or 0)
    except (TypeError, ValueError):
        raise BadRequest(f"priority: found {d.get('priority')!r}, expected an integer") from None
    if not isinstance(aai, dict):
        raise BadRequest("aai: expected an object or a string")
    events = r.run(r.acd.enter, str(_req(d, "call_id")), str(_req(d, "queue")),
                   str(d.get("caller", "")), aai, d.get("tier"), priority)
    call = r.call_view(d["call_id"]) if d["call_id"] in r.acd.calls else None
    exit_ = next((e.data for e in events if e.kind == "exit"), None)
    return web.json_response({"call": call, "exit": exit_, "events": [e.to_dict() for e in events]},
                             status=201 if call else 200)


@routes.get("/api/calls")
async def list_calls(request: web.Request) -> web.Response:
    need(request, "platform", "supervisor")
    r = rt(request)
    return web.json_response({"calls": [r.call_view(c) for c in r.acd.calls]})


@routes.get("/api/calls/{call_id}")
async def get_call(request: web.Request) -> web.Response:
    p = need(request, "platform", "agent")
    r = rt(request)
    view = r.call_view(request.match_info["call_id"])
    if p.role == "agent" and p.name not in (view["agent"], *view["agents"]):
        raise forbidden("not your call")
    return web.json_response(view)


@routes.post("/api/calls/{call_id}/{op}")
async def call_op(request: web.Request) -> web.Response:
    op, cid = request.match_info["op"], request.match_info["call_id"]
    if op not in CALL_OPS:
        raise web.HTTPNotFound(text=json.dumps({"error": f"no call operation {op!r}"}),
                               content_type="application/json")
    p = need(request, "platform", "agent")
    r = rt(request)
    d = await body(request)
    if p.role == "agent":
        call = r.acd._call(cid)
        if op not in AGENT_CALL_OPS or call.agent != p.name:
            raise forbidden(f"an agent may only {sorted(AGENT_CALL_OPS)} his own call")
        d.setdefault("by", "agent" if op == "hangup" else p.name)
    return ok(r.run(CALL_OPS[op], r, cid, d))


@routes.get("/api/calls/{call_id}/events")
async def call_events(request: web.Request) -> web.Response:
    """Long-poll for one call's events after stream sequence ``after``."""
    need(request, "platform")
    cid = request.match_info["call_id"]
    after = int(request.query.get("after", 0))
    timeout = min(float(request.query.get("timeout", 25)), 60.0)
    msgs = await rt(request).hub.wait(after, lambda m: m.get("call_id") == cid, timeout)
    return web.json_response({"events": msgs, "last": max((m["stream_seq"] for m in msgs), default=after)})


# ----------------------------------------------------------------- agents
def _acting(request: web.Request, agent_id: str) -> tuple[Principal, bool]:
    """Who acts, and whether it is a supervisor acting on someone else (a forced action)."""
    p = need(request, "agent")
    if p.name == agent_id:
        return p, False
    if not p.at_least("supervisor"):
        raise forbidden(f"{p.name} may only change his own state")
    return p, True


def _skills(value: Any) -> dict[str, int] | None:
    """{"sales": 3} or "sales:3,billing:1" (a form); empty: keep the agent's skills."""
    if not value:
        return None
    try:
        if isinstance(value, str):
            pairs = (item.split(":") for item in value.split(",") if item.strip())
            return {k.strip(): int(v) for k, v in pairs}
        if isinstance(value, dict):
            return {str(k): int(v) for k, v in value.items()}
    except ValueError:
        pass
    raise BadRequest(f"skills: found {value!r}, expected {{skill: level}} or 'skill:level,...'")


@routes.get("/api/agents")
async def list_agents(request: web.Request) -> web.Response:
    need(request, "supervisor", "platform")
    r = rt(request)
    return web.json_response({"agents": [r.agent_view(a) for a in sorted(r.acd.agents)]})


@routes.get("/api/agents/{agent_id}")
async def get_agent(request: web.Request) -> web.Response:
    aid = request.match_info["agent_id"]
    _acting(request, aid)
    r = rt(request)
    r.acd._agent(aid)
    return web.json_response({"agent": r.agent_view(aid), "screen_pop": r.pops.get(aid)})


@routes.post("/api/agents/{agent_id}/{op}")
async def agent_op(request: web.Request) -> web.Response:
    aid, op = request.match_info["agent_id"], request.match_info["op"]
    p, forced = _acting(request, aid)
    r = rt(request)
    d = await body(request)
    by = p.name
    match op:
        case "sign-in":
            skills = _skills(d.get("skills"))
            events = r.run(r.acd.sign_in, aid, str(d.get("contact", "")), skills,
                           str(d.get("name", "")), bool(d.get("ready", False)), by)
        case "sign-out" | "ready" | "not-ready" if forced:
            events = r.run(r.acd.force, op.replace("-", "_"), aid, by, str(d.get("reason", "")))
        case "sign-out":
            events = r.run(r.acd.sign_out, aid, by)
        case "ready":
            events = r.run(r.acd.set_ready, aid, by)
        case "not-ready":
            events = r.run(r.acd.set_not_ready, aid, str(d.get("reason", "")), by)
        case "wrap-done":
            events = r.run(r.acd.wrap_done, aid, d.get("notes") or None)
        case "notes":
            events = r.run(r.acd.notes, aid, d.get("call_id"), str(_req(d, "notes")))
        case "skills":
            need(request, "supervisor")
            events = r.run(r.acd.set_skills, aid, _skills(_req(d, "skills")) or {}, by)
        case "force":
            need(request, "supervisor")
            events = r.run(r.acd.force, str(_req(d, "action")).replace("-", "_"), aid, by,
                           str(d.get("reason", "")))
        case "monitor":
            need(request, "supervisor")
            events = r.run(r.acd.monitor, aid, str(_req(d, "mode")), by, str(d.get("contact", "")))
        case _:
            raise web.HTTPNotFound(text=json.dumps({"error": f"no agent operation {op!r}"}),
                                   content_type="application/json")
    return ok(events, agent=r.agent_view(aid))


# ----------------------------------------------------------------- queues
@routes.get("/api/queues")
async def list_queues(request: web.Request) -> web.Response:
    need(request, "agent", "platform")
    r = rt(request)
    return web.json_response({"queues": [r.queue_view(q) for q in sorted(r.acd.queues)]})


@routes.get("/api/queues/{name}")
async def get_queue(request: web.Request) -> web.Response:
    need(request, "agent", "platform")
    r = rt(request)
    name = request.match_info["name"]
    return web.json_response({**r.queue_view(name), "config": r.acd._queue(name).to_dict()})


@routes.put("/api/queues/{name}")
@routes.post("/api/queues/{name}")
async def put_queue(request: web.Request) -> web.Response:
    need(request, "admin")
    r = rt(request)
    d = await body(request)
    d["name"] = request.match_info["name"]
    try:
        config = QueueConfig.from_dict(d)
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"queue {d['name']}: {exc}") from None
    r.run(r.acd.set_queue, config)
    r.store.save_queue(config.to_dict())
    return web.json_response(config.to_dict())


@routes.delete("/api/queues/{name}")
async def delete_queue(request: web.Request) -> web.Response:
    need(request, "admin")
    r = rt(request)
    r.run(r.acd.remove_queue, request.match_info["name"])
    r.store.delete_queue(request.match_info["name"])
    return web.json_response({"deleted": request.match_info["name"]})


# ------------------------------------------------------------------ users
@routes.post("/api/users/{name}")
async def put_user(request: web.Request) -> web.Response:
    """An admin adds a console user or changes his role or password."""
    from .auth import hash_password
    from .config import ROLES

    need(request, "admin")
    d = await body(request)
    role = d.get("role")
    if role not in ROLES[:3]:
        raise BadRequest(f"role: found {role!r}, expected agent, supervisor or admin")
    password = str(_req(d, "password"))
    if len(password) < 8:
        raise BadRequest("password: at least 8 characters")
    rt(request).store.save_user(request.match_info["name"], role, hash_password(password))
    return web.json_response({"name": request.match_info["name"], "role": role})


# ---------------------------------------------------------------- reports
def report_rows(request: web.Request) -> tuple[str, list[dict[str, Any]], tuple[str, ...]]:
    r = rt(request)
    period = request.query.get("period", "day")
    if period not in PERIODS:
        raise BadRequest(f"period: found {period!r}, expected one of {PERIODS}")
    kind = request.query.get("kind", "queue")
    since = _instant(request.query.get("since"), r.settings.utc_offset)
    until = _instant(request.query.get("until"), r.settings.utc_offset, end_of_day=True)
    events = r.events(since=since, until=until)
    if kind == "agent":
        return kind, agent_report(events, period, r.settings.utc_offset), AGENT_COLUMNS
    if kind != "queue":
        raise BadRequest(f"kind: found {kind!r}, expected queue or agent")
    return kind, queue_report(events, r.acd.queues, period, r.settings.utc_offset), QUEUE_COLUMNS


def _instant(value: str | None, utc_offset: int, end_of_day: bool = False) -> float | None:
    """Epoch seconds, or a local date YYYY-MM-DD (its start; the next day's start for 'until')."""
    from datetime import UTC, datetime, timedelta

    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise BadRequest(f"date: found {value!r}, expected YYYY-MM-DD or epoch seconds") from None
    if end_of_day:
        day += timedelta(days=1)
    return (day - timedelta(minutes=utc_offset)).timestamp()


@routes.get("/api/reports")
async def reports(request: web.Request) -> web.Response:
    need(request, "supervisor")
    kind, rows, columns = report_rows(request)
    return web.json_response({"kind": kind, "columns": columns, "rows": rows})


@routes.get("/api/reports.csv")
async def reports_csv(request: web.Request) -> web.Response:
    import csv
    import io

    need(request, "supervisor")
    kind, rows, columns = report_rows(request)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return web.Response(text=out.getvalue(), content_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{kind}-{request.query.get("period", "day")}.csv"'})


@routes.get("/api/events")
async def event_log(request: web.Request) -> web.Response:
    need(request, "supervisor")
    r = rt(request)
    events = r.events(call_id=request.query.get("call_id"), limit=int(request.query.get("limit", 500)))
    return web.json_response({"events": [e.to_dict() for e in events]})


# -------------------------------------------------------------------- CTI
def stream_filter(p: Principal, query: Any) -> Any:
    call_id, agent_id = query.get("call_id"), query.get("agent_id")

    def flt(m: Message) -> bool:
        if p.role == "agent" and m.get("agent_id") != p.name:
            return False
        if p.role == "platform" and not m.get("call_id"):
            return False
        if call_id and m.get("call_id") != call_id:
            return False
        return not (agent_id and m.get("agent_id") != agent_id)

    return flt


WS_OPS = {**{k: k for k in CALL_OPS}, "no_answer": "no-answer", "callback_failed": "callback-failed"}


@routes.get("/api/cti")
async def cti(request: web.Request) -> web.StreamResponse:
    p = principal(request)
    origin = request.headers.get("Origin")
    if p.via == "cookie" and origin and origin.split("://", 1)[-1] != request.host:
        raise forbidden(f"cross-site WebSocket from {origin}")
    r = rt(request)
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    flt = stream_filter(p, request.query)
    key, queue = r.hub.subscribe(flt)
    await ws.send_json({"kind": "hello", "name": p.name, "role": p.role, "stream_seq": r.hub.seq,
                        "epoch": r.hub.epoch})
    if request.query.get("since"):
        for m in r.hub.since(int(request.query["since"]), flt, request.query.get("epoch")):
            await ws.send_json(m)

    async def pump() -> None:
        try:
            while True:
                msg = await queue.get()
                if r.hub.is_lagging(key):  # too far behind: the client reconnects with ?since=
                    await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"lagging behind")
                    return
                await ws.send_json(msg)
        except (ConnectionError, RuntimeError):
            return  # the peer went away; the receive loop ends too

    sender = asyncio.get_running_loop().create_task(pump())
    r.sockets.add(ws)
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            await ws.send_json(_ws_command(r, p, msg.data))
    finally:
        r.sockets.discard(ws)
        sender.cancel()
        r.hub.unsubscribe(key)
    return ws


def _ws_command(r: Runtime, p: Principal, text: str) -> Message:
    d: Any = None
    try:
        d = json.loads(text)
        if not isinstance(d, dict):
            raise BadRequest("expected a JSON object")
        op = WS_OPS.get(d.get("op", ""))
        if op is None:
            raise BadRequest(f"op: found {d.get('op')!r}, expected one of {sorted(WS_OPS)}")
        if p.role not in ("platform", "admin"):
            raise BadRequest(f"{p.name} ({p.role}) may not send call commands")
        if op == "enter":
            raise BadRequest("use POST /api/calls to queue a call")
        events = r.run(CALL_OPS[op], r, str(_req(d, "call_id")), d)
        return {"reply_to": d.get("id"), "ok": True, "events": len(events)}
    except AcdError as exc:
        return {"reply_to": d.get("id") if isinstance(d, dict) else None, "ok": False, "error": str(exc)}
    except ValueError:
        return {"reply_to": None, "ok": False, "error": "malformed JSON"}
