"""Issue 7 end to end: ``<transfer dest="queue:...">`` over real SIP to a real ACD.

The ACD (``agent_queue.testing.acd_service``) runs on a loop thread of the test process; two
agents sign in through the REST API from their desktop sessions (the desktop's own cookie and
CSRF token) and keep the desktop's CTI WebSocket open; their phones are pjsua2 UAs. A pjsua2
caller calls a small IVR, presses 0 and waits in the queue: the first agent lets it ring out
(RONA), the second answers, talks (a tone the caller must hear) and hangs up; the document
gets its transfer outcome.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from typing import Any

import aiohttp
import numpy as np
import pytest

from agent_queue.domain.model import QueueConfig
from agent_queue.service.auth import COOKIE, Sessions
from agent_queue.testing import acd_service

from .app import DOC, AppServer, AppServerThread
from .audio_check import heard_matches
from .conftest import AGENT_TONE_HZ, UA, Platform, needs_espeak, needs_pjsua2, wait_for
from .test_sip_transfer import STAR_NINE, tone_level

pytestmark = [needs_pjsua2, needs_espeak]

CALLER = "+4930123456"

IVR_TEMPLATE = DOC.format(body="""
  <catch event="connection.disconnect.hangup"><submit next="/result?step=hangup" method="post"/></catch>
  <menu id="top" dtmf="true">
    <prompt>Press 0 for an agent.</prompt>
    <choice dtmf="0" next="#agent"/>
  </menu>
  <form id="agent">
    <transfer name="result" dest="queue:funds?tier=priority" type="bridge"
              aaiexpr="'account=100234;verified=yes'" connecttimeout="30s"{audio}>
      <prompt>Please hold for a fund specialist.</prompt>
      <filled><submit next="/result?step=after" namelist="result" method="post"/></filled>
    </transfer>
  </form>""")
IVR = IVR_TEMPLATE.replace("{audio}", "")
HOLD_HZ = 440


class AcdThread:
    """A real ACD on its own loop thread, with the agents' desktop sessions and CTI sockets."""

    def __init__(self, *queues: QueueConfig) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self._service = acd_service(*queues)
        self.acd = self.run(self._service.__aenter__())
        self.desks: dict[str, aiohttp.ClientSession] = {}
        self.csrf: dict[str, str] = {}
        self.received: dict[str, list[dict[str, Any]]] = {}  # desktop -> CTI messages
        self._readers: list[asyncio.Task[None]] = []

    def run(self, coro: Any, timeout: float = 15) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _desktop(self, agent: str) -> None:
        """What the agent desktop does: a session cookie, the CSRF token, the CTI WebSocket."""
        cookie = Sessions("test").issue(agent, "agent")  # acd_service's secret is "test"
        session = aiohttp.ClientSession(cookies={COOKIE: cookie})
        async with session.get(f"{self.acd.url}/api/me") as resp:
            resp.raise_for_status()
            self.csrf[agent] = (await resp.json())["csrf"]
        ws = await session.ws_connect(f"{self.acd.url}/api/cti")
        self.desks[agent] = session
        messages = self.received.setdefault(agent, [])
        hello = await ws.receive_json(timeout=5)
        assert hello["kind"] == "hello", hello

        async def read() -> None:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    messages.append(msg.json())

        self._readers.append(asyncio.get_running_loop().create_task(read()))

    def desktop(self, agent: str) -> None:
        self.run(self._desktop(agent))

    async def _agent_op(self, agent: str, op: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.desks[agent].post(f"{self.acd.url}/api/agents/{agent}/{op}", json=body,
                                          headers={"X-CSRF-Token": self.csrf[agent]}) as resp:
            data = await resp.json()
            assert resp.status == 200, data
            return data

    def agent_op(self, agent: str, op: str, **body: Any) -> dict[str, Any]:
        return self.run(self._agent_op(agent, op, body))

    def agent(self, agent: str) -> dict[str, Any]:
        return self.run(self.acd.agent(agent))

    def kinds(self, agent: str) -> list[str]:
        return [m.get("kind", "") for m in self.received.get(agent, [])]

    def stop(self) -> None:
        async def close() -> None:
            for task in self._readers:
                task.cancel()
            for session in self.desks.values():
                await session.close()
            await self._service.__aexit__(None, None, None)

        self.run(close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture()
def acd() -> Any:
    a = AcdThread(QueueConfig("funds", skills={"funds": 1}, strategy="linear", members=("ann", "bob"),
                              ring_timeout=2.0, wrap_up=0, announce_interval=0))
    yield a
    a.stop()


def acd_platform(app: AppServer, tmp: str, acd: AcdThread, apps: dict[str, str]) -> Platform:
    """A ``vxml-browser sip`` process whose ``[acd]`` table names the test's ACD."""
    os.makedirs(tmp, exist_ok=True)
    return Platform(app, tmp, extra=f'\n[acd]\nurl = "{acd.acd.url}"\ntoken = "{acd.acd.token}"\n',
                    apps=apps)


def speech(text: str) -> tuple[np.ndarray, int]:
    from vxml_browser.adapters.speech_plugins.espeak import EspeakSynthesizer

    audio = EspeakSynthesizer().synthesize(
        f'<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">{text}</speak>')
    return np.frombuffer(audio.pcm, dtype="<i2"), audio.sample_rate


def test_queue_rona_then_answer_bridge_screen_pop_and_outcome(
        app: AppServer, fresh: AppServer, sip_tmp: str, acd: AcdThread, agent_tone: str) -> None:
    started = time.monotonic()
    fresh.files["cti.vxml"] = (IVR.encode(), "application/voicexml+xml")
    tmp = os.path.join(sip_tmp, "cti")
    platform = acd_platform(app, tmp, acd, {"cti": f"{app.base}/ivr/cti.vxml"})
    ann = UA(tmp, {"mode": "answer", "user": "ann", "code": 0, "lifetime": 30, "exit_when_done": True})
    bob = UA(tmp, {"mode": "answer", "user": "bob", "code": 200, "play": agent_tone,
                   "hangup_after": 3.0, "lifetime": 30, "exit_when_done": True})
    caller = None
    try:
        for name, ua in (("ann", ann), ("bob", bob)):
            acd.desktop(name)
            acd.agent_op(name, "sign-in", contact=ua.uri, skills={"funds": 3}, ready=False)
        heard = os.path.join(tmp, "heard-cti.wav")
        caller = UA(tmp, {"mode": "call", "dest": f"sip:cti@127.0.0.1:{platform.port}", "record": heard,
                          "user": CALLER, "steps": [["until_confirmed", 5], ["wait", 0.5], ["dtmf", "0"],
                                                    ["until_disconnected", 40]]})
        # the caller waits in the queue (nobody is ready) and hears the announcement
        assert wait_for(lambda: "enter" in [e["kind"] for e in acd.run(_events(acd))], 15), \
            platform.output()[-3000:]
        time.sleep(1.5)
        acd.agent_op("ann", "ready")
        acd.agent_op("bob", "ready")
        caller_events = caller.result(45)
        assert wait_for(lambda: fresh.received["result"], 10), platform.output()[-3000:]
        result = fresh.received["result"][-1]
        events = acd.run(_events(acd))
        ann_events, bob_events = ann.result(20), bob.result(20)
    finally:
        for ua in (caller, ann, bob):
            if ua is not None:
                ua.kill()
        platform.stop()
    kinds = [(e["kind"], e.get("agent_id")) for e in events if e["kind"] in ("offer", "rona", "connect", "complete")]
    assert kinds == [("offer", "ann"), ("rona", "ann"), ("offer", "bob"), ("connect", "bob"),
                     ("complete", "bob")], kinds
    offer = next(e for e in events if e["kind"] == "offer")
    assert offer["data"]["caller"] == CALLER and offer["data"]["aai"] == {"account": "100234", "verified": "yes"}
    # the first agent rang (180) and was let go; he is NOT_READY(RONA)
    assert any(e["event"] == "incoming" for e in ann_events), ann_events
    assert not any(e["event"] == "state" and e["state"] == "CONFIRMED" for e in ann_events), ann_events
    ann_now = acd.agent("ann")
    assert (ann_now["state"], ann_now["reason"]) == ("NOT_READY", "RONA"), ann_now
    # the second answered, got the aai as User-to-User, and the caller heard him
    incoming = [e for e in bob_events if e["event"] == "incoming"]
    assert incoming and incoming[0]["headers"].get("user-to-user") == "account=100234;verified=yes"
    assert tone_level(heard, AGENT_TONE_HZ) > 0.05, "the caller did not hear the agent"
    # the screen pop reached the agent's desktop socket, with the caller's number and IVR data
    pops = [m for m in acd.received["bob"] if m.get("kind") == "screen_pop"]
    assert pops and pops[0]["data"]["caller"] == CALLER, acd.received["bob"]
    assert pops[0]["data"]["aai"] == {"account": "100234", "verified": "yes"}
    assert pops[0]["data"]["tier"] == "priority"
    assert "screen_pop" in acd.kinds("ann")  # ann was offered first: she had hers too
    # the agent hung up: the document gets far_end_disconnect
    assert result == {"result": "far_end_disconnect", "step": "after"}, result
    assert any(e["event"] == "state" and e["state"] == "DISCONNECTED" for e in caller_events)
    assert time.monotonic() - started < 60


def test_caller_hangs_up_in_the_queue(app: AppServer, fresh: AppServer, sip_tmp: str,
                                      acd: AcdThread) -> None:
    """Nobody is ready: the caller hears his place in the queue, then the hold music
    (transferaudio), hangs up: an abandon."""
    from vxml_browser.adapters.media import tone, wav_bytes

    fresh.files["hold.wav"] = (wav_bytes(tone(HOLD_HZ, 1.0, 8000), 8000), "audio/wav")
    ivr = IVR_TEMPLATE.replace("{audio}", ' transferaudio="/ivr/hold.wav"')
    fresh.files["cti.vxml"] = (ivr.encode(), "application/voicexml+xml")
    tmp = os.path.join(sip_tmp, "cti-abandon")
    platform = acd_platform(app, tmp, acd, {"cti": f"{app.base}/ivr/cti.vxml"})
    heard = os.path.join(tmp, "heard-abandon.wav")
    try:
        caller = UA(tmp, {"mode": "call", "dest": f"sip:cti@127.0.0.1:{platform.port}", "record": heard,
                          "user": CALLER, "steps": [["until_confirmed", 5], ["wait", 0.5], ["dtmf", "0"],
                                                    ["wait", 8.0], ["hangup"]]})
        caller.result(30)
        assert wait_for(lambda: fresh.received["result"], 10), platform.output()[-3000:]
        assert wait_for(lambda: "abandon" in [e["kind"] for e in acd.run(_events(acd))], 5)
    finally:
        platform.stop()
    kinds = [e["kind"] for e in acd.run(_events(acd)) if e.get("call_id") and e["kind"] != "agent_state"]
    assert kinds == ["enter", "abandon"], kinds
    assert [r["step"] for r in fresh.received["result"]] == ["hangup"]  # connection.disconnect.hangup
    pcm, rate = speech("You are number 1 in the queue. Your estimated waiting time is about 3 minutes.")
    score, level = heard_matches(heard, pcm, rate)
    assert level > 300 and score > 0.6, f"the caller did not hear the announcement ({score:.2f})"
    assert tone_level(heard, HOLD_HZ) > 0.05, "no hold music after the announcement"


def test_fund_hotline_agent_through_the_app_server(app: AppServer, sip_tmp: str, acd: AcdThread,
                                                   agent_tone: str) -> None:
    """The sample app's "speak to an agent" (a blind ``queue:funds`` with ``aaiexpr``) over SIP:
    the IVR data reaches the agent's screen pop; when the agent hangs up the app's record says
    the call was transferred."""
    tmp = os.path.join(sip_tmp, "cti-hotline")
    os.makedirs(tmp, exist_ok=True)
    hotline = AppServerThread(os.path.join(tmp, "app-server"))
    platform = acd_platform(app, tmp, acd, {"funds": f"{hotline.base}/apps/fund_hotline/?call=sip-agent-1"})
    bob = UA(tmp, {"mode": "answer", "user": "bob", "code": 200, "play": agent_tone,
                   "hangup_after": 2.5, "lifetime": 40, "exit_when_done": True})
    heard = os.path.join(tmp, "heard-hotline.wav")
    try:
        acd.desktop("bob")
        acd.agent_op("bob", "sign-in", contact=bob.uri, skills={"funds": 3}, ready=True)
        caller = UA(tmp, {"mode": "call", "dest": f"sip:funds@127.0.0.1:{platform.port}", "record": heard,
                          "user": CALLER, "steps": [
                              ["until_confirmed", 10], ["wait", 2.0], ["dtmf", "2"], ["wait", 1.5],
                              ["dtmf", "100234"], ["wait", 1.5], ["dtmf", "4321"], ["wait", 3.0],
                              ["dtmf", "9"], ["wait", 1.5], ["dtmf", "0"], ["until_disconnected", 30]]})
        caller.result(50)
        bob_events = bob.result(20)
        record = hotline.record("sip-agent-1")
    finally:
        platform.stop()
        hotline.stop()
    assert any(e["event"] == "state" and e["state"] == "CONFIRMED" for e in bob_events), bob_events
    aai = {"app": "fund_hotline", "call": "sip-agent-1", "account": "100234", "verified": "yes"}
    pops = [m for m in acd.received["bob"] if m.get("kind") == "screen_pop"]
    assert pops and pops[0]["data"]["aai"] == aai and pops[0]["data"]["caller"] == CALLER, pops
    assert tone_level(heard, AGENT_TONE_HZ) > 0.05, "the caller did not hear the agent"
    kinds = [e["kind"] for e in acd.run(_events(acd)) if e.get("call_id") and e["kind"] != "agent_state"]
    assert kinds == ["enter", "offer", "connect", "complete"], kinds
    assert record["end_reason"] == "transferred" and record["outcome"] == "agent.transfer", record


def test_caller_keys_end_the_agent_call(app: AppServer, fresh: AppServer, sip_tmp: str,
                                        acd: AcdThread) -> None:
    """Bridged to the agent through the queue, the caller's * 9 matches the transfer's grammar:
    near_end_disconnect (the bridged transfer's own wait), the agent's leg ends, the ACD hears
    the caller hung up on the agent."""
    tmp = os.path.join(sip_tmp, "cti-near-end")
    platform = acd_platform(app, tmp, acd, {})
    bob = UA(tmp, {"mode": "answer", "user": "bob", "code": 200, "lifetime": 30, "exit_when_done": True})
    fresh.transfer.update(dest="queue:funds", type="bridge", connecttimeout="5s", grammar=STAR_NINE)
    try:
        acd.desktop("bob")
        acd.agent_op("bob", "sign-in", contact=bob.uri, skills={"funds": 3}, ready=True)
        caller = UA(tmp, {"mode": "call", "dest": platform.uri, "user": CALLER, "steps": [
            ["until_confirmed", 5], ["wait", 0.3], ["dtmf", "3"], ["wait", 4.0], ["dtmf", "*9"],
            ["until_disconnected", 15]]})
        caller.result(30)
        bob_events = bob.result(20)
        assert wait_for(lambda: fresh.received["result"], 10), platform.output()[-3000:]
    finally:
        platform.stop()
    assert fresh.received["result"][-1] == {"result": "near_end_disconnect", "utterance": "*9",
                                            "inputmode": "dtmf", "step": "after"}
    assert any(e["event"] == "state" and e["state"] == "CONFIRMED" for e in bob_events), bob_events
    assert any(e["event"] == "state" and e["state"] == "DISCONNECTED" for e in bob_events), bob_events
    complete = [e for e in acd.run(_events(acd)) if e["kind"] == "complete"]
    assert complete and complete[0]["data"]["by"] == "caller", complete


async def _events(acd: AcdThread) -> list[dict[str, Any]]:
    async with acd.acd._admin.get(f"{acd.acd.url}/api/events") as resp:
        resp.raise_for_status()
        return (await resp.json())["events"]
