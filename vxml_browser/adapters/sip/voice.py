"""The caller's audio to a ``listening.Listener`` on a SIP call (2.15 wheel: ``Engine.listen``
gives the leg's frames as ``audio`` events).

The listener runs on a worker thread (``run_in_executor``), not on the loop: a recognition takes
30-90 ms, which would stall every other call of the process. One feed at a time per call, in
order; frames that arrive meanwhile are fed together next. The thread only touches the listener
and the recognizer (thread-safe: each plugin keeps a pool of decoders behind a lock), never
pjsua2; its events come back to the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from ...core.inputs import Input
from ..listening import BargeIn, Heard, Listener, ListenParams


class CallerVoice:
    """One call's listening: at most one ``Listener`` at a time (a collect's, a bridge's).

    ``recognizer_for`` gives the recognizer per language (None: this call hears keys only);
    ``rate`` is the frames' sample rate."""

    def __init__(self, engine: Any, key: int, *, wake: Callable[[], None],
                 barge_in: Callable[[], None], rate: int,
                 recognizer_for: Callable[[str], Any] | None = None) -> None:
        self.engine, self.key = engine, key
        self.wake, self.barge_in = wake, barge_in
        self.rate, self.recognizer_for = rate, recognizer_for
        self.listener: Listener | None = None
        self.heard: Input | None = None
        self._audio: list[bytes] = []  # frames not yet fed
        self._feeding = False
        self._frames_on = False  # Engine.listen was asked for this leg

    def recognizer(self, lang: str) -> Any:
        """The recognizer for ``lang`` when this call can listen (a plugin, and 2.15's frames)."""
        if self.recognizer_for is None or not getattr(self.engine, "has_frames", False):
            return None
        return self.recognizer_for(lang)

    async def listen(self, grammars: Sequence[Any], lang: str) -> bool:
        """Listen for ``grammars`` with no noinput timer and no barge-in (a bridge's words);
        False when this call has no recognizer. The result is ``heard`` (``Speech`` without
        alternatives: words no grammar matched); listening again starts afresh."""
        recognizer = self.recognizer(lang)
        if recognizer is None:
            return False
        await self.start(Listener(recognizer, grammars, ListenParams(bargein=False),
                                  sample_rate=self.rate, timer_running=False))
        return True

    async def start(self, listener: Listener) -> None:
        """Listen with ``listener`` from now (the last one's result is dropped)."""
        if not self._frames_on:
            await self.engine.run(self.engine.listen, self.key)
            self._frames_on = True
        self.heard = None
        self.listener = listener

    def stop(self) -> None:
        self.listener = None

    def on_audio(self, frame: bytes) -> None:
        """A frame of the caller's audio (on the loop)."""
        if self.listener is None or self.heard is not None:
            return
        self._audio.append(frame)
        if not self._feeding:
            self._feeding = True
            asyncio.get_running_loop().create_task(self._feed())

    async def _feed(self) -> None:
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
                        self.barge_in()
                    elif isinstance(event, Heard):
                        self.heard = event.input
                        self.wake()
        finally:
            self._feeding = False
