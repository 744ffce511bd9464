"""The expected-results table and the run's verdict against it (conformance/expected.py, report.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.expected import EXPECTED_PATH, TableError, apply, load_table, parse_table
from conformance.report import build, cause, markdown
from conformance.runner import CallResult
from conformance.suite import SuiteTest

TABLE = parse_table("""
[excluded]
"cudl/296" = "bridged transfer: the console platform has no second call leg"

[known-failures]
"cudl/42" = "uncaught error.semantic"
""")


def test_unlisted_tests_are_expected_to_pass() -> None:
    assert apply("cudl/1", "pass", "", TABLE).unexpected is False
    judged = apply("cudl/1", "fail", "fail: nope", TABLE)
    assert (judged.status, judged.unexpected) == ("fail", True)


def test_a_listed_test_that_fails_is_excluded_with_both_reasons() -> None:
    judged = apply("cudl/296", "fail", "uncaught error.unsupported.transfer", TABLE)
    assert (judged.status, judged.unexpected) == ("excluded", False)
    assert "no second call leg" in judged.reason and "error.unsupported.transfer" in judged.reason


@pytest.mark.parametrize("test_id", ["cudl/296", "cudl/42"])
def test_a_listed_test_that_passes_fails_the_run(test_id: str) -> None:
    judged = apply(test_id, "pass", "", TABLE)
    assert judged.unexpected is True
    assert "remove it from expected.toml" in judged.reason


def test_rows_need_a_written_reason() -> None:
    with pytest.raises(TableError, match="written reason"):
        parse_table('[excluded]\n"cudl/1" = "  "\n')


def test_unknown_sections_duplicates_and_ids_are_refused() -> None:
    with pytest.raises(TableError, match="unknown sections"):
        parse_table('[skipped]\n"a" = "b"\n')
    with pytest.raises(TableError, match="listed twice"):
        parse_table('[excluded]\n"a" = "b"\n[known-failures]\n"a" = "c"\n')
    with pytest.raises(TableError, match="unknown tests: cudl/nope"):
        parse_table('[excluded]\n"cudl/nope" = "b"\n').check_ids(["cudl/1"])


def test_the_committed_table_parses_and_names_only_real_tests(suite_dir: Path) -> None:
    from conformance.suite import discover

    load_table(EXPECTED_PATH).check_ids(t.id for t in discover(suite_dir))


def _test(test_id: str) -> SuiteTest:
    p = Path(f"/s/{test_id}.txml")
    return SuiteTest(test_id, test_id.split("/")[0], "2.0", p, p)


def test_report_counts_and_ok_flag() -> None:
    ids = ["cudl/1", "cudl/296", "cudl/42"]
    results = [CallResult("cudl/1", "cudl", "pass", "", 0.1),
               CallResult("cudl/296", "cudl", "fail", "uncaught error.unsupported.transfer", 0.1),
               CallResult("cudl/42", "cudl", "fail", "uncaught error.semantic: x", 0.1)]
    report = build([_test(i) for i in ids], results, TABLE, {i: "area" for i in ids})
    assert (report.passed, report.failed, report.excluded, report.ok) == (1, 0, 2, True)
    data = report.to_json()
    assert set(data) >= {"passed", "failed", "excluded", "tests"}
    assert set(data["tests"][0]) >= {"id", "suite", "status", "reason", "seconds"}

    results[1] = CallResult("cudl/296", "cudl", "pass", "", 0.1)
    report = build([_test(i) for i in ids], results, TABLE, {})
    assert (report.ok, report.unexpected) == (False, ("cudl/296",))
    assert "Differences from expected.toml" in markdown(report, suite_dir="/s", seconds=1, jobs=2)


@pytest.mark.parametrize(
    ("reason", "expected"),
    [("uncaught error.semantic: x is undefined", "uncaught error.semantic"),
     ("crash: KeyError: 'x'", "crash: KeyError"),
     ("fail: caught unexpected event: error.unsupported.transfer", "fail: caught error.unsupported.transfer"),
     ("timeout after 10 s (last prompt: 'x')", "timeout"),
     ("excluded: why (measured: uncaught error.badfetch: y)", "uncaught error.badfetch")],
)
def test_failure_causes(reason: str, expected: str) -> None:
    assert cause(reason) == expected
