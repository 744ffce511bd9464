"""Exports for speech plugins: JSGF for PocketSphinx and phrase lists for Vosk."""

from __future__ import annotations

import pytest

from vxml_browser.core.grammars import (
    builtin_grammar,
    choice_grammar,
    match_text,
    to_jsgf,
    to_phrases,
)

from .helpers import abnf


def test_jsgf_of_a_small_grammar() -> None:
    g = abnf('$main = [please] (call | dial) $who <1-2> {out = 1}; $who = "John Smith" | /2/ Mary;',
             uri="http://example.com/jsgf.gram")
    assert to_jsgf(g) == (
        "#JSGF V1.0;\n\ngrammar vxml;\n\n"
        "public <main> = (([please]) (call | dial) (<who> [<who>]));\n"
        "<who> = (/1/ john smith | /2/ mary);\n")


def test_jsgf_unbounded_repeats() -> None:
    g = abnf("$main = a <0-> b <2->;", uri="http://example.com/rep.gram")
    assert to_jsgf(g).splitlines()[-1] == "public <main> = ((a*) (b b+));"


def test_phrases_of_a_choice_grammar() -> None:
    g = choice_grammar([("Sports", None, 1), ("Weather report", None, 2)], mode="voice")
    assert to_phrases(g) == ["sports", "weather report"]


def test_phrases_respect_the_limit() -> None:
    phrases = to_phrases(builtin_grammar("digits", "voice"), limit=5)
    assert phrases == ["zero", "oh", "one", "two", "three"]


def test_phrases_follow_rule_references_and_optionals() -> None:
    g = abnf("$main = [please] $w; $w = up | down;", uri="http://example.com/ph.gram")
    assert to_phrases(g) == ["up", "down", "please up", "please down"]


@pytest.mark.parametrize("name", ["boolean", "date", "digits", "currency", "number", "phone", "time"])
def test_every_phrase_of_a_voice_builtin_matches_it(name: str) -> None:
    g = builtin_grammar(name, "voice")
    phrases = to_phrases(g, limit=40)
    assert phrases and to_jsgf(g).startswith("#JSGF V1.0;")
    assert [p for p in phrases if not match_text([g], p)] == []
