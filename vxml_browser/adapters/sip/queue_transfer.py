"""``<transfer dest="queue:NAME">`` on a SIP call: the caller waits in the ACD's queue, then
talks to an agent (issue 7; the ACD's side is ``agent_queue/CTI.md``).

Design:

* One ``AcdLink`` per worker process holds one ``agent_queue.client.AcdClient`` (one CTI
  WebSocket), connected at the first queue transfer; ``[acd] url`` and ``token`` come from the
  SIP config, ``[acd] music`` is the optional hold music.
* ``queue_transfer`` runs inside the ``Transfer`` action, on the call's own asyncio task, so the
  interpreter simply waits for its ``TransferDone`` as for any other transfer. It queues the call
  (``AcdClient.transfer``: the queue name, ``?tier=&priority=`` from the dest, the ``aai`` string
  as the IVR data, the SIP Call-ID as the call id, the user part of the caller's URI as his
  number), then carries out the ACD's actions until the caller leaves the queue:

  ======================  =========================================================================
  ACD action              what the call does
  ======================  =========================================================================
  ``Announce``            speaks ``text`` (TTS) to the caller; hold music (``transferaudio``, else
                          ``[acd] music``) loops in between
  ``Bridge`` (offer)      dials the agent's contact on a new leg (``SipCall.dial``, the bridged
                          transfer's own code), reports ``ringing`` at 180/183, and on answer
                          bridges the two legs (``Engine.bridge``) and reports ``answered``; a leg
                          that fails is reported as ``no-answer``
  ``StopRinging``         (``rona``, ``cancel``) hangs that agent's ringing leg up; the ACD re-offers
  ``Leave`` (exit)        transfers the caller to ``destination`` (blind or bridge, as the
                          ``<transfer>``), or ends the transfer with ``noanswer`` when there is none
  ``Ended``               the ACD ended the call (a supervisor's forced hang-up): the agent's leg ends
  ``Monitor``             (on a bridged call) dials the supervisor's contact on a new leg and, once
                          he answers, joins him through the conference bridge by ``mode``:
                          ``listen`` he hears both; ``whisper`` the agent hears him too; ``barge``
                          all three hear each other; ``intercept`` his leg takes the agent's place
                          in the bridge and the agent's leg ends (``monitor_links``,
                          ``QueuedCaller.intercept``). Another ``monitor`` changes the mode, or
                          re-dials when the contact differs. His hanging up ends the monitoring
                          only; the call's end hangs his leg up
  ======================  =========================================================================

* The caller's keys while waiting go to the ACD (``key``: exit keys), except the dest's
  ``?callback=KEY``: that key asks for a callback at his caller id (``callback``). A caller who
  hangs up is reported (``hangup`` by the caller: an abandon while waiting) and the interpreter
  gets ``Hangup``. When the agent hangs up the ACD hears ``hangup`` by the agent.
* Once bridged, the wait is the bridged transfer's own (``SipCall.bridge_until_end``), so the
  outcomes are the same: a bridge ``<transfer>`` gets ``far_end_disconnect`` (the agent hung
  up), ``near_end_disconnect`` (the caller's keys or words matched the transfer's grammars),
  ``maxtime_disconnect``, ``network_disconnect`` (the agent's RTP or dialog died), or
  ``noanswer`` when it left the queue without an agent; a blind one holds the interpreter until the
  agent's call is over and then gets ``transferred`` (``connection.disconnect.transfer``), so the
  caller's leg stays with this process for the whole call and ends with the agent's.
* Everything happens on the loop: leg events arrive through ``SipCall.on_leg_event`` and the
  ACD's through the pending ``next_action`` task, both of which wake ``SipCall.wait``.
* Ring time is the ACD's business: an agent's leg rings until ``rona``/``cancel`` (the queue's
  ``ring_timeout``), not until the ``<transfer>``'s ``connecttimeout``. Under ``ring_all`` several
  legs ring; the first to answer wins and the others are hung up.
* The ACD may restart under a waiting caller (issue 10; ``agent_queue/CTI.md``, "Restarts").
  The client reconnects its WebSocket with backoff and is replayed what it missed; meanwhile the
  caller stays on the line with his hold music, and reports the ACD cannot take (his keys, his
  hang-up, an agent's answer) are kept in order and sent when it is back (``QueuedCaller.report``),
  retried with backoff for ``[acd] reconnect_timeout`` seconds. Once back, the call is looked up
  by its call id, which the ACD's store kept (queued again under the same id if it was not).
  An agent's answer while the ACD is away still bridges the caller. A waiting caller whose ACD
  stays away longer than ``reconnect_timeout`` leaves the queue: the ``<transfer>`` throws
  ``error.connection.noroute`` (VoiceXML 2.0 §2.3.7: the platform cannot route the call to its
  destination; no connection was made, so no outcome such as ``network_disconnect`` applies), and
  the ACD is told the caller hung up when it comes back. A transfer that cannot be queued at all
  (the ACD is away when it starts) fails at once with the same error.
* Monitoring needs no report: the ACD knows the mode it asked for, and on ``intercept`` it ends
  the agent's part itself. After an intercept the supervisor is the far party: his hang-up is
  reported as ``hangup`` by ``supervisor``. A supervisor who does not answer within ``[acd]
  monitor_ring_timeout`` (30 s) is hung up; the call goes on, and the ACD's next ``monitor``
  for it dials him again.
* ``CallbackAccepted`` (the caller asked to be called back): a goodbye, then the caller's leg is
  hung up and the call's stream released, so that the later offer with ``callback`` set goes to
  the worker's ``callbacks.CallbackDialer`` (whichever worker claims it dials the customer). The
  ACD's events after the transfer ended (``complete``, ``abandon``) are drained in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass, replace
from typing import Any

from ...core.actions import Prompt, Transfer
from ...core.inputs import Hangup, Input, TransferDone
from .bridge import blind, bridge_until_end, bridged
from .control import CallControl, Clip
from .leg import Leg, end_outcome, uui

log = logging.getLogger(__name__)
_draining: set[asyncio.Task[None]] = set()  # strong references to the background tasks
RECONNECT_TIMEOUT_S = 60.0  # [acd] reconnect_timeout's default
MONITOR_RING_TIMEOUT_S = 30.0  # [acd] monitor_ring_timeout's default
RETRY_FIRST_S, RETRY_MAX_S = 0.1, 2.0  # the backoff of reports kept while the ACD is away


HOLD_MUSIC_REPEAT = 720.0
"""A held caller's music loops this many times its length (an hour for a 5 s clip)."""

async def cancel_for_sure(task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` and wait until it is done, cancelling again while a cancel is lost
    (``asyncio.wait_for`` on Python 3.11 swallows one that lands as its inner wait completes)."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=0.1)


def _background(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    """Run ``coro`` past the end of the call's transfer (kept referenced until done)."""
    task = asyncio.get_running_loop().create_task(coro)
    _draining.add(task)
    task.add_done_callback(_draining.discard)
    return task


class AcdLink:
    """The worker's connection to the ACD (one CTI WebSocket for all its calls)."""

    def __init__(self, url: str, token: str, music: str = "",
                 reconnect_timeout: float = RECONNECT_TIMEOUT_S,
                 monitor_ring_timeout: float = MONITOR_RING_TIMEOUT_S) -> None:
        self.url, self.token, self.music = url, token, music
        self.reconnect_timeout = reconnect_timeout
        self.monitor_ring_timeout = monitor_ring_timeout
        self._client: Any = None
        self._lock = asyncio.Lock()

    async def client(self) -> Any:
        async with self._lock:
            if self._client is None:
                from agent_queue.client import AcdClient

                client = AcdClient(self.url, self.token)
                try:
                    await client.connect()
                except BaseException:
                    await client.close()  # its HTTP session
                    raise
                self._client = client
            return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


@dataclass
class Supervisor:
    """A supervisor's leg on a bridged call (the ACD's ``monitor``)."""

    leg: Leg
    contact: str
    mode: str  # listen, whisper, barge, intercept
    by: str  # the supervisor's name
    ring_until: float = 0.0  # the loop's time after which a leg not yet answered is hung up
    joined: bool = False  # answered: his audio paths follow ``mode``
    links: frozenset[tuple[int, int]] = frozenset()  # the one-way paths (src, dst) made for him (keys)


def monitor_links(mode: str, caller: int, agent: int, supervisor: int) -> frozenset[tuple[int, int]]:
    """The one-way audio paths ``(src, dst)`` that join a supervisor to the caller-agent bridge
    in ``mode``: he hears both; under ``whisper`` the agent hears him; under ``barge`` the caller
    does too. ``intercept`` is a bridge of its own (``QueuedCaller.intercept``): none here."""
    if mode == "intercept":
        return frozenset()
    links = {(caller, supervisor), (agent, supervisor)}
    if mode in ("whisper", "barge"):
        links.add((supervisor, agent))
    if mode == "barge":
        links.add((supervisor, caller))
    return frozenset(links)


def caller_number(remote_uri: str) -> str:
    m = re.search(r"(?:sips?|tel):([^@;>]+)", remote_uri)
    return m.group(1) if m else remote_uri


async def queue_transfer(call: CallControl, action: Transfer, link: AcdLink | None, cid: str,
                         caller: str) -> Input:
    """Answer a ``Transfer`` to ``queue:NAME`` (see the module docstring) through the worker's
    ``link`` (None: no ``[acd]``); ``cid`` is the call's id in the ACD (the SIP Call-ID),
    ``caller`` his number (``caller_number``)."""
    await call.queue_prompts(action.prompts)
    await call.answer()
    await call.drain()
    if call.hung_up:
        return Hangup()
    if link is None:
        log.warning("call %s: %s needs [acd] url in the SIP config", call.key, action.dest)
        return TransferDone(None, error="error.unsupported.uri")
    from agent_queue.client import AcdClientError

    try:
        acd = await link.client()
        queued = await acd.transfer(action.dest, action.aai, cid, caller)
    except ValueError as exc:
        log.info("call %s: %s", call.key, exc)
        return TransferDone(None, error="error.connection.baddestination")
    except AcdClientError as exc:
        log.info("call %s: the ACD refused %s: %s", call.key, action.dest, exc)
        return TransferDone(None, error="error.connection.baddestination" if exc.status in (404, 422)
                            else "error.connection.noroute")
    except Exception as exc:  # aiohttp's errors, a time-out: the ACD is away
        log.warning("call %s: the ACD at %s: %s", call.key, link.url, exc)
        return TransferDone(None, error="error.connection.noroute")
    log.info("call %s queued as %s in %s (%s)", call.key, cid, action.dest, queued.state)
    waiting = QueuedCaller(call, action, link, acd, cid, caller)
    try:
        if queued.exit is not None:
            return await waiting.leave(queued.exit.get("destination"))
        return await waiting.run()
    finally:
        waiting.close()


class Reports:
    """A call's reports to the ACD (``ringing``, ``answered``, ``hangup`` ...), in order. While
    the ACD is unreachable they are kept and sent, in the background, when it is back, retried
    with backoff for ``reconnect_timeout`` s; then dropped with a warning."""

    def __init__(self, acd: Any, cid: str, label: str, reconnect_timeout: float) -> None:
        self.acd, self.cid, self.label = acd, cid, label  # label: "call 3", "callback CID"
        self.reconnect_timeout = reconnect_timeout
        self.outbox: deque[tuple[str, tuple[Any, ...], dict[str, Any]]] = deque()
        self.sender: asyncio.Task[None] | None = None

    async def send(self, op: str, *args: Any, **kwargs: Any) -> bool:
        """Tell the ACD ``op``; False when it refused (a race with its timers). While it is
        unreachable, reports are kept in order and sent when it is back (True: as if taken)."""
        from agent_queue.client import UNREACHABLE

        if not self.outbox:
            try:
                await getattr(self.acd, op)(self.cid, *args, **kwargs)
                return True
            except UNREACHABLE as exc:
                log.warning("%s: the ACD is away (%s): '%s' is kept until it is back",
                            self.label, exc.__class__.__name__, op)
            except Exception as exc:  # the ACD disagrees
                log.info("%s: ACD %s %s: %s", self.label, op, args, exc)
                return False
        self.keep(op, *args, **kwargs)
        return True

    def keep(self, op: str, *args: Any, **kwargs: Any) -> None:
        """Send ``op`` after the reports already kept, in the background (``_send_kept``)."""
        self.outbox.append((op, args, kwargs))
        if self.sender is None or self.sender.done():
            self.sender = _background(self._send_kept())

    async def _send_kept(self) -> None:
        from agent_queue.client import UNREACHABLE, backoff

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.reconnect_timeout
        for delay in backoff(RETRY_FIRST_S, RETRY_MAX_S):
            while self.outbox:
                op, args, kwargs = self.outbox[0]
                try:
                    await getattr(self.acd, op)(self.cid, *args, **kwargs)
                except UNREACHABLE:
                    break
                except Exception as exc:  # refused now that it is back: nothing to retry
                    log.info("%s: ACD %s %s (kept): %s", self.label, op, args, exc)
                self.outbox.popleft()
            else:
                return
            if loop.time() + delay > deadline:
                log.warning("%s: the ACD stayed away %.0f s; reports not sent: %s", self.label,
                            self.reconnect_timeout, [op for op, _, _ in self.outbox])
                self.outbox.clear()
                return
            await asyncio.sleep(delay)


class QueuedCaller:
    """One caller's stay in the queue: the loop over ACD actions and leg events."""

    def __init__(self, call: CallControl, action: Transfer, link: AcdLink, acd: Any, cid: str,
                 caller: str = "") -> None:
        self.call, self.action, self.acd, self.cid, self.caller = call, action, acd, cid, caller
        self.link = link
        self.reconnect_timeout: float = link.reconnect_timeout
        self.reports = Reports(acd, cid, f"call {call.key}", self.reconnect_timeout)
        self.watcher: asyncio.Task[None] | None = None
        self.lost = False  # the ACD stayed away longer than reconnect_timeout
        self.ringing: dict[Leg, str] = {}  # agent legs ringing -> agent id
        self.told_ringing: set[Leg] = set()
        self.stopped: set[Leg] = set()  # legs we hung up on the ACD's word (no report)
        self.bridged: tuple[Leg, str] | None = None
        self.bridged_at = 0.0
        self.supervisor: Supervisor | None = None  # monitoring the bridged call
        self.intercepted = False  # the supervisor took the caller: he is the bridged party
        self.music: Clip | None = None
        self.music_token: int | None = None
        self.held = False  # the agent has the caller on hold (``hold``)
        self.pending: asyncio.Task[Any] | None = None
        self.finished = False  # the ACD's last action (Leave/Ended) was taken
        from agent_queue.client import parse_queue_dest

        self.callback_key = parse_queue_dest(action.dest)[1].get("callback")  # ?callback=KEY

    # -- helpers ---------------------------------------------------------------------------------
    def _next(self) -> None:
        self.pending = asyncio.get_running_loop().create_task(self.acd.next_action(self.cid))
        self.pending.add_done_callback(lambda _: self.call.wake())

    async def report(self, op: str, *args: Any, **kwargs: Any) -> bool:
        return await self.reports.send(op, *args, **kwargs)

    def keep(self, op: str, *args: Any, **kwargs: Any) -> None:
        self.reports.keep(op, *args, **kwargs)

    async def _watch(self) -> None:
        """Follow the ACD's WebSocket: when it is back, re-attach the call; when it stays away
        longer than ``reconnect_timeout``, give the caller up (``lost`` wakes the wait)."""
        while True:
            await self.acd.offline.wait()
            log.warning("call %s: the ACD connection is down; waiting up to %.0f s for it",
                        self.call.key, self.reconnect_timeout)
            try:
                await asyncio.wait_for(self.acd.online.wait(), self.reconnect_timeout)
            except TimeoutError:
                self.lost = True
                self.call.wake()
                return
            await self.reattach()

    async def reattach(self) -> None:
        """The ACD is back: find the call by its id (the ACD's store kept it); queued again
        under the same id when the ACD lost it (it died before saving)."""
        from agent_queue.client import UNREACHABLE, AcdClientError

        try:
            view = await self.acd.call(self.cid)
            log.info("call %s: the ACD is back; the call is %s at position %s", self.call.key,
                     view.get("state"), view.get("position"))
        except AcdClientError as exc:
            if exc.status != 404:
                log.warning("call %s: the ACD is back but: %s", self.call.key, exc)
                return
            log.warning("call %s: the restarted ACD lost the call; queuing it again", self.call.key)
            with contextlib.suppress(*UNREACHABLE, AcdClientError, ValueError):
                await self.acd.transfer(self.action.dest, self.action.aai, self.cid, self.caller, again=True)
        except UNREACHABLE as exc:  # away again: the next hello re-attaches
            log.info("call %s: the ACD went away again: %s", self.call.key, exc)

    def hang_up_leg(self, leg: Leg) -> None:
        self.call.legs.hang_up(leg)

    def stop_music(self) -> None:
        if self.music_token is not None:
            self.call.stop(self.music_token)
        self.music_token = None

    async def hold_music(self) -> None:
        call = self.call
        if self.music is None or self.bridged is not None or call.playing or call.hung_up:
            return
        self.music_token = call.play_clip(self.music, bargein=True)

    def close(self) -> None:
        """Stop the pending read and the watch; drain the ACD's last events in the background
        (kept reports go on being sent)."""
        for task in (self.pending, self.watcher):
            if task is not None and not task.done():
                task.cancel()
        if not self.finished:
            _background(self._drain())

    async def _drain(self) -> None:
        from agent_queue.client import TERMINAL

        with contextlib.suppress(Exception):
            while True:
                if isinstance(await self.acd.next_action(self.cid, 30), TERMINAL):
                    return

    # -- the loop ----------------------------------------------------------------------------------
    async def run(self) -> Input:
        call, action = self.call, self.action
        src = action.transferaudio or self.link.music
        if src:
            self.music = await call.audio(src)
        call.keys.clear()
        self._next()
        loop = asyncio.get_running_loop()
        self.watcher = loop.create_task(self._watch())
        while True:
            await call.wait(self._something, None)
            if call.hung_up:
                return await self.caller_gone()
            if self.lost and self.bridged is None:
                return await self.acd_gone()
            while call.keys:
                key = call.keys.popleft()
                if key == self.callback_key:
                    await self.report("callback")  # at his caller id; refused while an agent rings
                else:
                    await self.report("key", key)
            await self.check_legs(loop.time())
            if self.bridged is not None:
                done = await self.talk()
                if done is not None:
                    return done
                continue  # the agent sent him to a queue: he waits for the next offer
            if self.pending is not None and self.pending.done():
                task, self.pending = self.pending, None
                if task.exception() is not None:  # the client dropped the call: no more actions
                    log.warning("call %s: ACD events: %r", call.key, task.exception())
                    self.finished = True
                    await self.leave(None)
                    return TransferDone(None, error="error.connection.noroute")
                done = await self.on_action(task.result())
                if done is not None:
                    return done
                if not self.finished:
                    self._next()
            await self.hold_music()

    def _something(self) -> bool:
        call = self.call
        if call.hung_up or self.lost or (self.pending is not None and self.pending.done()):
            return True
        if call.keys or (self.music is not None and not call.playing):
            return True
        return any(leg.ended or leg.answered or (leg.early and leg not in self.told_ringing)
                   for leg in self.ringing)

    async def check_legs(self, now: float) -> None:
        call = self.call
        for leg, agent in list(self.ringing.items()):
            if leg.ended:
                del self.ringing[leg]
                if leg not in self.stopped:
                    log.info("call %s: agent %s did not answer (%s)", call.key, agent, leg.disconnected)
                    await self.report("no_answer", agent)
            elif leg.answered:
                del self.ringing[leg]
                await self.connect(leg, agent, now)
            elif leg.early and leg not in self.told_ringing:
                self.told_ringing.add(leg)
                await self.report("ringing", agent)

    async def connect(self, leg: Leg, agent: str, now: float) -> None:
        call = self.call
        if self.bridged is not None or not await self.report("answered", agent):
            self.stopped.add(leg)
            self.hang_up_leg(leg)  # too late: the ACD gave the call up (rona) or another answered
            return
        for other in list(self.ringing):
            self.stopped.add(other)
            self.hang_up_leg(other)
        self.ringing.clear()
        self.music_token = None
        call.stop()
        await call.legs.bridge(call.key, leg.key)
        self.bridged, self.bridged_at = (leg, agent), now
        log.info("call %s bridged to agent %s", call.key, agent)

    async def talk(self) -> Input | None:
        """The caller and the agent are bridged: ``bridge.bridge_until_end`` (the bridged
        transfer's own wait: hang-ups, the transfer's grammars, maxtime, lost RTP), while the
        ACD's actions are still read (``Ended``: a supervisor's forced hang-up ends the agent's
        leg, which ends the bridge; ``Monitor``: a supervisor joins; the agent's ``transfer`` to
        a queue ends her leg and returns None: the caller waits in that queue, his data kept,
        for its next offer; to a URI, a ``Leave``: her leg ends and the caller goes there as
        ``leave`` sends him) and a supervisor's leg is followed (answered: joined by his mode;
        an intercept makes his leg the bridged one)."""
        from agent_queue.client import TERMINAL, Info, Monitor

        call = self.call
        assert self.bridged is not None
        loop = asyncio.get_running_loop()
        bridge = self._bridge()
        news: asyncio.Task[bool] | None = None  # the supervisor's leg changed
        by_acd = requeued = False
        onward: str | None = None  # the agent transferred the caller there (a Leave)
        try:
            while not bridge.done():
                waiting: set[asyncio.Task[Any]] = {bridge}
                if self.pending is not None:
                    waiting.add(self.pending)
                if self.supervisor is not None:
                    if news is None:
                        sup = self.supervisor
                        left = None if sup.joined else max(0.0, sup.ring_until - loop.time())
                        news = loop.create_task(call.wait(self._supervisor_news, left))
                    waiting.add(news)
                await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                take = False
                if self.pending is not None and self.pending.done():
                    task, self.pending = self.pending, None
                    got = task.result() if task.exception() is None else None
                    if got is None or isinstance(got, TERMINAL):
                        self.finished = got is not None
                        if got is not None:
                            by_acd = True
                            onward = getattr(got, "destination", None)  # the agent's transfer
                            log.info("call %s: the ACD ended the call (%s)", call.key, got)
                            self.hang_up_leg(self.bridged[0])
                    else:
                        if isinstance(got, Monitor):
                            take = await self.monitor(got)
                        elif isinstance(got, Info) and got.kind in ("hold", "unhold"):
                            await self.hold(got.kind == "hold")
                        elif isinstance(got, Info) and got.kind == "transfer":  # to a queue (CTI.md)
                            log.info("call %s: the agent transferred the caller to %s", call.key,
                                     (got.event.get("data") or {}).get("target"))
                            requeued = True
                            self.hang_up_leg(self.bridged[0])
                        else:
                            log.debug("call %s: ACD action %s during the bridge", call.key, got)
                        self._next()
                if news is not None and news.done():
                    news = None
                    take = await self.supervisor_moved() or take
                if take and not bridge.done():
                    bridge = await self.intercept(bridge)
            ended = bridge.result()
        finally:
            for task in (bridge, news):
                if task is not None:
                    await cancel_for_sure(task)
            self.end_monitoring()
            self.held = False
            self.stop_music()
        leg, _ = self.bridged
        duration = loop.time() - self.bridged_at
        if requeued and not call.hung_up:
            call.legs.unbridge(call.key)
            self.hang_up_leg(leg)
            self.bridged, self.intercepted = None, False
            return None
        if call.hung_up:
            self.hang_up_leg(leg)
            if not by_acd:
                await self.report("hangup", by="caller")
            return Hangup()
        call.legs.unbridge(call.key)
        if onward:
            self.hang_up_leg(leg)
            return await self.leave(onward)
        if leg.ended:
            if not by_acd:
                await self.report("hangup", by="supervisor" if self.intercepted else "agent")
            return self.outcome(end_outcome(leg.code), duration)
        self.hang_up_leg(leg)
        await self.report("hangup", by="caller")
        if isinstance(ended, TransferDone):
            return self.outcome(ended.outcome or "near_end_disconnect", duration, ended)
        return self.outcome(ended, duration)

    async def hold(self, on: bool) -> None:
        """The agent's hold and retrieve (the ACD's ``hold``/``unhold``, CTI.md): held, the
        caller is taken out of the bridge and hears the queue's music (the agent hears nothing);
        retrieved, the music stops and the two are bridged again. The ACD counts the hold time."""
        call = self.call
        assert self.bridged is not None
        if on and not self.held:
            self.held = True
            call.legs.unbridge(call.key)
            if self.music is not None:
                self.music_token = call.play_clip(self.music, bargein=True, repeat=HOLD_MUSIC_REPEAT)
        elif not on and self.held:
            self.held = False
            self.stop_music()
            try:
                await call.legs.bridge(call.key, self.bridged[0].key)
            except KeyError:  # her leg ended meanwhile: the bridge's wait sees it
                pass

    def _bridge(self) -> asyncio.Task[str | TransferDone]:
        """Wait out the bridge with the bridged leg (``bridge.bridge_until_end``)."""
        assert self.bridged is not None
        leg, _ = self.bridged
        return asyncio.get_running_loop().create_task(
            bridge_until_end(self.call, self.action, leg, self.bridged_at))

    # -- a supervisor on the bridged call (the ACD's ``monitor``) ---------------------------------
    async def monitor(self, got: Any) -> bool:
        """A ``Monitor`` action: dial the supervisor, or change the mode of the one on the call
        (re-dialled when the contact differs). True when the caller is to be his now (an
        intercept by a supervisor already on the call)."""
        call = self.call
        sup = self.supervisor
        if not got.contact:
            log.warning("call %s: monitor %s by %s without a contact: nobody to dial", call.key,
                        got.mode, got.supervisor)
            return False
        if sup is not None and sup.contact == got.contact:
            log.info("call %s: supervisor %s now in %s", call.key, got.supervisor, got.mode)
            sup.mode, sup.by = got.mode, got.supervisor
            return sup.joined and self.relink()
        self.end_monitoring()
        try:
            leg = await call.legs.dial(got.contact)
        except Exception as exc:
            log.info("call %s: cannot dial supervisor %s at %s: %s", call.key, got.supervisor,
                     got.contact, exc)
            return False
        ring_until = asyncio.get_running_loop().time() + self.link.monitor_ring_timeout
        self.supervisor = Supervisor(leg, got.contact, got.mode, got.supervisor, ring_until)
        log.info("call %s: dialling supervisor %s at %s (%s)", call.key, got.supervisor,
                 got.contact, got.mode)
        return False

    def _supervisor_news(self) -> bool:
        sup = self.supervisor
        if sup is None:
            return True
        return sup.leg.ended or (not sup.joined and sup.leg.answered)

    async def supervisor_moved(self) -> bool:
        """The supervisor's leg answered (join him; True: an intercept), ended, or rang out
        (the monitoring ends, the call goes on)."""
        sup = self.supervisor
        if sup is None:
            return False
        if sup.leg.ended:
            log.info("call %s: supervisor %s left (%s)", self.call.key, sup.by, sup.leg.disconnected)
            self.supervisor = None  # his port left the bridge with its paths
            return False
        if not sup.joined and not sup.leg.answered:
            log.info("call %s: supervisor %s did not answer in %g s", self.call.key, sup.by,
                     self.link.monitor_ring_timeout)
            self.end_monitoring()
            return False
        sup.joined = True
        log.info("call %s: supervisor %s joined (%s)", self.call.key, sup.by, sup.mode)
        return self.relink()

    def relink(self) -> bool:
        """Make the joined supervisor's audio paths those of his mode; True for an intercept
        (``intercept`` makes them)."""
        sup, legs = self.supervisor, self.call.legs
        assert sup is not None and self.bridged is not None
        if sup.mode == "intercept":
            return True
        want = monitor_links(sup.mode, self.call.key, self.bridged[0].key, sup.leg.key)
        for src, dst in sup.links - want:
            legs.disconnect(src, dst)
        for src, dst in want - sup.links:
            legs.connect(src, dst)
        sup.links = want
        return False

    async def intercept(self, bridge: asyncio.Task[Any]) -> asyncio.Task[Any]:
        """The supervisor takes the caller: the caller is bridged to his leg and the agent's leg
        ends (the ACD ended the agent's part when it sent the intercept: nothing to report).
        Returns the wait of the new bridge (the old one's, when his leg is gone already)."""
        call, legs, sup = self.call, self.call.legs, self.supervisor
        assert sup is not None and self.bridged is not None
        await cancel_for_sure(bridge)
        agent_leg, agent = self.bridged
        for src, dst in sup.links:
            legs.disconnect(src, dst)
        sup.links = frozenset()
        legs.unbridge(call.key)
        try:
            await legs.bridge(call.key, sup.leg.key)
        except KeyError:  # a leg ended meanwhile (his: the agent keeps the caller; the caller's)
            log.info("call %s: the intercept by %s found a leg gone", call.key, sup.by)
            self.end_monitoring()
            with contextlib.suppress(KeyError):
                await legs.bridge(call.key, agent_leg.key)
            return self._bridge()  # ends at once if the caller or the agent is gone
        self.hang_up_leg(agent_leg)
        self.bridged, self.supervisor, self.intercepted = (sup.leg, sup.by), None, True
        log.info("call %s: supervisor %s intercepted the call from agent %s", call.key, sup.by, agent)
        return self._bridge()

    def end_monitoring(self) -> None:
        """Hang the supervisor's leg up (the call is over, or another contact is dialled)."""
        sup, self.supervisor = self.supervisor, None
        if sup is None:
            return
        for src, dst in sup.links:
            self.call.legs.disconnect(src, dst)
        self.hang_up_leg(sup.leg)

    def outcome(self, outcome: str, duration: float, done: TransferDone | None = None) -> TransferDone:
        if self.action.type == "blind":  # the agent had the caller: the IVR's part is over
            return TransferDone("transferred", duration_s=duration)
        if done is not None:  # near_end_disconnect with the input that matched
            return replace(done, duration_s=duration)
        return TransferDone(outcome, duration_s=duration)  # type: ignore[arg-type]

    async def caller_gone(self) -> Input:
        for leg in list(self.ringing):
            self.hang_up_leg(leg)
        await self.report("hangup", by="caller")
        return Hangup()

    async def acd_gone(self) -> Input:
        """The ACD stayed away longer than ``reconnect_timeout``: the caller leaves the queue
        (``error.connection.noroute``, see the module docstring); once the ACD is back it
        hears that he hung up, so that it offers him to no agent."""
        log.warning("call %s: the ACD stayed away over %.0f s; the transfer fails", self.call.key,
                    self.reconnect_timeout)
        await self.leave(None)
        self.keep("hangup", by="caller")
        return TransferDone(None, error="error.connection.noroute")

    async def on_action(self, got: Any) -> Input | None:
        from agent_queue.client import (
            Announce,
            Bridge,
            CallbackAccepted,
            Ended,
            Leave,
            StopRinging,
        )

        call = self.call
        match got:
            case Announce(text=text) if text:
                self.stop_music()
                await call.queue_prompts((Prompt(ssml="", text=text, bargein=True),))
            case Bridge(agent=agent, contact=contact):
                try:
                    leg = await call.legs.dial(contact, uui(self.action.aai))
                except Exception as exc:
                    log.info("call %s: cannot ring agent %s at %s: %s", call.key, agent, contact, exc)
                    await self.report("no_answer", agent)
                    return None
                self.ringing[leg] = agent
                log.info("call %s: ringing agent %s at %s", call.key, agent, contact)
            case StopRinging(agent=agent):
                for leg, who in list(self.ringing.items()):
                    if who == agent:
                        del self.ringing[leg]
                        self.stopped.add(leg)
                        self.hang_up_leg(leg)
            case Leave(destination=destination):
                self.finished = True
                return await self.leave(destination)
            case Ended():  # the ACD dropped the waiting caller (a supervisor, a lost call)
                self.finished = True
                await self.leave(None)
                return TransferDone("noanswer")
            case CallbackAccepted():
                self.finished = True  # its next offer is the CallbackDialer's (module docstring)
                self.acd.forget(self.cid)
                self.stop_music()
                await call.queue_prompts((Prompt(ssml="", text="We will call you back. Goodbye.",
                                                 bargein=False),))
                await call.drain(30)
                await call.hangup()
                return Hangup()
            case _:
                log.debug("call %s: ACD action %s not handled", call.key, got)
        return None

    async def leave(self, destination: str | None) -> Input:
        """Out of the queue without an agent: to ``destination``, else back to the document."""
        for leg in list(self.ringing):
            self.stopped.add(leg)
            self.hang_up_leg(leg)
        self.ringing.clear()
        self.stop_music()
        self.call.stop()
        if not destination:
            return TransferDone("noanswer")
        onward = replace(self.action, dest=destination, prompts=(), transferaudio=None)
        return await (blind if onward.type == "blind" else bridged)(self.call, onward)
