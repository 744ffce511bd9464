"""One SIP call on the asyncio side: ``SipCall``, the ``Telephony`` of a SIP call
(``adapters/telephony.py``: the worker runs ``drive`` on it) and the ``CallControl`` that
transfers drive (``control.py``).

It never calls pjsua2 itself: it sends commands with ``engine.run``/``engine.submit`` and reads
the caller leg's events (``dtmf``, ``played``, ``confirmed``, ``media``, ``disconnected``,
``xfer``, ``audio``, ``fax_done``) that the engine thread posts to the loop (``Engine.post``).
The work is split by what it does: transfers in ``bridge.py`` and ``queue_transfer.py``, far
legs in ``leg.py``, ``<record>`` in ``recording.py``, listening in ``voice.py``.

The call is answered lazily, at the first action that needs media: while the first document
loads the caller hears ringing, and a blind ``<transfer>`` reached before that becomes a
302 redirect instead of a REFER. A caller whose INVITE carries ``X-Prompt-Text: text/plain``
(the web phone) also gets each prompt's text as an in-dialog INFO of that type, as it plays.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections import deque
from collections.abc import Callable
from typing import Any

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
    Fetched,
    Hangup,
    Input,
    ObjectDone,
    Played,
    TransferDone,
)
from ..fetcher import Fetcher
from ..listening import Listener
from .bridge import blind, bridged
from .collect import collect_keys, collect_voice
from .control import Clip
from .engine import Engine
from .leg import Leg, Legs, fax_frames
from .prompts import PromptRenderer
from .queue_transfer import caller_number, queue_transfer
from .recording import capture
from .voice import CallerVoice

logger = logging.getLogger(__name__)

MEDIA_TIMEOUT_S = 10.0
"""A bridged far leg silent on RTP this long is network_disconnect (``[sip] media_timeout``)."""
REFER_TIMEOUT_S = 10.0
"""How long a REFER's final NOTIFY may take."""


class SipCall:
    """A call's platform: one per inbound leg, driven by one asyncio task."""

    def __init__(self, engine: Engine, key: int, details: dict[str, Any], *,
                 renderer: PromptRenderer, fetcher: Fetcher, record_dir: str | None = None,
                 now: Callable[[], float] = time.time,
                 recognizer_for: Callable[[str], Any] | None = None,
                 fax_store: Any = None, fax_ident: str = "", acd: Any = None) -> None:
        self.engine, self.key, self.details = engine, key, details
        self.renderer, self.fetcher = renderer, fetcher
        self.record_dir = record_dir or tempfile.gettempdir()
        self.now = now
        self.leg = Leg(key)  # the caller's own dialog
        self.legs = Legs(engine)  # the far legs, and the wake of every wait of this call
        self.keys: deque[str] = deque()
        self.dtmf_methods: list[str] = []
        self.outstanding: dict[int, bool] = {}  # playing tokens -> bargein
        self.token = 0
        self.answered = False
        self.answered_at: float | None = None
        self.hung_up = False
        self.remote_hangup = False
        self.voice = CallerVoice(engine, key, wake=self.legs.wake, barge_in=self._barge_in,
                                 rate=renderer.cache.rate, recognizer_for=recognizer_for)
        self.fax_store, self.fax_ident = fax_store, fax_ident
        self.fax_done = False
        self.base: str | None = None  # the current document's URI (relative fax documents)
        self.media_timeout_s = MEDIA_TIMEOUT_S  # a bridge's far leg without RTP (0: not watched)
        self.max_recording_bytes = 0  # a <record>'s captured PCM bytes at most (0: maxtime only)
        self.acd = acd  # a queue_transfer.AcdLink when [acd] is configured
        self.prompt_text = "text/plain" in " ".join(details.get("headers", {}).get("x-prompt-text", []))

    # -- events from the engine (on the loop) ------------------------------------------------------
    def on_event(self, kind: str, arg: Any) -> None:
        if kind == "audio":
            self.voice.on_audio(arg)
            return
        if kind == "dtmf":
            key, method = arg
            self.dtmf_methods.append(method)
            if self._playing_without_bargein():
                logger.debug("key %s ignored: the prompt has bargein=false", key)
            else:
                self.keys.append(key)
        elif kind == "played":
            self.outstanding.pop(arg, None)
        elif kind == "disconnected":
            self.remote_hangup = not self.hung_up
            self.hung_up = True
            self.outstanding.clear()
        elif kind == "fax_done":
            self.fax_done = True
        self.leg.on_event(kind, arg)
        self.legs.wake()

    def _playing_without_bargein(self) -> bool:
        return bool(self.outstanding) and not self.outstanding[min(self.outstanding)]

    def _barge_in(self) -> None:
        """The caller speaks: stop the prompts if they let him (VoiceXML 2.0 §4.1.5)."""
        if self.outstanding and not self._playing_without_bargein():
            self.engine.submit(self.engine.stop_play, self.key)

    # -- CallControl (control.py) --------------------------------------------------------------------
    def wake(self) -> None:
        self.legs.wake()

    async def wait(self, condition: Callable[[], bool], timeout_s: float | None) -> bool:
        return await self.legs.wait(condition, timeout_s)

    async def answer(self) -> None:
        if self.answered or self.hung_up:
            return
        self.answered = True
        try:
            await self.engine.run(self.engine.answer, self.key, 200)
        except Exception as exc:  # pjsua2.Error: the INVITE is past answering (the caller ended
            # it, or it waits for a PRACK that never comes): end the leg, the session hears a hangup
            logger.warning("call %s: answering failed (%s): ending it", self.key, getattr(exc, "reason", exc))
            await self.hangup(500)
            return
        self.answered_at = self.now()
        await self.wait(lambda: self.leg.answered or self.hung_up, 5.0)

    async def hangup(self, code: int = 0) -> None:
        if not self.hung_up:
            self.engine.submit(self.engine.hangup, self.key, code or (0 if self.answered else 480))
            self.hung_up = True

    async def queue_prompts(self, prompts: tuple[Prompt, ...]) -> None:
        if not prompts:
            return
        await self.answer()
        for prompt in prompts:
            clip = await self.renderer.render(prompt, self.fetcher)
            if clip is not None and not self.hung_up:
                self.play_clip(clip, bargein=prompt.bargein)
                if self.prompt_text and prompt.text.strip():
                    self.engine.submit(self.engine.send_info, self.key, "text/plain;charset=utf-8", prompt.text)

    async def audio(self, src: str) -> Clip | None:
        return await self.renderer.audio(src, self.fetcher)

    def play_clip(self, clip: Clip, *, bargein: bool = False, repeat: float = 1.0) -> int:
        self.token += 1
        self.outstanding[self.token] = bargein
        self.engine.submit(self.engine.play, self.key, clip.path, clip.seconds * repeat, bargein, self.token)
        return self.token

    def stop(self, token: int | None = None) -> None:
        if token is None:
            self.engine.submit(self.engine.stop_play, self.key)
        elif token in self.outstanding:
            self.engine.submit(self.engine.stop_token, self.key, token)

    @property
    def playing(self) -> bool:
        return bool(self.outstanding)

    async def drain(self, timeout_s: float | None = None) -> None:
        await self.wait(lambda: not self.outstanding or self.hung_up, timeout_s)

    async def refer(self, dest: str | Leg, headers: dict[str, str] | None = None) -> int:
        self.leg.xfer.clear()
        if isinstance(dest, Leg):
            await self.engine.run(self.engine.xfer_replaces, self.key, dest.key)
        else:
            await self.engine.run(self.engine.xfer, self.key, dest, headers)
        ok = await self.wait(lambda: self.hung_up or any(final for _, final in self.leg.xfer), REFER_TIMEOUT_S)
        return self.leg.xfer[-1][0] if ok and self.leg.xfer else 0

    # -- Telephony (adapters/telephony.py) ---------------------------------------------------------
    async def fetch(self, action: Fetch, fetcher: Fetcher) -> Input:
        """A fetch, with ``fetchaudio`` playing while it lasts (VoiceXML 2.0 §6.1.1)."""
        token = None
        if action.fetchaudio and self.answered and not self.hung_up:
            clip = await self.audio(action.fetchaudio)
            if clip is not None:
                token = self.play_clip(clip, repeat=20)
        try:
            received = await fetcher.fetch(action)
        finally:
            if token is not None:
                self.stop(token)
        if action.kind == "document" and isinstance(received, Fetched):
            self.base = received.uri
        return received

    async def play(self, action: Play) -> Input:
        await self.queue_prompts(action.prompts)
        return Hangup() if self.hung_up else Played()

    async def collect(self, action: Collect) -> Input:
        """Keys, and words when this call can listen (``collect.py``)."""
        await self.queue_prompts(action.prompts)
        await self.answer()
        if action.phase == "start" and "voice" in action.inputmodes and any(g.mode == "voice" for g in action.grammars):
            recognizer = self.voice.recognizer(action.prompts[0].lang if action.prompts else "en-US")
            if recognizer is not None:
                listener = Listener.for_collect(action, recognizer, sample_rate=self.renderer.cache.rate)
                return await collect_voice(self, listener, action)
        return await collect_keys(self, action)

    async def record(self, action: Record) -> Input:
        """A ``<record>`` (VoiceXML 2.0 §2.3.6) under ``max_recording_bytes`` (``recording_cap``,
        in bytes of 16-bit PCM at the bridge rate: reaching it ends the recording as maxtime
        does, keeping the audio up to the cap)."""
        await self.queue_prompts(action.prompts)
        await self.answer()
        await self.drain()
        if action.beep and not self.hung_up:
            self.play_clip(self.renderer.cache.beep())
            await self.drain()
        if self.hung_up:
            return Hangup()
        self.token += 1
        path = os.path.join(self.record_dir, f"rec-{os.getpid()}-{self.key}-{self.token}.wav")
        return await capture(self, self.engine, action, path, rate=self.renderer.cache.rate,
                             max_bytes=self.max_recording_bytes)

    async def transfer(self, action: Transfer) -> Input:
        """``<transfer>`` (VoiceXML 2.0 §2.3.7, 2.1 §9): ``queue:NAME`` to the ACD, else ``bridge.py``."""
        if action.dest.startswith("queue:"):
            return await queue_transfer(self, action, self.acd, str(self.details.get("call_id") or self.key),
                                        caller_number(str(self.details.get("remote_uri", ""))))
        if action.type == "blind" and not self.answered and not action.prompts:
            self.engine.submit(self.engine.redirect, self.key, action.dest)
            self.hung_up = True
            return TransferDone("transferred")
        await self.queue_prompts(action.prompts)
        await self.answer()
        await self.drain()
        if self.hung_up:
            return Hangup()
        return await (blind if action.type == "blind" else bridged)(self, action)

    async def object(self, action: ObjectCall) -> Input:
        """``builtin:fax/*`` (``adapters/fax``) on this call's audio; no other objects."""
        await self.queue_prompts(action.prompts)
        if not action.classid.startswith("builtin:fax/"):
            return ObjectDone(error="error.unsupported.objectname",
                              message=f"the SIP platform has no object '{action.classid}'")
        from ..fax.object import handle_fax_object

        await self.answer()
        await self.drain()
        if self.hung_up:
            return Hangup()
        if not getattr(self.engine, "has_frames", False):
            return ObjectDone(error="error.unsupported.objectname",
                              message="fax needs the pjsua2 2.15 wheel (AudioMediaPort): pjsua2_path")
        return await handle_fax_object(self, action, store=self.fax_store, ident=self.fax_ident,
                                       call_id=str(self.details.get("call_id", self.key)), base=self.base)

    async def run_fax(self, endpoint: Any) -> None:
        """The fax objects' ``CallAudio``: frames both ways until the endpoint is done or the
        call ends; the call stays up."""
        await fax_frames(self, endpoint)

    async def disconnect(self, action: Disconnect) -> Input:
        await self.queue_prompts(action.prompts)
        await self.drain(60)
        await self.hangup()
        return Ack()

    async def log(self, action: Log) -> Input:
        logger.info("call %s log%s: %s", self.key, f" [{action.label}]" if action.label else "", action.text)
        return Ack()

    async def error(self, action: Error) -> Input:
        logger.warning("call %s ended by %s: %s", self.key, action.name, action.message)
        return Ack()
