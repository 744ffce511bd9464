"""Outcomes of executable content: transitions are values, not exceptions (STYLE.md habit 4).

A handler returns ``None`` to go on with the next element, or one of these to stop the
enclosing content; the FIA acts on it. A thrown VoiceXML event is ``events.Thrown``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .events import Thrown
from .model import Document


@dataclass(frozen=True, slots=True)
class Goto:
    """Go to a dialog, possibly in another (already fetched) document (§5.3.7, §5.3.8)."""

    document: Document | None = None
    dialog: str | None = None
    item: str | None = None
    submitted: bool = False


@dataclass(frozen=True, slots=True)
class NextItem:
    """``<goto nextitem>``: select a form item of the current form next (§5.3.7)."""

    name: str


@dataclass(frozen=True, slots=True)
class Return:
    """``<return>`` from a subdialog with its namelist values or an event (§5.3.10)."""

    values: dict[str, Any] = field(default_factory=dict)
    event: Thrown | None = None


@dataclass(frozen=True, slots=True)
class ExitCall:
    """``<exit>`` (§5.3.9): end the session with a value."""

    value: Any = None


@dataclass(frozen=True, slots=True)
class DisconnectCall:
    """``<disconnect>`` (§5.3.11): hang up, then connection.disconnect.hangup is thrown."""

    namelist: dict[str, Any] | None = None


Outcome = Goto | NextItem | Return | ExitCall | DisconnectCall | Thrown
