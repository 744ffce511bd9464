"""``match_dtmf``: statuses, precedence and DTMF tokens (VoiceXML 2.0 §3.1.4, §6.3.3; SRGS Appendix F)."""

from __future__ import annotations

import pytest

from vxml_browser.core.grammars import builtin_grammar, choice_grammar, match_dtmf

from .helpers import abnf, xml

DIGITS_2_4 = "digits?minlength=2;maxlength=4"


@pytest.mark.parametrize(("keys", "status"), [
    ("", "prefix"),
    ("1", "prefix"),
    ("12", "complete"),
    ("123", "complete"),
    ("1234", "final"),
    ("12345", "nomatch"),
    ("1*", "nomatch"),
])
def test_digits_statuses(keys: str, status: str) -> None:
    assert match_dtmf([builtin_grammar(DIGITS_2_4, "dtmf")], keys).status == status


def test_complete_and_final_carry_the_interpretation() -> None:
    m = match_dtmf([builtin_grammar(DIGITS_2_4, "dtmf")], "123")
    assert m.result is not None
    assert (m.result.utterance, m.result.interpretation, m.result.confidence, m.result.inputmode) == (
        "123", "123", 1.0, "dtmf")


def test_prefix_and_nomatch_carry_no_result() -> None:
    g = builtin_grammar(DIGITS_2_4, "dtmf")
    assert match_dtmf([g], "1").result is None
    assert match_dtmf([g], "12345").result is None


def test_first_grammar_wins_among_complete_matches() -> None:
    a = choice_grammar([(None, "1", "first")], mode="dtmf")
    b = choice_grammar([(None, "1", "second")], mode="dtmf")
    m = match_dtmf([a, b], "1")
    assert (m.status, m.result.interpretation, m.result.grammar) == ("final", "first", a)


def test_complete_when_another_grammar_could_take_more_keys() -> None:
    short = choice_grammar([(None, "1", "one")], mode="dtmf")
    longer = builtin_grammar("digits", "dtmf")
    m = match_dtmf([short, longer], "1")
    assert (m.status, m.result.interpretation) == ("complete", "one")


def test_a_later_grammar_matches_when_the_first_cannot() -> None:
    a = choice_grammar([(None, "1", "one")], mode="dtmf")
    b = builtin_grammar("digits?length=2", "dtmf")
    assert match_dtmf([a, b], "42").result.interpretation == "42"


def test_voice_grammars_are_ignored() -> None:
    assert match_dtmf([builtin_grammar("digits", "voice")], "1").status == "nomatch"


def test_no_grammars_is_nomatch() -> None:
    assert match_dtmf([], "1").status == "nomatch"


@pytest.mark.parametrize("form", ["xml", "abnf"])
def test_star_and_pound_tokens(form: str) -> None:
    if form == "xml":
        g = xml('<rule id="main"><one-of><item>* 1 <tag>out="back"</tag></item>'
                '<item># <tag>out="end"</tag></item></one-of></rule>', mode="dtmf")
    else:
        g = abnf('$main = "*" 1 {out="back"} | "#" {out="end"};', mode="dtmf")
    assert [match_dtmf([g], k).result.interpretation for k in ("*1", "#")] == ["back", "end"]


def test_star_and_pound_words_are_synonyms() -> None:
    g = abnf('$main = star pound {out="sp"};', mode="dtmf")
    assert match_dtmf([g], "*#").result.interpretation == "sp"


def test_multi_digit_tokens_are_split_into_keys() -> None:
    g = xml('<rule id="main">123</rule>', mode="dtmf")
    assert match_dtmf([g], "123").result.utterance == "123"


def test_keys_may_be_given_with_spaces() -> None:
    g = builtin_grammar("digits?length=3", "dtmf")
    assert match_dtmf([g], "1 2 3").result.interpretation == "123"


def test_dtmf_letters() -> None:
    g = abnf('$main = A B C D {out="abcd"};', mode="dtmf")
    assert match_dtmf([g], "abcd").result.interpretation == "abcd"
