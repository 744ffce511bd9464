"""A real SIP call on 127.0.0.1 carrying a fax: pjsua2 2.15 ``AudioMediaPort`` on both legs.

    PYTHONPATH=<2.15 wheel folder> python pjsua2_fax_call.py SEND.tif RECEIVED.tif  ->  JSON

One pjsua2 endpoint calls itself (PCMU only, bridge at 8 kHz); the caller's leg sends the TIFF
with a ``FaxSession`` and the answering leg receives it: the per-frame hook the SIP platform
uses (see the fax README), in real time. Prints the two results as JSON.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time

import pjsua2 as pj

from vxml_browser.adapters.fax.session import FaxSession


class FaxPort(pj.AudioMediaPort):
    """The hook: each 20 ms frame heard goes to ``receive``; each frame sent is ``transmit``."""

    def __init__(self, session: FaxSession) -> None:
        super().__init__()
        self.session = session
        self.frames = 0

    def onFrameReceived(self, frame) -> None:  # noqa: N802 - media clock thread
        if frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO and frame.size:
            self.session.receive(bytes(frame.buf))

    def onFrameRequested(self, frame) -> None:  # noqa: N802 - media clock thread
        self.frames += 1
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
        frame.buf = pj.ByteVector(self.session.transmit(160))
        frame.size = 320


def port_format():
    fmt = pj.MediaFormatAudio()
    fmt.type = pj.PJMEDIA_TYPE_AUDIO
    fmt.clockRate = 8000
    fmt.channelCount = 1
    fmt.bitsPerSample = 16
    fmt.frameTimeUsec = 20000
    return fmt


class Call(pj.Call):
    def __init__(self, acc, session: FaxSession, call_id=pj.PJSUA_INVALID_ID) -> None:
        super().__init__(acc, call_id)
        self.session = session
        self.port: FaxPort | None = None
        self.media = None
        self.disconnected = False

    def onCallState(self, prm) -> None:  # noqa: N802
        if self.getInfo().state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.disconnected = True
            self.session.hangup()

    def onCallMediaState(self, prm) -> None:  # noqa: N802
        info = self.getInfo()
        for i, mi in enumerate(info.media):
            if (mi.type == pj.PJMEDIA_TYPE_AUDIO and mi.status == pj.PJSUA_CALL_MEDIA_ACTIVE
                    and self.port is None):
                self.media = pj.AudioMedia.typecastFromMedia(self.getMedia(i))
                self.port = FaxPort(self.session)
                self.port.createPort(f"fax{id(self)}", port_format())
                self.media.startTransmit(self.port)
                self.port.startTransmit(self.media)


class Account(pj.Account):
    def __init__(self, receiver: FaxSession) -> None:
        super().__init__()
        self.receiver = receiver
        self.incoming: Call | None = None

    def onIncomingCall(self, prm) -> None:  # noqa: N802
        call = Call(self, self.receiver, prm.callId)
        op = pj.CallOpParam()
        op.statusCode = 200
        call.answer(op)
        self.incoming = call


def main(tx_path: str, rx_path: str, limit_s: float = 120.0) -> dict:
    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.logConfig.level = 0
    cfg.logConfig.consoleLevel = 0
    cfg.medConfig.clockRate = 8000
    cfg.medConfig.sndClockRate = 8000
    cfg.medConfig.noVad = True
    cfg.medConfig.ecTailLen = 0  # no echo canceller on a fax call
    ep.libInit(cfg)
    tcfg = pj.TransportConfig()
    tcfg.boundAddress = "127.0.0.1"
    tcfg.port = 0
    tid = ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg)
    port = ep.transportGetInfo(tid).localName.split(":")[-1]
    ep.libStart()
    ep.audDevManager().setNullDev()
    for codec in ep.codecEnum2():
        ep.codecSetPriority(codec.codecId, 255 if codec.codecId.startswith("PCMU") else 0)
    sender = FaxSession("send", tx_path, ident="+1 555 0100")
    receiver = FaxSession("receive", rx_path, ident="+1 555 0199")
    acfg = pj.AccountConfig()
    acfg.idUri = f"sip:fax@127.0.0.1:{port}"
    acfg.regConfig.registerOnAdd = False
    acfg.mediaConfig.transportConfig.boundAddress = "127.0.0.1"
    acfg.mediaConfig.transportConfig.port = 40000
    acc = Account(receiver)
    acc.create(acfg)
    call = Call(acc, sender)
    call.makeCall(f"sip:fax@127.0.0.1:{port}", pj.CallOpParam(True))
    started = time.monotonic()
    while time.monotonic() - started < limit_s and not (sender.done and receiver.done):
        ep.libHandleEvents(20)
    seconds = time.monotonic() - started
    ep.hangupAllCalls()
    for _ in range(20):
        ep.libHandleEvents(10)
    a, b = sender.result(), receiver.result()
    frames = call.port.frames if call.port else 0
    out = {"seconds": round(seconds, 1), "frames_sent_by_caller": frames,
           "sender": {"status": a.status, "event": a.event, "pages": a.pages,
                      "bit_rate": a.bit_rate, "remote_id": a.remote_id},
           "receiver": {"status": b.status, "event": b.event, "pages": b.pages,
                        "bit_rate": b.bit_rate, "remote_id": b.remote_id, "ecm": b.ecm,
                        "page_times_s": b.page_times_s}}
    # the result goes out before the teardown: Python freeing pjsua2's wrappers after libDestroy
    # can segfault (seen once in a full run, in a GC pass during json.dumps after main returned)
    print(json.dumps(out), flush=True)
    gc.disable()
    call.port = None
    call.media = None
    if acc.incoming is not None:
        acc.incoming.port = None
        acc.incoming.media = None
    del call
    acc.incoming = None
    acc.shutdown()
    ep.libDestroy()
    return out


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
    os._exit(0)  # no finalizers of pjsua2 objects after libDestroy (see main)
