"""Inputs: what the platform tells the interpreter core (the answers to ``actions``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class Start:
    """Begin the session (the first input). ``session`` holds the session.* variables (§5.1.4)."""

    uri: str
    session: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ack:
    """A plain acknowledgement (of ``Log``, ``Error``, ``Disconnect``)."""


@dataclass(frozen=True, slots=True)
class Played:
    """The prompts of a ``Play`` finished (or were cut by barge-in where it applies)."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetch succeeded. ``uri`` is the final URI after redirects (the base for relative URIs)."""

    uri: str
    content: bytes
    media_type: str = ""
    validator: str = ""


@dataclass(frozen=True, slots=True)
class FetchFailed:
    """A fetch failed: ``status`` is the HTTP status, 0 for a network error or time-out."""

    uri: str
    status: int = 0
    reason: str = ""


@dataclass(frozen=True, slots=True)
class DtmfKey:
    """One DTMF key pressed by the caller (0-9, *, #, A-D)."""

    key: str


@dataclass(frozen=True, slots=True)
class Alternative:
    """One n-best hypothesis from a recognizer."""

    text: str
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class Speech:
    """The caller said something; recognizer hypotheses best first (text the grammar engine reads)."""

    alternatives: tuple[Alternative, ...]
    recording: Recording | None = None


@dataclass(frozen=True, slots=True)
class NoInput:
    """The timer of the current collect phase ran out with no (further) input."""


@dataclass(frozen=True, slots=True)
class MaxSpeechTimeout:
    """The caller spoke for longer than maxspeechtimeout (VoiceXML 2.0 §6.3.2)."""


@dataclass(frozen=True, slots=True)
class Hangup:
    """The caller hung up (connection.disconnect.hangup, §5.2.5)."""


@dataclass(frozen=True, slots=True)
class Recording:
    """Recorded audio (a ``<record>`` result or a recordutterance)."""

    data: bytes
    media_type: str
    duration_ms: int
    uri: str = ""


@dataclass(frozen=True, slots=True)
class Recorded:
    """A ``<record>`` finished (VoiceXML 2.0 §2.3.6.2 shadow variables come from this)."""

    recording: Recording
    termchar: str | None = None
    maxtime: bool = False
    utterance: Alternative | None = None


TransferOutcome = Literal[
    "busy", "noanswer", "network_busy", "near_end_disconnect", "far_end_disconnect",
    "maxtime_disconnect", "network_disconnect", "unknown", "transferred",
]


@dataclass(frozen=True, slots=True)
class TransferDone:
    """A transfer ended (VoiceXML 2.0 §2.3.7.2); ``error`` names an error.* event instead."""

    outcome: TransferOutcome | None
    duration_s: float = 0.0
    error: str | None = None
    input: Alternative | None = None
    inputmode: str | None = None


@dataclass(frozen=True, slots=True)
class ObjectDone:
    """A platform object finished with its result (an object's shadow variable) or an error event."""

    result: Any = None
    error: str | None = None
    message: str = ""


Input = (
    Start | Ack | Played | Fetched | FetchFailed | DtmfKey | Speech | NoInput | MaxSpeechTimeout | Hangup
    | Recorded | TransferDone | ObjectDone
)
