"""Built-in field types (VoiceXML 2.0 §2.3.1, Appendix P): the grammars a ``type`` brings, and
the ECMAScript type and form of the values they return."""

import pytest

from vxml_browser.testing.call import Call, vxml


def typed(type_: str) -> Call:
    return Call({"main.vxml": vxml(
        f'<form><field name="f" type="{type_}"><prompt>Go.</prompt></field>'
        "<block><exit expr=\"typeof f + ':' + f\"/></block></form>"
    )})


CASES = [
    ("digits", "press", "123#", "string:123"),
    ("digits", "say", "one two three", "string:123"),
    ("digits?length=3", "press", "123", "string:123"),
    ("boolean", "press", "1", "boolean:true"),
    ("boolean", "press", "2", "boolean:false"),
    ("boolean", "say", "yes", "boolean:true"),
    ("boolean", "say", "no", "boolean:false"),
    ("boolean?y=7;n=9", "press", "9", "boolean:false"),
    ("number", "press", "12*5#", "string:12.5"),
    ("number", "say", "forty two", "string:42"),
    ("date", "press", "20240315", "string:20240315"),
    ("date", "say", "march fifteenth twenty twenty four", "string:20240315"),
    ("currency", "press", "12*50#", "string:12.50"),
    ("currency", "say", "twelve dollars and fifty cents", "string:USD12.50"),
    ("time", "press", "0930", "string:0930?"),
    ("time", "say", "nine thirty am", "string:0930a"),
    ("phone", "press", "5551234#", "string:5551234"),
    ("phone", "say", "five five five one two three four", "string:5551234"),
]


@pytest.mark.parametrize(("type_", "how", "caller_input", "expected"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_builtin_type_value(type_, how, caller_input, expected):
    call = typed(type_)
    call.hears("Go.")
    getattr(call, how)(caller_input)
    call.exits(expected)


def test_builtin_grammars_are_active_in_both_modes():
    call = typed("digits")
    modes = sorted(g.mode for g in call.collect().grammars)
    assert modes == ["dtmf", "voice"]


def test_input_outside_the_builtin_grammar_is_a_nomatch():
    call = typed("boolean")
    call.say("perhaps")
    assert call.unheard() == ["Go.", "Sorry, I did not understand.", "Go."]


def test_builtin_shadow_variables():
    call = Call({"main.vxml": vxml(
        '<form><field name="f" type="digits"/><block>'
        "<exit expr=\"f$.utterance + '|' + f$.inputmode + '|' + f$.confidence\"/></block></form>"
    )})
    call.say("four two", 0.8)
    call.exits("four two|voice|0.8")


def test_an_unknown_type_is_error_unsupported_builtin():
    call = typed("colour")
    call.error("error.unsupported.builtin")


def test_a_bad_builtin_parameter_is_error_unsupported_builtin():
    call = typed("boolean?y=1;n=1")
    call.error("error.unsupported.builtin")


def test_a_grammar_src_builtin():
    call = Call({"main.vxml": vxml(
        '<form><field name="f"><grammar src="builtin:dtmf/boolean"/></field>'
        '<block><exit expr="f"/></block></form>'
    )})
    call.press("1")
    call.exits(True)
