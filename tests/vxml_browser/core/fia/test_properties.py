"""Properties (VoiceXML 2.0 §6.3): looked up item → form → document → root → platform default."""

import pytest

from vxml_browser.testing.call import Call, dtmf, vxml


def timeout_in(item: str = "", form: str = "", document: str = "", root: str | None = None,
               prompt_attrs: str = "") -> float:
    def prop(value: str) -> str:
        return f'<property name="timeout" value="{value}"/>' if value else ""

    body = (f'{prop(document)}<form>{prop(form)}<field name="f">{dtmf("1")}{prop(item)}'
            f"<prompt {prompt_attrs}>Go.</prompt></field></form>")
    documents = {"main.vxml": vxml(body, application="root.vxml" if root is not None else None)}
    if root is not None:
        documents["root.vxml"] = vxml(f"{prop(root)}<form><block/></form>")
    return Call(documents).collect().timeout_s


@pytest.mark.parametrize(("levels", "expected"), [
    ({"item": "1s", "form": "2s", "document": "3s", "root": "4s"}, 1.0),
    ({"form": "2s", "document": "3s", "root": "4s"}, 2.0),
    ({"document": "3s", "root": "4s"}, 3.0),
    ({"root": "4s"}, 4.0),
    ({"root": ""}, 5.0),
    ({}, 5.0),
], ids=["item", "form", "document", "root", "default-with-root", "default"])
def test_the_innermost_property_wins(levels, expected):
    assert timeout_in(**levels) == expected


def test_a_prompt_timeout_wins_over_the_property():
    assert timeout_in(item="1s", prompt_attrs='timeout="250ms"') == 0.25


def test_a_property_of_another_form_does_not_apply():
    call = Call({"main.vxml": vxml(
        '<form id="a"><property name="timeout" value="9s"/><block><goto next="#b"/></block></form>'
        '<form id="b"><field name="f">' + dtmf("1") + "</field></form>"
    )})
    assert call.collect().timeout_s == 5.0


def test_a_property_of_another_field_does_not_apply():
    call = Call({"main.vxml": vxml(
        '<form><field name="a">' + dtmf("1") + '<property name="timeout" value="9s"/></field>'
        '<field name="b">' + dtmf("1") + "</field></form>"
    )})
    call.press("1")
    assert call.collect().timeout_s == 5.0


def test_dtmf_properties_reach_the_collect():
    call = Call({"main.vxml": vxml(
        '<form><property name="termchar" value="*"/><property name="interdigittimeout" value="2s"/>'
        '<property name="termtimeout" value="1s"/><field name="f">' + dtmf("1") + "</field></form>"
    )})
    collect = call.collect()
    assert (collect.termchar, collect.interdigittimeout_s, collect.termtimeout_s) == ("*", 2.0, 1.0)


def test_speech_properties_reach_the_collect():
    call = Call({"main.vxml": vxml(
        '<form><property name="confidencelevel" value="0.7"/><property name="maxnbest" value="3"/>'
        '<property name="completetimeout" value="800ms"/><property name="incompletetimeout" value="1s"/>'
        '<property name="maxspeechtimeout" value="10s"/><property name="sensitivity" value="0.2"/>'
        '<property name="speedvsaccuracy" value="0.9"/><field name="f">' + dtmf("1") + "</field></form>"
    )})
    c = call.collect()
    assert (c.confidencelevel, c.maxnbest, c.completetimeout_s, c.incompletetimeout_s, c.maxspeechtimeout_s,
            c.sensitivity, c.speedvsaccuracy) == (0.7, 3, 0.8, 1.0, 10.0, 0.2, 0.9)


def test_defaults_reach_the_collect():
    c = Call({"main.vxml": vxml('<form><field name="f">' + dtmf("1") + "</field></form>")}).collect()
    assert (c.timeout_s, c.interdigittimeout_s, c.termtimeout_s, c.termchar, c.inputmodes, c.bargein,
            c.confidencelevel, c.maxnbest) == (5.0, 5.0, 0.0, "#", frozenset({"dtmf", "voice"}), True, 0.5, 1)


def test_confidencelevel_rejects_low_confidence_speech():
    call = Call({"main.vxml": vxml(
        '<form><property name="confidencelevel" value="0.6"/><field name="f"><option>yes</option>'
        "<nomatch><exit expr=\"'nomatch'\"/></nomatch></field></form>"
    )})
    call.say("yes", 0.5)
    call.exits("nomatch")


def test_inputmodes_dtmf_only():
    call = Call({"main.vxml": vxml(
        '<form><property name="inputmodes" value="dtmf"/><field name="f">' + dtmf("1") + "</field></form>"
    )})
    assert call.collect().inputmodes == frozenset({"dtmf"})


def test_fetchtimeout_property_reaches_the_fetch():
    call = Call({"main.vxml": vxml(
        '<property name="fetchtimeout" value="3s"/><property name="documentmaxage" value="10"/>'
        '<form><block><goto next="next.vxml"/></block></form>'),
        "next.vxml": vxml("<form><block/></form>")})
    attrs = call.requests[-1].attrs
    assert (attrs.timeout_s, attrs.maxage) == (3.0, 10)


def test_universals_are_off_by_default():
    call = Call({"main.vxml": vxml('<form><field name="f">' + dtmf("1") + "</field></form>")})
    call.say("help")
    assert call.unheard() == ["Sorry, I did not understand."]


def test_universals_property_turns_on_named_universals():
    call = Call({"main.vxml": vxml(
        '<property name="universals" value="help"/><form><field name="f">' + dtmf("1") +
        "<help><exit expr=\"'help'\"/></help></field></form>"
    )})
    call.say("help")
    call.exits("help")


def test_an_invalid_property_value_is_error_semantic():
    call = Call({"main.vxml": vxml(
        '<form><property name="timeout" value="soon"/><field name="f">' + dtmf("1") + "</field></form>"
    )})
    call.error("error.semantic")


def test_fetch_properties_reach_script_grammar_and_data_fetches():
    call = Call({
        "main.vxml": vxml(
            '<property name="scriptmaxage" value="5"/><property name="grammarmaxstale" value="7"/>'
            '<property name="datafetchhint" value="prefetch"/><script src="a.js"/>'
            '<form><field name="f"><grammar src="g.grxml"/></field>'
            '<block><data name="d" src="d.xml"/></block></form>'),
        "a.js": "var q = 1;",
        "g.grxml": '<grammar mode="dtmf" version="1.0" root="r" xmlns="http://www.w3.org/2001/06/grammar">'
                   '<rule id="r">1</rule></grammar>',
        "d.xml": "<a/>",
    })
    call.press("1")
    attrs = {r.kind: r.attrs for r in call.requests}
    assert (attrs["script"].maxage, attrs["grammar"].maxstale, attrs["data"].hint) == (5, 7, "prefetch")
