"""Listening to the caller: VoiceXML's speech-input semantics over a ``Recognizer``.

A platform makes one ``Listener`` per ``Collect`` (``Listener.for_collect``) and feeds it the
call's audio as it arrives, in any chunk size (20 ms frames from RTP are typical); the listener
answers with events:

- ``BargeIn``: stop the prompts now (VoiceXML 2.0 §4.1.5). With ``bargeintype="speech"`` it
  comes as soon as speech starts; with ``"hotword"`` only when an utterance matches an active
  grammar, and speech that matches nothing is ignored (§4.1.5.1, even after the prompts).
- ``Heard(input)``: the answer to the ``Collect``: ``Speech`` (n-best up to ``maxnbest``, the
  utterance kept as a ``Recording`` when ``recordutterance`` is true, §6.3.2 / VoiceXML 2.1
  §2.4), ``Speech(())`` for speech that matched nothing (the interpreter throws nomatch),
  ``NoInput`` when ``timeout`` passes with no speech after ``start_timer()`` (call it when the
  prompts have played), ``MaxSpeechTimeout`` when the caller talks past ``maxspeechtimeout``.

End of utterance (§6.3.2): after speech, once the silence reaches ``completetimeout`` the
utterance so far is recognized; a complete grammar match that no further words could extend
ends it. Otherwise (no match, or a match the grammar lets go on, such as digits) listening goes
on until the silence reaches ``incompletetimeout`` (speech that resumes starts a longer
utterance), then the utterance is final, matched or not. Both are floored at ``MIN_GAP`` (a
pause inside a phrase is not the end of it). Confidence filtering against ``confidencelevel``
is the interpreter's (it drops alternatives below it).

Voice activity detection is energy-based (``EnergyVad``): 20 ms frames against the noise floor
(the quietest frame of the last 3 s, or at once the level of a steady sound: line noise that
starts or grows); ``sensitivity`` (0-1, §6.3.2) sets the margin above the floor a frame needs
to count as speech (14 dB at 0, 9 dB at 0.5, 4 dB at 1) and how many such frames start speech.
The utterance handed to the recognizer starts ``PREROLL`` before the detected onset (quiet
consonants fall below the margin); an "utterance" none of whose frames clears the floor once
it has settled was noise: it is dropped and the noinput timer goes on. Time is counted in
samples, never read from a clock, so tests feed synthetic audio and run instantly.

Threads: ``feed`` runs the recognizer when an utterance may have ended (PocketSphinx: ~130 ms
median with its confidence pass, ~30 ms without, ``bench/speech.py``), so call it off the event loop (``asyncio.to_thread`` or
the media worker). A listener belongs to one call; recognizers and synthesizers are shared.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..core.actions import Collect
from ..core.grammars.matcher import voice_words
from ..core.inputs import Alternative, MaxSpeechTimeout, NoInput, Recording, Speech
from .speech import Audio, Recognizer
from .speech_plugins import pcm

MIN_GAP = 0.3
"""The shortest silence (s) that can end an utterance."""

PREROLL = 0.3
"""Audio (s) kept from before the detected start of speech (onsets are quiet). Measured on
52 espeak-ng utterances in continuous noise: 45/52 right at 15 dB SNR with 0.2 s, 46/52 (as
the whole clips) with 0.3 s or 0.4 s."""


@dataclass(frozen=True, slots=True)
class BargeIn:
    """Stop playing the prompts: the caller is speaking (or said a hotword)."""


@dataclass(frozen=True, slots=True)
class Heard:
    """The collect is over: ``input`` answers it."""

    input: Speech | NoInput | MaxSpeechTimeout


ListenEvent = BargeIn | Heard


@dataclass(frozen=True, slots=True)
class ListenParams:
    """The speech-input properties of one collect (VoiceXML 2.0 §6.3.2)."""

    timeout_s: float = 5.0
    completetimeout_s: float = 0.0
    incompletetimeout_s: float = 0.5
    maxspeechtimeout_s: float = 30.0
    sensitivity: float = 0.5
    maxnbest: int = 1
    recordutterance: bool = False
    bargein: bool = True
    bargeintype: str = "speech"
    lang: str = "en-US"

    @classmethod
    def from_collect(cls, collect: Collect) -> ListenParams:
        hotword = any(p.bargeintype == "hotword" for p in collect.prompts)
        lang = collect.prompts[-1].lang if collect.prompts else "en-US"
        return cls(timeout_s=collect.timeout_s, completetimeout_s=collect.completetimeout_s,
                   incompletetimeout_s=collect.incompletetimeout_s,
                   maxspeechtimeout_s=collect.maxspeechtimeout_s, sensitivity=collect.sensitivity,
                   maxnbest=max(collect.maxnbest, 1), recordutterance=collect.recordutterance,
                   bargein=collect.bargein, bargeintype="hotword" if hotword else "speech", lang=lang)


class EnergyVad:
    """Frame-level speech/non-speech by energy over the noise floor.

    The floor is the quietest 20 ms frame of the last ``WINDOW_S`` seconds (minimum statistics:
    it follows changing line noise, and speech, which has quiet gaps, does not lift it). A level
    that holds within ``STEADY_DB`` for ``STEADY_S`` is line noise (speech rises and falls from
    syllable to syllable): the floor moves up to it at once.
    """

    FRAME_S = 0.02
    WINDOW_S = 3.0
    STEADY_S = 0.8
    STEADY_DB = 3.0

    def __init__(self, sample_rate: int, sensitivity: float = 0.5) -> None:
        s = min(max(sensitivity, 0.0), 1.0)
        self.frame = max(int(sample_rate * self.FRAME_S), 1)
        self.margin_db = 14.0 - 10.0 * s
        self.onset_frames = 5 - round(3 * s)  # 5 frames (100 ms) at 0 ... 2 frames (40 ms) at 1
        self.absolute_db = -60.0 + 10.0 * (1 - s)  # quieter than this is never speech
        self._levels: deque[float] = deque(maxlen=int(self.WINDOW_S / self.FRAME_S))
        self._recent: deque[float] = deque(maxlen=int(self.STEADY_S / self.FRAME_S))
        self.floor_db = -120.0

    @property
    def threshold_db(self) -> float:
        """The level a frame must exceed to be speech."""
        return max(self.floor_db + self.margin_db, self.absolute_db)

    def is_speech(self, frame: bytes) -> bool:
        db = pcm.rms_dbfs(frame)
        self._levels.append(db)
        self._recent.append(db)
        if len(self._recent) == self._recent.maxlen and max(self._recent) - min(self._recent) <= self.STEADY_DB:
            self._levels.clear()
            self._levels.extend(self._recent)
        self.floor_db = min(self._levels)
        return db > self.threshold_db


class Listener:
    """One collect's listening (see the module docstring)."""

    def __init__(self, recognizer: Recognizer, grammars: Sequence[Any], params: ListenParams | None = None,
                 *, sample_rate: int = 8000, timer_running: bool = True) -> None:
        self.recognizer = recognizer
        self.grammars = [g for g in grammars if getattr(g, "mode", "voice") != "dtmf"]
        self.params = params or ListenParams()
        self.rate = sample_rate
        self.vad = EnergyVad(sample_rate, self.params.sensitivity)
        self.frame_bytes = self.vad.frame * 2
        self.end_complete = max(self.params.completetimeout_s, MIN_GAP)
        self.end_incomplete = max(self.params.incompletetimeout_s, self.end_complete)
        self._pending = b""
        self._preroll: deque[bytes] = deque(maxlen=max(int(PREROLL / EnergyVad.FRAME_S), 1))
        self._utterance: list[bytes] = []
        self._speech_run = 0  # consecutive speech frames (onset detection)
        self._speaking = False
        self._speech_s = 0.0  # length of the utterance so far
        self._levels: list[float] = []  # the utterance's frame levels (dBFS) since the onset
        self._silence_s = 0.0  # trailing silence within the utterance
        self._checked_at: float | None = None  # utterance length when last recognized
        self._last: list[Alternative] = []
        self._waited_s = 0.0
        self._timer = timer_running
        self._barged = False
        self.done = False
        self.recognitions = 0

    @classmethod
    def for_collect(cls, collect: Collect, recognizer: Recognizer, *, sample_rate: int = 8000,
                    timer_running: bool = False) -> Listener:
        """A listener for ``collect``'s voice grammars and properties. The noinput timer waits
        for ``start_timer()`` (the prompts have played) unless ``timer_running``."""
        grammars = [g.grammar for g in collect.grammars if g.mode == "voice"]
        return cls(recognizer, grammars, ListenParams.from_collect(collect), sample_rate=sample_rate,
                   timer_running=timer_running)

    def start_timer(self) -> None:
        """The prompts have played: the noinput timer runs from now (§4.1.7)."""
        self._timer = True

    # --- feeding ---------------------------------------------------------------------
    def feed(self, chunk: bytes) -> list[ListenEvent]:
        """Take call audio (PCM16 at ``sample_rate``); events in order, ``Heard`` last."""
        if self.done:
            return []
        data = self._pending + chunk
        events: list[ListenEvent] = []
        n = len(data) // self.frame_bytes * self.frame_bytes
        self._pending = data[n:]
        for i in range(0, n, self.frame_bytes):
            events.extend(self._frame(data[i:i + self.frame_bytes]))
            if self.done:
                break
        return events

    def finish(self) -> list[ListenEvent]:
        """The audio ended (a test's file, or the call): decide with what was heard."""
        if self.done:
            return []
        if self._speaking:
            return self._final()
        self.done = True
        return [Heard(NoInput())]

    def listen(self, audio: Audio) -> list[ListenEvent]:
        """Feed all of ``audio`` then ``finish`` (for tests and offline use)."""
        if audio.sample_rate != self.rate:
            audio = pcm.resample(audio, self.rate)
        events = self.feed(audio.pcm)
        return events + self.finish()

    # --- the state machine -----------------------------------------------------------
    def _frame(self, frame: bytes) -> list[ListenEvent]:
        dt = EnergyVad.FRAME_S
        speech = self.vad.is_speech(frame)
        if not self._speaking:
            self._preroll.append(frame)
            self._speech_run = self._speech_run + 1 if speech else 0
            if self._speech_run >= self.vad.onset_frames:
                self._speaking = True
                self._utterance = list(self._preroll)
                self._levels = [pcm.rms_dbfs(f) for f in self._utterance[-self._speech_run:]]
                self._speech_s = len(self._utterance) * dt
                self._silence_s = 0.0
                self._checked_at = None
                if self.params.bargein and self.params.bargeintype == "speech" and not self._barged:
                    self._barged = True
                    return [BargeIn()]
                return []
            if self._timer:
                self._waited_s += dt
                if self._waited_s >= self.params.timeout_s - 1e-9:
                    self.done = True
                    return [Heard(NoInput())]
            return []
        self._utterance.append(frame)
        self._levels.append(pcm.rms_dbfs(frame))
        self._speech_s += dt
        self._silence_s = 0.0 if speech else self._silence_s + dt
        if self._speech_s - self._silence_s >= self.params.maxspeechtimeout_s:
            self.done = True
            return [Heard(MaxSpeechTimeout())]
        if self._silence_s >= self.end_complete - 1e-9 and max(self._levels) <= self.vad.threshold_db:
            return self._dismiss()
        if self._silence_s >= self.end_complete - 1e-9 and self._checked_at is None:
            self._checked_at = self._speech_s
            self._last = self._recognize()
            if self._last and not self._may_go_on(self._last[0].text):
                return self._result(self._last)
        if self._silence_s >= self.end_incomplete - 1e-9:
            return self._final()
        if speech and self._checked_at is not None:
            self._checked_at = None  # the caller went on: recognize the longer utterance later
        return []

    def _dismiss(self) -> list[ListenEvent]:
        """The "speech" was a rise in line noise (nothing in it clears the settled floor): keep
        waiting, the noinput timer counting the time it took."""
        if self._timer:
            self._waited_s += max(self._speech_s - PREROLL, 0.0)
        self._reset()
        if self._timer and self._waited_s >= self.params.timeout_s - 1e-9:
            self.done = True
            return [Heard(NoInput())]
        return []

    def _may_go_on(self, text: str) -> bool:
        """Whether an active grammar that matches ``text`` also matches longer word strings
        starting with it: then ``incompletetimeout`` ends the utterance (VoiceXML 2.0 §6.3.2)."""
        tokens = voice_words(text)
        return any(parse(tokens)[1] for g in self.grammars if (parse := getattr(g, "parse", None)))

    def _recognize(self) -> list[Alternative]:
        self.recognitions += 1
        audio = Audio(b"".join(self._utterance), self.rate)
        return self.recognizer.recognize(audio, self.grammars, maxnbest=self.params.maxnbest,
                                         lang=self.params.lang)

    def _final(self) -> list[ListenEvent]:
        if self._checked_at is None:  # not recognized since the caller last spoke
            self._last = self._recognize()
        if self._last:
            return self._result(self._last)
        if self.params.bargeintype == "hotword":
            self._reset()  # hotword: speech that matches nothing is ignored
            return []
        return self._result([])

    def _reset(self) -> None:
        self._speaking = False
        self._speech_run = 0
        self._utterance = []
        self._levels = []
        self._preroll.clear()
        self._checked_at = None
        self._last = []

    def _result(self, alternatives: list[Alternative]) -> list[ListenEvent]:
        self.done = True
        recording = None
        if self.params.recordutterance:
            audio = Audio(b"".join(self._utterance), self.rate)
            recording = Recording(data=pcm.write_wav(audio), media_type="audio/x-wav",
                                  duration_ms=int(math.floor(audio.seconds * 1000)))
        events: list[ListenEvent] = []
        if alternatives and self.params.bargein and not self._barged:
            self._barged = True
            events.append(BargeIn())
        events.append(Heard(Speech(tuple(alternatives), recording)))
        return events
