"""The CTI hub: fan-out, replay, long-poll, and cutting off a subscriber that lags behind."""

from __future__ import annotations

import asyncio

from agent_queue.service.runtime import Hub


async def test_fan_out_replay_and_lagging():
    hub = Hub(keep=100)
    key_all, all_q = hub.subscribe(lambda m: True)
    key_c1, c1_q = hub.subscribe(lambda m: m.get("call_id") == "c1", maxsize=2)
    for i in range(3):
        hub.publish({"kind": "announce", "call_id": "c1", "i": i})
    assert all_q.qsize() == 3
    assert hub.is_lagging(key_c1) and not hub.is_lagging(key_all)
    assert key_c1 not in hub.subscribers  # cut off; it replays from where it was
    assert [m["i"] for m in hub.since(1, lambda m: True)] == [1, 2]
    hub.unsubscribe(key_c1)
    assert not hub.is_lagging(key_c1)


async def test_long_poll_waits_for_the_next_message():
    hub = Hub()
    asyncio.get_running_loop().call_later(0.05, hub.publish, {"kind": "offer", "call_id": "c2"})
    got = await hub.wait(0, lambda m: m.get("call_id") == "c2", timeout=2)
    assert [m["kind"] for m in got] == ["offer"]
    assert await hub.wait(got[0]["stream_seq"], lambda m: True, timeout=0.05) == []
