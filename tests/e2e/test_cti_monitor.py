"""A supervisor monitors a queued SIP call (the ACD's ``monitor``; agent_queue/CTI.md).

A pjsua2 caller reaches agent bob through ``queue:funds``; supervisor sue, from her console
session, asks the ACD to ``listen``, then ``whisper``, ``barge`` and ``intercept`` on bob's call,
with her phone (a pjsua2 UA) as the contact. Each party sends its own tone and records what it
hears; the test marks where each phase starts in the three recordings (their sizes as they
grow) and checks which tones each party heard in each phase. The default 2.10 wheel: the
platform holds three legs for the call (caller, agent, supervisor).
"""

from __future__ import annotations

import os
import time
from typing import Any

import aiohttp
import numpy as np
import pytest

from agent_queue.domain.model import QueueConfig
from agent_queue.service.auth import COOKIE, Sessions
from vxml_browser.adapters.media import read_wav

from .app import AppServer
from .conftest import UA, needs_espeak, needs_pjsua2, tone_wav, wait_for
from .test_cti_queue import CALLER, AcdThread, _events, acd_platform

pytestmark = [needs_pjsua2, needs_espeak]

CALLER_HZ, AGENT_HZ, SUPERVISOR_HZ = 900, 600, 1400
PHASE_S = 2.5  # each mode is listened to this long
SETTLE_S = 1.0  # the start of a phase not looked at: the change, and the recorders lag (~0.5 s)
HEARD, SILENT = 0.1, 0.01  # a tone's share of the energy: heard above, not heard below


@pytest.fixture()
def acd() -> Any:
    a = AcdThread(QueueConfig("funds", skills={"funds": 1}, members=("bob",), ring_timeout=5.0,
                              wrap_up=0, announce_interval=0))
    yield a
    a.stop()


def tone_file(tmp: str, name: str, hz: float, seconds: float) -> str:
    return tone_wav(os.path.join(tmp, f"{name}.wav"), hz, seconds)


def samples(path: str) -> int:
    """16-bit samples recorded so far (the recorder writes the file as it goes)."""
    return max(0, (os.path.getsize(path) - 44) // 2) if os.path.exists(path) else 0


def share(pcm: np.ndarray, rate: int, hz: float) -> float:
    """The share of the spectral energy within 20 Hz of ``hz``."""
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(len(pcm), 1 / rate)
    return float(spectrum[(freqs > hz - 20) & (freqs < hz + 20)].sum() / (spectrum.sum() or 1.0))


class Console:
    """Supervisor sue's console: her session cookie and CSRF token, her ``monitor`` posts."""

    def __init__(self, acd: AcdThread, name: str = "sue") -> None:
        self.acd, self.name = acd, name
        self.session, self.csrf = acd.run(self._open())

    async def _open(self) -> tuple[aiohttp.ClientSession, str]:
        session = aiohttp.ClientSession(cookies={COOKIE: Sessions("test").issue(self.name, "supervisor")})
        async with session.get(f"{self.acd.acd.url}/api/me") as resp:
            resp.raise_for_status()
            return session, (await resp.json())["csrf"]

    async def _post(self, agent: str, mode: str, contact: str) -> None:
        async with self.session.post(f"{self.acd.acd.url}/api/agents/{agent}/monitor",
                                     json={"mode": mode, "contact": contact},
                                     headers={"X-CSRF-Token": self.csrf}) as resp:
            assert resp.status == 200, await resp.text()

    def monitor(self, agent: str, mode: str, contact: str) -> None:
        self.acd.run(self._post(agent, mode, contact))

    def close(self) -> None:
        self.acd.run(self.session.close())


class Scene:
    """The platform, agent bob's and supervisor sue's phones (each sending its tone and
    recording what it hears), sue's console, bob signed in and ready; ``call`` places the
    caller (his tone from when he pressed 3 for the queue, then ``steps``) and waits until he
    talks to bob."""

    def __init__(self, app: AppServer, fresh: AppServer, sip_tmp: str, acd: AcdThread, name: str,
                 sue_hangs_up_after: float | None = None) -> None:
        self.acd, self.tmp = acd, os.path.join(sip_tmp, name)
        self.platform = acd_platform(app, self.tmp, acd, {})
        fresh.transfer.update(dest="queue:funds", type="bridge", connecttimeout="10s")
        # what each one heard (ua.py names an answered call's recording after the call: "-in0")
        self.heard = {who: os.path.join(self.tmp, f"heard-{who}{'' if who == 'caller' else '-in0'}.wav")
                      for who in ("caller", "agent", "supervisor")}
        self.bob = self._phone("bob", "agent", AGENT_HZ)
        self.sue = self._phone("sue", "supervisor", SUPERVISOR_HZ, sue_hangs_up_after)
        self.caller: UA | None = None
        self.console = Console(acd)
        acd.desktop("bob")
        acd.agent_op("bob", "sign-in", contact=self.bob.uri, skills={"funds": 3}, ready=True)

    def _phone(self, user: str, who: str, hz: float, hangup_after: float | None = None) -> UA:
        script = {"mode": "answer", "user": user, "code": 200, "lifetime": 40, "exit_when_done": True,
                  "play": tone_file(self.tmp, who, hz, 5.0), "record": os.path.join(self.tmp, f"heard-{who}.wav")}
        return UA(self.tmp, script | ({"hangup_after": hangup_after} if hangup_after else {}))

    def call(self, steps: list[list[Any]]) -> None:
        self.caller = UA(self.tmp, {
            "mode": "call", "dest": self.platform.uri, "user": CALLER, "record": self.heard["caller"],
            "steps": [["until_confirmed", 5], ["wait", 0.3], ["dtmf", "3"],
                      ["play", tone_file(self.tmp, "caller", CALLER_HZ, 40.0)], *steps]})
        assert wait_for(lambda: "connect" in self.kinds(), 15), self.platform.output()[-3000:]

    def monitor(self, mode: str) -> None:
        self.console.monitor("bob", mode, self.sue.uri)

    def kinds(self) -> list[str]:
        return [e["kind"] for e in self.events()]

    def events(self) -> list[dict[str, Any]]:
        return self.acd.run(_events(self.acd))

    def stop(self) -> None:
        self.console.close()
        for ua in (self.caller, self.bob, self.sue):
            if ua is not None:
                ua.kill()
        self.platform.stop()


def test_supervisor_listens_whispers_barges_and_intercepts(
        app: AppServer, fresh: AppServer, sip_tmp: str, acd: AcdThread) -> None:
    started = time.monotonic()
    # sue hangs up some time after the intercept: that ends the call
    scene = Scene(app, fresh, sip_tmp, acd, "cti-monitor", 4 * (PHASE_S + SETTLE_S) + 3.0)
    heard = scene.heard
    marks: dict[str, dict[str, int]] = {}
    try:
        scene.call([["until_disconnected", 35]])
        for mode in ("listen", "whisper", "barge", "intercept"):
            scene.monitor(mode)
            if mode == "listen":  # she answers and her recorder starts
                assert wait_for(lambda: samples(heard["supervisor"]) > 4000, 10), scene.platform.output()[-3000:]
            time.sleep(SETTLE_S)
            marks[mode] = {who: samples(path) for who, path in heard.items()}
            time.sleep(PHASE_S)
            marks[mode + "-end"] = {who: samples(path) for who, path in heard.items()}
        assert scene.caller is not None
        caller_events = scene.caller.result(30)
        bob_events, sue_events = scene.bob.result(10), scene.sue.result(10)
        assert wait_for(lambda: fresh.received["result"], 10), scene.platform.output()[-3000:]
        events = scene.events()
    finally:
        scene.stop()
    recorded = {who: read_wav(path) for who, path in heard.items()}

    def level(who: str, mode: str, hz: float) -> float:
        pcm, rate = recorded[who]
        start, end = marks[mode][who], marks[mode + "-end"][who]
        assert (end - start) / rate > PHASE_S - 1.0, f"{who}'s {mode} phase is {(end - start) / rate:.1f} s"
        return share(np.asarray(pcm)[start:end], rate, hz)

    tones = {"caller": CALLER_HZ, "agent": AGENT_HZ, "supervisor": SUPERVISOR_HZ}
    # who hears whom (listener -> speakers heard), by mode; everyone else is not heard
    hears = {
        "listen": {"caller": {"agent"}, "agent": {"caller"}, "supervisor": {"caller", "agent"}},
        "whisper": {"caller": {"agent"}, "agent": {"caller", "supervisor"}, "supervisor": {"caller", "agent"}},
        "barge": {"caller": {"agent", "supervisor"}, "agent": {"caller", "supervisor"},
                  "supervisor": {"caller", "agent"}},
        "intercept": {"caller": {"supervisor"}, "supervisor": {"caller"}},
    }
    levels = {(mode, listener, speaker): level(listener, mode, tones[speaker])
              for mode, listeners in hears.items() for listener in listeners
              for speaker in tones if speaker != listener}
    for (mode, listener, speaker), value in levels.items():
        if speaker in hears[mode][listener]:
            assert value > HEARD, f"{mode}: the {listener} did not hear the {speaker} ({value:.3f})"
        else:
            assert value < SILENT, f"{mode}: the {listener} heard the {speaker} ({value:.3f})"
    # the intercept ended the agent's leg; sue's hang-up ended the call, reported as hers
    assert any(e["event"] == "state" and e["state"] == "DISCONNECTED" for e in bob_events), bob_events
    assert any(e["event"] == "state" and e["state"] == "CONFIRMED" for e in sue_events), sue_events
    assert any(e["event"] == "state" and e["state"] == "DISCONNECTED" for e in caller_events)
    monitors = [(e["data"]["mode"], e["data"]["by"]) for e in events if e["kind"] == "monitor"]
    assert monitors == [("listen", "sue"), ("whisper", "sue"), ("barge", "sue"), ("intercept", "sue")]
    complete = [e for e in events if e["kind"] == "complete"]
    assert complete and complete[0]["data"]["by"] == "supervisor", complete
    assert fresh.received["result"][-1] == {"result": "far_end_disconnect", "step": "after"}
    assert time.monotonic() - started < 40


def test_the_caller_hanging_up_under_a_barge_hangs_the_supervisor_up(
        app: AppServer, fresh: AppServer, sip_tmp: str, acd: AcdThread) -> None:
    """The call ends with the supervisor's paths to both legs made: his leg is hung up and the
    worker lives on (no ``stopTransmit`` on the caller's gone media) to take the next call."""
    scene = Scene(app, fresh, sip_tmp, acd, "cti-monitor-end")
    try:
        scene.call([["wait", 6.0], ["hangup"]])
        scene.monitor("barge")
        assert wait_for(lambda: samples(scene.heard["supervisor"]) > 4000, 10), scene.platform.output()[-3000:]
        assert scene.caller is not None
        scene.caller.result(15)
        sue_events = scene.sue.result(10)
        assert wait_for(lambda: "complete" in scene.kinds(), 5)
        complete = next(e for e in scene.events() if e["kind"] == "complete")
        next_call = UA(scene.tmp, {"mode": "call", "dest": scene.platform.uri, "user": CALLER,
                                   "steps": [["until_confirmed", 5], ["hangup"]]}).result(15)
    finally:
        scene.stop()
    pcm, rate = read_wav(scene.heard["caller"])
    assert share(np.asarray(pcm), rate, SUPERVISOR_HZ) > 0.05, "the caller never heard the barge"
    assert any(e["event"] == "state" and e["state"] == "DISCONNECTED" for e in sue_events), sue_events
    assert complete["data"]["by"] == "caller", complete
    assert any(e["event"] == "state" and e["state"] == "CONFIRMED" for e in next_call), next_call
    assert "Traceback" not in scene.platform.output()
