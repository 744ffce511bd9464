"""DTMF collection (VoiceXML 2.0 §6.3.3, §3.1.4, Appendix C): termchar, interdigittimeout,
complete and incomplete input, type-ahead."""

from vxml_browser.testing.call import Call, dtmf, vxml

THREE = dtmf("1 2 3")
GROWS = ('<grammar mode="dtmf" version="1.0" root="r" xmlns="http://www.w3.org/2001/06/grammar">'
         '<rule id="r"><item repeat="2-4"><one-of><item>1</item><item>2</item><item>3</item></one-of>'
         "</item></rule></grammar>")


def field(inner: str, props: str = "") -> Call:
    return Call({"main.vxml": vxml(
        f'<form>{props}<field name="f">{inner}<prompt>Keys?</prompt></field>'
        '<block><exit expr="f"/></block></form>'
    )})


def test_digits_then_termchar_end_the_input():
    call = field('<grammar src="builtin:dtmf/digits"/>')
    call.press("123#")
    call.exits("123")


def test_a_complete_match_that_cannot_grow_ends_the_input_at_once():
    call = field(THREE)
    call.press("123", then_silence=False)
    call.exits("123")


def test_termchar_is_not_part_of_the_value():
    call = field('<grammar src="builtin:dtmf/digits"/>')
    call.press("42#")
    assert call.exits("42")


def test_a_custom_termchar():
    call = field('<grammar src="builtin:dtmf/digits"/>', props='<property name="termchar" value="*"/>')
    call.press("42*")
    call.exits("42")


def test_incomplete_input_then_interdigittimeout_is_a_nomatch():
    call = field(THREE + "<nomatch><exit expr=\"'nomatch'\"/></nomatch>")
    call.press("12", then_silence=False)
    assert call.collect().phase == "interdigit"
    assert call.collect().digits_so_far == "12"
    call.silence()
    call.exits("nomatch")


def test_a_key_outside_the_grammar_is_a_nomatch_at_once():
    call = field(THREE + "<nomatch><exit expr=\"'nomatch'\"/></nomatch>")
    call.press("19", then_silence=False)
    call.exits("nomatch")


def test_complete_input_that_can_grow_waits_interdigittimeout():
    call = field(GROWS)
    call.press("12", then_silence=False)
    assert call.collect().phase == "interdigit"
    call.silence()
    call.exits("12")


def test_complete_input_that_can_grow_takes_more_keys():
    call = field(GROWS)
    call.press("1231", then_silence=False)
    call.exits("1231")


def test_complete_input_that_can_grow_ends_with_the_termchar():
    call = field(GROWS)
    call.press("12#", then_silence=False)
    call.exits("12")


def test_termchar_after_incomplete_input_is_a_nomatch():
    call = field(THREE + "<nomatch><exit expr=\"'nomatch'\"/></nomatch>")
    call.press("12#", then_silence=False)
    call.exits("nomatch")


def test_interdigittimeout_property_is_on_the_collect():
    call = field(THREE, props='<property name="interdigittimeout" value="1500ms"/>')
    assert call.collect().interdigittimeout_s == 1.5


def test_termtimeout_makes_a_final_match_wait_for_the_termchar():
    call = field(THREE, props='<property name="termtimeout" value="2s"/>')
    call.press("123", then_silence=False)
    assert call.collect().phase == "term"
    call.press("#")
    call.exits("123")


def test_termtimeout_running_out_accepts_the_input():
    call = field(THREE, props='<property name="termtimeout" value="2s"/>')
    call.press("123", then_silence=False)
    call.silence()
    call.exits("123")


def test_type_ahead_keys_go_to_the_next_field():
    call = Call({"main.vxml": vxml(
        '<form><field name="a">' + dtmf("1") + "<prompt>A?</prompt></field>"
        '<field name="b">' + dtmf("2") + "<prompt>B?</prompt></field>"
        '<block><exit expr="a + b"/></block></form>'
    )})
    call.press("12")
    call.exits("12")


def test_type_ahead_through_a_block():
    call = Call({"main.vxml": vxml(
        '<form><field name="a">' + dtmf("1") + "</field><block><log>between</log></block>"
        '<field name="b">' + dtmf("2") + "</field>"
        '<block><exit expr="a + b"/></block></form>'
    )})
    call.press("12")
    call.logs("between")
    call.exits("12")


def test_dtmf_is_ignored_when_inputmodes_is_voice_only():
    call = field(THREE, props='<property name="inputmodes" value="voice"/>')
    assert call.collect().inputmodes == frozenset({"voice"})
    call.press("1", then_silence=False)
    assert call.collect().phase == "start"
    assert not call.over


def test_utterance_of_dtmf_input_is_the_key_string():
    call = Call({"main.vxml": vxml(
        '<form><field name="f">' + THREE + '</field><block><exit expr="f$.utterance + \'|\' + f$.inputmode"/>'
        "</block></form>"
    )})
    call.press("123")
    call.exits("123|dtmf")
