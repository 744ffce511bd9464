"""Built-in grammar specs and parameters (VoiceXML 2.0 Appendix P); values are in grammars/builtin/*.cases."""

from __future__ import annotations

import pytest

from vxml_browser.core.grammars import GrammarError, builtin_grammar, match_dtmf

from .helpers import NOMATCH, pressed, said


@pytest.mark.parametrize(("spec", "mode", "uri"), [
    ("digits", "dtmf", "builtin:dtmf/digits"),
    ("digits?minlength=2;maxlength=5", "dtmf", "builtin:dtmf/digits?maxlength=5;minlength=2"),
    ("digits?length=4", "voice", "builtin:voice/digits?length=4"),
    ("boolean?y=7;n=9", "dtmf", "builtin:dtmf/boolean?n=9;y=7"),
    ("builtin:dtmf/digits?length=3", "voice", "builtin:dtmf/digits?length=3"),
    ("builtin:grammar/number", "voice", "builtin:voice/number"),
    ("builtin:voice/date", "dtmf", "builtin:voice/date"),
    ("builtin:grammar/time", "dtmf", "builtin:dtmf/time"),
])
def test_spec_forms(spec: str, mode: str, uri: str) -> None:
    g = builtin_grammar(spec, mode)
    assert (g.uri, g.mode) == (uri, uri.split(":")[1].split("/")[0])


@pytest.mark.parametrize("mode", ["dtmf", "voice"])
@pytest.mark.parametrize("name", ["boolean", "date", "digits", "currency", "number", "phone", "time"])
def test_every_type_exists_in_both_modes(name: str, mode: str) -> None:
    g = builtin_grammar(name, mode)
    assert (g.mode, g.root) == (mode, name)


def test_same_spec_gives_the_same_grammar() -> None:
    assert builtin_grammar("digits?minlength=2;maxlength=5", "dtmf") is builtin_grammar(
        "digits?maxlength=5;minlength=2", "dtmf")


@pytest.mark.parametrize(("keys", "value"), [("1", NOMATCH), ("12", "12"), ("12345", "12345"), ("123456", NOMATCH)])
def test_digits_minlength_maxlength(keys: str, value: object) -> None:
    g = builtin_grammar("digits?minlength=2;maxlength=5", "dtmf")
    assert (pressed(g, keys) if value != NOMATCH else match_dtmf([g], keys).result) == (
        value if value != NOMATCH else None)


def test_digits_length_in_voice() -> None:
    g = builtin_grammar("digits?length=3", "voice")
    assert [said(g, "one two"), said(g, "one two three")] == [NOMATCH, "123"]


def test_boolean_keys_parameters() -> None:
    g = builtin_grammar("boolean?y=7;n=9", "dtmf")
    assert [pressed(g, "7"), pressed(g, "9"), pressed(g, "1")] == [True, False, NOMATCH]


def test_boolean_voice_ignores_key_parameters() -> None:
    assert said(builtin_grammar("boolean?y=7;n=9", "voice"), "yes") is True


@pytest.mark.parametrize(("spec", "message"), [
    ("shoesize", "shoesize: unsupported built-in grammar type 'shoesize'"),
    ("builtin:dtmf/shoesize", "builtin:dtmf/shoesize: unsupported built-in grammar type 'shoesize'"),
    ("builtin:other/digits", "builtin:other/digits: unsupported built-in grammar 'builtin:other/digits'"),
    ("builtin:digits", "builtin:digits: invalid built-in grammar URI 'builtin:digits': expected builtin:dtmf/type, "
                       "builtin:voice/type or builtin:grammar/type"),
    ("digits?minlength=x", "digits?minlength=x: invalid minlength 'x': expected a non-negative integer"),
    ("digits?minlength=5;maxlength=2", "digits?minlength=5;maxlength=2: minlength is greater than maxlength"),
    ("digits?length=3;minlength=2", "digits?length=3;minlength=2: length cannot be combined with minlength or "
                                    "maxlength"),
    ("digits?length=0", "digits?length=0: length and maxlength must be at least 1"),
    ("digits?size=2", "digits?size=2: unknown parameter 'size' for built-in grammar 'digits'"),
    ("boolean?y=1;n=1", "boolean?y=1;n=1: y and n must be different keys"),
    ("boolean?y=12", "boolean?y=12: invalid y '12': expected one DTMF key"),
    ("digits?minlength", "digits?minlength: invalid built-in parameter 'minlength': expected name=value"),
])
def test_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(GrammarError) as info:
        builtin_grammar(spec, "dtmf")
    assert str(info.value) == message
