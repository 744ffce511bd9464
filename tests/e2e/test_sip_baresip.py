"""baresip, an independent SIP stack, navigates the sample IVR with RFC 4733 keys.

Debian 12's baresip is 1.0.0, which sends DTMF only as RFC 4733 events (``dtmfmode=info`` came
in a later release; no "dtmf" string in its binaries), so SIP INFO keys are tested with the
pjsua2 caller (tests/e2e/test_sip_ivr.py, both application/dtmf-relay and application/dtmf).
"""

from __future__ import annotations

import shutil
import time

import numpy as np
import pytest

from vxml_browser.adapters.speech_plugins.espeak import EspeakSynthesizer

from .app import AppServer
from .audio_check import heard_matches
from .baresip import Baresip
from .conftest import Platform, needs_espeak, needs_pjsua2, wait_for
from .test_sip_ivr import WELCOME

pytestmark = [needs_pjsua2, needs_espeak,
              pytest.mark.skipif(shutil.which("baresip") is None, reason="baresip is not installed")]


def test_baresip_navigates_the_menu(platform: Platform, fresh: AppServer, sip_tmp: str) -> None:
    phone = Baresip(sip_tmp)
    try:
        phone.command("dial", platform.uri)
        assert wait_for(lambda: "Call established" in phone.output() or "established" in phone.output(), 10), phone.output()
        time.sleep(2.5)  # hear part of the welcome prompt
        for keys in ("1", "1234#"):
            for key in keys:
                phone.command("sndcode", key)
                time.sleep(0.25)
            time.sleep(0.8)
        assert wait_for(lambda: fresh.received["result"], 15), phone.output()[-3000:] + platform.output()[-3000:]
        assert fresh.received["result"][0]["account"] == "1234"
        assert fresh.received["result"][0]["caller"] == "sip:bob@127.0.0.1"
        assert wait_for(lambda: "closed" in phone.output().lower() or "terminated" in phone.output().lower(), 10)
    finally:
        phone.stop()
    heard = phone.heard()
    assert heard is not None
    audio = EspeakSynthesizer().synthesize(
        f'<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">{WELCOME}</speak>')
    expected = np.frombuffer(audio.pcm, dtype="<i2")[: audio.sample_rate * 2]
    score, level = heard_matches(heard, expected, audio.sample_rate)
    assert level > 300 and score > 0.6, (score, level)
