"""ACD callbacks end to end: a caller asks to be called back, and is, when an agent is ready.

A pjsua2 caller calls a small IVR, presses 0 and waits in ``queue:funds?callback=9`` with no
agent ready; he presses 9, hears the goodbye and is hung up (the ACD keeps his place). The
agent goes ready: the platform's callback dialer claims the offer, dials the customer's number
at ``[acd] callback_uri`` (a pjsua2 UA answering as that number), then the agent's phone, and
bridges them; each hears the other's tone, and the ACD's log and reports count the call answered.
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest

from agent_queue.domain.model import QueueConfig

from .app import AppServer
from .audio_check import heard_matches
from .conftest import (
    AGENT_TONE_HZ,
    UA,
    Platform,
    free_port,
    needs_espeak,
    needs_pjsua2,
    tone_wav,
    wait_for,
)
from .test_cti_queue import CALLER, IVR_TEMPLATE, AcdThread, _events, speech
from .test_sip_transfer import tone_level

pytestmark = [needs_pjsua2, needs_espeak]

CUSTOMER_TONE_HZ = 1000
IVR = IVR_TEMPLATE.replace("{audio}", "").replace("queue:funds?tier=priority", "queue:funds?callback=9")


@pytest.fixture()
def acd() -> Any:
    # ring_timeout covers the customer's ringing and then the agent's (callbacks.py)
    a = AcdThread(QueueConfig("funds", skills={"funds": 1}, ring_timeout=10.0, wrap_up=0,
                              announce_interval=0))
    yield a
    a.stop()


async def _queue_report(acd: AcdThread) -> dict[str, Any]:
    async with acd.acd._admin.get(f"{acd.acd.url}/api/reports?kind=queue&period=day") as resp:
        resp.raise_for_status()
        return (await resp.json())["rows"][0]


def test_a_callback_dials_the_customer_then_the_agent_and_bridges_them(
        app: AppServer, fresh: AppServer, sip_tmp: str, acd: AcdThread) -> None:
    started = time.monotonic()
    fresh.files["cti.vxml"] = (IVR.encode(), "application/voicexml+xml")
    tmp = os.path.join(sip_tmp, "cti-callback")
    os.makedirs(tmp, exist_ok=True)
    customer_port = free_port()
    extra = (f'\n[acd]\nurl = "{acd.acd.url}"\ntoken = "{acd.acd.token}"\n'
             f'callback_uri = "sip:{{number}}@127.0.0.1:{customer_port}"\n')
    platform = Platform(app, tmp, extra=extra, apps={"cti": f"{app.base}/ivr/cti.vxml"})
    heard_by = {who: os.path.join(tmp, f"heard-{who}.wav") for who in ("caller", "customer", "bob")}
    customer = UA(tmp, {"mode": "answer", "port": customer_port, "user": CALLER, "code": 200,
                        "play": tone_wav(os.path.join(tmp, "customer.wav"), CUSTOMER_TONE_HZ),
                        "record": heard_by["customer"], "lifetime": 40, "exit_when_done": True})
    bob = UA(tmp, {"mode": "answer", "user": "bob", "code": 200, "hangup_after": 3.0,
                   "play": tone_wav(os.path.join(tmp, "agent.wav"), AGENT_TONE_HZ),
                   "record": heard_by["bob"], "lifetime": 40, "exit_when_done": True})
    caller = None
    try:
        acd.desktop("bob")
        acd.agent_op("bob", "sign-in", contact=bob.uri, skills={"funds": 3}, ready=False)
        caller = UA(tmp, {"mode": "call", "dest": f"sip:cti@127.0.0.1:{platform.port}", "user": CALLER,
                          "record": heard_by["caller"], "steps": [
                              ["until_confirmed", 5], ["wait", 0.5], ["dtmf", "0"], ["wait", 3.0],
                              ["dtmf", "9"], ["until_disconnected", 15]]})
        caller_events = caller.result(25)
        kinds = [e["kind"] for e in acd.run(_events(acd)) if e.get("call_id")]
        assert "callback" in kinds, (kinds, platform.output()[-3000:])
        acd.agent_op("bob", "ready")
        assert wait_for(lambda: "complete" in [e["kind"] for e in acd.run(_events(acd))], 20), \
            platform.output()[-3000:]
        customer_events, bob_events = customer.result(20), bob.result(20)
        events = acd.run(_events(acd))
        report = acd.run(_queue_report(acd))
    finally:
        for ua in (caller, customer, bob):
            if ua is not None:
                ua.kill()
        platform.stop()
    # the caller heard the goodbye and was hung up by the platform
    assert any(e["event"] == "state" and e["state"] == "DISCONNECTED" for e in caller_events)
    pcm, rate = speech("We will call you back. Goodbye.")
    score, level = heard_matches(heard_by["caller"], pcm, rate)
    assert level > 300 and score > 0.6, f"the caller did not hear the goodbye ({score:.2f})"
    # one offer with the callback number, answered, completed by the agent
    kinds = [(e["kind"], e.get("agent_id")) for e in events
             if e["kind"] in ("enter", "callback", "offer", "rona", "connect", "complete")]
    assert kinds == [("enter", None), ("callback", None), ("offer", "bob"), ("connect", "bob"),
                     ("complete", "bob")], kinds
    offer = next(e for e in events if e["kind"] == "offer")
    complete = next(e for e in events if e["kind"] == "complete")
    assert offer["data"]["callback"] == CALLER and complete["data"]["by"] == "agent"
    assert any(e["event"] == "state" and e["state"] == "CONFIRMED" for e in customer_events), customer_events
    assert any(e["event"] == "state" and e["state"] == "CONFIRMED" for e in bob_events), bob_events
    # they heard each other
    answered_leg = {who: heard_by[who].replace(".wav", "-in0.wav") for who in ("customer", "bob")}  # ua.py
    assert tone_level(answered_leg["customer"], AGENT_TONE_HZ) > 0.05, "the customer did not hear the agent"
    assert tone_level(answered_leg["bob"], CUSTOMER_TONE_HZ) > 0.05, "the agent did not hear the customer"
    assert (report["answered"], report["callbacks"]) == (1, 1), report
    assert time.monotonic() - started < 40
