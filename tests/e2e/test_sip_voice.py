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


# -- noinput and nomatch over a real call -------------------------------------------------------
ASK = """<?xml version="1.0" encoding="UTF-8"?>
<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">
  <form id="ask">
    <field name="answer">
      <property name="timeout" value="2s"/>
      <prompt>Say yes or no.</prompt>
      <grammar mode="voice" version="1.0" root="yn" xmlns="http://www.w3.org/2001/06/grammar" xml:lang="en-US">
        <rule id="yn" scope="public"><one-of><item>yes</item><item>no</item></one-of></rule>
      </grammar>
      <noinput><log label="heard">silence: <value expr="_event"/></log><var name="why" expr="_event"/>
        <submit next="/result?step=noinput" namelist="why" method="post"/></noinput>
      <nomatch><log label="heard">other words: <value expr="_event"/></log><var name="why" expr="_event"/>
        <submit next="/result?step=nomatch" namelist="why" method="post"/></nomatch>
      <filled><submit next="/result?step=filled" namelist="answer" method="post"/></filled>
    </field>
  </form>
</vxml>"""


@pytest.fixture(scope="module")
def ask_platform(app: AppServer, sip_tmp: str) -> Iterator[Platform]:
    """The platform with the yes/no field above as the DID ``ask`` (a 2 s noinput timeout)."""
    app.files["ask.vxml"] = (ASK.encode(), "application/voicexml+xml")
    tmp = os.path.join(sip_tmp, "ask")
    os.makedirs(tmp, exist_ok=True)
    p = Platform(app, tmp, extra=f'recognizer = "pocketsphinx"\npjsua2_path = "{WHEEL_215}"\n',
                 apps={"ask": f"{app.base}/ivr/ask.vxml"})
    yield p
    p.stop()
    app.files.pop("ask.vxml", None)


def spoken(tmp: str, words: str) -> str:
    """A WAV of espeak-ng saying ``words``, then a second of silence."""
    speech = EspeakSynthesizer().synthesize(
        '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">'
        f'{words}</speak>')
    pcm = np.concatenate([np.frombuffer(speech.pcm, dtype="<i2"), np.zeros(speech.sample_rate, np.int16)])
    path = os.path.join(tmp, words.replace(" ", "-") + ".wav")
    with open(path, "wb") as f:
        f.write(wav_bytes(pcm, speech.sample_rate))
    return path


def test_a_silent_caller_gets_noinput(ask_platform: Platform, fresh: AppServer, sip_tmp: str) -> None:
    """The caller says nothing: after the prompt and the field's 2 s timeout the <noinput>
    handler runs (its <log> and its submit of ``_event``), and the call ends by <exit>."""
    call(sip_tmp, f"sip:ask@127.0.0.1:{ask_platform.port}",
         [["until_confirmed", 5], ["until_disconnected", 15]])
    assert wait_for(lambda: fresh.received["result"], 5), ask_platform.output()[-3000:]
    assert fresh.received["result"] == [{"step": "noinput", "why": "noinput"}], ask_platform.output()[-2000:]
    assert "log [heard]: silence: noinput" in ask_platform.output(), ask_platform.output()[-2000:]
    assert wait_for(lambda: fresh.received["records"], 5)
    assert fresh.received["records"][0]["cause"] == "exit"
    assert fresh.received["records"][0]["app"].endswith("/ivr/ask.vxml")


def test_out_of_grammar_words_get_nomatch(ask_platform: Platform, fresh: AppServer, sip_tmp: str) -> None:
    """The caller says "purple elephant" to the yes/no field: PocketSphinx's garbage loop (the
    plugin's default ``garbage = "phones"``: a loop of one-phone words) wins over the grammar, so the recognizer has
    no hypothesis for speech that was heard and the <nomatch> handler runs, not <filled> and not
    <noinput>."""
    said = spoken(sip_tmp, "purple elephant")
    call(sip_tmp, f"sip:ask@127.0.0.1:{ask_platform.port}",
         [["until_confirmed", 5], ["wait", 1.5], ["play", said], ["until_disconnected", 15]])
    assert wait_for(lambda: fresh.received["result"], 5), ask_platform.output()[-3000:]
    assert fresh.received["result"] == [{"step": "nomatch", "why": "nomatch"}], ask_platform.output()[-2000:]
    assert "log [heard]: other words: nomatch" in ask_platform.output(), ask_platform.output()[-2000:]


def test_listening_calls_that_end_together_leave_the_platform_whole(
        ask_platform: Platform, fresh: AppServer, sip_tmp: str) -> None:
    """Four callers at a time (the 2.15 wheel's limit per process), four rounds, each says "yes"
    and the platform hangs up after the submit: every call ends while its media port listens.
    Destroying those ports while the library ran crashed the process about one run in two of
    bench/speech_sip.py (a segfault in the port's dealloc); the engine now reuses them."""
    from concurrent.futures import ThreadPoolExecutor

    said = spoken(sip_tmp, "yes")

    def one(_: int) -> None:
        call(sip_tmp, f"sip:ask@127.0.0.1:{ask_platform.port}",
             [["until_confirmed", 5], ["wait", 1.0], ["play", said], ["until_disconnected", 15]])

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, range(16)))
    assert wait_for(lambda: len(fresh.received["result"]) >= 16, 10), ask_platform.output()[-3000:]
    assert ask_platform.proc.poll() is None, ask_platform.output()[-3000:]
    assert "Fatal Python error" not in ask_platform.output()
    assert [r["step"] for r in fresh.received["result"]] == ["filled"] * 16, fresh.received["result"]


def test_a_caller_who_holds_and_resumes_is_still_heard(
        ask_platform: Platform, fresh: AppServer, sip_tmp: str) -> None:
    """The caller puts the platform on hold during the prompt and resumes (two re-INVITEs,
    RFC 3264 §8.4), then says "yes": the field is filled. A re-INVITE may give the call's
    audio a new bridge slot; the platform's listening port must follow it."""
    said = spoken(sip_tmp, "yes")
    events, _ = call(sip_tmp, f"sip:ask@127.0.0.1:{ask_platform.port}",
                     [["until_confirmed", 5], ["wait", 0.2], ["hold"], ["wait", 0.5], ["unhold"],
                      ["wait", 0.5], ["play", said], ["until_disconnected", 15]])
    assert [e["event"] for e in events if e["event"] in ("hold", "unhold")] == ["hold", "unhold"]
    assert wait_for(lambda: fresh.received["result"], 5), (events, ask_platform.output()[-3000:])
    assert fresh.received["result"] == [{"step": "filled", "answer": "yes"}], (events, ask_platform.output()[-2000:])
