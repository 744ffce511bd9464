"""State comes back from the store after a restart (SQLite; PostgreSQL when
``AQ_POSTGRES_URL`` names an empty scratch database, e.g.
``postgresql+psycopg://aq@127.0.0.1:55432/acd``)."""

from __future__ import annotations

import os

import pytest
from aq_service_helpers import TOKEN, settings, start

from agent_queue.client import AcdClient, Bridge


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'acd.db'}"
    url = os.environ.get("AQ_POSTGRES_URL")
    if not url:
        pytest.skip("set AQ_POSTGRES_URL to a scratch PostgreSQL database to run this")
    from sqlalchemy import create_engine

    from agent_queue.store.db import metadata

    engine = create_engine(url)
    metadata.drop_all(engine)
    engine.dispose()
    return url


async def test_state_survives_a_restart(store_url, crm):
    url = store_url
    svc = await start(settings(url, crm))
    ann, root = await svc.login("ann"), await svc.login("root")
    await ann.agent_ready()
    await root.post("/api/queues/extra", {"skills": {"extra": 1}, "strategy": "linear"})
    async with AcdClient(svc.url, TOKEN) as acd:
        await acd.enqueue("talking", "sales", "+1", {"account": "7"})
        await acd.next_action("talking", 5)
        await acd.answered("talking", "ann")
        await acd.enqueue("waiting", "sales", "+2", tier="special")
    await svc.close()
    await svc.server.close()

    svc = await start(settings(url, crm))
    try:
        sue = await svc.login("sue")
        agents = {a["id"]: a for a in (await sue.get("/api/agents"))["agents"]}
        assert (agents["ann"]["state"], agents["ann"]["call_id"]) == ("TALKING", "talking")
        calls = {c["id"]: c for c in (await sue.get("/api/calls"))["calls"]}
        assert calls["talking"]["state"] == "CONNECTED" and calls["talking"]["aai"] == {"account": "7"}
        assert (calls["waiting"]["state"], calls["waiting"]["tier"], calls["waiting"]["position"]) == (
            "WAITING", "special", 1)
        queues = {q["name"] for q in (await sue.get("/api/queues"))["queues"]}
        assert "extra" in queues
        async with AcdClient(svc.url, TOKEN) as acd:
            acd._calls["waiting"] = __import__("asyncio").Queue()
            await acd.hangup("talking")  # the call goes on; ann wraps up, then takes "waiting"
            bridge = await acd.next_action("waiting", 5)
            while not isinstance(bridge, Bridge):
                bridge = await acd.next_action("waiting", 5)
            assert bridge.agent == "ann"
        rows = (await sue.get("/api/reports"))["rows"]
        assert [r["offered"] for r in rows if r["queue"] == "sales"] == [2]
    finally:
        await svc.close()
        await svc.server.close()


async def test_client_reconnects_after_a_service_restart(tmp_path, crm):
    import socket

    from aiohttp.test_utils import TestServer
    from aq_service_helpers import Service

    from agent_queue.service.app import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    s = settings(f"sqlite:///{tmp_path / 'acd.db'}", crm)

    async def serve() -> Service:
        server = TestServer(create_app(s), host="127.0.0.1", port=port)
        await server.start_server()
        return Service(server)

    svc = await serve()
    async with AcdClient(svc.url, TOKEN) as acd:
        acd.max_reconnect_delay = 0.1
        await acd.enqueue("kept", "sales", "+1")
        await svc.close()
        await svc.server.close()
        svc = await serve()
        try:
            ann = await svc.login("ann")
            for _ in range(100):  # wait for the client to be back
                if acd.reconnects:
                    break
                await __import__("asyncio").sleep(0.05)
            await ann.agent_ready()
            action = await acd.next_action("kept", 5)
            while not isinstance(action, Bridge):
                action = await acd.next_action("kept", 5)
            assert action.agent == "ann"
        finally:
            await svc.close()
            await svc.server.close()


async def test_changes_are_kept_while_the_database_is_away(tmp_path, crm, caplog):
    import asyncio

    from agent_queue.service.keys import RUNTIME

    svc = await start(settings(f"sqlite:///{tmp_path / 'acd.db'}", crm))
    try:
        runtime = svc.server.app[RUNTIME]
        runtime.retry_delay = 0.05
        real_save, failures = runtime.store.save, []

        def flaky_save(*args, **kwargs):
            if not failures:
                failures.append(1)
                raise OSError("database unreachable")
            return real_save(*args, **kwargs)

        runtime.store.save = flaky_save
        ann = await svc.login("ann")
        await ann.agent_ready()
        await asyncio.sleep(0.2)
        assert failures and "saving" in caplog.text
        kinds = [e.kind for e in runtime.store.events()]
        assert kinds.count("sign_in") == 1 and "agent_state" in kinds
        agents, _, _ = runtime.store.load()
        assert [a["state"] for a in agents] == ["READY"]
    finally:
        await svc.close()
        await svc.server.close()
