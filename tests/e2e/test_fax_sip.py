"""Fax over SIP, end to end: a pjsua2 2.15 caller running spandsp (``FaxSession`` behind an
``AudioMediaPort``, ``ua.py``) faxes the 2-page prospectus to the IVR's ``builtin:fax/receive``,
which stores it; the IVR then sends a page back with ``builtin:fax/send`` on the same call and
the caller receives it. A voice caller to ``builtin:fax/receive`` gets ``error.fax.notfax``.

Per-frame audio needs the pjsua2 2.15 wheel (DEPENDENCIES.md): set ``SIP_PJSUA2_215`` to the
folder of a 2.15 install, as for ``test_sip_voice.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image, ImageDraw

from vxml_browser.adapters.fax import documents
from vxml_browser.adapters.fax.queue import FaxQueue
from vxml_browser.adapters.media import wav_bytes

from .app import DOC, AppServer
from .conftest import ROOT, UA, Platform, needs_espeak, needs_pjsua2, wait_for

WHEEL_215 = os.environ.get("SIP_PJSUA2_215", "")

pytestmark = [
    needs_pjsua2,
    pytest.mark.skipif(not (WHEEL_215 and os.path.isdir(os.path.join(WHEEL_215, "pjsua2"))),
                       reason="fax needs the pjsua2 2.15 wheel: set SIP_PJSUA2_215"),
]

FAXBACK = DOC.format(body="""
  <form id="inbox">
    <object name="rx" classid="builtin:fax/receive"/>
    <object name="tx" classid="builtin:fax/send">
      <param name="document" expr="'reply.png'"/>
    </object>
    <block>
      <var name="pages" expr="rx.pages"/>
      <var name="fax_id" expr="rx.fax_id"/>
      <var name="sent" expr="tx.pages"/>
      <submit next="/result?step=faxback" namelist="pages fax_id sent" method="post"/>
    </block>
    <catch event="error">
      <var name="err" expr="_event"/>
      <submit next="/result?step=faxerror" namelist="err" method="post"/>
    </catch>
  </form>""")


@pytest.fixture(scope="module")
def fax_platform(app: AppServer, sip_tmp: str) -> Iterator[Platform]:
    tmp = os.path.join(sip_tmp, "fax")
    os.makedirs(tmp, exist_ok=True)
    p = Platform(app, tmp, extra=f'pjsua2_path = "{WHEEL_215}"\n'
                 f'fax_store = "sqlite:///{os.path.join(tmp, "fax.db")}"\nfax_ident = "+1 555 0199"\n'
                 f'fax_queue = "{os.path.join(tmp, "outbox.db")}"\nfax_queue_poll = 0.5\n'
                 'fax_retry = [2.0]\n',
                 apps={"faxback": f"{app.base}/ivr/faxback.vxml"})
    yield p
    p.stop()


def reply_page() -> bytes:
    image = Image.new("L", (1728, 600), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 100, 1600, 140), fill=0)
    draw.text((120, 300), "REPLY PAGE 1", fill=0)
    for x in range(100, 1600, 50):
        draw.line((x, 400, x + 25, 550), fill=0, width=3)
    from io import BytesIO

    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_two_pages_in_then_one_page_back(fax_platform: Platform, fresh: AppServer,
                                         sip_tmp: str) -> None:
    """The caller sends the prospectus (2 pages); the stored pages equal the sent ones; the IVR
    faxes a page back on the same call, which equals the page the app served."""
    from vxml_browser.adapters.fax.store import FaxStore

    tmp = fax_platform.tmp
    sent = os.path.join(tmp, "prospectus.tif")
    with open(os.path.join(ROOT, "sample_apps", "fax_demo", "prospectus.pdf"), "rb") as f:
        assert documents.to_fax_tiff(f.read(), sent) == 2
    reply = reply_page()
    fresh.files["faxback.vxml"] = (FAXBACK.encode(), "application/voicexml+xml")
    fresh.files["reply.png"] = (reply, "image/png")
    got_back = os.path.join(tmp, "got-back.tif")
    # Like a fax machine, the caller redials once when a T.30 session fails, either way: this is a
    # real-time call, and a loaded 2-core machine can starve its media thread for a moment (CI saw
    # the page back drop once after the two pages in had gone through). Every check below applies
    # to the attempt that completes.
    for attempt in range(2):
        ua = UA(tmp, {"mode": "call", "dest": f"sip:faxback@127.0.0.1:{fax_platform.port}",
                      "user": "faxer", "fax_send": sent,
                      "steps": [["until_confirmed", 5], ["until_fax_done", 60],
                                ["fax_receive", got_back, 60], ["wait", 0.5], ["hangup"]]},
                pythonpath=WHEEL_215)
        events = ua.result(150)
        out = [e for e in events if e["event"] == "fax"]
        back = [e for e in events if e["event"] == "fax-received"]
        if out and out[0]["ok"] and back and back[0]["ok"] or attempt:
            break
    log = fax_platform.output()[-3000:]
    assert out and out[0]["ok"] and out[0]["pages"] == 2, (events, log)
    assert back and back[0]["ok"] and back[0]["pages"] == 1, (events, log)
    assert wait_for(lambda: fresh.received["result"], 10), log
    result = fresh.received["result"][-1]  # the completed attempt's
    assert result["step"] == "faxback" and result["pages"] == "2" and result["sent"] == "1", result

    store = FaxStore(f"sqlite:///{os.path.join(tmp, 'fax.db')}")
    try:
        record = store.get(result["fax_id"])
        stored = documents.read_pages(store.tiff(result["fax_id"]))
    finally:
        store.close()
    assert record.pages == 2 and record.remote_id == "+1 555 0100", record
    originals = documents.read_pages(sent)
    assert len(stored) == 2
    for a, b in zip(originals, stored, strict=True):
        assert documents.difference(a, b) <= 0.001
    expected = os.path.join(tmp, "reply.tif")
    documents.to_fax_tiff(reply, expected)
    [want], [got] = documents.read_pages(expected), documents.read_pages(got_back)
    assert documents.difference(want, got) <= 0.001


@needs_espeak
def test_a_voice_caller_to_fax_receive_is_notfax(fax_platform: Platform, fresh: AppServer,
                                                 sip_tmp: str) -> None:
    """Someone talks instead of faxing: the receive gives up (T.30 hears no fax) with
    error.fax.notfax, which the document catches."""
    from vxml_browser.adapters.speech_plugins.espeak import EspeakSynthesizer

    speech = EspeakSynthesizer().synthesize(
        '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">'
        "Hello? Hello, is anybody there? I wanted to ask about my account.</speak>")
    pcm = np.concatenate([np.frombuffer(speech.pcm, dtype="<i2"),
                          np.zeros(speech.sample_rate // 2, np.int16)])
    said = os.path.join(fax_platform.tmp, "talker.wav")
    with open(said, "wb") as f:
        f.write(wav_bytes(pcm, speech.sample_rate))
    ua = UA(fax_platform.tmp, {"mode": "call", "dest": f"sip:fax@127.0.0.1:{fax_platform.port}",
                               "user": "talker", "play": said,
                               "steps": [["until_confirmed", 5], ["until_disconnected", 45]]})
    ua.result(60)
    assert wait_for(lambda: fresh.received["result"], 10), fax_platform.output()[-3000:]
    result = fresh.received["result"][-1]
    assert result["step"] == "faxerror" and result["err"] == "error.fax.notfax", result


def test_the_fax_queue_dials_out_over_sip(app: AppServer, sip_tmp: str) -> None:
    """``SipFaxDialer``: the queue's first job goes to a fax machine that answers (a pjsua2 2.15
    UA receiving), which gets the page; the second to a busy line (486): ``busy``."""
    import json
    import subprocess
    import sys

    from .conftest import HERE, env, free_port, rtp_base

    tmp = os.path.join(sip_tmp, "faxq")
    os.makedirs(tmp, exist_ok=True)
    page = os.path.join(tmp, "page.tif")
    assert documents.to_fax_tiff(reply_page(), page) == 1
    received = os.path.join(tmp, "received.tif")
    machine = UA(tmp, {"mode": "answer", "user": "faxmachine", "code": 200, "fax_answer": received,
                       "lifetime": 60, "exit_when_done": True}, pythonpath=WHEEL_215)
    busy = UA(tmp, {"mode": "answer", "user": "busy", "code": 486, "lifetime": 60,
                    "exit_when_done": True})
    script = os.path.join(tmp, "queue.json")
    with open(script, "w") as f:
        json.dump({"port": free_port(), "rtp_port": rtp_base(), "queue": os.path.join(tmp, "q.db"),
                   "jobs": [[machine.uri, page], [busy.uri, page]]}, f)
    environment = env()
    environment["PYTHONPATH"] = WHEEL_215 + os.pathsep + environment["PYTHONPATH"]
    run = subprocess.run([sys.executable, os.path.join(HERE, "fax_dialer_run.py"), script],
                         cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    lines = [line for line in run.stdout.splitlines() if line.startswith('{"reports"')]
    assert lines, (run.stdout[-2000:], run.stderr[-3000:])
    delivered, refused = json.loads(lines[-1])["reports"]
    machine_events = machine.result(30)
    busy.kill()
    assert delivered["status"] == "delivered", delivered["text"]
    assert delivered["attempts"][0]["pages"] == 1 and delivered["attempts"][0]["remote_id"] == "+1 555 0100"
    got = [e for e in machine_events if e["event"] == "fax-received"]
    assert got and got[0]["ok"] and got[0]["pages"] == 1, machine_events
    [want], [have] = documents.read_pages(page), documents.read_pages(received)
    assert documents.difference(want, have) <= 0.001
    assert refused["status"] == "failed" and refused["attempts"][0]["outcome"] == "busy", refused["text"]


def test_a_fax_queued_from_the_command_line_is_sent_by_the_platform(
        fax_platform: Platform, sip_tmp: str) -> None:
    """``vxml-browser fax send`` queues a page in the platform's ``fax_queue``; the SIP worker
    finds it due, dials the number (here a SIP URI: a pjsua2 2.15 fax machine answering) and
    sends it; ``fax status`` then reports it delivered with the machine's id."""
    import json
    import subprocess
    import sys

    from .conftest import env

    tmp = os.path.join(sip_tmp, "fax")
    page = os.path.join(tmp, "outbound.png")
    with open(page, "wb") as f:
        f.write(reply_page())
    received = os.path.join(tmp, "outbound-received.tif")
    # A fax machine that takes up to 3 calls: the queue tries again 2 s after a failed attempt
    # (fax over G.711 fails now and then: on this runner a first attempt failed in 2 of 6 full
    # test runs, T.30 "unexpected" at the machine; see the session note), as it would at a site.
    machine = UA(tmp, {"mode": "answer", "user": "faxmachine", "code": 200, "fax_answer": received,
                       "lifetime": 200, "exit_when_done": True, "calls": 3}, pythonpath=WHEEL_215)
    queue = os.path.join(tmp, "outbox.db")

    def cli(*args: str) -> str:
        run = subprocess.run([sys.executable, "-m", "vxml_browser.cli", "fax", *args, "--queue", queue],
                             cwd=ROOT, env=env(), capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    try:
        job = cli("send", "--reference", "order 42", machine.uri, page)
        # Waiting reads the queue's file here, once a second: a Python started per look would
        # take the CPU the real-time fax needs on a 2-core machine.
        outbox = FaxQueue(queue)
        try:
            wait_for(lambda: outbox.report(job).status in ("delivered", "failed"), 180, 1.0)
            seen = outbox.report(job).text()
        finally:
            outbox.close()
        done = json.loads(cli("status", "--json", job))
        if done["status"] != "delivered":  # the whole story: pytest cuts long assert messages
            pytest.fail(f"{seen}\n--- platform:\n{fax_platform.output()[-3000:]}\n"
                        f"--- fax machine:\n{machine.kill()}")
        assert done["reference"] == "order 42" and done["attempts"][-1]["remote_id"] == "+1 555 0100"
        got = [e for e in machine.result(30) if e["event"] == "fax-received"]
    finally:
        machine.kill()
    if len(got) > 1:
        print(f"the fax went through on attempt {len(got)}:\n{seen}")
    got = got[-1:]
    assert got and got[0]["ok"] and got[0]["pages"] == 1
    [have] = documents.read_pages(received)
    want_tif = os.path.join(tmp, "outbound-want.tif")
    documents.to_fax_tiff(reply_page(), want_tif)
    [want] = documents.read_pages(want_tif)
    assert documents.difference(want, have) <= 0.001
