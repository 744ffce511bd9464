"""Voice input on a real call: the caller says "yes", the platform's listener (VAD) hands the
utterance to PocketSphinx through the ``Recognizer`` protocol and the field is filled.

Caller audio frames need the pjsua2 2.15 wheel (``AudioMediaPort``); the default install is the
2.10 wheel (see DEPENDENCIES.md). Give the folder of a 2.15 install in ``SIP_PJSUA2_215``
(``pip install --target DIR pjsua2-python==2.15.1.post1``) to run this test.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator

import numpy as np
import pytest

from vxml_browser.adapters.media import wav_bytes
from vxml_browser.adapters.speech_plugins.espeak import EspeakSynthesizer

from .app import AppServer
from .conftest import UA, Platform, call, needs_espeak, needs_pjsua2, wait_for

WHEEL_215 = os.environ.get("SIP_PJSUA2_215", "")

pytestmark = [
    needs_pjsua2, needs_espeak,
    pytest.mark.skipif(importlib.util.find_spec("pocketsphinx") is None, reason="no pocketsphinx"),
    pytest.mark.skipif(not (WHEEL_215 and os.path.isdir(os.path.join(WHEEL_215, "pjsua2"))),
                       reason="voice input needs the pjsua2 2.15 wheel: set SIP_PJSUA2_215"),
]


@pytest.fixture(scope="module")
def voice_platform(app: AppServer, sip_tmp: str) -> Iterator[Platform]:
    p = Platform(app, sip_tmp, extra=f'recognizer = "pocketsphinx"\npjsua2_path = "{WHEEL_215}"\n'
                 f'fax_store = "sqlite:///{os.path.join(sip_tmp, "fax.db")}"\n')
    yield p
    p.stop()


def test_the_caller_says_yes(voice_platform: Platform, fresh: AppServer, sip_tmp: str) -> None:
    speech = EspeakSynthesizer().synthesize(
        '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">yes</speak>')
    pcm = np.concatenate([np.frombuffer(speech.pcm, dtype="<i2"), np.zeros(speech.sample_rate, np.int16)])
    said = os.path.join(sip_tmp, "yes.wav")
    with open(said, "wb") as f:
        f.write(wav_bytes(pcm, speech.sample_rate))
    call(sip_tmp, f"sip:voice@127.0.0.1:{voice_platform.port}",
         [["until_confirmed", 5], ["wait", 2.0], ["play", said], ["until_disconnected", 15]])
    assert wait_for(lambda: fresh.received["result"], 5), voice_platform.output()[-3000:]
    assert fresh.received["result"][0] == {"answer": "yes"}, voice_platform.output()[-2000:]


def test_a_fax_is_received(voice_platform: Platform, fresh: AppServer, sip_tmp: str) -> None:
    """builtin:fax/receive on a real call: a pjsua2 2.15 caller sends a one-page TIFF (the fax
    engineer's FaxSession at both ends), the platform stores it and the page count is submitted."""
    from PIL import Image

    from vxml_browser.adapters.fax.documents import to_fax_tiff

    page = os.path.join(sip_tmp, "page.png")
    image = Image.new("L", (1728, 400), 255)
    for x in range(100, 1600):
        image.putpixel((x, 200), 0)
    image.save(page)
    tiff = os.path.join(sip_tmp, "page.tif")
    with open(page, "rb") as f:
        assert to_fax_tiff(f.read(), tiff) == 1
    ua = UA(sip_tmp, {"mode": "call", "dest": f"sip:fax@127.0.0.1:{voice_platform.port}",
                      "user": "faxer", "fax_send": tiff,
                      "steps": [["until_confirmed", 5], ["until_fax_done", 60], ["wait", 1.0], ["hangup"]]},
            pythonpath=WHEEL_215)
    events = ua.result(90)
    sent = [e for e in events if e["event"] == "fax"]
    assert sent and sent[0]["ok"], (events, voice_platform.output()[-3000:])
    assert wait_for(lambda: fresh.received["result"], 10), voice_platform.output()[-3000:]
    result = fresh.received["result"][0]
    assert result["step"] == "fax" and result["pages"] == "1" and result["fax_id"], result
