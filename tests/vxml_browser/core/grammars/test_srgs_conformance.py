"""The W3C SRGS 1.0 implementation-report grammars (conformance/srgs.py) all pass or are excluded."""

from __future__ import annotations

import pytest

from conformance.srgs import DEFAULT_DIR, EXCLUDED, run_srgs_suite, support_grammar

pytestmark = pytest.mark.skipif(not DEFAULT_DIR.is_dir(), reason="W3C SRGS tests not present")


def test_every_case_passes_or_is_excluded_with_a_reason() -> None:
    results = run_srgs_suite(DEFAULT_DIR)
    assert len(results) == 18
    failures = [f"{r.file} in.{r.case}: {r.actual} != {r.expected}" for r in results if not r.passed and not r.excluded]
    assert failures == []


def test_excluded_cases_still_fail() -> None:
    results = {(r.file, r.case): r for r in run_srgs_suite(DEFAULT_DIR)}
    assert [key for key in EXCLUDED if results[key].passed] == []


def test_stand_in_helpers_exist_in_both_forms() -> None:
    assert support_grammar("polite.gram", ).startswith("#ABNF 1.0")
    assert support_grammar("polite.grxml").startswith("<grammar")
    assert support_grammar("unknown.grxml") is None


VXML_SUITE = DEFAULT_DIR.parents[1]


def test_grammars_of_the_voicexml_ir_tests_parse() -> None:
    from vxml_browser.core.grammars import parse_grammar

    paths = [p for p in VXML_SUITE.rglob("*.grxml") if "srgs10" not in p.parts]
    assert paths
    for path in paths:
        g = parse_grammar(path.read_bytes(), uri=path.as_uri())
        assert g.external_refs() == [] and g.program() is not None, path
