"""``<transfer>`` (VoiceXML 2.0 §2.3.7, VoiceXML 2.1 §9): blind, bridge and consultation transfers."""

import pytest

from vxml_browser.core.actions import Transfer
from vxml_browser.testing.call import Call, dtmf, vxml


def transfer(attrs: str, inside: str = "", after: str = "", head: str = "") -> Call:
    return Call({"main.vxml": vxml(
        f'{head}<form><var name="agent" expr="\'sip:agent@example.com\'"/>'
        f'<transfer name="t" {attrs}><prompt>Transferring.</prompt>{inside}</transfer>{after}</form>'
    )})


def test_a_transfer_plays_its_prompts_and_asks_the_platform():
    call = transfer('dest="tel:+15550100" type="bridge" connecttimeout="20s" maxtime="60s" aai="x=1"')
    call.hears("Transferring.")
    action = call.waiting
    assert isinstance(action, Transfer)
    assert (action.dest, action.type, action.connecttimeout_s, action.maxtime_s, action.aai) == (
        "tel:+15550100", "bridge", 20.0, 60.0, "x=1")


def test_destexpr_and_aaiexpr():
    call = transfer("destexpr=\"agent\" aaiexpr=\"'q=' + 1\" type=\"blind\"")
    assert (call.waiting.dest, call.waiting.aai) == ("sip:agent@example.com", "q=1")


def test_bridge_true_is_a_bridge_transfer():
    call = transfer('dest="tel:1" bridge="true"')
    assert call.waiting.type == "bridge"


def test_default_is_a_blind_transfer():
    call = transfer('dest="tel:1"')
    assert call.waiting.type == "blind"


def test_blind_transfer_throws_connection_disconnect_transfer():
    call = transfer('dest="tel:1" type="blind"',
                    head='<catch event="connection.disconnect.transfer"><log expr="_event"/><exit/></catch>')
    call.transfer_ends("transferred")
    call.logs("connection.disconnect.transfer")


def test_blind_transfer_ends_the_call_without_an_error():
    call = transfer('dest="tel:1" type="blind"')
    call.transfer_ends("transferred")
    assert call.over
    assert call.errors == []


@pytest.mark.parametrize("outcome", ["busy", "noanswer", "network_busy", "near_end_disconnect",
                                     "far_end_disconnect", "maxtime_disconnect", "network_disconnect",
                                     "unknown"])
def test_bridge_outcome_fills_the_variable(outcome):
    call = transfer('dest="tel:1" type="bridge"', inside='<filled><exit expr="t"/></filled>')
    call.transfer_ends(outcome)
    call.exits(outcome)


def test_bridge_duration_shadow_variable():
    call = transfer('dest="tel:1" type="bridge"', after='<block><exit expr="t$.duration"/></block>')
    call.transfer_ends("far_end_disconnect", duration=42.5)
    call.exits(42.5)


def test_bridge_ended_by_the_callers_utterance():
    call = transfer('dest="tel:1" type="bridge"',
                    after="<block><exit expr=\"t + '|' + t$.utterance + '|' + t$.inputmode\"/></block>")
    call.transfer_ends("near_end_disconnect", said="stop")
    call.exits("near_end_disconnect|stop|voice")


def test_consultation_transfer_outcome():
    call = transfer('dest="tel:1" type="consultation"', after='<block><exit expr="t"/></block>')
    call.transfer_ends("busy")
    call.exits("busy")


def test_a_transfer_error_is_thrown():
    call = transfer('dest="tel:bad" type="bridge"',
                    inside='<catch event="error.connection.baddestination"><exit expr="_event"/></catch>')
    call.transfer_ends(None, error="error.connection.baddestination")
    call.exits("error.connection.baddestination")


def test_hangup_during_a_bridge_transfer():
    call = transfer('dest="tel:1" type="bridge"',
                    head='<catch event="connection.disconnect.hangup"><exit expr="\'hangup\'"/></catch>')
    call.hangup()
    call.exits("hangup")


def test_a_bad_connecttimeout_is_error_badfetch():
    call = transfer('dest="tel:1" connecttimeout="soon"')
    call.error("error.badfetch")


def test_transfer_grammars_reach_the_platform():
    call = transfer('dest="tel:1" type="bridge"', inside=dtmf("9"))
    assert [g.mode for g in call.waiting.grammars] == ["dtmf"]


def test_transferaudio_is_resolved_against_the_document():
    call = transfer('dest="tel:1" type="bridge" transferaudio="music/hold.wav"')
    assert call.waiting.transferaudio == "http://test/music/hold.wav"
