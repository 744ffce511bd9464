"""A fixed subset of the W3C suite end to end: the real interpreter, HttpFetcher and server.

The subset touches every part of the runner: the caller's DTMF, speech and silence answers,
a driver document, the localhost mapping, a rebuilt helper and error.badfetch recovery. Each
test must do what conformance/expected.toml says. Skipped only when the suite copy is absent.
"""

from __future__ import annotations

from pathlib import Path

from conformance.expected import apply, load_table
from conformance.runner import run_many
from conformance.suite import discover, select

SUBSET = ("cudl/234", "cudl/241", "cudl/528a2", "cudl/397", "cudl/1001Second", "jvxml21/5")


async def test_subset_matches_the_expected_table(suite_dir: Path) -> None:
    tests = select(discover(suite_dir), SUBSET)
    assert sorted(t.id for t in tests) == sorted(SUBSET)
    results = await run_many(tests, suite_dir, timeout_s=10.0)
    table = load_table()
    unexpected = [(r.id, r.status, r.reason) for r in results
                  if apply(r.id, r.status, r.reason, table).unexpected]
    assert unexpected == []
