"""Issue 10: the agent queue (ACD) restarts under waiting SIP callers and drops none of them.

The ACD runs as its own process (``python -m agent_queue.cli``) on a SQLite file; the SIP
platform, the callers and the agent's phone are as in ``test_cti_queue.py``. Three pjsua2 callers
wait in the queue (nobody is ready; they hear the announcement, then hold music); the ACD is
killed (SIGKILL, by PID) and the third caller hangs up while it is down; the ACD is started again
on the same port and store. The two other callers are still on the line, in their order, the
agents' states are as they were, the third caller is abandoned in the ACD (and has his call
record); then the agent goes ready on her desktop and talks to the first caller, then the second.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

import aiohttp
import pytest

from agent_queue.service.auth import COOKIE, Sessions
from vxml_browser.adapters.media import read_wav, tone, wav_bytes

from .app import AppServer
from .conftest import (
    AGENT_TONE_HZ,
    ROOT,
    UA,
    Platform,
    env,
    free_port,
    needs_espeak,
    needs_pjsua2,
    tone_wav,
    wait_for,
)
from .test_cti_queue import HOLD_HZ, IVR_TEMPLATE
from .test_sip_transfer import tone_level

pytestmark = [needs_pjsua2, needs_espeak]

SECRET = "restart-test-secret"
PLATFORM_TOKEN = "restart-platform-token"
ADMIN_TOKEN = "restart-admin-token"
CALLERS = {"first": "+4911111", "second": "+4922222", "gone": "+4933333"}


class AcdProcess:
    """``agent-queue`` as its own process on a fixed port and SQLite file: start, kill, start."""

    def __init__(self, tmp: str) -> None:
        self.port = free_port(socket.SOCK_STREAM)
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = os.path.join(tmp, "acd.toml")
        with open(self.config, "w") as f:
            f.write(f"""[server]
host = "127.0.0.1"
port = {self.port}

[store]
url = "sqlite:///{os.path.join(tmp, 'acd.db')}"

[[tokens]]
token_env = "AQ_TEST_PLATFORM_TOKEN"
name = "vxml-browser"
role = "platform"

[[tokens]]
token_env = "AQ_TEST_ADMIN_TOKEN"
name = "root"
role = "admin"

[[queues]]
name = "funds"
skills = {{ funds = 1 }}
strategy = "linear"
ring_timeout = 15
wrap_up = 0
announce_interval = 0
""")
        self.log_path = os.path.join(tmp, "acd.log")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        environment = dict(env(), AQ_SECRET=SECRET, AQ_TEST_PLATFORM_TOKEN=PLATFORM_TOKEN,
                           AQ_TEST_ADMIN_TOKEN=ADMIN_TOKEN)
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "agent_queue.cli", "--config", self.config],
                                         cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
        proc = self.proc
        if not wait_for(lambda: self.listening() or proc.poll() is not None, 20) or proc.poll() is not None:
            raise RuntimeError(f"the ACD did not start: {self.output()}")

    def listening(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
            return True
        return False

    def kill(self) -> None:
        """A crash: SIGKILL to the process we started, no goodbye to its sockets (also the
        test's teardown: SQLite keeps what was committed)."""
        if self.proc is not None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None

    def output(self) -> str:
        with open(self.log_path) as f:
            return f.read()[-3000:]


class Desktops:
    """The agents' desktops (a session cookie, the CSRF token, the CTI WebSocket) and the
    supervisor's reads (the admin token), on a loop thread of the test process."""

    def __init__(self, acd: AcdProcess) -> None:
        self.acd = acd
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.sessions: list[aiohttp.ClientSession] = []
        self.csrf: dict[str, tuple[aiohttp.ClientSession, str]] = {}
        self.received: dict[str, list[dict[str, Any]]] = {}
        self._readers: list[asyncio.Task[None]] = []

    def run(self, coro: Any, timeout: float = 15) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def open(self, agent: str) -> None:
        """The agent opens her desktop (again, after a restart: the old socket died with the ACD)."""

        async def desktop() -> None:
            session = aiohttp.ClientSession(cookies={COOKIE: Sessions(SECRET).issue(agent, "agent")})
            self.sessions.append(session)
            async with session.get(f"{self.acd.url}/api/me") as resp:
                resp.raise_for_status()
                self.csrf[agent] = (session, (await resp.json())["csrf"])
            ws = await session.ws_connect(f"{self.acd.url}/api/cti")
            messages = self.received.setdefault(agent, [])

            async def read() -> None:
                async for msg in ws:
                    if msg.type == aiohttp.WSMsgType.TEXT:
                        messages.append(msg.json())

            self._readers.append(asyncio.get_running_loop().create_task(read()))

        self.run(desktop())

    def op(self, agent: str, op: str, **body: Any) -> dict[str, Any]:
        async def post() -> dict[str, Any]:
            session, csrf = self.csrf[agent]
            async with session.post(f"{self.acd.url}/api/agents/{agent}/{op}", json=body,
                                    headers={"X-CSRF-Token": csrf}) as resp:
                data = await resp.json()
                assert resp.status == 200, data
                return data

        return self.run(post())

    def get(self, path: str) -> dict[str, Any]:
        async def get() -> dict[str, Any]:
            async with aiohttp.ClientSession() as session, session.get(
                    f"{self.acd.url}{path}", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as resp:
                resp.raise_for_status()
                return await resp.json()

        return self.run(get())

    def events(self) -> list[dict[str, Any]]:
        return self.get("/api/events?limit=1000")["events"]

    def call_ids(self) -> dict[str, str]:
        """Caller number -> the ACD's call id (the SIP Call-ID), from the enter events."""
        return {e["data"]["caller"]: e["call_id"] for e in self.events() if e["kind"] == "enter"}

    def stop(self) -> None:
        async def close() -> None:
            for task in self._readers:
                task.cancel()
            for session in self.sessions:
                await session.close()

        self.run(close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture()
def acd(sip_tmp: str) -> Any:
    tmp = os.path.join(sip_tmp, "cti-restart")
    os.makedirs(tmp, exist_ok=True)
    process = AcdProcess(tmp)
    process.start()
    desks = Desktops(process)
    yield process, desks
    desks.stop()
    process.kill()


def heard_between(path: str, start_s: float, end_s: float, hz: float) -> float:
    """``tone_level`` of the part of a recording between two of its instants."""
    pcm, rate = read_wav(path)
    part = os.path.splitext(path)[0] + f"-{start_s:.0f}-{end_s:.0f}.wav"
    with open(part, "wb") as f:
        f.write(wav_bytes(pcm[int(start_s * rate):int(end_s * rate)], rate))
    return tone_level(part, hz)


def test_an_acd_restart_drops_no_waiting_caller(app: AppServer, fresh: AppServer, sip_tmp: str,
                                                acd: tuple[AcdProcess, Desktops]) -> None:
    process, desks = acd
    started = time.monotonic()
    tmp = os.path.join(sip_tmp, "cti-restart")
    fresh.files["hold.wav"] = (wav_bytes(tone(HOLD_HZ, 1.0, 8000), 8000), "audio/wav")
    ivr = IVR_TEMPLATE.replace("{audio}", ' transferaudio="/ivr/hold.wav"')
    fresh.files["restart.vxml"] = (ivr.encode(), "application/voicexml+xml")
    agent_tone = tone_wav(os.path.join(tmp, "agent-tone.wav"), AGENT_TONE_HZ)
    platform = Platform(app, tmp, apps={"restart": f"{app.base}/ivr/restart.vxml"}, extra=(
        f'\n[acd]\nurl = "{process.url}"\ntoken = "{PLATFORM_TOKEN}"\nreconnect_timeout = 30\n'))
    ann = UA(tmp, {"mode": "answer", "user": "ann", "code": 200, "play": agent_tone, "hangup_after": 2.5,
                   "lifetime": 90})
    callers: dict[str, UA] = {}
    heard = {name: os.path.join(tmp, f"heard-{name}.wav") for name in CALLERS}
    dialled: dict[str, float] = {}
    try:
        # before the crash: ann is signed in but at lunch, bob is ready for another skill
        desks.open("ann")
        desks.op("ann", "sign-in", contact=ann.uri, skills={"funds": 3}, ready=False)
        desks.op("ann", "not-ready", reason="lunch")
        desks.open("bob")
        desks.op("bob", "sign-in", contact="sip:bob@127.0.0.1:5999", skills={"sales": 1}, ready=True)
        for name, number in CALLERS.items():
            tail = [["wait", 7.0], ["hangup"]] if name == "gone" else [["until_disconnected", 80]]
            dialled[name] = time.monotonic()
            callers[name] = UA(tmp, {"mode": "call", "dest": f"sip:restart@127.0.0.1:{platform.port}",
                                     "record": heard[name], "user": number,
                                     "steps": [["until_confirmed", 5], ["wait", 0.5], ["dtmf", "0"], *tail]})
            assert wait_for(lambda number=number: number in desks.call_ids(), 15), platform.output()[-3000:]
        process.kill()
        killed = time.monotonic()
        callers["gone"].result(20)  # he hung up while the ACD was down
        time.sleep(1.0)
        process.start()
        restarted = time.monotonic()
        ids = desks.call_ids()
        # the caller who left while the ACD was down is ended there once it is back
        assert wait_for(lambda: "abandon" in [e["kind"] for e in desks.events()
                                              if e["call_id"] == ids[CALLERS["gone"]]], 15), \
            platform.output()[-3000:]
        # the others are still on the line, in their order; the agents are as they were
        assert callers["first"].proc.poll() is None and callers["second"].proc.poll() is None
        queue = desks.get("/api/queues/funds")
        assert [(c["caller"], c["position"]) for c in queue["calls"]] == [
            (CALLERS["first"], 1), (CALLERS["second"], 2)], queue
        agents = {a["id"]: a for a in desks.get("/api/agents")["agents"]}
        assert (agents["ann"]["state"], agents["ann"]["reason"]) == ("NOT_READY", "lunch"), agents["ann"]
        assert agents["bob"]["state"] == "READY", agents["bob"]
        # ann is back from lunch on her desktop: the first caller, then the second
        desks.open("ann")
        desks.op("ann", "ready")
        first_events = callers["first"].result(40)
        second_events = callers["second"].result(40)
        assert wait_for(lambda: len(fresh.received["result"]) >= 3, 10), platform.output()[-3000:]
        events = desks.events()
    finally:
        for ua in (*callers.values(), ann):
            ua.kill()
        platform.stop()
    connects = [(e["call_id"], e["agent_id"]) for e in events if e["kind"] == "connect"]
    assert connects == [(ids[CALLERS["first"]], "ann"), (ids[CALLERS["second"]], "ann")], connects
    for name, caller_events in (("first", first_events), ("second", second_events)):
        states = [e["state"] for e in caller_events if e["event"] == "state"]
        assert states.count("DISCONNECTED") == 1, (name, states)
        assert tone_level(heard[name], AGENT_TONE_HZ) > 0.05, f"the {name} caller did not hear the agent"
    # the first caller's hold music went on while the ACD was down
    offset = dialled["first"]
    assert heard_between(heard["first"], killed - offset + 0.5, restarted - offset - 0.5, HOLD_HZ) > 0.3
    results = fresh.received["result"]
    assert [r["step"] for r in results] == ["hangup", "after", "after"], results
    assert [r["result"] for r in results[1:]] == ["far_end_disconnect"] * 2, results
    # the caller who left has his call record, and his abandon in the ACD's log
    gone = ids[CALLERS["gone"]]
    assert any(r["call_id"] == gone for r in fresh.received["records"]), fresh.received["records"]
    abandon = next(e for e in events if e["kind"] == "abandon")
    assert abandon["call_id"] == gone and abandon["data"]["stage"] == "queue"
    assert time.monotonic() - started < 75
