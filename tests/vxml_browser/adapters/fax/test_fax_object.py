"""The fax objects from VoiceXML: the fax-on-demand sample driven by a call script, with the
far end on an in-process G.711 line (a fax machine, a voice caller, silence, a cut-off call)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from PIL import ImageOps

from vxml_browser.adapters.fax import documents, events
from vxml_browser.adapters.fax.loopback import LoopbackCall, Silence, VoiceCaller
from vxml_browser.adapters.fax.object import handle_fax_object
from vxml_browser.adapters.fax.session import FaxSession
from vxml_browser.adapters.fax.store import FaxStore
from vxml_browser.core.actions import ObjectCall
from vxml_browser.testing.call import Call

SAMPLE = Path(__file__).parents[4] / "sample_apps" / "fax_demo"


@pytest.fixture
def store(tmp_path) -> FaxStore:
    s = FaxStore(f"sqlite:///{tmp_path / 'fax.sqlite'}")
    yield s
    s.close()


def fax_call(line: LoopbackCall, store: FaxStore) -> Call:
    """The sample, with the fax objects answered on ``line``."""

    def answer(action: ObjectCall):
        return asyncio.run(handle_fax_object(line, action, store=store, call_id="c-1",
                                             base=SAMPLE.as_uri() + "/"))

    return Call({"main.vxml": (SAMPLE / "main.vxml").read_text()},
                objects={c: answer for c in
                         ("builtin:fax/send", "builtin:fax/receive", "builtin:fax/detect")})


def obj(classid: str, **params) -> ObjectCall:
    return ObjectCall(prompts=(), classid=classid, data=None, params=tuple(params.items()))


def run(line, action, store=None, **kwargs):
    return asyncio.run(handle_fax_object(line, action, store=store, **kwargs))


def test_press_3_faxes_the_prospectus(tmp_path, store):
    """A voice caller (no CNG during the greeting) presses 3 and his fax machine answers."""
    received = str(tmp_path / "at-the-caller.tif")
    machine = FaxSession("receive", received, ident="+1 212 555 0199")
    call = fax_call(LoopbackCall(machine), store)
    call.hears("Welcome to the fund hotline.")
    call.hears(re.compile("To receive our fund prospectus by fax, press 3."))
    call.press("3")
    call.hears("Please press the start button on your fax machine now.")
    call.logs("prospectus sent: 2 pages to +1 212 555 0199 at 14400 bit/s", label="fax")
    assert call.exits().value["fax"]["pages"] == 2
    got = machine.result()
    assert got.ok and got.pages == 2 and got.remote_id == "+44 800 555 0100"
    sent = Path(tmp_path / "sent.tif")
    documents.to_fax_tiff((SAMPLE / "prospectus.pdf").read_bytes(), str(sent))
    for a, b in zip(documents.read_pages(str(sent)), documents.read_pages(received), strict=True):
        # spandsp prints the header line in a band of rows above the page image.
        band = b.height - a.height
        assert 20 <= band <= 64
        assert documents.difference(a, b.crop((0, band, b.width, b.height))) == 0.0
        header = ImageOps.invert(b.crop((0, 0, b.width, band)).convert("L"))
        assert header.getbbox() is not None  # black pixels: the header line is there


def test_a_fax_machine_calling_in_is_detected_and_its_fax_stored(two_page_tiff, store):
    caller = FaxSession("send", two_page_tiff, ident="+1 212 555 0142")  # plays CNG
    call = fax_call(LoopbackCall(caller), store)
    call.hears("Welcome to the fund hotline.")
    call.hears("Please send your fax now.")
    log = call.logs(re.compile(r"stored: 2 pages from \+1 212 555 0142"), label="fax")
    fax = call.exits().value["fax"]
    assert fax["fax_id"] in log.text and fax["status"] == "ok" and fax["ecm"] is True
    record = store.get(fax["fax_id"])
    assert (record.pages, record.remote_id, record.direction, record.call_id) == (
        2, "+1 212 555 0142", "in", "c-1")
    assert store.page_png(fax["fax_id"], 1).startswith(b"\x89PNG")
    assert store.pdf(fax["fax_id"]).startswith(b"%PDF")
    for a, b in zip(documents.read_pages(two_page_tiff),
                    documents.read_pages(store.tiff(fax["fax_id"])), strict=True):
        assert documents.difference(a, b) == 0.0


def test_store_then_send_a_page_back_on_the_same_call(tmp_path, two_page_tiff, one_page_tiff,
                                                      store):
    """The end-to-end round trip through the objects: 2 pages in (stored, images equal), then
    a reply page out to the same machine (its user pressed Start again to receive)."""
    line = LoopbackCall(FaxSession("send", two_page_tiff, ident="+1 212 555 0142"))
    got = run(line, obj("builtin:fax/receive"), store, call_id="c-7")
    assert got.error is None and got.result["pages"] == 2
    stored = documents.read_pages(store.tiff(got.result["fax_id"]))
    sent = documents.read_pages(two_page_tiff)
    assert [documents.difference(a, b) for a, b in zip(sent, stored, strict=True)] == [0.0, 0.0]

    back = str(tmp_path / "reply-at-the-machine.tif")
    line.far_end = FaxSession("receive", back, ident="+1 212 555 0142")
    done = run(line, obj("builtin:fax/send", document=one_page_tiff))
    assert done.error is None and done.result["pages"] == 1, done
    assert done.result["remote_id"] == "+1 212 555 0142"
    [a], [b] = documents.read_pages(one_page_tiff), documents.read_pages(back)
    assert documents.difference(a, b) == 0.0


def test_press_3_with_a_voice_caller_on_the_line(store):
    call = fax_call(LoopbackCall(VoiceCaller()), store)
    call.hears("Welcome to the fund hotline.")
    call.hears(re.compile("For fund prices, press 1."))
    call.press("3")
    call.hears("Please press the start button on your fax machine now.")
    call.hears("We could not hear a fax machine.")
    call.hears(re.compile("For fund prices, press 1."))


def test_press_2_and_nobody_sends_nothing_is_stored(store):
    call = fax_call(LoopbackCall(Silence()), store)
    call.hears("Welcome to the fund hotline.")
    call.hears(re.compile("To send us a fax, press 2."))
    call.press("2")
    call.hears("Please send your fax now.")
    call.logs(re.compile(f"no fax stored: {events.NOTFAX}"), label="fax")
    assert call.exits().value == events.NOTFAX
    assert store.count() == 0


def test_receive_from_a_voice_caller_is_notfax(store):
    done = run(LoopbackCall(VoiceCaller()), obj("builtin:fax/receive"), store)
    assert done.error == events.NOTFAX and "retries" in done.message, done
    assert store.count() == 0


def test_a_call_cut_off_mid_page_stores_nothing(two_page_tiff, store):
    caller = FaxSession("send", two_page_tiff)
    line = LoopbackCall(caller, cut_after_s=45.0)  # during page 2 (page 1 ends near 38 s)
    done = run(line, obj("builtin:fax/receive"), store)
    assert done.error == events.CUTOFF, done
    assert "1 page completed before it" in done.message
    assert store.count() == 0
    assert caller.result().event == events.CUTOFF


def test_a_damaged_page_is_refused_and_nothing_is_stored(two_page_tiff, store):
    """Without ECM, packets lost mid-page leave damaged rows; maxbadrows=0 refuses the fax."""
    from vxml_browser.adapters.fax.loopback import Line

    caller = FaxSession("send", two_page_tiff, ecm=False)
    line = LoopbackCall(caller, Line(drop_at_s=(15.0, 20.0)))
    done = run(line, obj("builtin:fax/receive", ecm="false", maxbadrows="0"), store)
    assert done.error == events.BADPAGE and "damaged rows" in done.message
    assert store.count() == 0


@pytest.mark.parametrize("content", [b"", b"not a document at all", b"%PDF-1.4\n garbage",
                                     b"II*\x00\x08\x00\x00\x00\xff\xff"])
def test_a_corrupt_document_is_not_sent(tmp_path, content):
    doc = tmp_path / "doc.bin"
    doc.write_bytes(content)
    line = LoopbackCall(Silence())
    done = run(line, obj("builtin:fax/send", document=str(doc)))
    assert done.error == events.BADDOCUMENT, done
    assert line.stats is None  # the call's audio was never touched


def test_a_truncated_tiff_page_is_not_sent(tmp_path, two_page_tiff):
    data = Path(two_page_tiff).read_bytes()
    doc = tmp_path / "cut.tif"
    doc.write_bytes(data[: len(data) * 2 // 3])
    done = run(LoopbackCall(Silence()), obj("builtin:fax/send", document=str(doc)))
    assert done.error == events.BADDOCUMENT


def test_send_to_silence_is_notfax(two_page_tiff):
    done = run(LoopbackCall(Silence()), obj("builtin:fax/send", document=two_page_tiff))
    assert done.error == events.NOTFAX


def test_missing_document_is_badfetch(tmp_path):
    done = run(LoopbackCall(Silence()),
               obj("builtin:fax/send", document=(tmp_path / "nope.pdf").as_uri()))
    assert done.error == "error.badfetch" and "nope.pdf" in done.message


@pytest.mark.parametrize(("action", "error"), [
    (obj("builtin:fax/poll"), "error.unsupported.objectname"),
    (obj("builtin:fax/send"), "error.semantic"),
    (obj("builtin:fax/send", document="x.pdf", speed="fast"), "error.semantic"),
    (obj("builtin:fax/receive", bitrate="2400"), "error.semantic"),
    (obj("builtin:fax/receive", ecm="maybe"), "error.semantic"),
    (obj("builtin:fax/receive"), "error.unsupported.objectname"),  # no store here
])
def test_bad_objects(action, error):
    assert run(LoopbackCall(Silence()), action).error == error


def test_timeout_param(store):
    done = run(LoopbackCall(Silence()), obj("builtin:fax/receive", timeout="10s"), store)
    assert done.error == events.TIMEOUT


def test_detect(two_page_tiff):
    fax = run(LoopbackCall(FaxSession("send", two_page_tiff)), obj("builtin:fax/detect"))
    assert fax.result["fax"] is True and fax.result["duration"] < 4.0  # spandsp: CNG from 3 s
    voice = run(LoopbackCall(VoiceCaller()), obj("builtin:fax/detect", timeout="4"))
    assert voice.result == {"fax": False, "tone": "", "duration": 4.0}


def test_detect_an_answering_fax(tmp_path):
    answering = FaxSession("receive", str(tmp_path / "rx.tif"))  # CED, then V.21 DIS
    done = run(LoopbackCall(answering), obj("builtin:fax/detect", tone="ced"))
    assert done.result["fax"] is True and done.result["tone"] == "ced"
    voice = run(LoopbackCall(VoiceCaller()), obj("builtin:fax/detect", tone="ced", timeout="3"))
    assert voice.result["fax"] is False
