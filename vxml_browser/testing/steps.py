"""Stepping a call by hand: tests run ``telephony.drive`` with no event loop, no threads and no
sleeps (STYLE.md habit 7).

A test platform's coroutines never wait on I/O. Where the caller must answer, the platform
awaits a ``Turn``: the call's coroutine is suspended there until the test sends the caller's
input back in (``advance``). ``drive``'s own turn for the event loop (``asyncio.sleep(0)``, a
bare ``yield``) is simply stepped over.
"""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from vxml_browser.core.actions import Action
from vxml_browser.core.inputs import Input

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Turn:
    """The caller's turn at ``action`` (a wait point): awaiting it suspends the call until the
    test answers with an ``Input``."""

    action: Action

    def __await__(self) -> Generator[Turn, Input, Input]:
        received = yield self
        return received


@dataclass(frozen=True, slots=True)
class Finished(Generic[T]):
    """The coroutine returned ``value``."""

    value: T


def advance(coroutine: Coroutine[Any, Any, T], value: Input | None = None) -> Turn | Finished[T]:
    """Resume ``coroutine`` with ``value`` (None to start it) until it waits on the caller's
    ``Turn`` or returns."""
    sent: Any = value
    while True:
        try:
            yielded = coroutine.send(sent)
        except StopIteration as stop:
            return Finished(stop.value)
        if isinstance(yielded, Turn):
            return yielded
        if yielded is not None:
            coroutine.close()
            raise RuntimeError(f"the call waits on {yielded!r}: a test platform never does I/O")
        sent = None


def run_now(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine whose platform never waits on the caller to its result."""
    step = advance(coroutine)
    if isinstance(step, Turn):
        coroutine.close()
        raise RuntimeError(f"the call waits on the caller at {step.action!r}")
    return step.value
