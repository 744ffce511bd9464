"""The caller side of a console call: what a scripted or programmatic caller sees and answers.

Events are the JSON Lines of ``vxml-browser console --json`` (README, "The console caller"):
``{"event": "prompt", "text": ..., "audio": [...]}``, ``{"event": "log", "text": ...}``,
``{"event": "listen", "modes": [...], "phase": ..., "timeout": ...}``,
``{"event": "record", ...}``, ``{"event": "transfer", ...}``,
``{"event": "error", "name": ..., "message": ...}``, ``{"event": "exit", "value": ...}``.

When the platform waits for the caller it calls ``respond`` with the waiting event and takes a
caller line: ``dtmf DIGITS`` (pressed, then silence), ``say TEXT`` (an utterance heard exactly),
``silence`` (no input until the timer runs out) or ``hangup``; ``None`` also hangs up.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol


class Caller(Protocol):
    """A party on the other end of a console call."""

    def hear(self, event: dict[str, Any]) -> None:
        """Receive every event of the call, in order (prompts, logs, listens, ..., exit)."""

    def respond(self, waiting: dict[str, Any]) -> str | None:
        """Answer a wait point (a listen, record or transfer event) with one caller line."""


def caller_lines(lines: Iterable[str]) -> Iterator[str]:
    """Caller lines without blanks and ``#`` comments, stripped."""
    for raw in lines:
        line = raw.strip()
        if line and not line.startswith("#"):
            yield line


class ScriptedCaller:
    """A caller that answers from a list of lines and records what it heard.

    When the lines run out the caller hangs up (the console contract).
    """

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = caller_lines(lines)
        self.events: list[dict[str, Any]] = []

    def hear(self, event: dict[str, Any]) -> None:
        self.events.append(event)

    def respond(self, waiting: dict[str, Any]) -> str | None:
        return next(self._lines, None)

    @property
    def prompts(self) -> list[str]:
        return [e["text"] for e in self.events if e["event"] == "prompt"]
