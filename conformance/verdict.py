"""From what the caller heard to a test verdict.

A test passes when it says "pass" (the stylesheet's ``<prompt>pass</prompt><exit/>``) and the
call then ends, or, after the caller has hung up, when the pass probe logs it (transform.py). It fails when it says "fail" (the reason follows in a log and a prompt), when an
error event reaches the platform uncaught, when it hangs (the caller gives up) or times out, or
when the interpreter raises a Python exception (a crash).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from conformance.transform import PROBE_LABEL

Status = Literal["pass", "fail"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of one call: pass or fail and why."""

    status: Status
    reason: str


def _is(event: dict[str, Any], word: str) -> bool:
    return event.get("event") == "prompt" and str(event.get("text", "")).strip().lower() == word


def _is_pass(event: dict[str, Any]) -> bool:
    """The pass prompt, or the pass probe's log (``transform.add_pass_probes``)."""
    if event.get("event") == "log" and event.get("label") == PROBE_LABEL:
        return str(event.get("text", "")).strip() == "pass"
    return _is(event, "pass")


def _failure_log(event: dict[str, Any]) -> str | None:
    if event.get("event") != "log":
        return None
    text = str(event.get("text", "")).strip()
    for prefix in ("failure reason:", "failure expression:"):
        if text.startswith(prefix):
            return text[len(prefix):].strip()
    return None


def _fail_reason(events: list[dict[str, Any]], at: int) -> str:
    """The reason of the "fail" prompt at ``at``.

    The stylesheet logs it and speaks it after "fail"; logs run at once while prompts wait in
    the queue, so the log usually comes *before* the prompt. The nearest failure log wins, then
    the next prompt that is not "fail" again.
    """
    for event in events[at + 1:]:
        if event.get("event") in ("exit", "error"):
            break
        found = _failure_log(event)
        if found is not None:
            return found
    for event in reversed(events[:at]):
        found = _failure_log(event)
        if found is not None:
            return found
    for event in events[at + 1:]:
        if event.get("event") == "exit":
            break
        if event.get("event") == "error":
            return f"test said fail, then uncaught {event.get('name')}: {event.get('message', '')}".strip()
        if event.get("event") == "prompt" and not _is(event, "fail"):
            return str(event.get("text", "")).strip()
    return "test said fail"


def judge(events: list[dict[str, Any]], final: dict[str, Any] | None, *,
          timed_out: float | None = None, crash: str | None = None,
          gave_up: bool = False) -> Verdict:
    """The verdict for one call's events (``final`` is what the runner returned)."""
    if crash is not None:
        return Verdict("fail", f"crash: {crash}")
    for i, event in enumerate(events):
        if _is_pass(event):
            if timed_out is not None:
                return Verdict("fail", f"said pass but did not exit within {timed_out:g} s")
            return Verdict("pass", "")
        if _is(event, "fail"):
            return Verdict("fail", f"fail: {_fail_reason(events, i)}")
        if event.get("event") == "error" and event.get("name") != "timeout":
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
