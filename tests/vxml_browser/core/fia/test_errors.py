"""Errors (VoiceXML 2.0 §5.2.6): bad documents and fetches are error.badfetch naming uri:line,
runaway scripts are error events a handler can catch; uncaught errors end the call with an
``Error`` action carrying the exact message."""

import re

from vxml_browser.testing.call import Call, vxml

HEAD = '<?xml version="1.0"?>\n<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">\n'


def test_a_malformed_first_document_ends_the_call_with_error_badfetch_naming_the_line():
    call = Call({"main.vxml": HEAD + "<form>\n<block>\n</form>\n</vxml>\n"})
    call.error("error.badfetch", "http://test/main.vxml:5: not well-formed XML: "
                                 "Opening and ending tag mismatch: block line 4 and form")


def test_an_invalid_document_names_what_was_found_and_expected():
    call = Call({"main.vxml": vxml('<form><block/></form>'),
                 "start.vxml": vxml('<form><block><goto next="bad.vxml"/></block></form>'),
                 "bad.vxml": HEAD + "<form>\n<blok/>\n</form>\n</vxml>\n"}, start="start.vxml")
    err = call.error("error.badfetch")
    assert err.message.startswith("http://test/bad.vxml:4: found <blok> inside <form>: expected one of <block>, ")
    assert err.where == "http://test/start.vxml:3"


def test_a_document_that_is_not_voicexml():
    call = Call({"main.vxml": "<html/>"})
    call.error("error.badfetch", "http://test/main.vxml:1: found <html>: expected <vxml> in namespace "
                                 "http://www.w3.org/2001/vxml")


def test_a_malformed_document_after_a_goto_is_caught_as_error_badfetch():
    call = Call({"main.vxml": vxml('<catch event="error.badfetch"><exit expr="_message"/></catch>'
                                   '<form><block><goto next="bad.vxml"/></block></form>'),
                 "bad.vxml": HEAD + "<form>\n</vxml>\n"})
    end = call.exits()
    assert end.value.startswith("http://test/bad.vxml:4: not well-formed XML: ")


def test_a_missing_first_document_ends_the_call_with_error_badfetch_http_404():
    call = Call({}, start="main.vxml")
    call.error("error.badfetch.http.404",
               "could not fetch http://test/main.vxml (HTTP 404): no such resource: http://test/main.vxml")


def test_a_missing_document_is_caught_as_error_badfetch_http_404():
    call = Call({"main.vxml": vxml('<catch event="error.badfetch.http.404"><exit expr="_event + \' \' + _message"/>'
                                   '</catch><form><block><goto next="gone.vxml"/></block></form>')})
    call.exits("error.badfetch.http.404 could not fetch http://test/gone.vxml (HTTP 404): "
               "no such resource: http://test/gone.vxml")


def test_a_missing_document_uncaught_ends_the_call_with_an_error_action():
    call = Call({"main.vxml": vxml('<form><block><goto next="gone.vxml"/></block></form>')})
    err = call.error("error.badfetch.http.404")
    assert err.where == "http://test/main.vxml:3"
    assert call.ended.reason == "error"


def test_a_network_failure_is_error_badfetch():
    call = Call({"main.vxml": (0,)})
    call.error("error.badfetch", "could not fetch http://test/main.vxml: network error")


def test_a_server_error_is_error_badfetch_http_status():
    call = Call({"main.vxml": vxml('<form><block><goto next="x.vxml"/></block></form>'), "x.vxml": (503,)})
    call.error("error.badfetch.http.503", "could not fetch http://test/x.vxml (HTTP 503): HTTP 503")


def test_a_runaway_script_is_an_error_event_a_handler_catches():
    call = Call({"main.vxml": vxml(
        '<form><catch event="error"><log expr="_event + \': \' + _message"/></catch>'
        "<block><script>while (true) {}</script></block>"
        '<block><var name="after" expr="1 + 1"/><exit expr="after"/></block></form>'
    )}, script_time_limit_s=0.05)
    call.logs("error.semantic.timeout: ECMAScript ran over its time limit")
    call.exits(2)


def test_a_runaway_expression_is_an_error_event():
    call = Call({"main.vxml": vxml(
        '<form><catch event="error.semantic"><exit expr="_event"/></catch>'
        '<block><var name="x" expr="(function() { for (;;) {} })()"/></block></form>'
    )}, script_time_limit_s=0.05)
    call.exits("error.semantic.timeout")


def test_unbounded_recursion_is_error_semantic():
    call = Call({"main.vxml": vxml(
        "<form><block><script>function f() { return f(); } f();</script></block></form>"
    )})
    call.error("error.semantic", "ECMAScript stack overflow")


def test_an_ecmascript_type_error_message():
    call = Call({"main.vxml": vxml('<form><block><var name="o"/><log expr="o.x"/></block></form>')})
    call.error("error.semantic", "TypeError: cannot read property 'x' of undefined")


def test_an_ecmascript_reference_error_message():
    call = Call({"main.vxml": vxml('<form><block><log expr="nosuch"/></block></form>')})
    call.error("error.semantic", "ReferenceError: 'nosuch' is not defined")


def test_an_error_names_the_element_that_raised_it():
    call = Call({"main.vxml": HEAD + "<form>\n<block>\n<log expr=\"nosuch\"/>\n</block>\n</form>\n</vxml>\n"})
    err = call.error("error.semantic")
    assert err.where == "http://test/main.vxml:5"


def test_an_error_in_an_error_handler_is_handled_in_turn():
    call = Call({"main.vxml": vxml(
        '<form><catch event="error.semantic"><throw event="error.app"/></catch>'
        '<catch event="error.app"><exit expr="\'handled\'"/></catch>'
        '<block><log expr="nosuch"/></block></form>'
    )})
    call.exits("handled")


def test_queued_prompts_play_before_an_uncaught_error_ends_the_call():
    call = Call({"main.vxml": vxml('<form><block>Hello.<log expr="nosuch"/></block></form>')})
    call.hears("Hello.")
    call.error("error.semantic")



def test_a_transition_loop_that_never_asks_for_input_ends_in_error_semantic():
    call = Call({"main.vxml": vxml('<form id="f"><block><goto next="#f"/></block></form>')})
    call.error("error.semantic", re.compile(r"^no input was asked for in \d+ steps of the FIA: a transition loop$"))


def test_a_script_that_exhausts_memory_is_error_noresource_and_the_call_goes_on():
    call = Call({"main.vxml": vxml(
        '<form><catch event="error.noresource"><log expr="_event + \': \' + _message"/></catch>'
        "<block><script>var a = []; while (true) { a.push(new Array(100000).fill(1)); }</script></block>"
        '<block><exit expr="1 + 1"/></block></form>'
    )})
    call.logs("error.noresource: ECMAScript ran out of memory")
    call.exits(2)


def test_starting_at_a_dialog_the_document_lacks_is_error_badfetch():
    call = Call({"main.vxml": vxml('<form id="a"><block/></form>')}, start="main.vxml#nosuch")
    call.error("error.badfetch", "no dialog 'nosuch' in http://test/main.vxml")
