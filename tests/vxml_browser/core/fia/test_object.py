"""``<object>`` (VoiceXML 2.0 §2.3.5): platform objects; unknown ones are error.unsupported.objectname."""

from vxml_browser.core.inputs import ObjectDone
from vxml_browser.testing.call import Call, vxml

OBJECT = ('<form><var name="acct" expr="\'12\'"/><object name="o" classid="method://credit-card/gather">'
          '<param name="type" value="visa"/><param name="account" expr="acct"/>{inside}</object>'
          "{after}</form>")


def obj(objects: dict | None = None, inside: str = "", after: str = "") -> Call:
    return Call({"main.vxml": vxml(OBJECT.format(inside=inside, after=after))}, objects=objects or {})


def test_an_unsupported_object_is_error_unsupported_objectname():
    call = obj()
    call.error("error.unsupported.objectname")


def test_an_unsupported_object_can_be_caught():
    call = obj(inside='<catch event="error.unsupported.objectname"><exit expr="_event"/></catch>')
    call.exits("error.unsupported.objectname")


def test_the_object_gets_classid_and_params():
    call = obj({"method://credit-card/gather": {"number": "4111"}})
    (action,) = call.objects_called
    assert action.classid == "method://credit-card/gather"
    assert action.params == (("type", "visa"), ("account", "12"))


def test_the_objects_result_fills_the_variable():
    call = obj({"method://credit-card/gather": {"number": "4111", "month": 12}},
               after="<block><exit expr=\"o.number + '/' + o.month\"/></block>")
    call.exits("4111/12")


def test_the_objects_result_runs_filled():
    call = obj({"method://credit-card/gather": {"number": "4111"}},
               inside='<filled><log expr="o.number"/></filled>')
    call.logs("4111")


def test_an_object_error_is_thrown():
    call = obj({"method://credit-card/gather": ObjectDone(error="error.object.failed", message="declined")},
               inside='<catch event="error.object"><exit expr="_event + \':\' + _message"/></catch>')
    call.exits("error.object.failed:declined")


def test_object_prompts_play_first():
    call = obj({"method://credit-card/gather": {}}, inside="<prompt>Card please.</prompt>")
    call.hears("Card please.")
    call.exits()
