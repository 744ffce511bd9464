"""The real service over HTTP and WebSocket on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from aq_service_helpers import TOKEN, Service, settings, start

from agent_queue.client import (
    AcdClient,
    Announce,
    Bridge,
    CallbackAccepted,
    Ended,
    Leave,
    Monitor,
    StopRinging,
)


async def next_of(acd: AcdClient, call_id: str, kind: type, timeout: float = 5.0):
    while True:
        action = await acd.next_action(call_id, timeout)
        if isinstance(action, kind):
            return action


async def agent_events(ws: aiohttp.ClientWebSocketResponse, kind: str, timeout: float = 5.0) -> dict:
    while True:
        msg = await asyncio.wait_for(ws.receive(), timeout)
        e = json.loads(msg.data)
        if e.get("kind") == kind:
            return e


async def test_queued_call_reaches_an_agent_with_screen_pop(service: Service):
    ann = await service.login("ann")
    await ann.agent_ready()
    desk = await ann.session.ws_connect(f"{service.url}/api/cti")
    await agent_events(desk, "hello")
    async with AcdClient(service.url, TOKEN) as acd:
        queued = await acd.transfer("queue:sales?tier=priority", "account=42;lang=fr", "call-1", "+33123")
        assert queued.exit is None and queued.state == "OFFERED"
        bridge = await next_of(acd, "call-1", Bridge)
        assert (bridge.agent, bridge.contact) == ("ann", "sip:ann@127.0.0.1:5070")
        pop = await agent_events(desk, "screen_pop")
        assert pop["data"]["caller"] == "+33123"
        assert pop["data"]["aai"] == {"account": "42", "lang": "fr"}
        assert pop["data"]["customer"]["name"] == "Jane Doe"
        assert pop["data"]["history"][0]["subject"] == "billing question"
        await acd.ringing("call-1", "ann")
        await acd.answered("call-1", "ann")
        agent = await ann.get("/api/agents/ann")
        assert agent["agent"]["state"] == "TALKING" and agent["screen_pop"]["call_id"] == "call-1"
        await acd.hangup("call-1")
        ended = await next_of(acd, "call-1", Ended)
        assert ended.reason == "completed"
    assert (await ann.get("/api/agents/ann"))["agent"]["state"] == "WRAP_UP"
    state = await agent_events(desk, "agent_state")
    while state["data"]["to"] != "READY":  # the wrap-up timer fires by itself
        state = await agent_events(desk, "agent_state")
    await desk.close()


async def test_announcements_and_exit_key(service: Service):
    async with AcdClient(service.url, TOKEN) as acd:
        queued = await acd.enqueue("c-wait", "sales", "+1")
        assert queued.announcement["position"] == 1
        assert queued.announcement["text"].startswith("You are number 1 in the queue")
        announce = await next_of(acd, "c-wait", Announce)
        assert announce.position == 1
        view = await acd.call("c-wait")
        assert view["state"] == "WAITING" and view["position"] == 1
        await acd.callback("c-wait", "+1999")
        assert (await next_of(acd, "c-wait", CallbackAccepted)).number == "+1999"


async def test_ring_no_answer_over_the_wire(tmp_path, crm):
    svc = await start(settings(f"sqlite:///{tmp_path / 'r.db'}", crm, ring_timeout=0.3))
    try:
        ann, bob = await svc.login("ann"), await svc.login("bob")
        await ann.agent_ready()
        async with AcdClient(svc.url, TOKEN) as acd:
            await acd.enqueue("c1", "sales", "+1")
            assert (await next_of(acd, "c1", Bridge)).agent == "ann"
            await acd.ringing("c1", "ann")
            stop = await next_of(acd, "c1", StopRinging)  # the ring timer fired in the service
            assert (stop.agent, stop.reason) == ("ann", "no answer")
            agent = (await ann.get("/api/agents/ann"))["agent"]
            assert (agent["state"], agent["reason"]) == ("NOT_READY", "RONA")
            await bob.agent_ready()
            assert (await next_of(acd, "c1", Bridge)).agent == "bob"
    finally:
        await svc.close()
        await svc.server.close()


async def test_websocket_commands_from_the_platform(service: Service):
    ann = await service.login("ann")
    await ann.agent_ready()
    platform = await service.platform()
    async with platform.ws_connect(f"{service.url}/api/cti?call_id=c9") as ws:
        await agent_events(ws, "hello")
        async with platform.post(f"{service.url}/api/calls", json={"call_id": "c9", "queue": "sales"}) as r:
            assert r.status == 201
        offer = await agent_events(ws, "offer")
        await ws.send_json({"op": "answered", "call_id": "c9", "agent": offer["agent_id"], "id": 1})
        reply = await agent_events(ws, "connect")
        assert reply["agent_id"] == "ann"
        await ws.send_json({"op": "bogus", "id": 2})
        while True:
            m = json.loads((await ws.receive()).data)
            if m.get("reply_to") == 2:
                assert not m["ok"] and "expected one of" in m["error"]
                break


async def test_long_poll_for_a_call(service: Service):
    platform = await service.platform()
    async with platform.post(f"{service.url}/api/calls", json={"call_id": "lp", "queue": "sales"}) as r:
        assert r.status == 201
    async with platform.get(f"{service.url}/api/calls/lp/events?after=0&timeout=1") as r:
        data = await r.json()
    assert [e["kind"] for e in data["events"]][:2] == ["enter", "announce"]

    async def later():
        await asyncio.sleep(0.2)
        async with platform.post(f"{service.url}/api/calls/lp/hangup", json={}) as r:
            assert r.status == 200

    task = asyncio.create_task(later())
    async with platform.get(f"{service.url}/api/calls/lp/events?after={data['last']}&timeout=5") as r:
        nxt = await r.json()
    await task
    assert nxt["events"][0]["kind"] == "abandon"


async def test_csrf_and_roles(service: Service):
    ann = await service.login("ann")
    async with ann.session.post(f"{service.url}/api/agents/ann/sign-in", json={"contact": "sip:a"}) as r:
        assert r.status == 403 and "CSRF" in (await r.json())["error"]
    await ann.agent_ready()
    await ann.post("/api/agents/bob/ready", status=403)  # an agent may only change his own state
    await ann.post("/api/calls", {"call_id": "x", "queue": "sales"}, status=403)
    async with aiohttp.ClientSession() as anon:
        async with anon.get(f"{service.url}/api/agents") as r:
            assert r.status == 401
        async with anon.get(f"{service.url}/api/agents", headers={"Authorization": "Bearer nope"}) as r:
            assert r.status == 401
    await ann.get("/api/reports", status=403)
    root = await service.login("root")
    await root.post("/api/calls", {"call_id": "x", "queue": "sales"}, status=201)  # admin may do anything


async def test_supervisor_forces_and_monitors_and_it_is_logged(service: Service):
    ann, sue = await service.login("ann"), await service.login("sue")
    await ann.agent_ready()
    await sue.post("/api/agents/ann/not-ready", {"reason": "coaching"})
    agent = (await ann.get("/api/agents/ann"))["agent"]
    assert (agent["state"], agent["reason"]) == ("NOT_READY", "coaching")
    await sue.post("/api/agents/ann/force", {"action": "ready"})
    async with AcdClient(service.url, TOKEN) as acd:
        await acd.enqueue("m1", "sales", "+1")
        await next_of(acd, "m1", Bridge)
        await acd.answered("m1", "ann")
        await sue.post("/api/agents/ann/monitor", {"mode": "whisper", "contact": "sip:sue@pbx"})
        mon = await next_of(acd, "m1", Monitor)
        assert (mon.mode, mon.supervisor, mon.contact, mon.agent) == ("whisper", "sue", "sip:sue@pbx", "ann")
        await sue.post("/api/agents/ann/force", {"action": "sign_out"})  # waits for the call's end
        assert (await ann.get("/api/agents/ann"))["agent"]["pending"] == "sign_out"
        await acd.hangup("m1")
    log = (await sue.get("/api/events?limit=100"))["events"]
    forces = [(e["data"]["action"], e["data"]["by"]) for e in log if e["kind"] == "force"]
    assert forces == [("not_ready", "sue"), ("ready", "sue"), ("whisper", "sue"), ("sign_out", "sue")]
    await asyncio.sleep(0.4)  # wrap-up 0.3 s, then the pending sign-out
    assert (await ann.get("/api/agents/ann"))["agent"]["state"] == "OFFLINE"


async def test_refused_call_and_queue_admin(service: Service):
    root = await service.login("root")
    await root.post("/api/queues/night", {"skills": {"x": 1}, "hours": {}, "night_target": "sip:vm@pbx"}, status=200)
    async with AcdClient(service.url, TOKEN) as acd:
        queued = await acd.enqueue("n1", "night", "+1")
        assert queued.exit["reason"] == "closed" and queued.exit["destination"] == "sip:vm@pbx"
        leave = await next_of(acd, "n1", Leave)
        assert leave.destination == "sip:vm@pbx"
    await root.post("/api/queues/bad", {"strategy": "fastest"}, status=422)
    async with root.session.put(f"{service.url}/api/queues/bad", json={"strategy": "fastest"},
                                headers={"X-CSRF-Token": root.csrf}) as r:
        assert r.status == 422 and "strategy" in (await r.json())["error"]


async def test_errors_are_json_with_status(service: Service):
    platform = await service.platform()
    async with platform.post(f"{service.url}/api/calls", json={"call_id": "e", "queue": "nope"}) as r:
        assert r.status == 404 and (await r.json())["error"] == "no queue 'nope'"
    async with platform.post(f"{service.url}/api/calls/ghost/answered", json={"agent": "a"}) as r:
        assert r.status == 404
    async with platform.post(f"{service.url}/api/calls", data="{", headers={"Content-Type": "application/json"}) as r:
        assert r.status == 422


async def test_reports_and_csv_export(service: Service):
    ann, sue = await service.login("ann"), await service.login("sue")
    await ann.agent_ready()
    async with AcdClient(service.url, TOKEN) as acd:
        await acd.enqueue("r1", "sales", "+1")
        await next_of(acd, "r1", Bridge)
        await acd.answered("r1", "ann")
        await acd.hangup("r1")
    rows = (await sue.get("/api/reports?period=day"))["rows"]
    sales = [r for r in rows if r["queue"] == "sales"][0]
    assert (sales["offered"], sales["answered"]) == (1, 1)
    csv_text = await sue.get("/api/reports.csv?period=month")
    assert csv_text.splitlines()[0].startswith("period,queue,offered,answered")
    agents = (await sue.get("/api/reports?kind=agent&period=hour"))["rows"]
    assert agents[0]["agent"] == "ann" and agents[0]["calls"] == 1
    await sue.get("/api/reports?period=decade", status=422)


async def test_cross_site_websocket_is_refused_and_platform_sees_only_calls(service: Service):
    ann = await service.login("ann")
    try:
        await ann.session.ws_connect(f"{service.url}/api/cti", headers={"Origin": "http://evil.example"})
        raise AssertionError("cross-site WebSocket accepted")
    except aiohttp.WSServerHandshakeError as exc:
        assert exc.status == 403
    platform = await service.platform()
    async with platform.ws_connect(f"{service.url}/api/cti") as ws:
        await agent_events(ws, "hello")
        await ann.agent_ready()  # agent_state events: not for the platform
        async with platform.post(f"{service.url}/api/calls", json={"call_id": "p1", "queue": "sales"}) as r:
            assert r.status == 201
        first = json.loads((await ws.receive(timeout=5)).data)
        assert (first["kind"], first["call_id"]) == ("enter", "p1")


async def test_admin_adds_a_user_who_can_sign_in(service: Service):
    root, ann = await service.login("root"), await service.login("ann")
    await ann.post("/api/users/carl", {"role": "agent", "password": "carl-password"}, status=403)
    await root.post("/api/users/carl", {"role": "boss", "password": "carl-password"}, status=422)
    await root.post("/api/users/carl", {"role": "agent", "password": "carl-password"})
    async with aiohttp.ClientSession() as s:
        async with s.post(f"{service.url}/login", data={"name": "carl", "password": "carl-password"},
                          allow_redirects=False) as r:
            assert r.status == 303 and r.headers["Location"] == "/desktop"
        async with s.post(f"{service.url}/login", data={"name": "carl", "password": "wrong"},
                          allow_redirects=False) as r:
            assert r.status == 401


async def test_report_date_range(service: Service):
    sue = await service.login("sue")
    platform = await service.platform()
    async with platform.post(f"{service.url}/api/calls", json={"call_id": "d1", "queue": "sales"}) as r:
        assert r.status == 201
    rows = (await sue.get("/api/reports?since=2000-01-01&until=2000-01-02"))["rows"]
    assert rows == []
    rows = (await sue.get("/api/reports?since=2000-01-01"))["rows"]
    assert [r["offered"] for r in rows if r["queue"] == "sales"] == [1]
    await sue.get("/api/reports?since=yesterday", status=422)
    html = await sue.get("/reports?since=2000-01-01&period=year")
    assert 'value="2000-01-01"' in html and "<svg" in html


async def test_skills_from_forms_and_bad_skills(service: Service):
    ann, sue = await service.login("ann"), await service.login("sue")
    await ann.post("/api/agents/ann/sign-in", {"contact": "sip:ann@x", "skills": "sales:3, support:1"})
    assert (await ann.get("/api/agents/ann"))["agent"]["skills"] == {"sales": 3, "support": 1}
    await ann.post("/api/agents/ann/skills", {"skills": {"sales": 5}}, status=403)
    await sue.post("/api/agents/ann/skills", {"skills": "sales:5"})
    assert (await ann.get("/api/agents/ann"))["agent"]["skills"] == {"sales": 5}
    await sue.post("/api/agents/ann/skills", {"skills": "sales:high"}, status=422)
