"""``<exit>`` (VoiceXML 2.0 §5.3.9): ends the session, returning a value to the platform."""

from vxml_browser.testing.call import Call, dtmf, vxml


def block(body: str) -> Call:
    return Call({"main.vxml": vxml(f"<form><block>{body}</block></form>")})


def test_exit_expr_is_the_exit_value():
    call = block("<exit expr=\"'done'\"/>")
    call.exits("done", reason="exit")


def test_exit_expr_object_is_plain_data():
    call = block('<exit expr="({a: 1, b: [true, null]})"/>')
    call.exits({"a": 1, "b": [True, None]})


def test_exit_namelist_is_a_name_to_value_mapping():
    call = block('<var name="a" expr="1"/><var name="b" expr="\'two\'"/><exit namelist="a b"/>')
    call.exits({"a": 1, "b": "two"})


def test_exit_without_attributes_has_no_value():
    call = block("<exit/>")
    call.exits(None, reason="exit")


def test_exit_plays_queued_prompts_first():
    call = block("Goodbye.<exit/>")
    call.hears("Goodbye.")
    call.exits()


def test_exit_stops_everything_after_it():
    call = Call({"main.vxml": vxml('<form><block><exit/><log>no</log></block><block><log>no</log></block></form>')})
    call.exits()
    assert call.log_texts == []


def test_exit_from_a_filled():
    call = Call({"main.vxml": vxml(
        '<form><field name="f">' + dtmf("1") + '<filled><exit expr="f"/></filled></field></form>'
    )})
    call.press("1")
    call.exits("1")


def test_exit_in_a_subdialog_ends_the_whole_session():
    call = Call({
        "main.vxml": vxml('<form><subdialog name="s" src="sub.vxml"/><block><log>back</log></block></form>'),
        "sub.vxml": vxml("<form><block><exit expr=\"'from sub'\"/></block></form>"),
    })
    call.exits("from sub")
    assert call.log_texts == []


def test_exit_is_not_an_event_catch_exit_does_not_see_it():
    call = Call({"main.vxml": vxml('<catch event="exit"><log>caught</log></catch><form><block><exit/></block></form>')})
    call.exits()
    assert call.log_texts == []


def test_end_of_document_without_exit_ends_the_call():
    call = block("Bye.")
    call.hears("Bye.")
    end = call.exits(None)
    assert end.reason in ("exit", "end")
