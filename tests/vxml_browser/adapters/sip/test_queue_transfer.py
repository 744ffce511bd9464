"""``queue_transfer``'s own logic without SIP: a real ``SipCall`` on a fake engine (the test
plays the agents' legs), a real ACD service on loopback with a SQLite file (restarted on the
same port and store), hold music from a real HTTP server."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from agent_queue.client import backoff
from agent_queue.domain.model import QueueConfig
from agent_queue.testing import RunningAcd, acd_service
from vxml_browser.adapters.http import HttpFetcher
from vxml_browser.adapters.media import MediaCache, tone, wav_bytes
from vxml_browser.adapters.sip import queue_transfer as qt
from vxml_browser.adapters.sip.call import SipCall
from vxml_browser.adapters.sip.config import load_config
from vxml_browser.adapters.sip.prompts import PromptRenderer
from vxml_browser.adapters.sip.queue_transfer import AcdLink
from vxml_browser.core.actions import Transfer
from vxml_browser.core.inputs import Hangup, TransferDone

from .test_sip_call import FakeEngine, FakeSynth

CID = "cid-1@127.0.0.1"
CONTACT = "sip:ann@127.0.0.1:5999"


# -- config ---------------------------------------------------------------------------------------
def _config(tmp_path: Path, acd: str) -> Path:
    path = tmp_path / "sip.toml"
    path.write_text(f'[sip]\nlisten = "127.0.0.1:5070"\n[acd]\nurl = "http://127.0.0.1:8095"\n{acd}')
    return path


def test_reconnect_timeout_is_read_from_the_acd_table(tmp_path: Path) -> None:
    assert load_config(str(_config(tmp_path, "reconnect_timeout = 12.5\n"))).acd_reconnect_timeout == 12.5


def test_monitor_ring_timeout_is_read_from_the_acd_table(tmp_path: Path) -> None:
    config = load_config(str(_config(tmp_path, "monitor_ring_timeout = 12.5\n")))
    assert config.acd_monitor_ring_timeout == 12.5
    assert load_config(str(_config(tmp_path, ""))).acd_monitor_ring_timeout == 30.0


def test_reconnect_timeout_defaults_to_a_minute(tmp_path: Path) -> None:
    assert load_config(str(_config(tmp_path, ""))).acd_reconnect_timeout == 60.0
    assert AcdLink("http://127.0.0.1:8095", "t").reconnect_timeout == 60.0


def test_an_unknown_acd_setting_is_still_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="reconnect_timout"):
        load_config(str(_config(tmp_path, "reconnect_timout = 5\n")))


def test_backoff_doubles_up_to_its_cap() -> None:
    delays = backoff(0.1, 1.0)
    assert [round(next(delays), 2) for _ in range(6)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]


# -- the parts: an engine whose legs the test plays, the ACD, hold music --------------------------
class LegEngine(FakeEngine):
    """``FakeEngine`` plus what a queue transfer needs: clips that end after their length, and
    outbound legs (the agents' phones) whose events the test sends with :meth:`leg`."""

    def __init__(self) -> None:
        super().__init__()
        self.sinks: dict[int, Callable[[str, Any], None]] = {}
        self.dialled: list[tuple[int, str, dict[str, str] | None]] = []
        self.plays = 0
        self._key = 100

    def new_key(self) -> int:
        self._key += 1
        return self._key

    def make_call_keyed(self, leg: int, dest: str, sink: Callable[[str, Any], None],
                        headers: dict[str, str] | None) -> int:
        self.sinks[leg] = sink
        self.dialled.append((leg, dest, headers))
        return leg

    def post(self, fn: Callable[..., None], *args: Any) -> None:
        asyncio.get_running_loop().call_soon(fn, *args)

    def _record(self, name: str, *args: Any) -> Any:
        super()._record(name, *args)
        call, loop = self.call, asyncio.get_running_loop()
        assert call is not None
        if name == "play":  # key, path, seconds, bargein, token
            self.plays += 1
            loop.call_later(args[2], call.on_event, "played", args[4])
        elif name == "stop_token":
            call.on_event("played", args[1])
        elif name == "stop_play":
            for token in list(call.outstanding):
                call.on_event("played", token)
        elif name == "hangup" and args[0] in self.sinks and not call.legs.legs[args[0]].ended:
            self.sinks[args[0]]("disconnected", (487, "Request Terminated"))

    def leg(self, leg: int, *events: tuple[str, Any]) -> None:
        for kind, arg in events:
            self.sinks[leg](kind, arg)

    def answer_leg(self, leg: int) -> None:
        self.leg(leg, ("early", None), ("confirmed", {}), ("media", None))

    def hung_up(self, leg: int) -> bool:
        return ("hangup", (leg, 0)) in self.commands


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Acd:
    """The real ACD service on a fixed port and a SQLite file: start, stop, start again."""

    def __init__(self, tmp_path: Path, **queue: Any) -> None:
        settings = {"skills": {"sales": 1}, "announce_interval": 0, "wrap_up": 0, **queue}
        self.queue = QueueConfig("sales", **settings)
        self.store = f"sqlite:///{tmp_path / 'acd.db'}"
        self.path = tmp_path / "acd.db"
        self.port = free_port()
        self._service: Any = None
        self.running: RunningAcd | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> RunningAcd:
        self._service = acd_service(self.queue, store_url=self.store, port=self.port)
        self.running = await self._service.__aenter__()
        return self.running

    async def stop(self) -> None:
        if self._service is not None:
            await self._service.__aexit__(None, None, None)
            self._service = self.running = None

    async def get(self, path: str) -> tuple[int, Any]:
        assert self.running is not None
        async with self.running._admin.get(f"{self.url}{path}") as resp:
            return resp.status, await resp.json()

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        assert self.running is not None
        async with self.running._admin.post(f"{self.url}{path}", json=body) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()

    async def sign_in(self, ready: bool, agent: str = "ann") -> None:
        await self.post(f"/api/agents/{agent}/sign-in", {"contact": CONTACT, "skills": {"sales": 1},
                                                         "ready": ready})

    async def kinds(self, call_id: str = CID) -> list[str]:
        _, body = await self.get(f"/api/events?call_id={call_id}")
        return [e["kind"] for e in body["events"]]

    async def call(self, call_id: str = CID) -> dict[str, Any] | None:
        status, body = await self.get(f"/api/calls/{call_id}")
        return body if status == 200 else None


async def until(predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = predicate()
        if asyncio.iscoroutine(got):
            got = await got
        if got:
            return got
        await asyncio.sleep(0.02)
    raise AssertionError(f"not within {timeout} s")


@pytest.fixture()
async def music() -> AsyncIterator[str]:
    app = web.Application()
    wav = wav_bytes(tone(440, 0.3, 8000), 8000)

    async def hold(_: web.Request) -> web.Response:
        return web.Response(body=wav, content_type="audio/wav")

    app.router.add_get("/hold.wav", hold)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("/hold.wav"))
    await server.close()


@pytest.fixture()
async def acd(tmp_path: Path) -> AsyncIterator[Acd]:
    service = Acd(tmp_path, ring_timeout=30)
    await service.start()
    yield service
    await service.stop()


class Caller:
    """A caller's SipCall with the worker's AcdLink; ``transfer`` runs the queue transfer."""

    def __init__(self, call: SipCall, link: AcdLink) -> None:
        self.call, self.link = call, link
        self.engine: LegEngine = call.engine  # type: ignore[assignment]
        self.task: asyncio.Task[Any] | None = None

    def transfer(self, dest: str = "queue:sales") -> asyncio.Task[Any]:
        action = Transfer(prompts=(), dest=dest, type="bridge", connecttimeout_s=30, maxtime_s=0,
                          transferaudio=None, aai="account=7")
        self.task = asyncio.get_running_loop().create_task(self.call.transfer(action))
        return self.task

    async def result(self, timeout: float = 5.0) -> Any:
        assert self.task is not None
        return await asyncio.wait_for(self.task, timeout)

    async def offered_leg(self) -> int:
        await until(lambda: self.engine.dialled)
        leg, dest, headers = self.engine.dialled[-1]
        assert dest == CONTACT and headers == {"User-to-User": "account=7"}
        return leg

    def hang_up(self) -> None:
        self.call.on_event("disconnected", (200, "BYE"))


def _caller(tmp_path: Path, url: str, fetcher: Any, music: str = "", reconnect_timeout: float = 30.0) -> Caller:
    engine = LegEngine()
    renderer = PromptRenderer(MediaCache(str(tmp_path / "media")), lambda lang: FakeSynth())
    link = AcdLink(url, "test-platform-token", music, reconnect_timeout)
    call = SipCall(engine, 1, {"call_id": CID, "remote_uri": "<sip:+4930123@127.0.0.1>"}, renderer=renderer,
                   fetcher=fetcher, record_dir=str(tmp_path), acd=link)
    call.media_timeout_s = 0  # no RTP to watch on a fake engine
    engine.call = call
    return Caller(call, link)


@pytest.fixture()
async def caller(tmp_path: Path, acd: Acd, music: str) -> AsyncIterator[Caller]:
    async with HttpFetcher(timeout_s=5) as fetcher:
        c = _caller(tmp_path, acd.url, fetcher, music)
        yield c
        if c.task is not None and not c.task.done():
            c.task.cancel()
        for task in list(qt._draining):
            task.cancel()
        await c.link.close()


async def _queued(acd: Acd, caller: Caller) -> None:
    caller.transfer()
    await until(lambda: acd.call())


# -- before the queue --------------------------------------------------------------------------
async def test_a_dest_without_a_queue_name_is_baddestination(caller: Caller) -> None:
    caller.transfer("queue:")
    assert await caller.result() == TransferDone(None, error="error.connection.baddestination")


async def test_an_unknown_queue_is_baddestination(caller: Caller) -> None:
    caller.transfer("queue:nosuch")
    assert await caller.result() == TransferDone(None, error="error.connection.baddestination")


async def test_without_an_acd_table_the_dest_is_unsupported(caller: Caller) -> None:
    caller.call.acd = None
    caller.transfer()
    assert await caller.result() == TransferDone(None, error="error.unsupported.uri")


async def test_an_acd_away_when_the_transfer_starts_is_noroute(tmp_path: Path) -> None:
    c = _caller(tmp_path, f"http://127.0.0.1:{free_port()}", None)
    c.transfer()
    assert await c.result() == TransferDone(None, error="error.connection.noroute")
    assert c.link._client is None  # nothing half-open is kept: the next transfer tries again


# -- offers, RONA, bridge --------------------------------------------------------------------------
async def test_an_offer_rings_the_agent_and_reports_ringing(acd: Acd, caller: Caller) -> None:
    await acd.sign_in(ready=True)
    caller.transfer()
    leg = await caller.offered_leg()
    caller.engine.leg(leg, ("early", None))
    assert await until(lambda: _state(acd, "RINGING")), "the ACD did not hear 'ringing'"


async def _state(acd: Acd, state: str) -> bool:
    call = await acd.call()
    return call is not None and call["state"] == state


async def test_an_answering_agent_is_bridged_to_the_caller(acd: Acd, caller: Caller) -> None:
    await acd.sign_in(ready=True)
    caller.transfer()
    leg = await caller.offered_leg()
    caller.engine.answer_leg(leg)
    await until(lambda: ("bridge", (1, leg)) in caller.engine.commands)
    assert await until(lambda: _state(acd, "CONNECTED"))


async def test_the_agent_hanging_up_is_far_end_disconnect_and_completes_the_call(
        acd: Acd, caller: Caller) -> None:
    await acd.sign_in(ready=True)
    caller.transfer()
    leg = await caller.offered_leg()
    caller.engine.answer_leg(leg)
    await until(lambda: ("bridge", (1, leg)) in caller.engine.commands)
    caller.engine.leg(leg, ("disconnected", (200, "BYE")))
    done = await caller.result()
    assert isinstance(done, TransferDone) and done.outcome == "far_end_disconnect"
    assert "complete" in await until(lambda: _has(acd, "complete"))


async def _has(acd: Acd, kind: str) -> list[str] | None:
    kinds = await acd.kinds()
    return kinds if kind in kinds else None


async def test_rona_hangs_the_ringing_leg_up(tmp_path: Path, music: str) -> None:
    service = Acd(tmp_path, ring_timeout=0.3)
    await service.start()
    try:
        async with HttpFetcher(timeout_s=5) as fetcher:
            c = _caller(tmp_path, service.url, fetcher)
            await service.sign_in(ready=True)
            c.transfer()
            leg = await c.offered_leg()
            c.engine.leg(leg, ("early", None))
            await until(lambda: c.engine.hung_up(leg))
            agent = await service.running.agent("ann")  # type: ignore[union-attr]
            assert (agent["state"], agent["reason"]) == ("NOT_READY", "RONA")
            assert await _state(service, "WAITING")
            c.task.cancel()  # type: ignore[union-attr]
            await c.link.close()
    finally:
        await service.stop()


async def test_an_agent_leg_that_fails_is_reported_no_answer(acd: Acd, caller: Caller) -> None:
    await acd.sign_in(ready=True)
    caller.transfer()
    leg = await caller.offered_leg()
    caller.engine.leg(leg, ("disconnected", (486, "Busy Here")))
    assert await until(lambda: _has(acd, "rona"))
    agent = await acd.running.agent("ann")  # type: ignore[union-attr]
    assert (agent["state"], agent["reason"]) == ("NOT_READY", "RONA")


async def test_the_waiting_caller_hears_hold_music(acd: Acd, caller: Caller) -> None:
    await _queued(acd, caller)
    await until(lambda: caller.engine.plays >= 3)  # 0.3 s clips, one after the other
    assert not caller.task.done()  # type: ignore[union-attr]


# -- the ACD restarts ------------------------------------------------------------------------------
async def test_after_a_restart_the_waiting_caller_is_offered_to_an_agent(acd: Acd, caller: Caller) -> None:
    await _queued(acd, caller)
    await acd.stop()
    await acd.start()
    await acd.sign_in(ready=True)
    leg = await caller.offered_leg()
    caller.engine.answer_leg(leg)
    assert await until(lambda: _state(acd, "CONNECTED"))


async def test_an_offer_made_before_the_client_is_back_is_replayed(acd: Acd, caller: Caller) -> None:
    """The agent goes ready in the restarted ACD while the client's reconnect backoff still
    waits: the offer reaches the caller from the new run's replay (``?epoch=``)."""
    await _queued(acd, caller)
    client = await caller.link.client()
    client.max_reconnect_delay = 5.0
    await acd.stop()
    await asyncio.sleep(3.3)  # its tries (0.05 s doubling) at 1.55 and 3.15 s fail; next: 6.35 s
    await acd.start()
    await acd.sign_in(ready=True)
    assert not client.online.is_set(), "the client was back already: nothing to replay"
    leg = await caller.offered_leg()
    assert client.online.is_set() and leg


async def test_the_caller_keeps_his_hold_music_while_the_acd_is_away(acd: Acd, caller: Caller) -> None:
    await _queued(acd, caller)
    await acd.stop()
    before = caller.engine.plays
    await asyncio.sleep(1.0)
    assert caller.engine.plays >= before + 2 and not caller.task.done()  # type: ignore[union-attr]
    await acd.start()


async def test_a_caller_who_hangs_up_while_the_acd_is_away_is_abandoned_when_it_is_back(
        acd: Acd, caller: Caller) -> None:
    await _queued(acd, caller)
    await acd.stop()
    caller.hang_up()
    assert await caller.result() == Hangup()
    await asyncio.sleep(0.5)
    await acd.start()
    assert await until(lambda: _has(acd, "abandon"))
    assert await acd.call() is None


async def test_a_call_the_restarted_acd_lost_is_queued_again_under_its_id(acd: Acd, caller: Caller) -> None:
    import sqlite3

    await _queued(acd, caller)
    await acd.stop()
    with sqlite3.connect(acd.path) as db:  # it died before saving the call
        db.execute("DELETE FROM aq_calls")
    await acd.start()
    assert await until(lambda: acd.call())
    await acd.sign_in(ready=True)
    assert await caller.offered_leg()


async def test_an_acd_away_longer_than_reconnect_timeout_is_noroute(tmp_path: Path, acd: Acd) -> None:
    c = _caller(tmp_path, acd.url, None, reconnect_timeout=0.5)
    await _queued(acd, c)
    await acd.stop()
    started = time.monotonic()
    assert await c.result() == TransferDone(None, error="error.connection.noroute")
    assert time.monotonic() - started < 2.0
    await acd.start()
    assert await until(lambda: _has(acd, "abandon")), "the ACD kept a caller who had left"
    await c.link.close()


# -- a supervisor on the bridged call (the ACD's ``monitor``) --------------------------------------
SUPERVISOR = "sip:sue@127.0.0.1:5998"


def test_monitor_links_by_mode() -> None:
    caller, agent, sup = 1, 2, 3
    assert qt.monitor_links("listen", caller, agent, sup) == {(caller, sup), (agent, sup)}
    assert qt.monitor_links("whisper", caller, agent, sup) == {(caller, sup), (agent, sup), (sup, agent)}
    assert qt.monitor_links("barge", caller, agent, sup) == {
        (caller, sup), (agent, sup), (sup, agent), (sup, caller)}
    assert qt.monitor_links("intercept", caller, agent, sup) == frozenset()


async def _talking(acd: Acd, caller: Caller) -> int:
    """The caller bridged to agent ann; her leg."""
    await acd.sign_in(ready=True)
    caller.transfer()
    leg = await caller.offered_leg()
    caller.engine.answer_leg(leg)
    await until(lambda: _state(acd, "CONNECTED"))
    return leg


async def _monitor(acd: Acd, mode: str, contact: str = SUPERVISOR) -> None:
    await acd.post("/api/agents/ann/monitor", {"mode": mode, "contact": contact})


async def _supervisor_leg(caller: Caller, contact: str = SUPERVISOR) -> int:
    await until(lambda: caller.engine.dialled[-1][1] == contact)
    leg, _, headers = caller.engine.dialled[-1]
    assert headers is None  # no User-to-User for the supervisor
    return leg


async def _ringing(acd: Acd, caller: Caller, mode: str) -> tuple[int, int]:
    """The caller talks to ann; a supervisor is rung for ``mode``: (ann's leg, his leg)."""
    agent = await _talking(acd, caller)
    await _monitor(acd, mode)
    return agent, await _supervisor_leg(caller)


async def _joined(acd: Acd, caller: Caller, mode: str) -> tuple[int, int]:
    """... and he answered: (ann's leg, his leg)."""
    agent, sup = await _ringing(acd, caller, mode)
    caller.engine.answer_leg(sup)
    await until(lambda: _paths(caller.engine) or ("bridge", (1, sup)) in caller.engine.commands)
    return agent, sup


def _paths(engine: LegEngine) -> set[tuple[int, int]]:
    """The one-way paths connected and not disconnected since."""
    paths: set[tuple[int, int]] = set()
    for name, args in engine.commands:
        if name == "connect":
            paths.add(args)
        elif name == "disconnect":
            paths.discard(args)
    return paths


async def test_listen_dials_the_supervisor_who_then_hears_caller_and_agent(acd: Acd, caller: Caller) -> None:
    agent, sup = await _ringing(acd, caller, "listen")
    assert _paths(caller.engine) == set(), "joined before he answered"
    caller.engine.answer_leg(sup)
    assert await until(lambda: _paths(caller.engine) == {(1, sup), (agent, sup)})


async def test_whisper_lets_the_agent_hear_the_supervisor_but_not_the_caller(acd: Acd, caller: Caller) -> None:
    agent, sup = await _joined(acd, caller, "listen")
    await _monitor(acd, "whisper")
    assert await until(lambda: _paths(caller.engine) == {(1, sup), (agent, sup), (sup, agent)})
    assert len(caller.engine.dialled) == 2, "the same supervisor was dialled again"


async def test_barge_then_listen_takes_the_supervisor_voice_away_again(acd: Acd, caller: Caller) -> None:
    agent, sup = await _joined(acd, caller, "barge")
    assert _paths(caller.engine) == {(1, sup), (agent, sup), (sup, agent), (sup, 1)}
    await _monitor(acd, "listen")
    assert await until(lambda: _paths(caller.engine) == {(1, sup), (agent, sup)})


async def test_a_mode_set_while_the_supervisor_rings_is_the_one_he_joins_in(acd: Acd, caller: Caller) -> None:
    agent, sup = await _ringing(acd, caller, "listen")
    await _monitor(acd, "whisper")
    await asyncio.sleep(0.2)
    caller.engine.answer_leg(sup)
    assert await until(lambda: _paths(caller.engine) == {(1, sup), (agent, sup), (sup, agent)})


async def test_another_contact_hangs_the_first_supervisor_up_and_dials_the_second(
        acd: Acd, caller: Caller) -> None:
    agent, first = await _joined(acd, caller, "listen")
    await _monitor(acd, "listen", "sip:tom@127.0.0.1:5997")
    second = await _supervisor_leg(caller, "sip:tom@127.0.0.1:5997")
    assert caller.engine.hung_up(first) and second != first
    caller.engine.answer_leg(second)
    assert await until(lambda: _paths(caller.engine) == {(1, second), (agent, second)})


async def test_the_supervisor_hanging_up_ends_the_monitoring_only(acd: Acd, caller: Caller) -> None:
    agent, sup = await _joined(acd, caller, "barge")
    caller.engine.leg(sup, ("disconnected", (200, "BYE")))
    await asyncio.sleep(0.2)
    assert not caller.task.done() and await _state(acd, "CONNECTED")  # type: ignore[union-attr]
    assert not caller.engine.hung_up(agent)
    caller.engine.leg(agent, ("disconnected", (200, "BYE")))
    done = await caller.result()
    assert isinstance(done, TransferDone) and done.outcome == "far_end_disconnect"


async def test_the_caller_hanging_up_hangs_the_supervisor_up(acd: Acd, caller: Caller) -> None:
    _, sup = await _joined(acd, caller, "listen")
    caller.hang_up()
    assert await caller.result() == Hangup()
    assert caller.engine.hung_up(sup)


async def test_a_supervisor_who_does_not_answer_is_hung_up_and_the_call_goes_on(
        acd: Acd, caller: Caller) -> None:
    caller.link.monitor_ring_timeout = 0.3
    agent, sup = await _ringing(acd, caller, "barge")
    assert await until(lambda: caller.engine.hung_up(sup)), "the supervisor rang on"
    assert _paths(caller.engine) == set()
    assert not caller.task.done() and await _state(acd, "CONNECTED")  # type: ignore[union-attr]
    await _monitor(acd, "barge")  # the ACD asks again: he is dialled again
    assert await until(lambda: len(caller.engine.dialled) == 3), caller.engine.dialled
    again = await _supervisor_leg(caller)
    caller.engine.answer_leg(again)
    assert await until(lambda: _paths(caller.engine) == {(1, again), (agent, again), (again, agent), (again, 1)})


async def test_an_answered_supervisor_is_not_hung_up_by_the_ring_timeout(acd: Acd, caller: Caller) -> None:
    caller.link.monitor_ring_timeout = 0.3
    _, sup = await _joined(acd, caller, "listen")
    await asyncio.sleep(0.6)
    assert not caller.engine.hung_up(sup)


async def test_a_ringing_supervisor_is_hung_up_when_the_agent_ends_the_call(acd: Acd, caller: Caller) -> None:
    agent, sup = await _ringing(acd, caller, "listen")
    caller.engine.leg(agent, ("disconnected", (200, "BYE")))
    await caller.result()
    assert caller.engine.hung_up(sup)


async def test_intercept_bridges_the_caller_to_the_supervisor_and_ends_the_agent_leg(
        acd: Acd, caller: Caller) -> None:
    agent, sup = await _ringing(acd, caller, "intercept")
    assert not caller.engine.hung_up(agent), "the agent was dropped before the supervisor answered"
    caller.engine.answer_leg(sup)
    await until(lambda: ("bridge", (1, sup)) in caller.engine.commands)
    assert caller.engine.hung_up(agent)
    assert ("unbridge", (1,)) in caller.engine.commands
    caller.engine.leg(sup, ("disconnected", (200, "BYE")))
    done = await caller.result()
    assert isinstance(done, TransferDone) and done.outcome == "far_end_disconnect"
    _, body = await acd.get(f"/api/events?call_id={CID}")
    complete = [e for e in body["events"] if e["kind"] == "complete"]
    assert complete and complete[0]["data"]["by"] == "supervisor", body["events"]


async def test_intercept_after_listen_takes_the_listening_supervisor_in(acd: Acd, caller: Caller) -> None:
    agent, sup = await _joined(acd, caller, "listen")
    await _monitor(acd, "intercept")
    await until(lambda: ("bridge", (1, sup)) in caller.engine.commands)
    assert caller.engine.hung_up(agent) and _paths(caller.engine) == set()
    assert len(caller.engine.dialled) == 2


# -- callbacks (callbacks.py): the customer is dialled back when his turn comes --------------------
CUSTOMER = "sip:+4930123@127.0.0.1:5090"  # the caller's number through [acd] callback_uri


def test_callback_uri_is_read_from_the_acd_table(tmp_path: Path) -> None:
    path = _config(tmp_path, 'callback_uri = "sip:{number}@gw.example"\n')
    assert load_config(str(path)).acd_callback_uri == "sip:{number}@gw.example"


def test_callback_uri_defaults_to_a_local_gateway(tmp_path: Path) -> None:
    assert load_config(str(_config(tmp_path, ""))).acd_callback_uri == "sip:{number}@127.0.0.1:5090"


async def test_cancel_for_sure_cancels_again_when_a_cancel_is_lost() -> None:
    async def swallows_one() -> None:  # as wait_for does on 3.11 when its wait completes meanwhile
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            pass
        await asyncio.sleep(10)

    task = asyncio.get_running_loop().create_task(swallows_one())
    await asyncio.sleep(0)
    await asyncio.wait_for(qt.cancel_for_sure(task), 1.0)
    assert task.cancelled()


async def test_the_callback_key_asks_for_a_callback_and_hangs_the_caller_up(acd: Acd, caller: Caller) -> None:
    caller.transfer("queue:sales?callback=9")
    await until(lambda: caller.engine.plays)  # waiting: keys from now on go to the ACD
    caller.call.on_event("dtmf", ("9", "rfc2833"))
    assert await caller.result(10) == Hangup()
    view = await acd.call()
    assert view is not None and view["state"] == "WAITING" and "callback" in await acd.kinds()
    assert CID not in (await caller.link.client())._calls, "the offer would go to the call, not the dialer"


class DialEngine(LegEngine):
    """``LegEngine`` without an inbound call: every leg is a callback's outbound one."""

    def __init__(self) -> None:
        super().__init__()
        self.gone: set[int] = set()

    def _record(self, name: str, *args: Any) -> Any:
        self.commands.append((name, args))
        if name == "hangup" and args[0] in self.sinks and args[0] not in self.gone:
            self.leg(args[0], ("disconnected", (487, "Request Terminated")))

    def leg(self, leg: int, *events: tuple[str, Any]) -> None:
        self.gone.update(leg for kind, _ in events if kind == "disconnected")
        super().leg(leg, *events)

    async def dialled_to(self, dest: str) -> int:
        await until(lambda: any(d == dest for _, d, _ in self.dialled))
        return next(leg for leg, d, _ in self.dialled if d == dest)


class Worker:
    """A worker's ``CallbackDialer`` on its own fake engine and ``AcdLink``."""

    def __init__(self, acd: Acd, name: str) -> None:
        from vxml_browser.adapters.sip.callbacks import CallbackDialer

        self.engine = DialEngine()
        self.link = AcdLink(acd.url, "test-platform-token")
        self.dialer = CallbackDialer(self.engine, self.link, "sip:{number}@127.0.0.1:5090", name)
        self.task = asyncio.get_running_loop().create_task(self.dialer.run())

    async def close(self) -> None:
        await qt.cancel_for_sure(self.task)
        await self.link.close()


async def _callback_waiting(acd: Acd) -> None:
    """A caller queued, then called back: he hung up, his place is kept."""
    from agent_queue.client import AcdClient

    async with AcdClient(acd.url, "test-platform-token") as client:
        await client.enqueue(CID, "sales", "+4930123")
        await client.callback(CID)


@pytest.fixture()
async def worker(acd: Acd) -> AsyncIterator[Worker]:
    await _callback_waiting(acd)
    w = Worker(acd, "w1")
    await w.link.client()
    await until(lambda: w.link._client.callbacks is not None)
    yield w
    await w.close()


async def _bridged(acd: Acd, worker: Worker) -> tuple[int, int]:
    await acd.sign_in(ready=True)
    customer = await worker.engine.dialled_to(CUSTOMER)
    worker.engine.answer_leg(customer)
    agent = await worker.engine.dialled_to(CONTACT)
    worker.engine.answer_leg(agent)
    await until(lambda: ("bridge", (customer, agent)) in worker.engine.commands)
    return customer, agent


async def test_a_callback_offer_dials_the_customer_before_the_agent(acd: Acd, worker: Worker) -> None:
    await acd.sign_in(ready=True)
    await worker.engine.dialled_to(CUSTOMER)
    await asyncio.sleep(0.2)
    assert [d for _, d, _ in worker.engine.dialled] == [CUSTOMER]


async def test_only_the_worker_that_claims_the_offer_dials(acd: Acd, worker: Worker) -> None:
    other = Worker(acd, "w2")
    try:
        await other.link.client()
        await until(lambda: other.link._client.callbacks is not None)
        await acd.sign_in(ready=True)
        await until(lambda: worker.engine.dialled or other.engine.dialled)
        await asyncio.sleep(0.3)
        assert len(worker.engine.dialled) + len(other.engine.dialled) == 1
    finally:
        await other.close()


async def test_a_claim_by_another_process_is_refused(acd: Acd) -> None:
    from agent_queue.client import AcdClient, AcdClientError

    await _callback_waiting(acd)
    await acd.sign_in(ready=True)
    async with AcdClient(acd.url, "test-platform-token") as client:
        await client.claim(CID, "w1")
        await client.claim(CID, "w1")  # the same process again: still his
        with pytest.raises(AcdClientError) as refused:
            await client.claim(CID, "w2")
    assert refused.value.status == 409


async def _completed_by(acd: Acd) -> list[str]:
    await until(lambda: _has(acd, "complete"))
    _, body = await acd.get(f"/api/events?call_id={CID}")
    return [e["data"]["by"] for e in body["events"] if e["kind"] == "complete"]


async def test_the_answering_customer_is_bridged_to_the_agent_and_reported_answered(
        acd: Acd, worker: Worker) -> None:
    await _bridged(acd, worker)
    assert await until(lambda: _state(acd, "CONNECTED"))
    assert "connect" in await acd.kinds()


async def test_the_agent_hanging_up_completes_the_callback_and_ends_the_customer_leg(
        acd: Acd, worker: Worker) -> None:
    customer, agent = await _bridged(acd, worker)
    worker.engine.leg(agent, ("disconnected", (200, "BYE")))
    await until(lambda: worker.engine.hung_up(customer))
    assert await _completed_by(acd) == ["agent"]


async def test_the_customer_hanging_up_completes_the_callback_by_the_caller(acd: Acd, worker: Worker) -> None:
    customer, agent = await _bridged(acd, worker)
    worker.engine.leg(customer, ("disconnected", (200, "BYE")))
    await until(lambda: worker.engine.hung_up(agent))
    assert await _completed_by(acd) == ["caller"]


async def test_a_callback_ending_while_the_acd_is_away_is_reported_when_it_is_back(
        acd: Acd, worker: Worker) -> None:
    customer, _ = await _bridged(acd, worker)
    assert await until(lambda: _state(acd, "CONNECTED"))
    await acd.stop()
    worker.engine.leg(customer, ("disconnected", (200, "BYE")))
    await asyncio.sleep(0.5)
    await acd.start()
    assert await _completed_by(acd) == ["caller"]


@asynccontextmanager
async def _worker_of_its_own(tmp_path: Path, **queue: Any) -> AsyncIterator[tuple[Acd, Worker]]:
    """An ACD with these queue settings, a callback waiting in it, a worker's dialer watching,
    and ann ready (so the callback is offered)."""
    acd = Acd(tmp_path, **queue)
    await acd.start()
    await _callback_waiting(acd)
    w = Worker(acd, "w1")
    try:
        await w.link.client()
        await until(lambda: w.link._client.callbacks is not None)
        await acd.sign_in(ready=True)
        yield acd, w
    finally:
        await w.close()
        await acd.stop()


async def _failed_try(acd: Acd) -> dict[str, Any]:
    await until(lambda: _has(acd, "callback-failed"))
    _, body = await acd.get(f"/api/events?call_id={CID}")
    return next(e["data"] for e in body["events"] if e["kind"] == "callback-failed")


async def test_a_busy_customer_is_a_failed_try_and_the_agent_stays_ready(acd: Acd, worker: Worker) -> None:
    await acd.sign_in(ready=True)
    customer = await worker.engine.dialled_to(CUSTOMER)
    worker.engine.leg(customer, ("disconnected", (486, "Busy Here")))
    failed = await _failed_try(acd)
    assert (failed["reason"], failed["attempt"]) == ("busy", 1) and failed["retry_at"]
    view = await until(lambda: _state(acd, "WAITING")) and await acd.call()
    assert view is not None and view["callback"] == "+4930123"
    _, body = await acd.get("/api/agents/ann")
    assert body["agent"]["state"] == "READY" and "rona" not in await acd.kinds()
    await asyncio.sleep(0.3)  # not offered again before its retry: no new dial
    assert len(worker.engine.dialled) == 1, "the agent was rung for a customer who never answered"


async def test_a_customer_who_does_not_answer_is_no_answer(acd: Acd, worker: Worker) -> None:
    await acd.sign_in(ready=True)
    customer = await worker.engine.dialled_to(CUSTOMER)
    worker.engine.leg(customer, ("disconnected", (480, "Temporarily Unavailable")))
    assert (await _failed_try(acd))["reason"] == "no-answer"


async def test_the_last_failed_try_ends_the_callback(tmp_path: Path) -> None:
    async with _worker_of_its_own(tmp_path, callback_attempts=1) as (acd, w):
        customer = await w.engine.dialled_to(CUSTOMER)
        w.engine.leg(customer, ("disconnected", (603, "Decline")))
        assert (await _failed_try(acd))["retry_at"] is None
        assert await until(lambda: _has(acd, "exit"))
        assert await acd.call() is None


async def test_an_agent_who_does_not_answer_the_customer_is_no_answer_and_his_leg_ends(
        acd: Acd, worker: Worker) -> None:
    await acd.sign_in(ready=True)
    customer = await worker.engine.dialled_to(CUSTOMER)
    worker.engine.answer_leg(customer)
    agent = await worker.engine.dialled_to(CONTACT)
    worker.engine.leg(agent, ("disconnected", (486, "Busy Here")))
    await until(lambda: worker.engine.hung_up(customer))
    assert "rona" in await acd.kinds() and await _state(acd, "WAITING")


async def test_the_customer_hanging_up_while_the_agent_rings_is_an_abandon(acd: Acd, worker: Worker) -> None:
    await acd.sign_in(ready=True)
    customer = await worker.engine.dialled_to(CUSTOMER)
    worker.engine.answer_leg(customer)
    agent = await worker.engine.dialled_to(CONTACT)
    worker.engine.leg(customer, ("disconnected", (200, "BYE")))
    await until(lambda: worker.engine.hung_up(agent))
    assert await until(lambda: _has(acd, "abandon")) and await acd.call() is None


async def test_the_acd_ring_timer_hangs_the_ringing_customer_up(tmp_path: Path) -> None:
    async with _worker_of_its_own(tmp_path, ring_timeout=0.5) as (service, w):
        customer = await w.engine.dialled_to(CUSTOMER)
        w.engine.leg(customer, ("early", None))
        await until(lambda: w.engine.hung_up(customer))
        assert await _state(service, "WAITING")


async def test_an_agent_transfer_to_a_queue_rings_the_next_agent_for_the_same_caller(
        acd: Acd, caller: Caller) -> None:
    """CTI.md: ``transfer`` to ``queue:NAME`` is not the end: ann's leg ends, the caller waits
    with his data, and bob is rung and bridged to him."""
    ann = await _talking(acd, caller)
    await acd.sign_in(ready=True, agent="bob")
    await acd.post(f"/api/calls/{CID}/transfer", {"target": "queue:sales"})
    await until(lambda: any(name == "hangup" and args[0] == ann for name, args in caller.engine.commands))
    bob = await until(lambda: caller.engine.dialled[-1][0] if caller.engine.dialled[-1][0] != ann else None)
    assert caller.engine.dialled[-1][2] == {"User-to-User": "account=7"}  # the call's data goes along
    caller.engine.answer_leg(bob)
    await until(lambda: ("bridge", (1, bob)) in caller.engine.commands)

    async def bobs() -> bool:
        call = await acd.call()
        return call is not None and call["state"] == "CONNECTED" and call["agent"] == "bob"

    assert await until(bobs)
    assert not caller.task.done()  # type: ignore[union-attr]


async def test_an_agent_transfer_to_a_number_sends_the_caller_there(acd: Acd, caller: Caller) -> None:
    """The agent's ``transfer`` to a URI (a ``Leave``): her leg ends and the caller is bridged to
    the target, as the <transfer> would have taken him (not dropped back to the document)."""
    ann = await _talking(acd, caller)
    await acd.post(f"/api/calls/{CID}/transfer", {"target": "sip:help@127.0.0.1:5999"})
    await until(lambda: caller.engine.dialled[-1][1] == "sip:help@127.0.0.1:5999")
    assert any(name == "hangup" and args[0] == ann for name, args in caller.engine.commands)
    help_desk = caller.engine.dialled[-1][0]
    caller.engine.answer_leg(help_desk)
    await until(lambda: ("bridge", (1, help_desk)) in caller.engine.commands)
    caller.engine.leg(help_desk, ("disconnected", (200, "BYE")))
    done = await caller.result()
    assert isinstance(done, TransferDone) and done.outcome == "far_end_disconnect", done


async def test_hold_gives_the_caller_music_and_retrieve_bridges_him_back(acd: Acd, caller: Caller) -> None:
    """The agent's hold (the ACD's ``hold``): the caller leaves the bridge and hears the queue's
    music on his leg; retrieve stops it and bridges the two again; the ACD counts the hold."""
    ann = await _talking(acd, caller)
    commands = caller.engine.commands
    await acd.post(f"/api/calls/{CID}/hold", {})
    await until(lambda: ("unbridge", (1,)) in commands)
    music = await until(lambda: next((args for name, args in commands[commands.index(("unbridge", (1,))):]
                                      if name == "play" and args[0] == 1), None))
    assert music[2] > 60  # the music loops for the hold, not once
    assert await until(lambda: _state(acd, "HELD"))
    await acd.post(f"/api/calls/{CID}/unhold", {})
    await until(lambda: commands.count(("bridge", (1, ann))) == 2)
    assert ("stop_token", (1, music[4])) in commands
    assert await until(lambda: _state(acd, "CONNECTED"))
    assert not caller.task.done()  # type: ignore[union-attr]
