"""Variables and scopes (VoiceXML 2.0 §5.1): session, application, document, dialog, anonymous;
application.lastresult$ and shadow variables."""


from vxml_browser.testing.call import Call, dtmf, grammar, recording, vxml


def block(expr: str, head: str = "", session_vars: dict | None = None) -> Call:
    return Call({"main.vxml": vxml(f'{head}<form><block><exit expr="{expr}"/></block></form>')},
                session_vars=session_vars)


def test_session_connection_variables():
    call = block("session.connection.local.uri + ' ' + session.connection.remote.uri + ' ' + "
                 "session.connection.protocol.name")
    call.exits("tel:+15550100 tel:+15550199 sip")


def test_session_variables_come_from_the_start_input():
    call = block("session.connection.aai + ' ' + session.custom",
                 session_vars={"connection": {"aai": "data"}, "custom": "yes"})
    call.exits("data yes")


def test_session_variables_are_visible_unqualified():
    call = block("typeof connection")
    call.exits("object")


def test_document_dialog_and_application_names():
    call = Call({"main.vxml": vxml(
        '<var name="x" expr="\'doc\'"/><form><var name="x" expr="\'dialog\'"/>'
        '<block><var name="x" expr="\'anon\'"/>'
        "<exit expr=\"x + ' ' + dialog.x + ' ' + document.x + ' ' + application.x\"/></block></form>"
    )})
    call.exits("anon dialog doc doc")


def test_scope_names_resolve_to_scope_objects():
    call = block("typeof session + typeof application + typeof document + typeof dialog")
    call.exits("objectobjectobjectobject")


def test_assigning_an_undeclared_variable_is_error_semantic():
    call = Call({"main.vxml": vxml('<form><block><assign name="nowhere" expr="1"/></block></form>')})
    call.error("error.semantic", "assignment to undeclared variable 'nowhere'")


def test_reading_an_undeclared_variable_is_error_semantic():
    call = block("nowhere + 1")
    err = call.error("error.semantic")
    assert "nowhere" in err.message


def test_form_item_variables_are_dialog_variables():
    call = Call({"main.vxml": vxml(
        '<form><field name="f">' + dtmf("1") + '</field><block><exit expr="dialog.f"/></block></form>'
    )})
    call.press("1")
    call.exits("1")


FIELD = ('<form><field name="f">' + grammar(("big red", 'out = "R";'), ("small blue", 'out = "B";'))
         + dtmf(("1", 'out = "R";')) + "</field><block><exit expr=\"{expr}\"/></block></form>")


def field_call(expr: str) -> Call:
    return Call({"main.vxml": vxml(FIELD.format(expr=expr))})


def test_shadow_variables_of_voice_input():
    call = field_call("f + '|' + f$.utterance + '|' + f$.confidence + '|' + f$.inputmode + '|' + f$.interpretation")
    call.say("big red", 0.75)
    call.exits("R|big red|0.75|voice|R")


def test_shadow_variables_of_dtmf_input():
    call = field_call("f$.utterance + '|' + f$.inputmode + '|' + f$.confidence")
    call.press("1")
    call.exits("1|dtmf|1")


def test_application_lastresult():
    call = field_call("application.lastresult$.utterance + '|' + application.lastresult$.confidence + '|' + "
                      "application.lastresult$.inputmode + '|' + application.lastresult$.interpretation")
    call.say("small blue", 0.9)
    call.exits("small blue|0.9|voice|B")


def test_application_lastresult_is_an_nbest_array():
    call = field_call("application.lastresult$.length + '|' + application.lastresult$[0].utterance")
    call.say("big red")
    call.exits("1|big red")


def test_lastresult_holds_the_nbest_list_up_to_maxnbest():
    call = Call({"main.vxml": vxml(
        '<property name="maxnbest" value="2"/>' + FIELD.format(
            expr="application.lastresult$.length + '|' + application.lastresult$[1].utterance")
    )})
    call.say("big red", 0.9, ("small blue", 0.8))
    call.exits("2|small blue")


def test_lastresult_is_undefined_before_any_input():
    call = block("typeof application.lastresult$")
    call.exits("undefined")


def test_object_interpretation_in_shadow_variable():
    call = Call({"main.vxml": vxml(
        '<form><field name="f">' + grammar(("to paris", 'out.city = "PAR"; out.n = 2;')) + "</field>"
        "<block><exit expr=\"f.city + f$.interpretation.n\"/></block></form>"
    )})
    call.say("to paris")
    call.exits("PAR2")


def test_anonymous_scopes_of_blocks_do_not_leak():
    call = Call({"main.vxml": vxml(
        '<form><block><var name="t" expr="1"/></block><block><exit expr="typeof t"/></block></form>'
    )})
    call.exits("undefined")


def test_dialog_variables_reset_when_the_form_is_entered_again():
    call = Call({"main.vxml": vxml(
        '<var name="visits" expr="0"/><form id="f"><var name="d"/>'
        '<block><assign name="visits" expr="visits + 1"/>'
        '<if cond="visits == 2"><exit expr="typeof d"/></if><assign name="d" expr="1"/><goto next="#f"/></block>'
        "</form>"
    )})
    call.exits("undefined")


def test_session_variables_are_read_only():
    call = Call({"main.vxml": vxml(
        '<form><catch event="error.semantic"><exit expr="\'refused \' + session.connection.local.uri"/></catch>'
        '<block><assign name="session.connection.local.uri" expr="\'tel:changed\'"/>'
        '<exit expr="session.connection.local.uri"/></block></form>'
    )})
    call.exits("refused tel:+15550100")


def test_the_application_lastresult_is_the_latest_match():
    call = Call({"main.vxml": vxml(
        '<form><field name="a">' + dtmf("1") + '</field><field name="b">' + dtmf("2") + "</field>"
        "<block><exit expr=\"application.lastresult$.utterance + a\"/></block></form>"
    )})
    call.press("1")
    call.press("2")
    call.exits("21")


RECORDED = ('<property name="recordutterance" value="true"/><form><field name="f"><option>yes</option></field>'
            '<block><exit expr="{expr}"/></block></form>')


def test_recordutterance_is_on_the_collect():
    call = Call({"main.vxml": vxml(RECORDED.format(expr="1"))})
    assert call.collect().recordutterance is True


def test_recordutterance_fills_lastresult_recording():
    call = Call({"main.vxml": vxml(RECORDED.format(
        expr="typeof application.lastresult$.recording + ':' + application.lastresult$.recordingsize + ':' + "
             "application.lastresult$.recordingduration"))})
    call.say("yes", recording=recording(1.5))
    call.exits("object:24000:1500")


def test_recordutterance_fills_the_field_shadow_variables():
    call = Call({"main.vxml": vxml(RECORDED.format(
        expr="typeof f$.recording + ':' + f$.recordingsize + ':' + f$.recordingduration"))})
    call.say("yes", recording=recording(1.5))
    call.exits("object:24000:1500")
