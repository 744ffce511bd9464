"""From events to a verdict (conformance/verdict.py)."""

from __future__ import annotations

from typing import Any

from conformance.verdict import Verdict, judge

EXIT = {"event": "exit", "value": None}


def prompt(text: str) -> dict[str, Any]:
    return {"event": "prompt", "text": text, "audio": []}


def test_pass_then_exit_passes() -> None:
    assert judge([prompt("Say 'Chicago'."), prompt(" pass "), EXIT], EXIT) == Verdict("pass", "")


def test_fail_reports_the_stylesheets_log_line() -> None:
    events = [prompt("fail"), {"event": "log", "text": "failure reason: block after goto"},
              prompt("block after goto"), EXIT]
    assert judge(events, EXIT) == Verdict("fail", "fail: block after goto")


def test_the_failure_log_usually_comes_before_the_queued_prompt() -> None:
    events = [{"event": "log", "text": "failure expression: caught error.badfetch"},
              prompt("fail"), prompt("caught error.badfetch"), EXIT]
    assert judge(events, EXIT).reason == "fail: caught error.badfetch"


def test_repeated_fail_prompts_are_not_a_reason() -> None:
    assert judge([prompt("fail")] * 5, None, gave_up=True).reason == "fail: test said fail"


def test_fail_without_a_log_uses_the_next_prompt() -> None:
    assert judge([prompt("fail"), prompt("caught error.semantic"), EXIT], EXIT).reason == \
        "fail: caught error.semantic"


def test_an_uncaught_error_fails() -> None:
    events = [{"event": "error", "name": "error.badfetch", "message": "x.vxml:3: 404"}, EXIT]
    assert judge(events, EXIT) == Verdict("fail", "uncaught error.badfetch: x.vxml:3: 404")


def test_timeouts_hangs_crashes_and_silent_exits_fail() -> None:
    assert judge([prompt("Press '1'.")], None, timed_out=10).reason.startswith("timeout after 10 s")
    assert judge([], None, gave_up=True).reason.startswith("hang:")
    assert judge([prompt("pass")], None, crash="KeyError: 'x'") == Verdict("fail", "crash: KeyError: 'x'")
    assert judge([prompt("hello"), EXIT], EXIT).reason.startswith("ended without pass")
    assert judge([prompt("pass")], None, timed_out=10).status == "fail"


def test_a_pass_after_hang_up_is_seen_in_the_probe_log() -> None:
    events = [{"event": "disconnect"}, {"event": "log", "text": "pass", "label": "conformance"},
              {"event": "exit", "value": None, "reason": "hangup"}]
    assert judge(events, events[-1]) == Verdict("pass", "")
    plain_log = [{"event": "log", "text": "pass"}, EXIT]
    assert judge(plain_log, EXIT).status == "fail"


def test_a_fail_whose_reason_throws_names_the_error() -> None:
    events = [prompt("fail"), {"event": "error", "name": "error.semantic", "message": "x undefined"}]
    assert judge(events, None).reason == "fail: test said fail, then uncaught error.semantic: x undefined"
