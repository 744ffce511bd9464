"""The running-service helper other packages' end-to-end tests use, with the browser's client."""

from __future__ import annotations

from agent_queue.client import AcdClient, Bridge, Ended
from agent_queue.domain.model import QueueConfig
from agent_queue.testing import acd_service


async def test_a_browser_transfer_against_a_running_acd():
    async with acd_service(QueueConfig("sales", skills={"sales": 1}, wrap_up=0)) as acd:
        await acd.agent_ready("ann", "sip:ann@127.0.0.1:5070", {"sales": 2})
        async with AcdClient(acd.url, acd.token) as client:
            queued = await client.transfer("queue:sales", '{"order": 77}', "sip-call-1", "+4930123")
            assert queued.exit is None
            actions = []
            async for action in client.actions("sip-call-1"):
                actions.append(type(action).__name__)
                if isinstance(action, Bridge):
                    assert action.contact == "sip:ann@127.0.0.1:5070"
                    await client.ringing("sip-call-1", action.agent)
                    await client.answered("sip-call-1", action.agent)
                    assert (await acd.agent("ann"))["state"] == "TALKING"
                    await client.hangup("sip-call-1", by="agent")
                if isinstance(action, Ended):
                    break
        assert actions == ["Bridge", "Ended"]
        assert (await acd.agent("ann"))["state"] == "READY"
