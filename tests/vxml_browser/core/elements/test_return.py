"""``<return>`` (VoiceXML 2.0 §5.3.10): return from a subdialog with values or an event."""

from vxml_browser.testing.call import Call, vxml

CALLER = ('<form><subdialog name="s" src="sub.vxml">{inside}'
          '<filled><log expr="s.a + \',\' + s.b"/></filled></subdialog></form>')


def call_with(sub_block: str, inside: str = "") -> Call:
    return Call({
        "main.vxml": vxml(CALLER.format(inside=inside)),
        "sub.vxml": vxml(f"<form><block>{sub_block}</block></form>"),
    })


def test_return_namelist_fills_the_subdialog_variable():
    call = call_with('<var name="a" expr="1"/><var name="b" expr="\'x\'"/><return namelist="a b"/>')
    call.logs("1,x")


def test_return_without_namelist_returns_an_empty_object():
    call = Call({
        "main.vxml": vxml('<form><subdialog name="s" src="sub.vxml">'
                          '<filled><log expr="typeof s + \' \' + Object.keys(s).length"/></filled>'
                          "</subdialog></form>"),
        "sub.vxml": vxml("<form><block><return/></block></form>"),
    })
    call.logs("object 0")


def test_return_event_is_thrown_in_the_caller():
    call = call_with('<return event="sub.failed" message="why"/>',
                     inside='<catch event="sub.failed"><log expr="_event + \':\' + _message"/><exit/></catch>')
    call.logs("sub.failed:why")


def test_return_eventexpr():
    call = call_with("<return eventexpr=\"'sub.' + 'dyn'\"/>",
                     inside='<catch event="sub.dyn"><log>dyn</log><exit/></catch>')
    call.logs("dyn")


def test_return_outside_a_subdialog_is_error_semantic():
    call = Call({"main.vxml": vxml("<form><block><return/></block></form>")})
    call.error("error.semantic", "<return> outside a subdialog")


def test_return_plays_queued_prompts_later_in_the_caller():
    call = call_with('<var name="a" expr="1"/><var name="b" expr="2"/>Returning.<return namelist="a b"/>')
    call.logs("1,2")
    call.hears("Returning.")
