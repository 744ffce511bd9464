"""One SIP call on the asyncio side: answers a session's actions with real media.

``SipCall`` is the SIP twin of ``ConsolePlatform`` (``adapters/runner.py``): the same actions,
answered with pjsua2 through the ``Engine`` (``engine.py``). It never calls pjsua2 itself: it
sends commands with ``engine.run``/``engine.submit`` and reads the leg's events (``dtmf``,
``played``, ``confirmed``, ``media``, ``disconnected``, ``xfer``) that the engine thread posts
to the loop with ``call_soon_threadsafe``.

The call is answered lazily, at the first action that needs media: while the first document
loads the caller hears ringing, and a blind ``<transfer>`` reached before that becomes a
302 redirect instead of a REFER.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ...core.actions import (
    Collect,
    Disconnect,
    Error,
    Fetch,
    Log,
    ObjectCall,
    Play,
    Prompt,
    Record,
    Transfer,
)
from ...core.inputs import (
    Ack,
    Alternative,
    DtmfKey,
    Hangup,
    Input,
    NoInput,
    ObjectDone,
    Played,
    Recorded,
    Recording,
    Speech,
    TransferDone,
)
from ..fetcher import Fetcher
from ..limits import recording_cap
from ..media import encode_recording, rms
from .engine import Engine
from .prompts import PromptRenderer

log = logging.getLogger(__name__)

VOICE_RMS = 300.0  # a 20 ms frame louder than this counts as speech (about -40 dBFS)
MEDIA_POLL_S = 0.5  # how often a bridge checks the far leg's RTP count
MEDIA_TIMEOUT_S = 10.0  # a bridged far leg silent on RTP this long is network_disconnect
# The far leg's dialog ended with one of these (or a 5xx) after it was up: the network or its
# host failed (408: a request in the dialog timed out; 481: the far end lost the dialog), not a BYE.
DIALOG_FAILED = (408, 481)


def answered(state: dict[str, Any]) -> bool:
    """A leg's events (``SipCall.other``) say it is up: 200 OK confirmed and its audio ready."""
    return "confirmed" in state and "media" in state


def setup_outcome(code: int) -> str:
    """A bridge's far leg that failed before answer, by its final SIP status (VoiceXML 2.0
    §2.3.7.2.2; the ISUP mapping of RFC 3398 for the choices).

    - ``busy`` (the callee is busy): 486 Busy Here, 600 Busy Everywhere, and 603 Decline (the
      callee's own refusal, ISUP cause 21 "call rejected": the destination, not the network).
    - ``noanswer``: 408 Request Timeout, 480 Temporarily Unavailable, 487 Request Terminated
      (connecttimeout itself is handled before any response).
    - ``network_busy`` (an intermediate network refused the call): every 5xx, above all 503
      Service Unavailable (ISUP 34/42, no circuit, congestion), 502 and 504 from a gateway.
    - ``unknown``: anything else (488, ...). Some codes are errors instead: ``setup_error``.
    """
    if code in (486, 600, 603):
        return "busy"
    if code in (408, 480, 487):
        return "noanswer"
    if 500 <= code < 600:
        return "network_busy"
    return "unknown"


def setup_error(code: int) -> str | None:
    """The error event for a transfer's final SIP status, when the status says more than an
    outcome (VoiceXML 2.0 §2.3.7.2.2): ``error.connection.baddestination`` for 404, 484 and
    604 (no such destination), ``error.connection.noauthorization`` for 401 and 407 (the peer
    refused our credentials: see ``[[sip.credentials]]``) and 403 (the caller may not call
    it); else None."""
    if code in (404, 484, 604):
        return "error.connection.baddestination"
    if code in (401, 403, 407):
        return "error.connection.noauthorization"
    return None


async def wait_until(wake: asyncio.Event, condition: Callable[[], bool], timeout_s: float | None) -> bool:
    """Wait until ``condition()`` holds (True) or ``timeout_s`` runs out (False, unless it holds
    by then); ``wake`` is set by whoever changes what ``condition`` reads (a leg's events)."""
    loop = asyncio.get_running_loop()
    deadline = None if timeout_s is None else loop.time() + timeout_s
    while not condition():
        wake.clear()
        left = None if deadline is None else deadline - loop.time()
        if left is not None and left <= 0:
            return False
        try:
            await asyncio.wait_for(wake.wait(), left)
        except TimeoutError:
            return bool(condition())
    return True


async def fax_frames(leg: Any, endpoint: Any) -> None:
    """A fax ``CallAudio`` on a call leg (``SipCall``, ``fax_dialer.SipPlacedCall``: ``engine``,
    ``key``, ``fax_done``, ``hung_up``, ``wait``): the engine routes the leg's audio both ways
    through ``endpoint`` until it is done or the leg hangs up; the leg stays up."""
    leg.fax_done = False
    await leg.engine.run(leg.engine.fax, leg.key, endpoint)
    try:
        await leg.wait(lambda: leg.fax_done or leg.hung_up or endpoint.done, None)
    finally:
        if leg.hung_up:
            endpoint.hangup()
        await leg.engine.run(leg.engine.stop_fax, leg.key)


@dataclass
class CallRecord:
    """What the app server is told about each call."""

    call_id: str
    from_uri: str
    to_uri: str
    app: str
    start: float
    answer: float | None = None
    end: float | None = None
    cause: str = ""
    worker: int = 0
    transfers: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id, "from": self.from_uri, "to": self.to_uri, "app": self.app,
            "start": self.start, "answer": self.answer, "end": self.end, "cause": self.cause,
            "worker": self.worker, "transfers": self.transfers,
        }


def _uri(header: str) -> str:
    m = re.search(r"<([^>]+)>", header)
    return m.group(1) if m else header.split(";")[0].strip()


def connection_vars(details: dict[str, Any]) -> dict[str, Any]:
    """session.connection.* from the INVITE (VoiceXML 2.0 §5.1.4)."""
    headers: dict[str, list[str]] = details.get("headers", {})
    redirect: list[dict[str, Any]] = []
    for value in headers.get("diversion", []):
        for item in value.split(","):
            reason = re.search(r"reason=\"?([\w-]+)", item)
            redirect.append({"uri": _uri(item), "pi": "allowed", "si": "verified",
                             "reason": reason.group(1) if reason else "unknown"})
    for value in headers.get("history-info", []):
        for item in value.split(","):
            uri = _uri(item)
            if uri and uri != _uri(details.get("local_uri", "")):
                redirect.append({"uri": uri.split("?")[0], "pi": "allowed", "si": "verified",
                                 "reason": "unknown"})
    uui = headers.get("user-to-user", [None])[0]
    aai = uui.split(";")[0].strip() if uui else None
    if aai and re.fullmatch(r"[0-9A-Fa-f]+", aai) and len(aai) % 2 == 0 and "encoding=hex" in (uui or ""):
        aai = bytes.fromhex(aai).decode("utf-8", "replace")
    remote = _uri(details.get("remote_uri", ""))
    return {
        "connection": {
            "local": {"uri": _uri(details.get("local_uri", ""))},
            "remote": {"uri": remote},
            "protocol": {"name": "sip", "version": "2.0",
                         "sip": {"headers": {k: v[0] for k, v in headers.items()}}},
            "redirect": redirect,
            "aai": aai,
            "originator": remote,
        }
    }


class SipCall:
    """A call's platform: one per inbound leg, driven by one asyncio task."""

    def __init__(self, engine: Engine, key: int, details: dict[str, Any], *,
                 renderer: PromptRenderer, fetcher: Fetcher, record_dir: str | None = None,
                 now: Callable[[], float] = time.time,
                 recognizer_for: Callable[[str], Any] | None = None,
                 fax_store: Any = None, fax_ident: str = "", acd: Any = None) -> None:
        self.engine = engine
        self.key = key
        self.details = details
        self.renderer = renderer
        self.fetcher = fetcher
        self.record_dir = record_dir or tempfile.gettempdir()
        self.now = now
        self.keys: deque[str] = deque()
        self.dtmf_methods: list[str] = []
        self.outstanding: dict[int, bool] = {}  # playing tokens -> bargein
        self.token = 0
        self.answered = False
        self.hung_up = False
        self.remote_hangup = False
        self.media_ready = False
        self.disconnect_cause: tuple[int, str] | None = None
        self.confirmed = False
        self._wake = asyncio.Event()
        self.other: dict[int, dict[str, Any]] = {}  # outbound legs: key -> state
        self.xfer_status: list[tuple[int, bool]] = []
        self.answered_at: float | None = None
        self.recognizer_for = recognizer_for
        self.listener: Any = None  # a listening.Listener while a voice Collect waits
        self.heard: Input | None = None
        self.listening = False
        self._audio: list[bytes] = []  # caller frames not yet fed to the listener (on_audio)
        self._feeding = False
        self.fax_store = fax_store
        self.fax_ident = fax_ident
        self.fax_done = False
        self.base: str | None = None  # the current document's URI (relative fax documents)
        self.media_timeout_s = MEDIA_TIMEOUT_S  # a bridge's far leg without RTP (0: not watched)
        self.max_recording_bytes = 0  # a <record>'s captured PCM bytes at most (0: maxtime only)
        self.acd = acd  # a queue_transfer.AcdLink when [acd] is configured

    # -- events from the engine (on the loop) ------------------------------------------------------
    def on_event(self, kind: str, arg: Any) -> None:
        if kind == "dtmf":
            key, method = arg
            self.dtmf_methods.append(method)
            if self._playing_without_bargein():
                log.debug("key %s ignored: the prompt has bargein=false", key)
            else:
                self.keys.append(key)
        elif kind == "played":
            self.outstanding.pop(arg, None)
        elif kind == "confirmed":
            self.confirmed = True
        elif kind == "media":
            self.media_ready = True
        elif kind == "disconnected":
            self.remote_hangup = not self.hung_up
            self.hung_up = True
            self.disconnect_cause = arg
            self.outstanding.clear()
        elif kind == "xfer":
            self.xfer_status.append(arg)
        elif kind == "audio":
            self.on_audio(arg)
            return
        elif kind == "fax_done":
            self.fax_done = True
        self._wake.set()

    def on_audio(self, frame: bytes) -> None:
        """Caller audio for the listener (VAD, then the recognizer at the end of an utterance).

        The listener runs on a worker thread (``run_in_executor``), not on the loop: a
        recognition takes 30-90 ms, which would stall every other call of the process. One feed
        at a time per call, in order; frames that arrive meanwhile are fed together next. The
        thread only touches the listener and the recognizer (thread-safe: each plugin keeps a
        pool of decoders behind a lock), never pjsua2; the events come back to the loop."""
        if self.listener is None or self.heard is not None:
            return
        self._audio.append(frame)
        if not self._feeding:
            self._feeding = True
            asyncio.get_running_loop().create_task(self._feed())

    async def _feed(self) -> None:
        from ..listening import BargeIn, Heard

        loop = asyncio.get_running_loop()
        try:
            while self._audio:
                listener = self.listener
                if listener is None or self.heard is not None:
                    self._audio.clear()
                    return
                chunk = b"".join(self._audio)
                self._audio.clear()
                events = await loop.run_in_executor(None, listener.feed, chunk)
                if self.listener is not listener or self.heard is not None:
                    continue  # that collect is over meanwhile
                for event in events:
                    if isinstance(event, BargeIn):
                        if self.outstanding and not self._playing_without_bargein():
                            self.engine.submit(self.engine.stop_play, self.key)
                    elif isinstance(event, Heard):
                        self.heard = event.input
                        self._wake.set()
        finally:
            self._feeding = False

    def on_leg_event(self, leg: int, kind: str, arg: Any) -> None:
        state = self.other.setdefault(leg, {})
        state[kind] = arg if arg is not None else True
        if kind == "dtmf":
            state.setdefault("keys", []).append(arg[0])
        self._wake.set()

    def _playing_without_bargein(self) -> bool:
        if not self.outstanding:
            return False
        first = min(self.outstanding)
        return not self.outstanding[first]

    async def wait(self, condition: Callable[[], bool], timeout_s: float | None) -> bool:
        """Wait until ``condition()`` holds (True) or the time runs out (False)."""
        return await wait_until(self._wake, condition, timeout_s)

    # -- answering and playing ---------------------------------------------------------------------
    async def answer(self) -> None:
        if self.answered or self.hung_up:
            return
        self.answered = True
        try:
            await self.engine.run(self.engine.answer, self.key, 200)
        except Exception as exc:  # pjsua2.Error: the INVITE is past answering (the caller ended
            # it, or it waits for a PRACK that never comes): end the leg, the session hears a hangup
            log.warning("call %s: answering failed (%s): ending it", self.key, getattr(exc, "reason", exc))
            await self.hangup(500)
            return
        self.answered_at = self.now()
        await self.wait(lambda: (self.media_ready and self.confirmed) or self.hung_up, 5.0)

    async def queue_prompts(self, prompts: tuple[Prompt, ...]) -> None:
        if not prompts:
            return
        await self.answer()
        for prompt in prompts:
            clip = await self.renderer.render(prompt, self.fetcher)
            if clip is None or self.hung_up:
                continue
            self.token += 1
            self.outstanding[self.token] = prompt.bargein
            self.engine.submit(self.engine.play, self.key, clip.path, clip.seconds,
                               prompt.bargein, self.token)

    async def play_clip(self, path: str, seconds: float, bargein: bool = False) -> int:
        self.token += 1
        self.outstanding[self.token] = bargein
        self.engine.submit(self.engine.play, self.key, path, seconds, bargein, self.token)
        return self.token

    async def drain(self, timeout_s: float | None = None) -> None:
        """Wait until the queued prompts have played."""
        await self.wait(lambda: not self.outstanding or self.hung_up, timeout_s)

    # -- the actions ---------------------------------------------------------------------------------
    async def handle(self, action: Any) -> Input:
        match action:
            case Play(prompts=prompts):
                await self.queue_prompts(prompts)
                return Hangup() if self.hung_up else Played()
            case Collect():
                return await self.collect(action)
            case Record():
                return await self.record(action)
            case Transfer():
                return await self.transfer(action)
            case ObjectCall(classid=classid) if classid.startswith("builtin:fax/"):
                return await self.fax(action)
            case ObjectCall(classid=classid):
                await self.queue_prompts(action.prompts)
                return ObjectDone(error="error.unsupported.objectname",
                                  message=f"the SIP platform has no object '{classid}'")
            case Log(text=text, label=label):
                log.info("call %s log%s: %s", self.key, f" [{label}]" if label else "", text)
                return Ack()
            case Disconnect(prompts=prompts):
                await self.queue_prompts(prompts)
                await self.drain(60)
                await self.hangup()
                return Ack()
            case Error(name=name, message=message):
                log.warning("call %s ended by %s: %s", self.key, name, message)
                return Ack()
        raise TypeError(f"the SIP platform cannot do {action!r}")

    async def fax(self, action: ObjectCall) -> Input:
        """``builtin:fax/*`` objects (``adapters/fax``) on this call's audio."""
        from ..fax.object import handle_fax_object

        await self.queue_prompts(action.prompts)
        await self.answer()
        await self.drain()
        if self.hung_up:
            return Hangup()
        if not getattr(self.engine, "has_frames", False):
            return ObjectDone(error="error.unsupported.objectname",
                              message="fax needs the pjsua2 2.15 wheel (AudioMediaPort): pjsua2_path")
        return await handle_fax_object(self, action, store=self.fax_store, ident=self.fax_ident,
                                       call_id=str(self.details.get("call_id", self.key)),
                                       base=self.base)

    async def run_fax(self, endpoint: Any) -> None:
        """The fax objects' ``CallAudio``: frames both ways until the endpoint is done or the
        call ends; the call stays up."""
        await fax_frames(self, endpoint)

    async def hangup(self, code: int = 0) -> None:
        if not self.hung_up:
            self.engine.submit(self.engine.hangup, self.key, code or (0 if self.answered else 480))
            self.hung_up = True

    async def fetch(self, request: Fetch) -> Input:
        """A fetch, with ``fetchaudio`` playing while it lasts (VoiceXML 2.0 §6.1.1)."""
        token = None
        if request.fetchaudio and self.answered and not self.hung_up:
            clip = await self.renderer.audio(request.fetchaudio, self.fetcher)
            if clip is not None:
                token = await self.play_clip(clip.path, clip.seconds * 20, bargein=False)
        try:
            return await self.fetcher.fetch(request)
        finally:
            if token is not None and token in self.outstanding:
                self.engine.submit(self.engine.stop_token, self.key, token)

    def _voice(self, action: Collect) -> bool:
        return (self.recognizer_for is not None and "voice" in action.inputmodes
                and any(g.mode == "voice" for g in action.grammars)
                and getattr(self.engine, "has_frames", False))

    async def collect_voice(self, action: Collect) -> Input | None:
        """Listen for speech as well as keys (VoiceXML 2.0 §4.1.8, §6.3.2); ``None`` if this
        collect has no recognizer."""
        from ..listening import Listener

        assert self.recognizer_for is not None
        recognizer = self.recognizer_for(action.prompts[0].lang if action.prompts else "en-US")
        if recognizer is None:
            return None
        if not self.listening:
            await self.engine.run(self.engine.listen, self.key)
            self.listening = True
        self.heard = None
        self.listener = Listener.for_collect(action, recognizer,
                                             sample_rate=self.renderer.cache.rate)
        try:
            await self.wait(lambda: bool(self.keys) or self.hung_up or self.heard is not None
                            or not self.outstanding, None)
            self.listener.start_timer()
            limit = action.timeout_s + action.maxspeechtimeout_s + 5.0
            await self.wait(lambda: bool(self.keys) or self.hung_up or self.heard is not None, limit)
        finally:
            self.listener = None
        if self.hung_up:
            return Hangup()
        if self.keys and "dtmf" in action.inputmodes:
            return DtmfKey(self.keys.popleft())
        return self.heard if self.heard is not None else NoInput()

    async def collect(self, action: Collect) -> Input:
        await self.queue_prompts(action.prompts)
        await self.answer()
        if action.phase == "start" and self._voice(action):
            got = await self.collect_voice(action)
            if got is not None:
                return got
        if action.phase == "start":
            await self.wait(lambda: bool(self.keys) or self.hung_up or not self.outstanding, None)
            if self.keys and "dtmf" in action.inputmodes:
                return DtmfKey(self.keys.popleft())
            timeout = action.timeout_s
        elif action.phase == "interdigit":
            timeout = action.interdigittimeout_s
        else:
            timeout = action.termtimeout_s
        if self.hung_up:
            return Hangup()
        got = await self.wait(lambda: bool(self.keys) or self.hung_up, timeout)
        if self.hung_up:
            return Hangup()
        if got and "dtmf" in action.inputmodes:
            return DtmfKey(self.keys.popleft())
        if got:
            self.keys.clear()
        return NoInput()

    async def record(self, action: Record) -> Input:
        """A ``<record>`` (VoiceXML 2.0 §2.3.6) under ``max_recording_bytes`` (``recording_cap``,
        in bytes of 16-bit PCM at the bridge rate: reaching it ends the recording as maxtime
        does, keeping the audio up to the cap)."""
        await self.queue_prompts(action.prompts)
        await self.answer()
        await self.drain()
        if action.beep and not self.hung_up:
            beep = self.renderer.cache.beep()
            await self.play_clip(beep.path, beep.seconds)
            await self.drain()
        if self.hung_up:
            return Hangup()
        self.keys.clear()
        self.token += 1
        path = os.path.join(self.record_dir, f"rec-{os.getpid()}-{self.key}-{self.token}.wav")
        await self.engine.run(self.engine.start_record, self.key, path)
        loop = asyncio.get_running_loop()
        started = loop.time()
        rate = self.renderer.cache.rate
        frame = rate // 50
        offset = 44
        heard = False
        silent_for = 0.0
        termchar: str | None = None
        maxtime = False
        noinput = False
        pending = b""
        while True:
            await self.wait(lambda: self.hung_up or (action.dtmfterm and bool(self.keys)), 0.1)
            if self.hung_up:
                break
            if action.dtmfterm and self.keys:
                termchar = self.keys.popleft()
                self.keys.clear()
                break
            elapsed = loop.time() - started
            try:
                with open(path, "rb") as f:
                    f.seek(offset)
                    chunk = f.read()
            except FileNotFoundError:
                chunk = b""
            offset += len(chunk)
            pending += chunk
            while len(pending) >= frame * 2:
                pcm = np.frombuffer(pending[: frame * 2], dtype="<i2")
                pending = pending[frame * 2:]
                if rms(pcm) > VOICE_RMS:
                    heard = True
                    silent_for = 0.0
                else:
                    silent_for += frame / rate
            _, over = recording_cap(offset - 44, self.max_recording_bytes)
            if over or (action.maxtime_s and elapsed >= action.maxtime_s):
                maxtime = True
                break
            if heard and action.finalsilence_s and silent_for >= action.finalsilence_s:
                break
            if not heard and action.timeout_s and elapsed >= action.timeout_s + 0.5:
                noinput = True
                break
        await self.engine.run(self.engine.stop_record, self.key)
        try:
            with open(path, "rb") as f:
                data = f.read()
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass
        pcm = np.frombuffer(data[44:len(data) - (len(data) - 44) % 2], dtype="<i2")
        kept, _ = recording_cap(len(pcm) * 2, self.max_recording_bytes)
        pcm = pcm[: kept // 2]
        if self.hung_up and not heard:
            return Hangup()
        if noinput:
            return NoInput()
        encoded, media_type = encode_recording(pcm, rate, action.media_type)
        recording = Recording(encoded, media_type, int(len(pcm) * 1000 / rate))
        if self.hung_up:
            self.recording_at_hangup = recording
            return Hangup()
        return Recorded(recording, termchar=termchar, maxtime=maxtime)

    # -- transfers (VoiceXML 2.0 §2.3.7, 2.1 §9) -------------------------------------------------------
    async def transfer(self, action: Transfer) -> Input:
        if action.dest.startswith("queue:"):  # the ACD's queue (queue_transfer.py)
            from .queue_transfer import queue_transfer

            return await queue_transfer(self, action)
        if action.type == "blind" and not self.answered and not action.prompts:
            self.engine.submit(self.engine.redirect, self.key, action.dest)
            self.hung_up = True
            return TransferDone("transferred")
        await self.queue_prompts(action.prompts)
        await self.answer()
        await self.drain()
        if self.hung_up:
            return Hangup()
        if action.type == "blind":
            return await self.blind(action)
        return await self.bridged(action)

    async def blind(self, action: Transfer) -> Input:
        headers = {"User-to-User": action.aai} if action.aai else None
        try:
            await self.engine.run(self.engine.xfer, self.key, action.dest, headers)
        except Exception as exc:
            return TransferDone(None, error=f"error.connection.noroute: {exc}")
        ok = await self.wait(lambda: self.hung_up or any(f for _, f in self.xfer_status), 10.0)
        codes = [c for c, _ in self.xfer_status]
        if self.hung_up and not codes:
            return Hangup()
        if not ok or not codes or codes[-1] >= 300:
            return TransferDone(None, error=setup_error(codes[-1] if codes else 0)
                                or "error.connection.noroute")
        await self.hangup()
        return TransferDone("transferred")

    async def dial(self, dest: str, aai: str | None) -> int:
        """Call ``dest`` on a new outbound leg whose events land in ``self.other[leg]``."""
        headers = {"User-to-User": aai} if aai else None
        holder: dict[str, int] = {}

        def sink(kind: str, arg: Any) -> None:  # engine thread
            self.engine._post(self.on_leg_event, holder["leg"], kind, arg)

        def make() -> int:
            leg = self.engine.new_key()
            holder["leg"] = leg
            return self.engine.make_call_keyed(leg, dest, sink, headers)

        leg = await self.engine.run(make)
        self.other.setdefault(leg, {})
        return leg

    async def bridged(self, action: Transfer) -> Input:
        loop = asyncio.get_running_loop()
        try:
            leg = await self.dial(action.dest, action.aai)
        except Exception as exc:
            log.info("transfer to %s: %s", action.dest, exc)
            return TransferDone(None, error="error.connection.noroute")
        state = self.other.setdefault(leg, {})
        audio_token = None
        if action.transferaudio:
            clip = await self.renderer.audio(action.transferaudio, self.fetcher)
            if clip is not None:
                audio_token = await self.play_clip(clip.path, clip.seconds, bargein=False)
        self.keys.clear()
        connected = await self.wait(
            lambda: self.hung_up or "disconnected" in state or answered(state),
            action.connecttimeout_s or None)
        if audio_token is not None and audio_token in self.outstanding:
            self.engine.submit(self.engine.stop_token, self.key, audio_token)
        if self.hung_up:
            self.engine.submit(self.engine.hangup, leg, 0)
            return Hangup()
        if not connected:
            self.engine.submit(self.engine.hangup, leg, 0)
            return TransferDone("noanswer")
        if "disconnected" in state:
            code = state["disconnected"][0]
            error = setup_error(code)
            return TransferDone(None, error=error) if error else TransferDone(setup_outcome(code))
        if action.type == "consultation":
            await self.engine.run(self.engine.xfer_replaces, self.key, leg)
            ok = await self.wait(lambda: self.hung_up or any(f for _, f in self.xfer_status), 10.0)
            codes = [c for c, _ in self.xfer_status]
            if ok and codes and codes[-1] < 300:
                await self.hangup()
                return TransferDone("transferred")
            self.engine.submit(self.engine.hangup, leg, 0)
            return TransferDone(None, error="error.connection.noroute")
        await self.engine.run(self.engine.bridge, self.key, leg)
        started = loop.time()
        try:
            ended = await self.bridge_until_end(action, leg, state, started)
        finally:
            self.listener = None
        duration = loop.time() - started
        if self.hung_up:
            self.engine.submit(self.engine.hangup, leg, 0)
            return Hangup()
        self.engine.submit(self.engine.unbridge, self.key)
        if "disconnected" in state:
            code = state["disconnected"][0]
            outcome = "network_disconnect" if code in DIALOG_FAILED or code >= 500 else "far_end_disconnect"
            return TransferDone(outcome, duration_s=duration)  # type: ignore[arg-type]
        self.engine.submit(self.engine.hangup, leg, 0)
        if isinstance(ended, TransferDone):
            return replace(ended, duration_s=duration)
        return TransferDone(ended, duration_s=duration)  # type: ignore[arg-type]

    async def bridge_until_end(self, action: Transfer, leg: int, state: dict[str, Any],
                               started: float) -> str | TransferDone:
        """Wait out a bridge (VoiceXML 2.0 §2.3.7.2.2): either party hangs up (the caller:
        ``hung_up``; the far end: ``state`` has ``disconnected``), the caller's keys or words
        match the transfer's grammars (``TransferDone`` ``near_end_disconnect``), ``maxtime``
        passes (``maxtime_disconnect``), or the far leg's RTP stops for ``media_timeout_s``
        (``network_disconnect``: its host or the network went away without a BYE).

        DTMF: keys collect until ``match_dtmf`` says the grammars matched (complete or final: a
        match that could grow is taken at once, there is no interdigit timer on a bridge); a key
        sequence no grammar can match starts again. Voice: with a recognizer and the 2.15 wheel
        the caller's audio is listened to as in a collect, for words that match."""
        from ...core.grammars import match_dtmf

        loop = asyncio.get_running_loop()
        deadline = started + action.maxtime_s if action.maxtime_s else None
        dtmf = [g.grammar for g in action.grammars if g.mode == "dtmf"]
        voice = [g.grammar for g in action.grammars if g.mode == "voice"]
        self.keys.clear()
        listener_for: Callable[[], Any] | None = None
        if voice and self.recognizer_for is not None and getattr(self.engine, "has_frames", False):
            recognizer = self.recognizer_for(action.prompts[0].lang if action.prompts else "en-US")
            if recognizer is not None:
                from ..listening import Listener, ListenParams

                def listener_for() -> Any:  # no noinput timer: a bridged caller may stay silent
                    return Listener(recognizer, voice, ListenParams(bargein=False),
                                    sample_rate=self.renderer.cache.rate, timer_running=False)

                if not self.listening:
                    await self.engine.run(self.engine.listen, self.key)
                    self.listening = True
                self.heard = None
                self.listener = listener_for()
        digits = ""
        packets: int | None = None
        packets_at = loop.time()
        while True:
            step = MEDIA_POLL_S if self.media_timeout_s else None
            if deadline is not None:
                left = deadline - loop.time()
                step = left if step is None else min(step, left)
            await self.wait(lambda: self.hung_up or "disconnected" in state or bool(self.keys)
                            or self.heard is not None, max(step, 0.0) if step is not None else None)
            if self.hung_up or "disconnected" in state:
                return ""  # the caller decides from hung_up and state
            while self.keys and dtmf:
                digits += self.keys.popleft()
                match = match_dtmf(dtmf, digits)
                if match.status in ("complete", "final"):
                    return TransferDone("near_end_disconnect", input=Alternative(digits),
                                        inputmode="dtmf")
                if match.status == "nomatch":
                    digits = ""
            self.keys.clear()
            heard, self.heard = self.heard, None
            if heard is not None and listener_for is not None:
                words = heard.alternatives if isinstance(heard, Speech) else ()
                if words:
                    return TransferDone("near_end_disconnect", input=words[0], inputmode="voice")
                self.listener = listener_for()  # words no grammar matched: listen on
            now = loop.time()
            if deadline is not None and now >= deadline:
                return "maxtime_disconnect"
            if self.media_timeout_s:
                count = await self.engine.run(self.engine.rx_packets, leg)
                if count != packets:
                    packets, packets_at = count, now
                elif now - packets_at >= self.media_timeout_s:
                    log.info("transfer to %s: no RTP from the far end for %.1f s", action.dest,
                             now - packets_at)
                    return "network_disconnect"
