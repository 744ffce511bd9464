"""``FakeTelephony`` (``vxml_browser.testing.telephony``) drives a real session from caller lines."""

from vxml_browser.core.actions import Exit
from vxml_browser.testing.call import SESSION_VARS, dtmf, vxml
from vxml_browser.testing.fetcher import DictFetcher
from vxml_browser.testing.telephony import FakeTelephony


def run(documents: dict[str, str], lines: list[str], **kwargs) -> tuple[Exit, FakeTelephony]:
    fetcher = DictFetcher({f"http://test/{k}": v for k, v in documents.items()})
    phone = FakeTelephony(lines, **kwargs)
    return phone.run("http://test/main.vxml", fetcher), phone


def test_dtmf_and_speech_lines_answer_fields():
    doc = vxml('<form><field name="a">' + dtmf("1 2") + '<prompt>Keys?</prompt></field>'
               '<field name="b"><prompt>Name?</prompt><option>ann</option></field>'
               '<block><exit expr="a + b"/></block></form>')
    end, phone = run({"main.vxml": doc}, ["dtmf 12", "say ann"])
    assert end.value == "12ann"
    assert phone.texts == ["Keys?", "Name?"]


def test_an_exhausted_script_hangs_up():
    doc = vxml('<form><field name="a">' + dtmf("1") + "</field></form>")
    end, phone = run({"main.vxml": doc}, [])
    assert end.reason == "hangup"
    assert phone.hung_up


def test_record_and_transfer_lines():
    doc = vxml('<form><record name="r"/><transfer name="t" dest="tel:1" type="bridge"/>'
               '<block><exit expr="r$.duration + \':\' + r$.termchar + \':\' + t"/></block></form>')
    end, phone = run({"main.vxml": doc}, ["record 2 #", "transfer busy"])
    assert end.value == "2000:#:busy"
    assert [entry[0] for entry in phone.history] == ["record", "transfer"]


def test_speech_confidence():
    doc = vxml('<form><field name="b"><option>ann</option></field><block><exit expr="b$.confidence"/></block>'
               "</form>")
    end, _ = run({"main.vxml": doc}, ["say 0.75 ann"])
    assert end.value == 0.75


def test_connection_info_becomes_session_variables():
    doc = vxml('<form><block><exit expr="session.connection.remote.uri"/></block></form>')
    connection = {**SESSION_VARS["connection"], "remote": {"uri": "sip:bob@example.com"}}
    end, _ = run({"main.vxml": doc}, [], connection=connection)
    assert end.value == "sip:bob@example.com"


def test_objects_and_disconnect():
    doc = vxml('<form><object name="o" classid="x:y"/><block>Bye.<disconnect/></block></form>')
    end, phone = run({"main.vxml": doc}, [], objects={"x:y": {"ok": True}})
    assert ("object", "x:y") in phone.history
    assert phone.history[-1] == ("disconnect", None)
    assert phone.texts == ["Bye."]
    assert end.reason == "hangup"


def test_logs_and_errors_are_kept_in_the_history():
    doc = vxml('<form><block><log>hi</log><throw event="error.custom"/></block></form>')
    end, phone = run({"main.vxml": doc}, [])
    assert ("log", "hi") in phone.history and ("error", "error.custom") in phone.history
    assert end.reason == "error"
