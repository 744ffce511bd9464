"""The client the voice browser uses for ``<transfer dest="queue:NAME" aai="...">``.

One :class:`AcdClient` per browser process keeps one CTI WebSocket open and hands each queued
call its own stream of actions to carry out on the SIP side::

    async with AcdClient("http://127.0.0.1:8095", token) as acd:
        call = await acd.transfer("queue:sales?tier=priority", aai="account=42", call_id=cid,
                                  caller="+3312345678")
        play(call.announcement["text"])
        async for action in acd.actions(cid):
            match action:
                case Announce(text=text): play(text)
                case Bridge(agent=agent, contact=contact):
                    await acd.ringing(cid, agent); ...; await acd.answered(cid, agent)
                case StopRinging(agent=agent): hang_up_the_agent_leg(agent)
                case Leave(destination=dest): blind_transfer(dest)   # exit, timeout, key ...
                case Monitor(mode=mode, contact=sup): conference(sup, mode)
                case Ended(): break

and reports back: :meth:`ringing`, :meth:`answered`, :meth:`no_answer`, :meth:`hangup`,
:meth:`key` (DTMF while waiting: exit keys), :meth:`callback`.

Callbacks: after :meth:`watch_callbacks`, an ``offer`` with ``callback`` set for a call this
client follows no stream of (its caller hung up) lands in :attr:`callbacks`; the call's later
actions are kept for :meth:`next_action` from then on. :meth:`claim` takes it (the first process
of a pool wins), :meth:`forget` drops a call lost to another, :meth:`callback_failed` says its
number did not answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp


def parse_aai(text: str | None) -> dict[str, Any]:
    """VoiceXML ``aai`` is a string: a JSON object, ``k=v;k2=v2`` / ``k=v&k2=v2``, or opaque."""
    if not text:
        return {}
    text = text.strip()
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError:
            return {"aai": text}
        return value if isinstance(value, dict) else {"aai": text}
    if "=" in text:
        pairs = parse_qsl(text.replace(";", "&"), keep_blank_values=True)
        if pairs:
            return dict(pairs)
    return {"aai": text}


def parse_queue_dest(dest: str) -> tuple[str, dict[str, str]]:
    """``queue:sales?tier=priority&priority=3`` -> ("sales", {"tier": "priority", "priority": "3"})."""
    if not dest.startswith("queue:"):
        raise ValueError(f"transfer dest: found {dest!r}, expected queue:NAME")
    parts = urlsplit(dest.removeprefix("queue:"))
    name = parts.path
    if not name:
        raise ValueError(f"transfer dest: found {dest!r}, expected a queue name after 'queue:'")
    return name, dict(parse_qsl(parts.query))


@dataclass(frozen=True, slots=True)
class Action:
    call_id: str
    event: dict[str, Any] = field(repr=False)


@dataclass(frozen=True, slots=True)
class Bridge(Action):
    """Ring the agent's SIP contact and bridge the caller when he answers."""

    agent: str = ""
    contact: str = ""
    callback: str | None = None  # set: dial this number first (the caller asked to be called back)
    ring_all: bool = False


@dataclass(frozen=True, slots=True)
class StopRinging(Action):
    agent: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Announce(Action):
    text: str = ""
    position: int = 0
    ewt: float = 0.0


@dataclass(frozen=True, slots=True)
class Leave(Action):
    """The caller leaves the queue to ``destination`` (None: the transfer ends, back to the app)."""

    reason: str = ""
    destination: str | None = None


@dataclass(frozen=True, slots=True)
class Monitor(Action):
    mode: str = ""  # listen, whisper, barge, intercept
    supervisor: str = ""
    contact: str = ""
    agent: str = ""


@dataclass(frozen=True, slots=True)
class CallbackAccepted(Action):
    number: str = ""


@dataclass(frozen=True, slots=True)
class Ended(Action):
    """The ACD is done with the call (completed or abandoned)."""

    reason: str = ""


@dataclass(frozen=True, slots=True)
class Info(Action):
    kind: str = ""


def to_action(e: dict[str, Any]) -> Action:
    cid, d = e.get("call_id") or "", e.get("data") or {}
    match e["kind"]:
        case "offer":
            return Bridge(cid, e, e["agent_id"], d.get("contact", ""), d.get("callback"), bool(d.get("ring_all")))
        case "cancel":
            return StopRinging(cid, e, e["agent_id"], d.get("reason", ""))
        case "rona":
            return StopRinging(cid, e, e["agent_id"], "no answer")
        case "announce":
            return Announce(cid, e, d.get("text", ""), d.get("position", 0), d.get("ewt", 0.0))
        case "exit":
            return Leave(cid, e, d.get("reason", ""), d.get("destination"))
        case "transfer" if not str(d.get("target", "")).startswith("queue:"):
            return Leave(cid, e, "transfer", d.get("target"))
        case "monitor":
            return Monitor(cid, e, d.get("mode", ""), d.get("by", ""), d.get("contact", ""), e.get("agent_id") or "")
        case "callback":
            return CallbackAccepted(cid, e, d.get("number", ""))
        case "complete":
            return Ended(cid, e, "completed")
        case "abandon":
            return Ended(cid, e, "abandoned")
    return Info(cid, e, e["kind"])


TERMINAL = (Leave, Ended)
UNREACHABLE = (aiohttp.ClientError, OSError, TimeoutError)  # the ACD is away (not: it refused)


def backoff(first: float, cap: float) -> Iterator[float]:
    """Delays between retries: ``first``, doubling, at most ``cap``."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, cap)


@dataclass(slots=True)
class QueuedCall:
    call_id: str
    state: str | None
    position: int
    announcement: dict[str, Any] | None
    exit: dict[str, Any] | None  # set when the queue refused the caller (closed, full, empty...)


class AcdClient:
    def __init__(self, base_url: str, token: str, *, session: aiohttp.ClientSession | None = None) -> None:
        self.base = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}
        self._session = session
        self._own_session = session is None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._calls: dict[str, asyncio.Queue[Action]] = {}
        self._ready = asyncio.Event()
        self._last = 0  # stream_seq of the last event seen (in the service's run ``epoch``)
        self.epoch: str | None = None  # the service's run (a restart starts another)
        self._closing = False
        self.reconnects = 0
        self.max_reconnect_delay = 2.0
        self.online = asyncio.Event()  # the CTI WebSocket is up (set at each hello)
        self.offline = asyncio.Event()  # ... and is not (set when it drops, until it is back)
        self.callbacks: asyncio.Queue[Bridge] | None = None  # see watch_callbacks

    async def __aenter__(self) -> AcdClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        self._ws = await self._session.ws_connect(f"{self.base}/api/cti", headers=self.headers, heartbeat=30)
        self._reader = asyncio.get_running_loop().create_task(self._read())
        await asyncio.wait_for(self._ready.wait(), 10)

    async def close(self) -> None:
        self._closing = True
        if self._reader:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._ws:
            await self._ws.close()
        if self._session and self._own_session:
            await self._session.close()

    def _set_online(self, up: bool) -> None:
        (self.online if up else self.offline).set()
        (self.offline if up else self.online).clear()

    async def _read(self) -> None:
        """Route events to their calls; on a lost connection, reconnect and replay the gap
        (after a restart, everything the new run published: ``Hub.since``)."""
        while True:
            assert self._ws is not None
            async for msg in self._ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                e = json.loads(msg.data)
                if e.get("kind") == "hello":
                    if e.get("epoch") != self.epoch:  # the service restarted: its stream restarts
                        self.epoch, self._last = e.get("epoch"), 0
                    self._ready.set()
                    self._set_online(True)
                    continue
                seq = e.get("stream_seq") or 0
                if seq and seq <= self._last:  # published while the replay was being read
                    continue
                self._last = max(self._last, seq)
                queue = self._calls.get(e.get("call_id") or "")
                if queue is not None and "kind" in e:
                    queue.put_nowait(to_action(e))
                elif self.callbacks is not None and e.get("kind") == "offer" and (e.get("data") or {}).get("callback"):
                    self._calls[e["call_id"]] = asyncio.Queue()  # its later actions are kept
                    self.callbacks.put_nowait(to_action(e))  # type: ignore[arg-type]
            self._set_online(False)
            if self._closing:
                return
            await self._reconnect()

    async def _reconnect(self) -> None:
        assert self._session is not None
        for delay in backoff(0.05, self.max_reconnect_delay):
            if self._closing:
                return
            try:
                self._ws = await self._session.ws_connect(
                    f"{self.base}/api/cti?since={self._last}&epoch={self.epoch or ''}",
                    headers=self.headers, heartbeat=30)
                self.reconnects += 1
                return
            except (aiohttp.ClientError, OSError):
                await asyncio.sleep(delay)

    # ---------------------------------------------------------------- calls
    async def transfer(self, dest: str, aai: str | dict[str, Any] | None, call_id: str,
                       caller: str = "", *, again: bool = False) -> QueuedCall:
        """What the browser does for ``<transfer dest="queue:NAME" aai="...">``."""
        queue, params = parse_queue_dest(dest)
        data = parse_aai(aai) if isinstance(aai, str) or aai is None else dict(aai)
        return await self.enqueue(call_id, queue, caller, data, params.get("tier"),
                                  int(params.get("priority", 0)), again=again)

    async def enqueue(self, call_id: str, queue: str, caller: str = "", aai: dict[str, Any] | None = None,
                      tier: str | None = None, priority: int = 0, *, again: bool = False) -> QueuedCall:
        """Queue a call; ``again``: the same call once more (a restarted ACD lost it), its
        actions still go to the stream it had."""
        if not again or call_id not in self._calls:
            self._calls[call_id] = asyncio.Queue()  # before the POST: no event is missed
        body = await self._post("/api/calls", {"call_id": call_id, "queue": queue, "caller": caller,
                                               "aai": aai or {}, "tier": tier, "priority": priority})
        call = body.get("call") or {}
        return QueuedCall(call_id, call.get("state"), call.get("position", 0), call.get("announcement"),
                          body.get("exit"))

    async def next_action(self, call_id: str, timeout: float | None = None) -> Action:
        queue = self._calls[call_id]
        action = await asyncio.wait_for(queue.get(), timeout)
        if isinstance(action, TERMINAL):
            self._calls.pop(call_id, None)
        return action

    async def actions(self, call_id: str, *, include_info: bool = False) -> AsyncIterator[Action]:
        """The call's actions until it leaves the ACD (``Leave`` or ``Ended`` is the last)."""
        while True:
            action = await self.next_action(call_id)
            if isinstance(action, Info) and not include_info:
                continue
            yield action
            if isinstance(action, TERMINAL):
                return

    def watch_callbacks(self) -> asyncio.Queue[Bridge]:
        """From now on, offers with ``callback`` set for calls without a stream here go to
        :attr:`callbacks` (see the module docstring)."""
        if self.callbacks is None:
            self.callbacks = asyncio.Queue()
        return self.callbacks

    def forget(self, call_id: str) -> None:
        """Stop keeping ``call_id``'s actions (its stream is not ours, or no longer). A callback
        offer already kept (the call was offered again meanwhile) goes to :attr:`callbacks`,
        the stream kept for the actions after it."""
        queue = self._calls.pop(call_id, None)
        while queue is not None and not queue.empty():
            action = queue.get_nowait()
            if self.callbacks is not None and isinstance(action, Bridge) and action.callback:
                self._calls[call_id] = queue
                self.callbacks.put_nowait(action)
                return

    async def call(self, call_id: str) -> dict[str, Any]:
        assert self._session is not None
        async with self._session.get(f"{self.base}/api/calls/{call_id}", headers=self.headers) as resp:
            return await self._json(resp)

    async def ringing(self, call_id: str, agent: str) -> dict[str, Any]:
        return await self._post(f"/api/calls/{call_id}/ringing", {"agent": agent})

    async def answered(self, call_id: str, agent: str) -> dict[str, Any]:
        return await self._post(f"/api/calls/{call_id}/answered", {"agent": agent})

    async def no_answer(self, call_id: str, agent: str | None = None) -> dict[str, Any]:
        return await self._post(f"/api/calls/{call_id}/no-answer", {"agent": agent})

    async def hangup(self, call_id: str, by: str = "caller") -> dict[str, Any]:
        return await self._post(f"/api/calls/{call_id}/hangup", {"by": by})

    async def key(self, call_id: str, key: str) -> dict[str, Any]:
        return await self._post(f"/api/calls/{call_id}/key", {"key": key})

    async def callback(self, call_id: str, number: str | None = None) -> dict[str, Any]:
        return await self._post(f"/api/calls/{call_id}/callback", {"number": number})

    async def claim(self, call_id: str, by: str) -> dict[str, Any]:
        """Take an offered call's legs (a callback); ``AcdClientError`` 409: another has it."""
        return await self._post(f"/api/calls/{call_id}/claim", {"by": by})

    async def callback_failed(self, call_id: str, reason: str = "no-answer") -> dict[str, Any]:
        """The callback's number did not answer (``reason``: no-answer, busy, congestion,
        failed): the offered agents are freed and the call waits for its next try."""
        return await self._post(f"/api/calls/{call_id}/callback-failed", {"reason": reason})

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        assert self._session is not None, "connect() first"
        async with self._session.post(f"{self.base}{path}", json=body, headers=self.headers) as resp:
            return await self._json(resp)

    @staticmethod
    async def _json(resp: aiohttp.ClientResponse) -> dict[str, Any]:
        data = await resp.json(content_type=None)
        if resp.status >= 400:
            raise AcdClientError(resp.status, data.get("error", "") if isinstance(data, dict) else str(data))
        return data


class AcdClientError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status, self.message = status, message
