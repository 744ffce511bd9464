"""``match_text`` and the compiled-grammar cache (VoiceXML 2.0 §3.1.4 precedence)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from vxml_browser.core.grammars import builtin_grammar, choice_grammar, match_text, parse_grammar

from .helpers import abnf


def test_nomatch_is_an_empty_list() -> None:
    assert match_text([abnf("$main = hi;")], "bye") == []


def test_empty_input_is_nomatch() -> None:
    assert match_text([abnf("$main = hi;")], " ... ") == []


def test_interpretation_fields() -> None:
    g = abnf("$main = Hello World;")
    [r] = match_text([g], "hello,   WORLD.")
    assert (r.utterance, r.interpretation, r.confidence, r.inputmode, r.grammar) == (
        "hello world", "hello world", 1.0, "voice", g)


def test_grammar_precedence_orders_results() -> None:
    a = choice_grammar([("yes", None, "from a")], mode="voice")
    b = builtin_grammar("boolean", "voice")
    assert [r.interpretation for r in match_text([b, a], "yes", maxnbest=2)] == [True, "from a"]
    assert [r.interpretation for r in match_text([a, b], "yes", maxnbest=2)] == ["from a", True]


def test_maxnbest_one_returns_the_best_only() -> None:
    a = choice_grammar([("yes", None, "a")], mode="voice")
    b = choice_grammar([("yes", None, "b")], mode="voice")
    assert [r.interpretation for r in match_text([a, b], "yes")] == ["a"]


def test_ambiguous_grammar_gives_its_preferred_parse() -> None:
    g = abnf('$main = go {out="first"} | go {out="second"};')
    assert [r.interpretation for r in match_text([g], "go", maxnbest=3)] == ["first"]


def test_dtmf_grammars_are_ignored_for_voice() -> None:
    assert match_text([builtin_grammar("digits", "dtmf")], "1") == []


def test_same_content_uri_and_mode_give_the_same_object() -> None:
    text = "#ABNF 1.0;\nroot $r;\n$r = cached;\n"
    assert parse_grammar(text, uri="c.gram") is parse_grammar(text, uri="c.gram")
    assert parse_grammar(text, uri="c.gram") is not parse_grammar(text, uri="d.gram")
    assert parse_grammar(text, uri="c.gram") is not parse_grammar(text, uri="c.gram", mode="dtmf")


def test_inline_elements_with_the_same_content_share_a_grammar() -> None:
    from lxml import etree

    doc = etree.fromstring('<vxml xmlns="http://www.w3.org/2001/vxml"><grammar root="r"><rule id="r">x</rule>'
                           "</grammar></vxml>")
    el = doc[0]
    assert parse_grammar(el, uri="a.vxml") is parse_grammar(el, uri="a.vxml")


def test_program_is_compiled_once() -> None:
    g = abnf("$main = compiled once;")
    prog = g.program()
    match_text([g], "compiled once")
    assert g.program() is prog


MODULES = ["abnf", "builtins", "choices", "export", "grammar", "matcher", "nodes", "render", "semantics",
           "xmlform"]


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_alone_without_io(module: str) -> None:
    code = (f"import sys; import vxml_browser.core.grammars.{module}; "
            "bad = {'socket', 'asyncio', 'http.client', 'urllib.request', 'ssl', 'subprocess', 'random'};"
            "print(sorted(m for m in bad if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
