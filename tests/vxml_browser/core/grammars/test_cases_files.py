"""Every ``grammars/**/*.cases`` file against its grammars in both forms (grammars/README.md)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from vxml_browser.core.grammars import match_dtmf, match_text, parse_grammar
from vxml_browser.core.grammars.abnf import parse_abnf
from vxml_browser.core.grammars.builtins import TYPES, builtin_source
from vxml_browser.core.grammars.render import render_xml

ROOT = Path(__file__).resolve().parents[4] / "grammars"
BUILTIN = ROOT / "builtin"


def _cases(path: Path) -> list[tuple[int, str, str]]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if " => " in line:
            given, _, expected = line.partition(" => ")
            out.append((n, given.strip(), expected.strip()))
        else:
            assert not line.strip() or line.lstrip().startswith("#"), f"{path.name}:{n}: not a case: {line!r}"
    return out


def _params() -> list[tuple[Path, Path]]:
    pairs = []
    for cases in sorted(ROOT.rglob("*.cases")):
        for ext in (".grxml", ".gram"):
            grammar = cases.with_suffix(ext)
            if grammar.exists():
                pairs.append((cases, grammar))
    return pairs


def test_every_cases_file_has_a_grammar_in_both_forms() -> None:
    for cases in ROOT.rglob("*.cases"):
        assert cases.with_suffix(".grxml").exists(), cases
        assert cases.with_suffix(".gram").exists(), cases


@pytest.mark.parametrize(("cases", "grammar"), _params(), ids=lambda p: str(p.relative_to(ROOT)))
def test_cases(cases: Path, grammar: Path) -> None:
    g = parse_grammar(grammar.read_bytes(), uri=grammar.as_uri())
    failures = []
    for line, given, expected in _cases(cases):
        if g.mode == "dtmf":
            m = match_dtmf([g], given)
            actual = (json.dumps(m.result.interpretation) if m.result
                      else "PREFIX" if m.status == "prefix" else "NOMATCH")
        else:
            found = match_text([g], given)
            actual = json.dumps(found[0].interpretation) if found else "NOMATCH"
        want = expected if expected in ("NOMATCH", "PREFIX") else json.dumps(json.loads(expected))
        if actual != want:
            failures.append(f"{cases.name}:{line}: {given!r} => {actual}, expected {want}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", TYPES)
@pytest.mark.parametrize("mode", ["dtmf", "voice"])
def test_builtin_files_are_the_generated_grammars(name: str, mode: str) -> None:
    abnf = builtin_source(name, mode, {"y": "1", "n": "2"} if name == "boolean" else {})
    xml = render_xml(parse_abnf(abnf, f"builtin:{mode}/{name}"))
    for path, text in ((BUILTIN / f"{name}-{mode}.gram", abnf), (BUILTIN / f"{name}-{mode}.grxml", xml)):
        if os.environ.get("REFRESH_GRAMMARS"):
            path.write_text(text, encoding="utf-8")
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: REFRESH_GRAMMARS=1 rewrites it"
