"""VoiceXML events: thrown events as values, name matching and the default handlers.

VoiceXML 2.0 §5.2: an event is thrown, the innermost matching ``<catch>`` runs; when none does,
the platform's default handler in ``DEFAULT_HANDLERS`` applies (§5.2.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Thrown:
    """A thrown VoiceXML event: a value that control flow carries to the catch selection."""

    name: str
    message: str | None = None
    where: str = ""


DefaultAction = Literal["reprompt", "exit", "ignore"]


@dataclass(frozen=True, slots=True)
class DefaultHandler:
    """What the platform does for an uncaught event, and what it says first (if anything)."""

    action: DefaultAction
    prompt: str = ""


# VoiceXML 2.0 §5.2.5, in prefix order: the longest matching name wins.
DEFAULT_HANDLERS: dict[str, DefaultHandler] = {
    "cancel": DefaultHandler("ignore"),
    "error": DefaultHandler("exit", "An error has occurred."),
    "exit": DefaultHandler("exit"),
    "help": DefaultHandler("reprompt", "Sorry, no help is available."),
    "noinput": DefaultHandler("reprompt"),
    "nomatch": DefaultHandler("reprompt", "Sorry, I did not understand."),
    "maxspeechtimeout": DefaultHandler("reprompt", "Sorry, that was too long."),
    "connection.disconnect": DefaultHandler("exit"),
    "telephone.disconnect": DefaultHandler("exit"),
}
_FALLBACK = DefaultHandler("exit")


def default_handler(name: str) -> DefaultHandler:
    """The default handler for an event name (the longest matching prefix; others exit)."""
    probe = name
    while probe:
        handler = DEFAULT_HANDLERS.get(probe)
        if handler is not None:
            return handler
        probe = probe.rpartition(".")[0]
    return _FALLBACK


def event_prefixes(name: str) -> list[str]:
    """The name and each dotted prefix ("a.b.c" -> ["a.b.c", "a.b", "a"]) (§5.2.2)."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def matches(catch_event: str, name: str) -> bool:
    """Whether a catch's event name catches ``name`` by token prefix (§5.2.4)."""
    if catch_event in ("", "."):
        return True
    if catch_event.endswith("."):
        catch_event = catch_event[:-1]
    return name == catch_event or name.startswith(catch_event + ".")


CATCH_SHORTHANDS = {"error": "error", "help": "help", "noinput": "noinput", "nomatch": "nomatch"}
"""Elements that are shorthand for ``<catch event="NAME">`` (§5.2.3)."""
