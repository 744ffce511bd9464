"""Catch selection and the default handlers (VoiceXML 2.0 §5.2.2-5.2.5)."""

import pytest

from vxml_browser.testing.call import Call, dtmf, vxml


def throwing(event: str, catches: str, message: str = "") -> Call:
    msg = f' message="{message}"' if message else ""
    return Call({"main.vxml": vxml(f'<form>{catches}<block><throw event="{event}"{msg}/></block></form>')})


# --- names -----------------------------------------------------------------------------------
@pytest.mark.parametrize("catch", ["error", "error.badfetch", "error.badfetch.http", "error.badfetch.http.404"])
def test_a_catch_matches_by_token_prefix(catch):
    call = throwing("error.badfetch.http.404", f'<catch event="{catch}"><log>caught</log></catch>')
    call.logs("caught")
    call.exits()


def test_a_prefix_must_end_at_a_dot():
    call = throwing("error.badfetch", '<catch event="error.bad"><log>wrong</log></catch>'
                    '<catch event="error"><log>right</log></catch>')
    call.logs("right")


def test_a_catch_with_a_trailing_dot_matches_the_prefix():
    call = throwing("my.event.x", '<catch event="my."><log>caught</log></catch>')
    call.logs("caught")


def test_a_catch_with_several_events():
    call = throwing("second", '<catch event="first second"><log expr="_event"/></catch>')
    call.logs("second")


def test_a_catch_without_event_catches_everything():
    call = throwing("anything.at.all", "<catch><log expr=\"'all ' + _event\"/></catch>")
    call.logs("all anything.at.all")


def test_the_error_shorthand_catches_error_events():
    call = throwing("error.semantic", "<error><log>err</log></error>")
    call.logs("err")


def test_underscore_event_and_message():
    call = throwing("my.event", '<catch event="my"><log expr="_event + \'|\' + _message"/></catch>', "hi")
    call.logs("my.event|hi")


def test_catch_variables_live_in_an_anonymous_scope():
    call = Call({"main.vxml": vxml(
        '<form><catch event="e"><var name="inner" expr="1"/></catch>'
        '<block name="a"><throw event="e"/></block><block><log expr="typeof inner + typeof _event"/></block></form>'
    )})
    call.logs("undefinedundefined")


# --- count -----------------------------------------------------------------------------------
COUNTED = ('<nomatch count="1">First.</nomatch><nomatch count="2">Second.</nomatch>'
           '<nomatch count="4">Fourth.</nomatch>')


def test_count_picks_the_highest_count_not_above_the_occurrences():
    call = Call({"main.vxml": vxml(f'<form><field name="f">{dtmf("1")}{COUNTED}</field></form>')})
    heard = []
    for _ in range(5):
        call.press("9")
        heard += call.unheard()
    assert heard == ["First.", "Second.", "Second.", "Fourth.", "Fourth."]


def test_counts_are_per_event_name_and_its_prefixes():
    call = Call({"main.vxml": vxml(
        '<form><field name="f">' + dtmf("1") +
        '<noinput count="1">Quiet one.</noinput><noinput count="2">Quiet two.</noinput>'
        '<nomatch count="1">Wrong one.</nomatch><nomatch count="2">Wrong two.</nomatch></field></form>'
    )})
    call.silence()
    call.press("9")
    call.silence()
    assert call.unheard() == ["Quiet one.", "Wrong one.", "Quiet two."]


def test_counts_are_per_form_item():
    call = Call({"main.vxml": vxml(
        '<form><nomatch count="1">One.</nomatch><nomatch count="2">Two.</nomatch>'
        '<field name="a">' + dtmf("1") + '</field><field name="b">' + dtmf("1") + "</field></form>"
    )})
    call.press("9")
    call.press("1")
    call.press("9")
    assert call.unheard() == ["One.", "One."]


def test_counts_reset_when_the_form_is_entered_again():
    call = Call({"main.vxml": vxml(
        '<form id="f"><field name="a">' + dtmf("1") + '<nomatch count="1">One.<goto next="#f"/></nomatch>'
        '<nomatch count="2">Two.</nomatch></field></form>'
    )})
    call.press("9")
    call.press("9")
    assert call.unheard() == ["One.", "One."]


# --- cond ------------------------------------------------------------------------------------
def test_a_catch_whose_cond_is_false_is_passed_over():
    call = throwing("e", '<catch event="e" cond="false"><log>no</log></catch><catch event="e"><log>yes</log></catch>')
    call.logs("yes")


def test_cond_passes_over_to_an_outer_scope():
    call = Call({"main.vxml": vxml(
        '<catch event="e"><log>document</log></catch>'
        '<form><catch event="e" cond="false"><log>form</log></catch><block><throw event="e"/></block></form>'
    )})
    call.logs("document")


def test_cond_error_is_error_semantic():
    call = throwing("e", '<catch event="e" cond="nosuch.x"><log>no</log></catch>'
                    '<catch event="error.semantic"><log>semantic</log></catch>')
    call.logs("semantic")


# --- scope order -----------------------------------------------------------------------------
ROOT = vxml('<catch event="e"><log>root</log></catch><form><block/></form>')


def scoped(item: bool, form: bool, document: bool) -> Call:
    item_catch = '<catch event="e"><log>item</log></catch>' if item else ""
    form_catch = '<catch event="e"><log>form</log></catch>' if form else ""
    doc_catch = '<catch event="e"><log>document</log></catch>' if document else ""
    leaf = vxml(f'{doc_catch}<form>{form_catch}<field name="f">{dtmf("1")}{item_catch}'
                '<filled><throw event="e"/></filled></field></form>', application="root.vxml")
    call = Call({"main.vxml": leaf, "root.vxml": ROOT})
    call.press("1")
    return call


@pytest.mark.parametrize(("item", "form", "document", "expected"), [
    (True, True, True, "item"),
    (False, True, True, "form"),
    (False, False, True, "document"),
    (False, False, False, "root"),
])
def test_the_innermost_catch_wins(item, form, document, expected):
    call = scoped(item, form, document)
    call.logs(expected)


def test_in_one_element_the_first_catch_in_document_order_wins():
    call = throwing("e.x", '<catch event="e"><log>first</log></catch><catch event="e.x"><log>second</log></catch>')
    call.logs("first")


# --- chains ----------------------------------------------------------------------------------
def test_an_event_thrown_in_a_catch_is_handled_in_turn():
    call = throwing("first", '<catch event="first"><throw event="second"/></catch>'
                    '<catch event="second"><log>second</log></catch>')
    call.logs("second")


def test_a_catch_that_rethrows_its_event_forever_ends_the_call():
    call = throwing("loop", '<catch event="loop"><throw event="loop"/></catch>')
    call.error("error.semantic", "event handlers kept throwing events: loop")


# --- default handlers (§5.2.5) ----------------------------------------------------------------
UNIVERSAL = ('<form><property name="universals" value="all"/><field name="f">' + dtmf("1") +
             "<prompt>Press one.</prompt></field><block><exit expr=\"f\"/></block></form>")


def test_default_noinput_reprompts_silently():
    call = Call({"main.vxml": vxml(UNIVERSAL)})
    call.hears("Press one.")
    call.silence()
    call.hears("Press one.")


def test_default_nomatch_apologizes_and_reprompts():
    call = Call({"main.vxml": vxml(UNIVERSAL)})
    call.hears("Press one.")
    call.say("banana")
    call.hears("Sorry, I did not understand.")
    call.hears("Press one.")


def test_default_help_says_no_help_and_reprompts():
    call = Call({"main.vxml": vxml(UNIVERSAL)})
    call.hears("Press one.")
    call.say("help")
    call.hears("Sorry, no help is available.")
    call.hears("Press one.")


def test_default_cancel_is_ignored_without_reprompt():
    call = Call({"main.vxml": vxml(UNIVERSAL)})
    call.hears("Press one.")
    call.say("cancel")
    call.hears_nothing()
    call.press("1")
    call.exits("1")


def test_default_exit_ends_the_call():
    call = Call({"main.vxml": vxml(UNIVERSAL)})
    call.say("exit")
    call.exits(None)


def test_default_error_handler_ends_the_call_with_an_error_action():
    call = throwing("error.my.thing", "", "what happened")
    err = call.error("error.my.thing", "what happened")
    assert err.where == "http://test/main.vxml:3"


def test_default_error_handler_plays_queued_prompts_first():
    call = Call({"main.vxml": vxml('<form><block>Before.<throw event="error.x"/></block></form>')})
    call.hears("Before.")
    call.error("error.x")


def test_default_handler_for_an_unknown_event_ends_the_call():
    call = throwing("application.custom", "")
    call.error("application.custom")


def test_caller_hangup_throws_connection_disconnect_hangup():
    call = Call({"main.vxml": vxml(
        '<catch event="connection.disconnect.hangup"><log expr="_event"/><exit/></catch>'
        '<form><field name="f">' + dtmf("1") + "</field></form>"
    )})
    call.hangup()
    call.logs("connection.disconnect.hangup")
    call.hung_up()


def test_default_hangup_handler_ends_the_call_without_an_error():
    call = Call({"main.vxml": vxml('<form><field name="f">' + dtmf("1") + "</field></form>")})
    call.hangup()
    call.hung_up()
    assert call.errors == []


def test_after_a_hangup_entering_a_field_again_ends_the_call():
    call = Call({"main.vxml": vxml(
        '<catch event="connection.disconnect.hangup"><log>hup</log></catch>'
        '<form><field name="f">' + dtmf("1") + "</field></form>"
    )})
    call.hangup()
    assert call.over


def test_hangup_while_prompts_play_before_a_fetch_throws_connection_disconnect_hangup():
    call = Call({
        "main.vxml": vxml('<catch event="connection.disconnect.hangup"><log expr="_event"/><exit/></catch>'
                          '<form><field name="f">' + dtmf("1") + '<filled>Bye.<goto next="next.vxml" '
                          'fetchaudio="hold.wav"/></filled></field></form>'),
        "next.vxml": vxml("<form><block><log>next</log></block></form>"),
    })
    call.hangs_up_during_next_play()
    call.press("1")
    call.logs("connection.disconnect.hangup")
    call.hung_up()
    assert call.fetched == ["http://test/main.vxml"]
