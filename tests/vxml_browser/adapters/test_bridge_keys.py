"""``BridgeKeys``: the caller's keys against a bridged transfer's DTMF grammars (VoiceXML 2.0
§2.3.7.2.2), with the core's matcher; no SIP."""

from __future__ import annotations

from vxml_browser.adapters.bridge_keys import BridgeKeys
from vxml_browser.core.grammars import parse_grammar
from vxml_browser.core.inputs import Alternative, TransferDone
from vxml_browser.testing.call import dtmf


def keys(*items: str) -> BridgeKeys:
    return BridgeKeys([parse_grammar(dtmf(*items), uri="http://test/bridge.grxml")])


def test_a_key_the_grammar_takes_ends_the_bridge_at_once() -> None:
    assert keys("*").press("*") == TransferDone("near_end_disconnect", input=Alternative("*"),
                                                inputmode="dtmf")


def test_keys_collect_until_they_match() -> None:
    bridge = keys("1 2 3")
    assert bridge.press("1") is None and bridge.press("2") is None
    done = bridge.press("3")
    assert done is not None and done.input == Alternative("123")


def test_a_match_that_could_grow_is_taken_without_waiting() -> None:
    bridge = keys("1", "1 2")
    done = bridge.press("1")
    assert done is not None and done.input == Alternative("1")


def test_a_sequence_no_grammar_takes_starts_again() -> None:
    bridge = keys("1 2")
    assert bridge.press("9") is None and bridge.digits == ""
    assert bridge.press("1") is None
    assert bridge.press("2") is not None


def test_without_dtmf_grammars_keys_are_only_audio() -> None:
    bridge = BridgeKeys([])
    assert not bridge and bridge.press("1") is None
