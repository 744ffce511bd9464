"""One call's platform, and the one loop that drives a session on it (ARCHITECTURE.md, "The
interfaces that keep it apart").

The core hands out actions and takes inputs (``core/actions.py``, ``core/inputs.py``). Every
platform answers them through the same small interface, ``Telephony``: one coroutine per action,
each returning the core's ``Input``. Platforms differ only there: the console answers from a
caller's lines (``runner.ConsolePlatform``), SIP with real media (``sip/call.py``'s ``SipCall``),
tests from a script (``testing/telephony.py``, ``testing/call.py``).

    session = new_session(documents=cache, limits=limits.session_options())
    end = await drive(session, Start(uri, session_vars), telephony, fetcher)

``new_session`` is the only place a ``Session`` is built, so every call gets the wall clock for
ECMAScript ``Date`` and its own seed for ``Math.random`` unless a test pins them. ``drive`` is
the only ``match`` over actions.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ..core.actions import (
    Collect,
    Disconnect,
    Error,
    Exit,
    Fetch,
    Log,
    ObjectCall,
    Play,
    Record,
    Transfer,
)
from ..core.inputs import Input, Start
from ..core.interpreter import DocumentCache
from ..core.session import Session
from .fetcher import Fetcher

YIELD_EVERY = 64
"""``drive`` lets the event loop run after this many actions: cached fetches and a console
platform answer without ever suspending, and a call's time-out must still fire."""


class Telephony(Protocol):
    """One call's platform: what the caller hears and does. Each method answers one action.

    A method waits as long as the action lasts (a prompt played, a key pressed, a transfer over)
    and returns the input the core expects for it (``core/actions.py`` names them per action);
    a caller who hangs up meanwhile is ``Hangup``.
    """

    async def fetch(self, action: Fetch, fetcher: Fetcher) -> Input:
        """``fetcher`` fetches; the platform does what the caller meanwhile hears (``fetchaudio``,
        VoiceXML 2.0 §6.1.1). Answered by ``Fetched`` or ``FetchFailed``."""
        ...

    async def play(self, action: Play) -> Input:
        """Prompts with nothing to collect (§4.1.8): ``Played``."""
        ...

    async def collect(self, action: Collect) -> Input:
        """Prompts, then one key or utterance under ``action.phase``'s timer (§6.3.3)."""
        ...

    async def record(self, action: Record) -> Input:
        """``<record>`` (§2.3.6): ``Recorded`` or ``NoInput``."""
        ...

    async def transfer(self, action: Transfer) -> Input:
        """``<transfer>`` (§2.3.7, 2.1 §9): ``TransferDone``."""
        ...

    async def object(self, action: ObjectCall) -> Input:
        """``<object>`` (§2.3.5), fax among them: ``ObjectDone``."""
        ...

    async def disconnect(self, action: Disconnect) -> Input:
        """``<disconnect>`` (§5.3.11): the prompts, then the call is hung up: ``Ack``."""
        ...

    async def log(self, action: Log) -> Input:
        """``<log>`` (§5.3.13): ``Ack``."""
        ...

    async def error(self, action: Error) -> Input:
        """An uncaught event ends the session (§5.2.5): ``Ack``."""
        ...


def new_session(*, documents: DocumentCache | None = None,
                trace: Callable[[str, str], None] | None = None,
                limits: Mapping[str, Any] | None = None,
                clock: Callable[[], float] = time.time,
                seed: int | None = None) -> Session:
    """The ``Session`` of one call: ``clock`` is what ECMAScript ``Date`` reads (the wall clock
    unless a test pins it), ``seed`` drives ``Math.random`` (a fresh random one per call unless
    given), ``limits`` are ``BrowserLimits.session_options()`` (script time and memory, FIA
    steps, document and grammar sizes)."""
    return Session(documents=documents, trace=trace, clock=clock,
                   seed=secrets.randbits(64) if seed is None else seed, **dict(limits or {}))


async def drive(session: Session, start: Start, telephony: Telephony, fetcher: Fetcher) -> Exit:
    """Run ``session`` from ``start`` to its ``Exit``: each action to ``telephony`` (fetches
    through ``fetcher``), each answer back to the session."""
    action = session.start(start)
    steps = 0
    while not isinstance(action, Exit):
        steps += 1
        if steps % YIELD_EVERY == 0:
            await asyncio.sleep(0)
        received: Input
        match action:
            case Fetch():
                received = await telephony.fetch(action, fetcher)
            case Collect():
                received = await telephony.collect(action)
            case Play():
                received = await telephony.play(action)
            case Log():
                received = await telephony.log(action)
            case Record():
                received = await telephony.record(action)
            case Transfer():
                received = await telephony.transfer(action)
            case ObjectCall():
                received = await telephony.object(action)
            case Disconnect():
                received = await telephony.disconnect(action)
            case Error():
                received = await telephony.error(action)
            case _:
                raise TypeError(f"no platform does {action!r}")
        action = session.send(received)
    return action
