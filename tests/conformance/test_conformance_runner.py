"""Calls through the local server with stand-in sessions (conformance/runner.py, realworld.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from standins import MiniFetcher, crashing_session, hanging_session, reading_session

from conformance.caller import SuiteCaller
from conformance.realworld import RealDocument, classify, run_document
from conformance.runner import FETCHER_ENV, SESSION_ENV, run_many, run_parallel
from conformance.suite import discover, select


async def test_a_call_fetches_the_transformed_entry_and_follows_localhost_links(suite_dir: Path) -> None:
    tests = select(discover(suite_dir), ["528a2", "234"])
    results = await run_many(tests, suite_dir, run_session=reading_session, fetcher_factory=MiniFetcher)
    assert [(r.id, r.status) for r in results] == [("cudl/234", "pass"), ("cudl/528a2", "pass")]


async def test_crashes_and_hangs_become_failures(suite_dir: Path) -> None:
    tests = select(discover(suite_dir), ["234"])
    crashed = await run_many(tests, suite_dir, run_session=crashing_session, fetcher_factory=MiniFetcher)
    assert crashed[0].status == "fail" and crashed[0].reason == "crash: KeyError: 'boom'"
    hung = await run_many(tests, suite_dir, run_session=hanging_session,
                          fetcher_factory=MiniFetcher, timeout_s=0.1)
    assert hung[0].reason.startswith("timeout after 0.1 s")


async def test_realworld_documents_never_raise(tmp_path: Path) -> None:
    doc = RealDocument("app/x.vxml", "app", "yes")
    common = {"root": tmp_path, "base_url": "http://127.0.0.1:1/", "fetcher": None, "timeout_s": 0.1}
    crashed = await run_document(doc, run_session=crashing_session, **common)
    assert (crashed.status, crashed.reason) == ("crash", "KeyError: 'boom'")
    hung = await run_document(doc, run_session=hanging_session, **common)
    assert hung.status == "timeout"


def test_realworld_outcomes() -> None:
    exit_ = {"event": "exit", "value": 3}
    err = {"event": "error", "name": "error.badfetch", "message": "a.vxml:12: 404 b.php"}
    assert classify([err], exit_, hung_up=False, timed_out=False, crash=None) == \
        ("error.badfetch", "error.badfetch: a.vxml:12: 404 b.php")
    unsupported = {"event": "error", "name": "error.unsupported.objectname", "message": ""}
    assert classify([unsupported], exit_, hung_up=False, timed_out=False, crash=None)[0] == \
        "error.unsupported"
    semantic = {"event": "error", "name": "error.semantic", "message": "x"}
    assert classify([semantic], exit_, hung_up=True, timed_out=False, crash=None)[0] == "other error"
    assert classify([], exit_, hung_up=True, timed_out=False, crash=None)[0] == "hangup"
    assert classify([], exit_, hung_up=False, timed_out=False, crash=None) == ("exit", "3")
    assert classify([], None, hung_up=False, timed_out=True, crash=None)[0] == "timeout"
    assert classify([err], None, hung_up=False, timed_out=False, crash="E: x")[0] == "crash"


def test_suite_caller_is_a_caller() -> None:
    from vxml_browser.adapters.caller import Caller

    caller: Caller = SuiteCaller()
    assert caller.respond({"event": "listen", "phase": "start"}) == "silence"


def test_worker_processes_run_tests_and_replace_a_stuck_worker(
        suite_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SESSION_ENV, "standins:blocking_session")
    monkeypatch.setenv(FETCHER_ENV, "standins:MiniFetcher")
    tests = select(discover(suite_dir), ["234", "528a2", "397", "jvxml21/5", "1001Second"])
    seen: list[str] = []
    results = run_parallel(tests, suite_dir, jobs=2, timeout_s=0.5, hard_grace_s=1.5,
                           on_result=lambda r: seen.append(r.id))
    assert [r.id for r in results] == [t.id for t in tests]
    assert sorted(seen) == sorted(t.id for t in tests)
    by_id = {r.id: r for r in results}
    assert by_id["cudl/234"].reason.startswith("timeout: worker killed")
    assert {by_id[i].status for i in ("cudl/528a2", "cudl/397", "jvxml21/5")} == {"pass"}
    assert by_id["cudl/1001Second"].reason.startswith("ended without pass")  # 1001 only links on


def test_a_missing_interpreter_stops_the_run(suite_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SESSION_ENV, "standins:no_such_session")
    with pytest.raises(RuntimeError, match="could not be loaded"):
        run_parallel(select(discover(suite_dir), ["234"]), suite_dir, jobs=1)


def test_realworld_errors_are_counted_by_kind() -> None:
    from conformance.realworld import error_kind

    assert error_kind("error.badfetch: /a/b.vxml:12: found <log> inside <field>: expected one of "
                      "<audio>, <catch>") == "found <log> inside <field>: expected one of …"
    assert error_kind("error.badfetch: /a/Color.vxml:2: <vxml> has version '1.0': expected '2.0' "
                      "or '2.1'") == "<vxml> has version …: expected … or …"
    assert error_kind("error.badfetch: could not fetch http://x/y.php (HTTP 404)") == \
        "could not fetch URI (HTTP 404)"
