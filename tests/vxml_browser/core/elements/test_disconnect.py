"""``<disconnect>`` (VoiceXML 2.0 §5.3.11): hang up; connection.disconnect.hangup is thrown."""

from vxml_browser.core.actions import Disconnect
from vxml_browser.testing.call import Call, vxml


def test_disconnect_hangs_up_and_ends_the_call():
    call = Call({"main.vxml": vxml("<form><block><disconnect/></block></form>")})
    assert len(call.disconnects) == 1
    call.hung_up()


def test_disconnect_plays_queued_prompts_with_the_hangup():
    call = Call({"main.vxml": vxml("<form><block>Goodbye.<disconnect/></block></form>")})
    call.hears("Goodbye.")
    assert isinstance(call.heard[0].action, Disconnect)


def test_disconnect_throws_connection_disconnect_hangup():
    call = Call({"main.vxml": vxml(
        '<catch event="connection.disconnect.hangup"><log expr="_event"/></catch>'
        "<form><block><disconnect/></block></form>"
    )})
    call.logs("connection.disconnect.hangup")
    call.hung_up()


def test_disconnect_handler_may_submit_after_the_hangup():
    call = Call({
        "main.vxml": vxml(
            '<var name="why" expr="\'done\'"/>'
            '<catch event="connection.disconnect.hangup"><submit next="log.vxml" namelist="why"/></catch>'
            "<form><block><disconnect/></block></form>"
        ),
        "log.vxml": vxml("<form><block><log>logged</log></block></form>"),
    })
    call.logs("logged")
    assert call.requests[-1].params == (("why", "done"),)


def test_disconnect_namelist_goes_to_the_platform():
    call = Call({"main.vxml": vxml(
        '<form><block><var name="r" expr="\'ok\'"/><disconnect namelist="r"/></block></form>'
    )})
    assert call.disconnects[0].namelist == {"r": "ok"}


def test_disconnect_skips_the_rest_of_the_block():
    call = Call({"main.vxml": vxml("<form><block><disconnect/><log>no</log></block></form>")})
    call.hung_up()
    assert call.log_texts == []
