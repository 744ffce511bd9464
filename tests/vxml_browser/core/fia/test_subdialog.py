"""``<subdialog>`` (VoiceXML 2.0 §2.3.4): a dialog in a new execution context, with params,
namelist, return values or events, and scopes of its own."""


from vxml_browser.testing.call import Call, dtmf, vxml

SUB = vxml(
    '<form id="ask"><var name="greeting"/><var name="n" expr="0"/>'
    '<field name="answer">' + dtmf("1", "2") + '<prompt><value expr="greeting"/></prompt></field>'
    '<block><var name="doubled" expr="n * 2"/><return namelist="answer doubled"/></block></form>'
)


def main(subdialog: str, after: str = "<block><exit expr=\"s.answer + ':' + s.doubled\"/></block>",
         head: str = "", extra: dict | None = None) -> Call:
    documents = {"main.vxml": vxml(f"{head}<form>{subdialog}{after}</form>"), "sub.vxml": SUB}
    documents.update(extra or {})
    return Call(documents)


PARAMS = '<param name="greeting" expr="\'Pick one.\'"/><param name="n" value="21"/>'


def test_params_initialize_the_subdialogs_vars():
    call = main(f'<subdialog name="s" src="sub.vxml">{PARAMS}</subdialog>')
    call.hears("Pick one.")
    call.press("2")
    call.exits("2:42")


def test_return_namelist_fills_the_subdialog_variable():
    call = main(f'<subdialog name="s" src="sub.vxml">{PARAMS}</subdialog>')
    call.press("1")
    call.exits("1:42")


def test_subdialog_filled_runs_after_the_return():
    call = main(f'<subdialog name="s" src="sub.vxml">{PARAMS}<filled><log expr="s.answer"/></filled></subdialog>',
                after="")
    call.press("1")
    call.logs("1")


def test_namelist_is_sent_with_the_fetch():
    call = main(f'<var name="acct" expr="\'77\'"/><subdialog name="s" src="sub.vxml" namelist="acct">{PARAMS}'
                "</subdialog>")
    assert call.requests[-1].params == (("acct", "77"),)


def test_srcexpr():
    call = main(f"<subdialog name=\"s\" srcexpr=\"'sub' + '.vxml'\">{PARAMS}</subdialog>")
    call.hears("Pick one.")


def test_a_subdialog_in_the_same_document():
    call = Call({"main.vxml": vxml(
        '<form><subdialog name="s" src="#sub"><param name="x" value="5"/></subdialog>'
        '<block><exit expr="s.y"/></block></form>'
        '<form id="sub"><var name="x"/><block><var name="y" expr="x * 3"/><return namelist="y"/></block></form>'
    )})
    call.exits(15)


def test_a_subdialog_does_not_see_the_callers_dialog_variables():
    call = Call({"main.vxml": vxml(
        '<form><var name="secret" expr="1"/><subdialog name="s" src="#sub"/>'
        '<block><exit expr="s.seen"/></block></form>'
        '<form id="sub"><block><var name="seen" expr="typeof secret"/><return namelist="seen"/></block></form>'
    )})
    call.exits("undefined")


def test_a_subdialog_in_the_same_document_gets_fresh_document_variables():
    call = Call({"main.vxml": vxml(
        '<var name="d" expr="\'initial\'"/>'
        '<form><block><assign name="d" expr="\'changed\'"/></block><subdialog name="s" src="#sub"/>'
        '<block><exit expr="s.seen + \'/\' + d"/></block></form>'
        '<form id="sub"><block><var name="seen" expr="d"/><return namelist="seen"/></block></form>'
    )})
    call.exits("initial/changed")


def test_a_subdialog_does_not_change_the_callers_document_variables():
    call = Call({"main.vxml": vxml(
        '<var name="d" expr="1"/>'
        '<form><subdialog name="s" src="#sub"/><block><exit expr="d"/></block></form>'
        '<form id="sub"><block><assign name="d" expr="2"/><return/></block></form>'
    )})
    call.exits(1)


def test_return_event_is_thrown_at_the_subdialog_element():
    call = main('<subdialog name="s" src="fail.vxml"><catch event="sub.failed"><exit expr="_event"/></catch>'
                "</subdialog>", extra={"fail.vxml": vxml('<form><block><return event="sub.failed"/></block></form>')})
    call.exits("sub.failed")


def test_a_param_the_subdialog_does_not_declare_is_error_semantic():
    call = main('<subdialog name="s" src="sub.vxml"><param name="nosuch" value="1"/></subdialog>',
                head='<catch event="error.semantic"><exit expr="\'semantic\'"/></catch>')
    call.exits("semantic")


def test_a_missing_subdialog_document_is_error_badfetch():
    call = main('<subdialog name="s" src="nosuch.vxml"/>')
    call.error("error.badfetch.http.404")


def test_an_unknown_dialog_in_the_subdialog_document_is_error_badfetch():
    call = main('<subdialog name="s" src="sub.vxml#nosuch"/>')
    call.error("error.badfetch", "no dialog 'nosuch' in http://test/sub.vxml")


def test_an_uncaught_error_in_a_subdialog_ends_the_call():
    call = main('<subdialog name="s" src="bad.vxml"/>',
                extra={"bad.vxml": vxml('<form><block><throw event="error.inner"/></block></form>')})
    call.error("error.inner")


def test_a_subdialog_without_return_ends_the_call():
    call = main('<subdialog name="s" src="end.vxml"/>',
                extra={"end.vxml": vxml("<form><block>Bye.</block></form>")})
    call.hears("Bye.")
    call.exits()


def test_a_subdialog_may_call_a_subdialog():
    call = Call({"main.vxml": vxml(
        '<form><subdialog name="a" src="#one"/><block><exit expr="a.v"/></block></form>'
        '<form id="one"><subdialog name="b" src="#two"/><block><var name="v" expr="b.v + 1"/>'
        '<return namelist="v"/></block></form>'
        '<form id="two"><block><var name="v" expr="10"/><return namelist="v"/></block></form>'
    )})
    call.exits(11)


def test_namelist_with_method_post():
    call = main(f'<var name="acct" expr="\'77\'"/><subdialog name="s" src="sub.vxml" namelist="acct" method="post">'
                f"{PARAMS}</subdialog>")
    request = call.requests[-1]
    assert (request.method, request.params, request.uri) == ("POST", (("acct", "77"),), "http://test/sub.vxml")


def test_caller_prompts_queued_before_the_subdialog_play_with_its_first_prompt():
    call = main(f'<block>Hold on.</block><subdialog name="s" src="sub.vxml">{PARAMS}</subdialog>')
    assert [p.text for p in call.collect().prompts] == ["Hold on.", "Pick one."]
