"""From what the caller heard to a test verdict.

A test passes when it says "pass" (the stylesheet's ``<prompt>pass</prompt><exit/>``) and the
call then ends. It fails when it says "fail" (the reason follows in a log and a prompt), when an
error event reaches the platform uncaught, when it hangs (the caller gives up) or times out, or
when the interpreter raises a Python exception (a crash).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["pass", "fail"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of one call: pass or fail and why."""

    status: Status
    reason: str


def _is(event: dict[str, Any], word: str) -> bool:
    return event.get("event") == "prompt" and str(event.get("text", "")).strip().lower() == word


def _fail_reason(events: list[dict[str, Any]], start: int) -> str:
    """The reason after a "fail" prompt: the stylesheet's log line, else the next prompt."""
    for event in events[start + 1:]:
        kind = event.get("event")
        if kind == "log":
            text = str(event.get("text", "")).strip()
            for prefix in ("failure reason:", "failure expression:"):
                if text.startswith(prefix):
                    return text[len(prefix):].strip()
        elif kind == "prompt":
            return str(event.get("text", "")).strip()
        elif kind in ("exit", "error"):
            break
    return "test said fail"


def judge(events: list[dict[str, Any]], final: dict[str, Any] | None, *,
          timed_out: float | None = None, crash: str | None = None,
          gave_up: bool = False) -> Verdict:
    """The verdict for one call's events (``final`` is what the runner returned)."""
    if crash is not None:
        return Verdict("fail", f"crash: {crash}")
    for i, event in enumerate(events):
        if _is(event, "pass"):
            if timed_out is not None:
                return Verdict("fail", f"said pass but did not exit within {timed_out:g} s")
            return Verdict("pass", "")
        if _is(event, "fail"):
            return Verdict("fail", f"fail: {_fail_reason(events, i)}")
        if event.get("event") == "error":
            return Verdict("fail", f"uncaught {event.get('name', 'error')}: {event.get('message', '')}".strip())
    last = next((str(e.get("text", "")).strip() for e in reversed(events)
                 if e.get("event") == "prompt"), "")
    heard = f" (last prompt: {last[:60]!r})" if last else ""
    if timed_out is not None:
        return Verdict("fail", f"timeout after {timed_out:g} s{heard}")
    if gave_up:
        return Verdict("fail", f"hang: still waiting for input after the caller gave up{heard}")
    value = (final or {}).get("value")
    return Verdict("fail", f"ended without pass (exit value {value!r}){heard}")
