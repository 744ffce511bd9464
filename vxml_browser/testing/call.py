"""Call scripts: drive a ``Session`` synchronously from a test, like JVoiceXML's ``call.hears``.

    call = Call({"main.vxml": vxml('<form><field name="n" type="digits">'
                                   '<prompt>Your number?</prompt></field></form>')})
    call.hears("Your number?")
    call.press("42#")
    call.exits()

The harness is the platform (``ScriptPlatform``, a ``Telephony`` run by ``telephony.drive`` as
every platform is; the call is stepped by hand: no event loop, no threads, no sleeps): it
answers ``Fetch`` from a ``DictFetcher``, acknowledges ``Play``, ``Log``, ``Disconnect`` and
``Error``, answers ``ObjectCall`` from ``objects`` and stops at the wait points a caller answers: ``Collect`` (``press``, ``say``, ``silence``, ``hangup``), ``Record``
(``records``) and ``Transfer`` (``transfer_ends``). Every prompt played, log written, action
and input is kept for assertions; ``hears`` and ``logs`` consume them in order.

Documents are keyed by a path relative to ``base`` ("main.vxml" is ``http://test/main.vxml``)
or by an absolute URI; a value may be text, bytes or ``(status,)`` for a failing fetch.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vxml_browser.adapters.fetcher import Fetcher
from vxml_browser.adapters.telephony import drive, new_session
from vxml_browser.core.actions import (
    Action,
    Collect,
    Disconnect,
    Error,
    Exit,
    Fetch,
    Log,
    ObjectCall,
    Play,
    Prompt,
    Record,
    Transfer,
)
from vxml_browser.core.inputs import (
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
    Start,
    TransferDone,
)

from .fetcher import DictFetcher, Resource
from .steps import Finished, Turn, advance

BASE = "http://test/"

SESSION_VARS: dict[str, Any] = {
    "connection": {
        "local": {"uri": "tel:+15550100"},
        "remote": {"uri": "tel:+15550199"},
        "protocol": {"name": "sip", "version": "2.0"},
        "redirect": [],
        "aai": None,
        "originator": "tel:+15550199",
    }
}
"""The session variables a ``Call`` starts with unless ``session_vars`` is given (§5.1.4)."""

FIXED_NOW = 1_795_000_000.0
"""The wall clock of a scripted call unless it is given one (November 2026)."""

ANY: Any = object()
"""``exits(ANY)``: any exit value."""

Expected = str | re.Pattern[str]


def vxml(body: str, *, application: str | None = None, version: str = "2.1",
         lang: str | None = None, extra: str = "") -> str:
    """A VoiceXML document around ``body`` (the children of ``<vxml>``)."""
    attrs = f' version="{version}" xmlns="http://www.w3.org/2001/vxml"'
    if application is not None:
        attrs += f' application="{application}"'
    if lang is not None:
        attrs += f' xml:lang="{lang}"'
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<vxml{attrs}{extra}>\n{body}\n</vxml>\n'


def grammar(*items: str | tuple[str, str], mode: str = "voice", root: str = "r") -> str:
    """An inline SRGS XML grammar: one alternative per item; an item is ``"words"`` or
    ``("words", "out = ...;")`` with a SISR tag."""
    alternatives = []
    for item in items:
        if isinstance(item, tuple):
            words, tag = item
            alternatives.append(f"<item>{words}<tag>{tag}</tag></item>")
        else:
            alternatives.append(f"<item>{item}</item>")
    return (f'<grammar mode="{mode}" version="1.0" root="{root}" tag-format="semantics/1.0" '
            f'xmlns="http://www.w3.org/2001/06/grammar"><rule id="{root}" scope="public">'
            f"<one-of>{''.join(alternatives)}</one-of></rule></grammar>")


def dtmf(*items: str | tuple[str, str], root: str = "r") -> str:
    """An inline DTMF grammar (``grammar`` with ``mode="dtmf"``); "1 2" is the keys 1 then 2."""
    return grammar(*items, mode="dtmf", root=root)


def recording(seconds: float = 1.0, media_type: str = "audio/x-wav", data: bytes | None = None) -> Recording:
    """A fake recording: ``seconds`` long, with 8 kHz 16-bit sized content unless ``data`` is given."""
    if data is None:
        data = b"\x00" * int(seconds * 16000)
    return Recording(data=data, media_type=media_type, duration_ms=int(seconds * 1000))


class CallError(AssertionError):
    """A call script step that does not fit what the session is doing."""


@dataclass
class Heard:
    """A prompt as played, and the action that played it."""

    prompt: Prompt
    action: Action

    @property
    def text(self) -> str:
        return self.prompt.text


def _matches(expected: Expected, actual: str) -> bool:
    if isinstance(expected, re.Pattern):
        return expected.search(actual) is not None
    return expected == actual


ObjectAnswer = ObjectDone | Callable[[ObjectCall], ObjectDone] | Any


class ScriptPlatform:
    """A ``Call``'s ``Telephony`` (``vxml_browser/adapters/telephony.py``): it answers fetches
    from the ``DictFetcher``, acknowledges what needs no caller and hands the wait points to the
    test as ``Turn``s (``press``, ``say``, ``records``, ...)."""

    def __init__(self, call: Call) -> None:
        self.call = call

    async def fetch(self, action: Fetch, fetcher: Fetcher) -> Input:
        return self.call._answered(action, await fetcher.fetch(action))

    async def play(self, action: Play) -> Input:
        call = self.call
        call._played(action.prompts, action)
        received = Hangup() if call._hangup_at_play else Played()
        call._hangup_at_play = False
        return call._answered(action, received)

    async def collect(self, action: Collect) -> Input:
        call = self.call
        call._played(action.prompts, action)
        if call._keys:
            return call._answered(action, DtmfKey(call._keys.popleft()))
        if action.phase != "start" and call._after_keys_silence:
            return call._answered(action, NoInput())  # the caller pressed his keys, then was silent
        return await Turn(action)

    async def record(self, action: Record) -> Input:
        self.call._played(action.prompts, action)
        return await Turn(action)

    async def transfer(self, action: Transfer) -> Input:
        self.call._played(action.prompts, action)
        return await Turn(action)

    async def object(self, action: ObjectCall) -> Input:
        call = self.call
        call._played(action.prompts, action)
        call.objects_called.append(action)
        answer = call.objects.get(action.classid, None)
        if answer is None and action.classid not in call.objects:
            return call._answered(action, ObjectDone(error="error.unsupported.objectname",
                                                     message=f"no object '{action.classid}'"))
        if callable(answer):
            answer = answer(action)
        return call._answered(action, answer if isinstance(answer, ObjectDone) else ObjectDone(result=answer))

    async def disconnect(self, action: Disconnect) -> Input:
        call = self.call
        call._played(action.prompts, action)
        call.disconnects.append(action)
        return call._answered(action, Ack())

    async def log(self, action: Log) -> Input:
        self.call.logged.append(action)
        self.call._unlogged.append(action)
        return self.call._answered(action, Ack())

    async def error(self, action: Error) -> Input:
        self.call.errors.append(action)
        return self.call._answered(action, Ack())


@dataclass
class Call:
    """One scripted call against documents held in memory."""

    documents: Mapping[str, Resource]
    start: str = "main.vxml"
    session_vars: dict[str, Any] | None = None
    objects: Mapping[str, ObjectAnswer] = field(default_factory=dict)
    base: str = BASE
    max_auto: int = 10_000
    script_time_limit_s: float = 5.0
    max_steps: int = 1_000
    clock: Callable[[], float] = field(default=lambda: FIXED_NOW)
    """What ECMAScript ``Date`` reads: fixed, so that a test repeats."""
    seed: int = 0
    """``Math.random``'s seed."""

    def __post_init__(self) -> None:
        mapping = {self.uri(k): v for k, v in self.documents.items()}
        self.fetcher = DictFetcher(mapping)
        self.traces: list[tuple[str, str]] = []
        self.session = new_session(
            trace=lambda where, what: self.traces.append((where, what)),
            limits={"script_time_limit_s": self.script_time_limit_s, "max_steps": self.max_steps},
            clock=self.clock, seed=self.seed,
        )
        self.actions: list[Action] = []
        self.inputs: list[Input] = []
        self.heard: list[Heard] = []
        self.logged: list[Log] = []
        self.errors: list[Error] = []
        self.disconnects: list[Disconnect] = []
        self.objects_called: list[ObjectCall] = []
        self.ended: Exit | None = None
        self.waiting: Collect | Record | Transfer | None = None
        self._unheard: deque[Heard] = deque()
        self._unlogged: deque[Log] = deque()
        self._keys: deque[str] = deque()
        self._after_keys_silence = True  # press(then_silence=False) turns it off for one press
        self._hangup_at_play = False  # hangs_up_during_next_play() turns it on for one Play
        self._auto = 0  # actions answered since the caller's last turn
        variables = SESSION_VARS if self.session_vars is None else self.session_vars
        self._driver = drive(self.session, Start(self.uri(self.start), variables),
                             ScriptPlatform(self), self.fetcher)
        self._resume(None)

    def __repr__(self) -> str:
        state = f"ended {self.ended.reason}" if self.ended else f"waiting on {type(self.waiting).__name__}"
        return f"<Call {self.uri(self.start)} {state}, {len(self.heard)} prompts heard>"

    # --- addresses ---------------------------------------------------------------------
    def uri(self, name: str) -> str:
        """The absolute URI of a document key ("main.vxml" -> "http://test/main.vxml")."""
        return name if "://" in name or name.startswith(("data:", "file:")) else self.base + name

    @property
    def requests(self) -> list[Fetch]:
        """Every ``Fetch`` the session made, in order (the ``DictFetcher``'s record)."""
        return self.fetcher.requests

    @property
    def fetched(self) -> list[str]:
        """The URIs fetched, in order."""
        return self.fetcher.uris

    # --- the platform (ScriptPlatform answers; the caller's turns come back here) -------------
    def _played(self, prompts: Iterable[Prompt], action: Action) -> None:
        for prompt in prompts:
            heard = Heard(prompt, action)
            self.heard.append(heard)
            self._unheard.append(heard)

    def _answered(self, action: Action, received: Input) -> Input:
        """Keep ``action`` and its answer; stop a session that never waits for the caller."""
        self._auto += 1
        if self._auto > self.max_auto:
            raise CallError(f"the session ran {self.max_auto} actions without waiting for the caller")
        self.actions.append(action)
        self.inputs.append(received)
        return received

    def _resume(self, received: Input | None) -> None:
        """Run the call on until it waits for the caller or exits."""
        if received is not None:
            self.inputs.append(received)
        self._auto = 0
        step = advance(self._driver, received)
        if isinstance(step, Finished):
            self.actions.append(step.value)
            self.ended, self.waiting = step.value, None
        else:
            self.actions.append(step.action)
            self.waiting = step.action  # type: ignore[assignment]

    def _send(self, received: Input) -> None:
        self.waiting = None
        self._resume(received)

    def _expect_wait(self, *kinds: type, doing: str) -> Any:
        if self.ended is not None:
            raise CallError(f"cannot {doing}: the call is over ({self._describe_end()})")
        if not isinstance(self.waiting, kinds):
            raise CallError(f"cannot {doing}: the session waits on {self.waiting!r}")
        return self.waiting

    def _describe_end(self) -> str:
        assert self.ended is not None
        errors = "; ".join(f"{e.name}: {e.message}" for e in self.errors)
        return f"{self.ended.reason}, value {self.ended.value!r}" + (f", errors: {errors}" if errors else "")

    # --- what the caller hears -----------------------------------------------------------
    def hears(self, expected: Expected) -> Prompt:
        """The next prompt not yet heard is ``expected`` (text, or a pattern it must contain)."""
        if not self._unheard:
            raise CallError(f"expected to hear {expected!r} but no prompt is left; "
                            f"heard so far: {[h.text for h in self.heard]}")
        heard = self._unheard.popleft()
        if not _matches(expected, heard.text):
            raise CallError(f"expected to hear {expected!r}, heard {heard.text!r}; "
                            f"then {[h.text for h in self._unheard]}")
        return heard.prompt

    def hears_all(self, *expected: Expected) -> None:
        for e in expected:
            self.hears(e)

    def hears_nothing(self) -> None:
        """No prompt is left unheard."""
        if self._unheard:
            raise CallError(f"expected silence, heard {[h.text for h in self._unheard]}")

    def unheard(self) -> list[str]:
        """The texts not yet consumed by ``hears``, consuming them."""
        out = [h.text for h in self._unheard]
        self._unheard.clear()
        return out

    @property
    def texts(self) -> list[str]:
        """The text of every prompt played so far."""
        return [h.text for h in self.heard]

    def logs(self, expected: Expected, label: str | None = None) -> Log:
        """The next ``<log>`` not yet checked says ``expected`` (and has ``label`` if given)."""
        if not self._unlogged:
            raise CallError(f"expected the log {expected!r} but none is left; "
                            f"logged: {[entry.text for entry in self.logged]}")
        entry = self._unlogged.popleft()
        if not _matches(expected, entry.text):
            raise CallError(f"expected the log {expected!r}, got {entry.text!r}")
        if label is not None and entry.label != label:
            raise CallError(f"expected the log label {label!r}, got {entry.label!r}")
        return entry

    @property
    def log_texts(self) -> list[str]:
        return [entry.text for entry in self.logged]

    # --- what the caller does ------------------------------------------------------------
    def press(self, keys: str, *, then_silence: bool = True) -> None:
        """Press DTMF keys one at a time; keys the current field does not take are typed ahead
        into the next wait point. ``then_silence`` answers a timer left running after the last
        key (interdigit or term) with ``NoInput``; without it the session stays in that phase."""
        self._expect_wait(Collect, doing=f"press {keys!r}")
        self._keys.extend(keys)
        self._after_keys_silence = then_silence
        try:
            self._send(DtmfKey(self._keys.popleft()))
        finally:
            self._after_keys_silence = True

    def say(self, text: str, confidence: float = 1.0, *more: tuple[str, float],
            recording: Recording | None = None) -> None:
        """Say ``text`` (recognized with ``confidence``; ``more`` adds n-best alternatives)."""
        self._expect_wait(Collect, doing=f"say {text!r}")
        alternatives = (Alternative(text, confidence), *(Alternative(t, c) for t, c in more))
        self._send(Speech(alternatives, recording))

    def silence(self) -> None:
        """Say nothing until the timer of the wait point runs out."""
        self._expect_wait(Collect, Record, doing="stay silent")
        self._send(NoInput())

    def hangup(self) -> None:
        """Hang up at the current wait point."""
        self._expect_wait(Collect, Record, Transfer, doing="hang up")
        self._send(Hangup())

    def hangs_up_during_next_play(self) -> None:
        """Answer the next ``Play`` (prompts flushed outside a wait point) with ``Hangup``."""
        self._hangup_at_play = True

    def records(self, seconds: float = 1.0, termchar: str | None = None, *, maxtime: bool = False,
                data: bytes | None = None, media_type: str | None = None,
                utterance: str | None = None) -> Record:
        """Answer a ``<record>``: ``seconds`` of audio, ended by ``termchar`` or ``maxtime``."""
        action: Record = self._expect_wait(Record, doing="record")
        rec = recording(seconds, media_type or action.media_type, data)
        self._send(Recorded(rec, termchar=termchar, maxtime=maxtime,
                            utterance=Alternative(utterance) if utterance else None))
        return action

    def transfer_ends(self, outcome: str | None = "transferred", *, duration: float = 0.0,
                      error: str | None = None, said: str | None = None,
                      inputmode: str | None = None) -> Transfer:
        """Answer a ``<transfer>`` with its outcome (or an error.* event name)."""
        action: Transfer = self._expect_wait(Transfer, doing="end a transfer")
        received = TransferDone(
            outcome,  # type: ignore[arg-type]
            duration_s=duration,
            error=error,
            input=Alternative(said) if said is not None else None,
            inputmode=inputmode or ("voice" if said is not None else None),
        )
        self._send(received)
        return action

    # --- how the call ends ---------------------------------------------------------------
    def _ended(self, doing: str) -> Exit:
        if self.ended is None:
            raise CallError(f"expected the call to end ({doing}), but it waits on {self.waiting!r}; "
                            f"unheard {[h.text for h in self._unheard]}")
        return self.ended

    def exits(self, value: Any = ANY, *, reason: str | None = None) -> Exit:
        """The call ended without an error (``reason`` "exit", "end" or "hangup" if given) with
        ``value`` (``ANY`` skips the check)."""
        end = self._ended("exit")
        if self.errors:
            raise CallError(f"the call ended with errors: {[(e.name, e.message) for e in self.errors]}")
        if reason is not None and end.reason != reason:
            raise CallError(f"expected the exit reason {reason!r}, got {end.reason!r}")
        if end.reason == "error":
            raise CallError(f"the call ended in error: {end!r}")
        if value is not ANY and end.value != value:
            raise CallError(f"expected the exit value {value!r}, got {end.value!r}")
        return end

    def error(self, name: str, message: Expected | None = None) -> Error:
        """The call ended with an uncaught ``name`` (and a message equal to or matching ``message``)."""
        end = self._ended(f"error {name}")
        if not self.errors:
            raise CallError(f"expected the error {name!r}, the call ended {self._describe_end()}")
        err = self.errors[-1]
        if err.name != name:
            raise CallError(f"expected the error {name!r}, got {err.name!r}: {err.message!r}")
        if message is not None and not _matches(message, err.message):
            raise CallError(f"expected the error message {message!r}, got {err.message!r}")
        if end.reason != "error":
            raise CallError(f"the call ended {end.reason!r} after the error")
        return err

    def hung_up(self) -> Exit:
        """The call ended by a hangup (the caller's, ``<disconnect>`` or a blind transfer)."""
        end = self._ended("hangup")
        if end.reason != "hangup":
            raise CallError(f"expected the call to end by a hangup, it ended {self._describe_end()}")
        return end

    @property
    def over(self) -> bool:
        return self.ended is not None

    def collect(self) -> Collect:
        """The ``Collect`` the session waits on."""
        return self._expect_wait(Collect, doing="inspect the collect")

    def traced(self, pattern: Expected) -> list[str]:
        """Trace lines (``where: what``) whose text contains ``pattern`` (a string or a regex)."""
        return [f"{w}: {t}" for w, t in self.traces
                if (pattern in t if isinstance(pattern, str) else pattern.search(t))]
