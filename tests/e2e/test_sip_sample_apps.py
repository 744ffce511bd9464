"""Issue 6 over SIP: the fund hotline walked by a pjsua2 caller through the real app server.

The app server (``app_server.create_app`` with the sample apps, a fresh data folder and a pinned
clock in opening hours) runs on a loop thread of the test process; the platform is a
``vxml-browser sip`` process whose DID "funds" maps to the hotline. The caller keys in the
account menu, account number and PIN, asks for the balance, and must hear it: the spoken
balance (espeak-ng on the platform) is found in the audio the caller recorded, not silence.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

from vxml_browser.adapters.speech_plugins.espeak import EspeakSynthesizer

from .app import AppServer, AppServerThread
from .audio_check import heard_matches
from .conftest import Platform, call, needs_espeak, needs_pjsua2

pytestmark = [needs_pjsua2, needs_espeak]

BALANCE = ("Your Northwind Global Equity holding is 152 point 2 3 units, worth 3711 dollars "
           "and 63 cents.")


@pytest.fixture(scope="module")
def hotline(sip_tmp: str) -> Any:
    server = AppServerThread(os.path.join(sip_tmp, "app-server"))
    yield server
    server.stop()


def test_fund_hotline_balance_over_sip(app: AppServer, sip_tmp: str, hotline: AppServerThread) -> None:
    tmp = os.path.join(sip_tmp, "hotline")
    os.makedirs(tmp, exist_ok=True)
    platform = Platform(app, tmp, apps={"funds": f"{hotline.base}/apps/fund_hotline/?call=sip-walk-1"})
    try:
        events, heard = call(tmp, f"sip:funds@127.0.0.1:{platform.port}", [
            ["until_confirmed", 10], ["wait", 2.0],
            ["dtmf", "2"], ["wait", 1.5],          # account services (barges in on the menu)
            ["dtmf", "100234"], ["wait", 1.5],     # the six digit account number
            ["dtmf", "4321"], ["wait", 3.0],       # the PIN; "you are signed in", the account menu
            ["dtmf", "1"], ["wait", 9.0],          # the balance (synthesized now: slower under load)
            ["hangup"]])
    finally:
        platform.stop()
    assert any(e["event"] == "media" for e in events), events
    record = hotline.record("sip-walk-1")
    assert record["outcome"] == "login.ok", record
    assert "balance" in record["path"], record["path"]
    inputs = [e for e in record["events"] if e["kind"] == "input"]
    assert inputs[0]["detail"] == {"account": "100234", "pin": "***"}, inputs
    audio = EspeakSynthesizer().synthesize(
        f'<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">{BALANCE}</speak>')
    score, level = heard_matches(heard, np.frombuffer(audio.pcm, dtype="<i2"), audio.sample_rate)
    assert level > 300, "the caller heard silence"
    assert score > 0.6, f"the caller did not hear the balance (envelope correlation {score:.2f})"
