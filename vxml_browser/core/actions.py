"""Actions: what the interpreter core asks the platform to do.

The core is sans-I/O (ARCHITECTURE.md, "The shape of the core"): a call's ``Session`` hands out one
action at a time and receives the input that answers it (see ``inputs.py``). Every action is a
frozen dataclass; adapters ``match`` on their types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FetchKind = Literal["document", "grammar", "script", "data", "audio"]


@dataclass(frozen=True, slots=True)
class FetchAttrs:
    """The fetch attributes of VoiceXML 2.0 §6.1.1 after defaults from properties (§6.3.5)."""

    timeout_s: float = 30.0
    maxage: int | None = None
    maxstale: int | None = None
    hint: Literal["safe", "prefetch"] = "safe"


@dataclass(frozen=True, slots=True)
class Fetch:
    """Fetch a resource; answered by ``Fetched`` or ``FetchFailed``.

    ``params`` carries a submit's namelist (VoiceXML 2.0 §5.3.8) as (name, value) pairs; a value
    that is a ``Recording`` is sent as a file part of a multipart/form-data body.
    """

    uri: str
    kind: FetchKind = "document"
    method: Literal["GET", "POST"] = "GET"
    params: tuple[tuple[str, Any], ...] = ()
    enctype: str = "application/x-www-form-urlencoded"
    attrs: FetchAttrs = field(default_factory=FetchAttrs)
    fetchaudio: str | None = None


@dataclass(frozen=True, slots=True)
class AudioRef:
    """An ``<audio>`` element: its source and the text spoken if it cannot be played (§4.1.3)."""

    src: str
    fallback_text: str = ""


@dataclass(frozen=True, slots=True)
class Prompt:
    """One queued prompt (VoiceXML 2.0 §4.1): SSML for a synthesizer, plain text for a console.

    ``parts`` is the prompt in order: plain strings (text to speak) and ``AudioRef``s.
    """

    ssml: str
    text: str
    parts: tuple[str | AudioRef, ...] = ()
    bargein: bool = True
    bargeintype: Literal["speech", "hotword"] = "speech"
    timeout_s: float | None = None
    lang: str = "en-US"
    marks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Play:
    """Play queued prompts now, with no input to collect; answered by ``Played`` (or ``Hangup``)."""

    prompts: tuple[Prompt, ...]


@dataclass(frozen=True, slots=True)
class GrammarRef:
    """An active grammar as the platform's recognizer sees it (the compiled object stays in core)."""

    mode: Literal["dtmf", "voice"]
    grammar: Any
    scope: str = "dialog"


@dataclass(frozen=True, slots=True)
class Collect:
    """Play ``prompts`` then collect input (VoiceXML 2.0 §4.1.8, §6.3.3).

    Answered by ``DtmfKey`` (one key at a time), ``Speech``, ``NoInput`` (the timer of ``phase``
    ran out) or ``Hangup``. ``phase`` says which timer runs: "start" waits ``timeout_s`` for the
    first input; "interdigit" waits ``interdigittimeout_s`` after a key that left the input
    incomplete or able to grow; "term" waits ``termtimeout_s`` for the termchar after a complete
    match.
    """

    prompts: tuple[Prompt, ...]
    phase: Literal["start", "interdigit", "term"]
    timeout_s: float
    interdigittimeout_s: float
    termtimeout_s: float
    termchar: str
    inputmodes: frozenset[str]
    bargein: bool
    grammars: tuple[GrammarRef, ...]
    completetimeout_s: float = 0.0
    incompletetimeout_s: float = 0.5
    maxspeechtimeout_s: float = 30.0
    confidencelevel: float = 0.5
    sensitivity: float = 0.5
    speedvsaccuracy: float = 0.5
    maxnbest: int = 1
    recordutterance: bool = False
    digits_so_far: str = ""


@dataclass(frozen=True, slots=True)
class Record:
    """Record the caller (VoiceXML 2.0 §2.3.6); answered by ``Recorded``, ``NoInput`` or ``Hangup``."""

    prompts: tuple[Prompt, ...]
    beep: bool
    maxtime_s: float
    finalsilence_s: float
    dtmfterm: bool
    media_type: str
    timeout_s: float
    grammars: tuple[GrammarRef, ...] = ()


@dataclass(frozen=True, slots=True)
class Transfer:
    """Transfer the call (VoiceXML 2.0 §2.3.7, 2.1 §9); answered by ``TransferDone`` or ``Hangup``."""

    prompts: tuple[Prompt, ...]
    dest: str
    type: Literal["blind", "bridge", "consultation"]
    connecttimeout_s: float
    maxtime_s: float
    transferaudio: str | None
    aai: str | None
    grammars: tuple[GrammarRef, ...] = ()


@dataclass(frozen=True, slots=True)
class ObjectCall:
    """Run a platform object (VoiceXML 2.0 §2.3.5); answered by ``ObjectDone``."""

    prompts: tuple[Prompt, ...]
    classid: str
    data: str | None
    params: tuple[tuple[str, Any], ...]


@dataclass(frozen=True, slots=True)
class Log:
    """A ``<log>`` message (VoiceXML 2.0 §5.3.13); answered by ``Ack``."""

    text: str
    label: str | None = None
    dest: str | None = None


@dataclass(frozen=True, slots=True)
class Disconnect:
    """Hang up the call (VoiceXML 2.0 §5.3.11); answered by ``Ack``."""

    prompts: tuple[Prompt, ...] = ()
    namelist: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Error:
    """An event that no handler caught ended the session (VoiceXML 2.0 §5.2.5); answered by ``Ack``."""

    name: str
    message: str
    where: str = ""


@dataclass(frozen=True, slots=True)
class Exit:
    """The session is over: the last action. ``value`` is the exit expr or namelist object."""

    value: Any = None
    reason: Literal["exit", "hangup", "error", "end"] = "exit"


Action = Play | Collect | Record | Transfer | ObjectCall | Fetch | Log | Disconnect | Error | Exit
