"""Callers for conformance runs: one that follows the tests' spoken instructions, one for real apps.

``irtest.xslt`` turns ``conf:speech``, ``conf:dtmf``, ``conf:noinput`` ... into prompts such as
"Say 'Chicago'.", "Press '1' again.", "No input expected. Say nothing." or "Hang up now.". A
person taking the test does what the last instruction said when the platform waits for input;
``INSTRUCTIONS`` is that behaviour as one table (pattern -> caller line), in the order tried.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

NOMATCH_UTTERANCE = "purple elephant marmalade"
"""Something no test grammar recognises (``conf:nomatch``: "Say something unrecognizable")."""

NURSERY_RHYME = "little miss muffet sat on her tuffet eating her curds and whey"
"""Five seconds of speech with no command word (``conf:recording value='nonspeech'``)."""


@dataclass(frozen=True, slots=True)
class Instruction:
    """One row of the instruction table: a prompt pattern and the caller line it calls for."""

    name: str
    pattern: re.Pattern[str]
    line: Callable[[re.Match[str]], str]


def _say(m: re.Match[str]) -> str:
    return f"say {m.group('what').strip().lower()}"


TOKEN_NAMES = ("Chicago", "San Francisco", "New York", "London", "Tokyo", "Truth or Consequences",
               "Hackensack", "Standardsville", "help", "cancel", "exit", "yes")
"""The phrases of the stylesheet's ``emit-name-from-token`` (alpha .. hotel, help, cancel ...)."""

_TOKENS = "|".join(re.escape(t) for t in TOKEN_NAMES)


INSTRUCTIONS: tuple[Instruction, ...] = (
    # conf:hangup
    Instruction("hangup", re.compile(r"\bhang up now\b", re.I), lambda m: "hangup"),
    # conf:noinput (with or without a duration)
    Instruction("noinput", re.compile(r"\bno input expected\.?\s*say nothing\b", re.I),
                lambda m: "silence"),
    # conf:nomatch
    Instruction("nomatch", re.compile(r"\bsay something unrecognizable\b", re.I),
                lambda m: f"say {NOMATCH_UTTERANCE}"),
    # conf:recording value='nonspeech'
    Instruction("record-nonspeech", re.compile(r"\brecite your favorite nursery rhyme\b", re.I),
                lambda m: f"say {NURSERY_RHYME}"),
    # conf:recording value='alpha' ...
    Instruction("record-word",
                re.compile(r"\brecite a sentence containing the word\s+'(?P<what>[^']+)'", re.I),
                lambda m: f"say i would like to mention {m.group('what').strip().lower()} today"),
    # conf:dtmf value='1'
    Instruction("dtmf", re.compile(r"\bpress\s+'(?P<keys>[0-9*#A-D]+)'", re.I),
                lambda m: f"dtmf {m.group('keys')}"),
    # conf:speech value='alpha' -> "Say 'Chicago'."
    Instruction("speech", re.compile(r"\bsay\s+'(?P<what>[^']+)'", re.I), _say),
    # hand-written prompts of a few tests (525, 523): "Say nothing." / "Say New York."
    Instruction("say-nothing", re.compile(r"\bsay nothing\b", re.I), lambda m: "silence"),
    Instruction("speech-unquoted", re.compile(rf"\bsay\s+(?P<what>{_TOKENS})\b", re.I), _say),
)


def instruction_for(text: str) -> tuple[str, str] | None:
    """The (instruction name, caller line) the *last* instruction in a prompt text calls for.

    When rows match at the same place the earlier row wins ("No input expected. Say nothing"
    is ``noinput``, not ``say-nothing``).
    """
    best: tuple[int, str, str] | None = None
    for row in INSTRUCTIONS:
        for m in row.pattern.finditer(text):
            start = m.start()
            if row.name == "say-nothing" and re.search(r"no input expected\.?\s*$", text[:start], re.I):
                continue
            if best is None or start > best[0]:
                best = (start, row.name, row.line(m))
    return None if best is None else (best[1], best[2])


TRANSFER_ENVIRONMENT: dict[str, str] = {
    # 288: "Destination answers incoming call. Destination hangs up before originator."
    "cudl/288": "transfer far_end_disconnect",
    # 290: "Originator says 'Chicago' (or whatever 'alpha' maps to) to disconnect the callee."
    "cudl/290": "say chicago",
    # 295: "Destination does not answer within the connecttimeout interval."
    "cudl/295": "transfer noanswer",
    # 296: "Destination does not disconnect before platform reaches maxtime value."
    "cudl/296": "transfer maxtime_disconnect",
    # 300: "Originator hangs up."
    "cudl/300": "hangup",
    # 301: "Destination is busy."
    "cudl/301": "transfer busy",
    # 302: "A network point between the platform and destination refuses the call."
    "cudl/302": "transfer network_busy",
}
"""What happens while a bridged transfer runs, from each test's "Test environment requirements"
comment: the caller's own action, or the far end's outcome as a console ``transfer OUTCOME``
line (the console platform plays the far end). Blind transfers need no line."""


class SuiteCaller:
    """Answers wait points as a person following the test's prompts would.

    The last instruction heard is kept until a new one replaces it (a reprompt repeats it, and
    "Press '1'" in a block applies to the field that follows). With no instruction heard the
    caller stays silent. During a transfer it does what ``transfer_line`` says (default: stays
    on the line). After ``max_turns`` answers it hangs up, so a looping test ends.
    """

    def __init__(self, max_turns: int = 25, transfer_line: str = "silence") -> None:
        self.events: list[dict[str, Any]] = []
        self.instruction: tuple[str, str] | None = None
        self.turns = 0
        self.max_turns = max_turns
        self.transfer_line = transfer_line
        self.gave_up = False

    def hear(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        if event.get("event") == "prompt":
            found = instruction_for(str(event.get("text", "")))
            if found is not None:
                self.instruction = found

    def respond(self, waiting: dict[str, Any]) -> str | None:
        self.turns += 1
        if self.turns > self.max_turns:
            self.gave_up = True
            return "hangup"
        if waiting.get("event") == "transfer":
            return self.transfer_line
        if waiting.get("event") == "listen" and waiting.get("phase", "start") != "start":
            return "silence"  # the caller has finished the input it was asked for
        if self.instruction is None:
            return "silence"
        return self.instruction[1]

    @property
    def prompts(self) -> list[str]:
        """The text of every prompt heard, in order."""
        return [str(e.get("text", "")) for e in self.events if e.get("event") == "prompt"]


REALWORLD_SCRIPT: tuple[str, ...] = ("silence", "silence", "dtmf 1", "dtmf 2", "dtmf #", "hangup")
"""The real-world caller: silent twice, then presses 1, 2 and #, then hangs up."""


class ScriptCaller:
    """A caller that answers wait points from a fixed script, then hangs up."""

    def __init__(self, script: tuple[str, ...] = REALWORLD_SCRIPT) -> None:
        self.events: list[dict[str, Any]] = []
        self._script = list(script)
        self.hung_up = False

    def hear(self, event: dict[str, Any]) -> None:
        self.events.append(event)

    def respond(self, waiting: dict[str, Any]) -> str | None:
        line = self._script.pop(0) if self._script else "hangup"
        self.hung_up = line == "hangup"
        return line
