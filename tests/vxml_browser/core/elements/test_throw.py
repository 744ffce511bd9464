"""``<throw>`` (VoiceXML 2.0 §5.2.1): throws an event, by name or expression, with a message."""


from vxml_browser.testing.call import Call, vxml


def form(body: str, catches: str = "") -> Call:
    return Call({"main.vxml": vxml(f"<form>{catches}<block>{body}</block></form>")})


def test_throw_is_caught_by_name():
    call = form('<throw event="my.event"/>', '<catch event="my.event"><log>caught</log></catch>')
    call.logs("caught")
    call.exits()


def test_throw_message_is_in_underscore_message():
    call = form('<throw event="my.event" message="the details"/>',
                '<catch event="my.event"><log expr="_event + \': \' + _message"/></catch>')
    call.logs("my.event: the details")


def test_throw_without_message_leaves_message_undefined():
    call = form('<throw event="my.event"/>', '<catch event="my.event"><log expr="typeof _message"/></catch>')
    call.logs("undefined")


def test_throw_eventexpr_and_messageexpr():
    call = form('<var name="n" expr="\'dyn\'"/><throw eventexpr="\'my.\' + n" messageexpr="n + \'!\'"/>',
                '<catch event="my.dyn"><log expr="_message"/></catch>')
    call.logs("dyn!")


def test_throw_stops_the_rest_of_the_block():
    call = form('<throw event="my.event"/><log>not reached</log>',
                '<catch event="my.event"><log>caught</log></catch>')
    call.logs("caught")
    assert call.log_texts == ["caught"]


def test_uncaught_application_event_ends_the_call_with_an_error():
    call = form('<throw event="my.event" message="nobody listens"/>')
    call.error("my.event", "nobody listens")


def test_uncaught_error_event_ends_the_call_with_an_error():
    call = form('<throw event="error.my.failure"/>')
    call.error("error.my.failure")


def test_thrown_error_is_caught_by_the_error_shorthand():
    call = form('<throw event="error.my.failure"/>', '<error><log expr="_event"/></error>')
    call.logs("error.my.failure")


def test_an_uncaught_event_with_an_object_message_reports_a_string():
    call = form('<throw event="app.x" messageexpr="({code: 7})"/>')
    err = call.error("app.x")
    assert isinstance(err.message, str)


def test_an_object_message_is_an_object_in_the_catch():
    call = form('<throw event="app.x" messageexpr="({code: 7})"/>', '<catch event="app.x"><log expr="_message.code"/></catch>')
    call.logs("7")
