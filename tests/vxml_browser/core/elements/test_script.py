"""``<script>`` (VoiceXML 2.0 §5.3.12): inline or fetched ECMAScript run in its element's scope."""

from vxml_browser.testing.call import Call, vxml


def test_inline_script_runs():
    call = Call({"main.vxml": vxml(
        '<form><block><var name="x" expr="1"/><script>x = x + 41;</script><log expr="x"/></block></form>'
    )})
    call.logs("42")


def test_document_script_vars_are_document_variables():
    call = Call({"main.vxml": vxml(
        "<script>var total = 10;</script>"
        '<form><block><log expr="document.total"/></block></form>'
    )})
    call.logs("10")


def test_document_script_functions_are_callable_everywhere():
    call = Call({"main.vxml": vxml(
        "<script>function double(n) { return n * 2; }</script>"
        '<form><field name="f" expr="double(3)"/><block><log expr="double(f)"/></block></form>'
    )})
    call.logs("12")


def test_form_script_vars_are_dialog_variables():
    call = Call({"main.vxml": vxml(
        "<form><script>var d = 'dialog';</script>"
        '<block><log expr="dialog.d"/></block></form>'
    )})
    call.logs("dialog")


def test_block_script_vars_stay_in_the_block():
    call = Call({"main.vxml": vxml(
        "<form><block><script>var inner = 1;</script></block>"
        '<block><log expr="typeof inner"/></block></form>'
    )})
    call.logs("undefined")


def test_script_assignment_updates_the_declaring_scope():
    call = Call({"main.vxml": vxml(
        '<var name="count" expr="0"/>'
        "<form><block><script>count = count + 1;</script></block>"
        '<block><log expr="document.count"/></block></form>'
    )})
    call.logs("1")


def test_script_undeclared_assignment_lands_in_the_script_scope():
    call = Call({"main.vxml": vxml(
        "<form><script>undeclared = 5;</script>"
        '<block><log expr="dialog.undeclared"/></block></form>'
    )})
    call.logs("5")


def test_script_does_not_pollute_the_ecmascript_global_object():
    call = Call({"main.vxml": vxml(
        "<form><block><script>var g = 1;</script></block>"
        '<block><log expr="typeof globalThis.g"/></block></form>'
    )})
    call.logs("undefined")


def test_script_src_is_fetched_and_run():
    call = Call({
        "main.vxml": vxml('<script src="lib.js"/><form><block><log expr="greet(\'Ann\')"/></block></form>'),
        "lib.js": "function greet(n) { return 'Hello ' + n; }",
    })
    call.logs("Hello Ann")
    request = call.requests[1]
    assert (request.uri, request.kind) == ("http://test/lib.js", "script")


def test_script_srcexpr():
    call = Call({
        "main.vxml": vxml('<form><var name="lib" expr="\'lib.js\'"/><script srcexpr="lib"/>'
                          '<block><log expr="v"/></block></form>'),
        "lib.js": "var v = 'loaded';",
    })
    call.logs("loaded")


def test_script_src_missing_is_error_badfetch():
    call = Call({"main.vxml": vxml('<form><block><script src="nosuch.js"/></block></form>')})
    call.error("error.badfetch.http.404")


def test_script_syntax_error_is_error_semantic():
    call = Call({"main.vxml": vxml("<form><block><script>var = ;</script></block></form>")})
    call.error("error.semantic")


def test_script_runtime_error_is_error_semantic_with_the_message():
    call = Call({"main.vxml": vxml("<form><block><script>null.x;</script></block></form>")})
    err = call.error("error.semantic")
    assert "null" in err.message


def test_script_throw_is_error_semantic_and_catchable():
    call = Call({"main.vxml": vxml(
        '<form><catch event="error.semantic"><log>caught</log></catch>'
        "<block><script>throw new Error('boom');</script></block></form>"
    )})
    call.logs("caught")
    call.exits()


def test_script_in_cdata_may_use_markup_characters():
    call = Call({"main.vxml": vxml(
        "<form><block><var name=\"r\"/><script><![CDATA[ r = (1 < 2) && (3 > 2); ]]></script>"
        '<log expr="r"/></block></form>'
    )})
    call.logs("true")


def test_runaway_script_is_an_error_event():
    call = Call({"main.vxml": vxml("<form><block><script>while (true) {}</script></block></form>")},
                script_time_limit_s=0.05)
    err = call.error("error.semantic.timeout")
    assert err.message == "ECMAScript ran over its time limit"
