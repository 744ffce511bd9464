"""``<submit>`` (VoiceXML 2.0 §5.3.8): send variables to a server and go to the document it returns."""


from vxml_browser.core.inputs import Recording
from vxml_browser.testing.call import Call, dtmf, vxml

NEXT = vxml("<form><block><log>next</log></block></form>")


def submit(attrs: str, head: str = "") -> Call:
    return Call({
        "main.vxml": vxml(f'<form><var name="a" expr="1"/><var name="b" expr="\'x y\'"/>{head}'
                          f"<block><submit {attrs}/></block></form>"),
        "next.vxml": NEXT,
    })


def test_submit_goes_to_the_returned_document():
    call = submit('next="next.vxml"')
    call.logs("next")
    call.exits()


def test_submit_namelist_values_are_params():
    call = submit('next="next.vxml" namelist="a b"')
    request = call.requests[-1]
    assert (request.uri, request.method, request.params) == ("http://test/next.vxml", "GET", (("a", "1"), ("b", "x y")))


def test_submit_method_post():
    call = submit('next="next.vxml" namelist="a" method="post"')
    request = call.requests[-1]
    assert (request.method, request.params, request.enctype) == (
        "POST", (("a", "1"),), "application/x-www-form-urlencoded")


def test_submit_without_namelist_sends_the_named_input_items():
    call = Call({
        "main.vxml": vxml(
            '<form><var name="v" expr="1"/><field name="f">' + dtmf("1") + "</field>"
            '<block name="blk"><submit next="next.vxml"/></block></form>'),
        "next.vxml": NEXT,
    })
    call.press("1")
    assert call.requests[-1].params == (("f", "1"),)


def test_submit_object_values_are_flattened():
    call = submit('next="next.vxml" namelist="o"', head='<var name="o" expr="({p: 1, q: {r: true}})"/>')
    assert call.requests[-1].params == (("o.p", "1"), ("o.q.r", "true"))


def test_submit_undefined_value():
    call = submit('next="next.vxml" namelist="u"', head='<var name="u"/>')
    assert call.requests[-1].params == (("u", "undefined"),)


def test_submit_expr():
    call = submit("expr=\"'next' + '.vxml'\"")
    call.logs("next")


def test_submit_a_recording_is_multipart():
    call = Call({
        "main.vxml": vxml(
            '<form><record name="msg"/><block>'
            '<submit next="next.vxml" method="post" enctype="multipart/form-data" namelist="msg"/>'
            "</block></form>"),
        "next.vxml": NEXT,
    })
    call.records(seconds=2.0, data=b"RIFF....WAVE")
    request = call.requests[-1]
    assert (request.method, request.enctype) == ("POST", "multipart/form-data")
    ((name, value),) = request.params
    assert name == "msg"
    assert isinstance(value, Recording)
    assert (value.data, value.duration_ms, value.media_type) == (b"RIFF....WAVE", 2000, "audio/x-wav")


def test_submit_invalid_method_is_error_badfetch():
    call = submit('next="next.vxml" method="put"')
    call.error("error.badfetch")


def test_submit_to_a_missing_document_is_error_badfetch_http_404():
    call = submit('next="nosuch.vxml"')
    call.error("error.badfetch.http.404")


def test_submit_to_a_failing_server_is_error_badfetch_http_500():
    call = Call({"main.vxml": vxml('<form><block><submit next="next.vxml"/></block></form>'),
                 "next.vxml": (500,)})
    call.error("error.badfetch.http.500")


def test_submit_to_the_current_document_initializes_it_again():
    call = Call({
        "main.vxml": vxml('<var name="n" expr="0"/><form><field name="f">' + dtmf("1", "2") + "</field>"
                          '<block><assign name="n" expr="n + 1"/><log expr="n"/>'
                          '<if cond="f == \'1\'"><submit next="main.vxml" namelist="f"/></if></block></form>'),
    })
    call.press("1")
    call.logs("1")
    call.press("2")
    call.logs("1")
    assert [r.params for r in call.requests] == [(), (("f", "1"),)]


def test_submit_numbers_as_ecmascript_strings():
    call = submit('next="next.vxml" namelist="s o"',
                  head='<var name="s" expr="1.5e-7"/><var name="o" expr="({p: 0.000001})"/>')
    assert call.requests[-1].params == (("s", "1.5e-7"), ("o.p", "0.000001"))
