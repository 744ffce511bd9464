"""The expected-results table (``conformance/expected.toml``) and how a run is judged against it.

Every test is expected to pass unless the table says otherwise, with a written reason:

* ``[excluded]``: the platform lacks a capability the test needs (a bridged call leg, speech
  inside a recording ...); the reason names that capability.
* ``[known-failures]``: a measured interpreter failure, kept until it is fixed; the reason is the
  measured cause.
* ``[suite-defects]``: the copied test itself is broken (an edit of the cudl copy, a document
  the stylesheet turns invalid); the reason says how.

Both are strict, like pytest's strict xfail: a listed test that passes fails the run until its
row is removed, and any failure of an unlisted test fails the run.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

EXPECTED_PATH = Path(__file__).with_name("expected.toml")
SECTIONS = ("excluded", "known-failures", "suite-defects")


class TableError(ValueError):
    """The expected table is malformed (a blank reason, an unknown test id ...)."""


@dataclass(frozen=True, slots=True)
class Expectation:
    """Why a test is not expected to pass: its section and the written reason."""

    section: str
    reason: str


@dataclass(frozen=True, slots=True)
class ExpectedTable:
    """Test id -> expectation for the tests not expected to pass."""

    rows: Mapping[str, Expectation] = field(default_factory=dict)

    def get(self, test_id: str) -> Expectation | None:
        """The expectation for a test, None when it is expected to pass."""
        return self.rows.get(test_id)

    def check_ids(self, known: Iterable[str]) -> None:
        """Raise ``TableError`` if the table names tests the suite does not have."""
        unknown = sorted(set(self.rows) - set(known))
        if unknown:
            raise TableError(f"expected.toml names unknown tests: {', '.join(unknown)}")


def parse_table(text: str) -> ExpectedTable:
    """Parse the TOML text of an expected table; every row needs a non-blank reason."""
    data = tomllib.loads(text)
    extra = sorted(set(data) - set(SECTIONS))
    if extra:
        raise TableError(f"expected.toml: unknown sections {extra}; use {list(SECTIONS)}")
    rows: dict[str, Expectation] = {}
    for section in SECTIONS:
        for test_id, reason in data.get(section, {}).items():
            if not isinstance(reason, str) or not reason.strip():
                raise TableError(f"expected.toml [{section}] {test_id}: a written reason is required")
            if test_id in rows:
                raise TableError(f"expected.toml: {test_id} is listed twice")
            rows[test_id] = Expectation(section, reason.strip())
    return ExpectedTable(rows)


def load_table(path: Path = EXPECTED_PATH) -> ExpectedTable:
    """The expected table from a file (an absent file means every test is expected to pass)."""
    if not path.exists():
        return ExpectedTable()
    return parse_table(path.read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class Judged:
    """One test after the table: its report status and whether it matches the table."""

    id: str
    status: str
    """"pass", "fail" or "excluded" (listed in the table and did not pass)."""
    reason: str
    unexpected: bool


def apply(test_id: str, measured: str, reason: str, table: ExpectedTable) -> Judged:
    """Combine a measured status ("pass"/"fail") with the table's expectation."""
    expectation = table.get(test_id)
    if expectation is None:
        return Judged(test_id, measured, reason, unexpected=measured != "pass")
    if measured == "pass":
        return Judged(test_id, "pass",
                      f"passes but is listed in [{expectation.section}]: remove it from expected.toml",
                      unexpected=True)
    note = f"{expectation.section}: {expectation.reason}"
    return Judged(test_id, "excluded", f"{note} (measured: {reason})", unexpected=False)
