"""Grammars for ``<choice>``/``<option>`` (VoiceXML 2.0 §2.2.4, §2.2.5, §2.3.1.3)."""

from __future__ import annotations

from vxml_browser.core.grammars import choice_grammar, match_dtmf, match_text

CHOICES = [("Sports", "1", "sports"), ("Weather report", "2", "weather"), ("Chicago Illinois", "3", "chi"),
           ("Chicago", None, "chicago")]


def test_exact_voice_choice_returns_its_value() -> None:
    g = choice_grammar(CHOICES, mode="voice")
    assert match_text([g], "weather report")[0].interpretation == "weather"


def test_exact_needs_the_whole_phrase() -> None:
    g = choice_grammar(CHOICES, mode="voice")
    assert match_text([g], "weather") == []


def test_dtmf_choice_uses_the_keys() -> None:
    g = choice_grammar(CHOICES, mode="dtmf")
    assert (g.mode, match_dtmf([g], "2").result.interpretation) == ("dtmf", "weather")


def test_dtmf_grammar_ignores_phrases() -> None:
    g = choice_grammar(CHOICES, mode="dtmf")
    assert match_text([g], "sports") == []


def test_approximate_matches_a_subsequence_with_lower_confidence() -> None:
    g = choice_grammar(CHOICES, mode="voice", accept="approximate")
    [found] = match_text([g], "weather")
    assert (found.interpretation, found.confidence) == ("weather", 0.5)


def test_approximate_prefers_an_exact_phrase() -> None:
    g = choice_grammar(CHOICES, mode="voice", accept="approximate")
    [found] = match_text([g], "chicago")
    assert (found.interpretation, found.confidence) == ("chicago", 1.0)


def test_approximate_keeps_word_order() -> None:
    g = choice_grammar([("Chicago Illinois", None, "chi")], mode="voice", accept="approximate")
    assert [r.interpretation for r in match_text([g], "illinois")] == ["chi"]
    assert match_text([g], "illinois chicago") == []


def test_values_may_be_any_python_value() -> None:
    g = choice_grammar([("yes", "1", {"next": "#a"}), ("no", "2", None)], mode="voice")
    assert match_text([g], "yes")[0].interpretation == {"next": "#a"}


def test_no_choices_in_a_mode_matches_nothing() -> None:
    g = choice_grammar([("hello", None, "h")], mode="dtmf")
    assert match_dtmf([g], "1").status == "nomatch"


def test_same_choices_give_the_same_grammar() -> None:
    assert choice_grammar(CHOICES, mode="voice") is choice_grammar(list(CHOICES), mode="voice")


def test_punctuation_in_phrases_is_ignored() -> None:
    g = choice_grammar([("Yes, please!", None, "y")], mode="voice")
    assert match_text([g], "yes please")[0].interpretation == "y"
