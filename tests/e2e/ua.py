"""A scripted pjsua2 user agent for the end-to-end tests (run as its own process).

    python tests/e2e/ua.py SCRIPT.json  ->  one JSON object on stdout (the events it saw)

The script: {"port": 5081, "mode": "call" | "answer", "transport": "udp" | "tcp", ...}
  call:   "dest", "headers", "steps": [["wait", s], ["dtmf", "12#", "rfc2833"|"info"|"info-dtmf"],
          ["hangup"], ["until_disconnected", s], ["until_confirmed", s], ["play", "f.wav"],
          ["until_fax_done", s], ["fax_receive", "in.tif", s], ["hold"], ["unhold"],
          ["touch", "path"] (creates the file: the test knows the call got this far)],
          "record": "heard.wav",
          "fax_send": "out.tif" (a fax sent from when the call has media)
  answer: ..., "fax_answer": "in.tif" (a fax machine: receives from when the call has media)
  answer: "code" (200, 486, or 0 to never answer), "play": "file.wav", "record": "heard.wav",
          "hangup_after": s, "lifetime": s, "exit_when_done": true, "calls": n (calls to take
          before it exits; a fax machine also exits once a fax came in whole)
PJSIP runs polled on this one thread (threadCnt = 0), as in the platform, so both wheels work.
Every call that follows a REFER is recorded too (``record`` gets a suffix per call).
"""

from __future__ import annotations

import json
import os
import sys
import time

import pjsua2 as pj

events: list[dict] = []
# stateText differs by wheel ("DISCONNCTD" in 2.10): name the states ourselves
STATES = {pj.PJSIP_INV_STATE_CALLING: "CALLING", pj.PJSIP_INV_STATE_INCOMING: "INCOMING",
          pj.PJSIP_INV_STATE_EARLY: "EARLY", pj.PJSIP_INV_STATE_CONNECTING: "CONNECTING",
          pj.PJSIP_INV_STATE_CONFIRMED: "CONFIRMED", pj.PJSIP_INV_STATE_DISCONNECTED: "DISCONNECTED"}
T0 = time.monotonic()


def note(kind: str, **data: object) -> None:
    events.append({"t": round(time.monotonic() - T0, 3), "event": kind, **data})


class Call(pj.Call):
    def __init__(self, acc, script, call_id=pj.PJSUA_INVALID_ID, name="call"):
        super().__init__(acc, call_id)
        self.script = script
        self.name = name
        self.recorder = None
        self.player = None
        self.media = None
        self.state = None
        self.code = 0

    def onCallState(self, prm):  # noqa: N802
        info = self.getInfo()
        self.state = info.state
        self.code = info.lastStatusCode
        note("state", call=self.name, state=STATES.get(info.state, info.stateText),
             code=info.lastStatusCode, call_id=info.callIdString)
        if info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.media = None  # the port is gone: just drop our players and recorders
            self.release()
            if SCRIPT.get("fax_answer") and FAX.get("call") is self:
                end_fax()  # a fax machine: the next call gets a fresh session

    def release(self):
        if self.media is not None:
            for port in (self.recorder, self.player):
                if port is None:
                    continue
                try:
                    if port is self.recorder:
                        self.media.stopTransmit(port)
                    else:
                        port.stopTransmit(self.media)
                except Exception:
                    pass
        self.recorder = None
        self.player = None
        self.media = None

    def onCallMediaState(self, prm):  # noqa: N802
        info = self.getInfo()
        for i, mi in enumerate(info.media):
            if mi.type == pj.PJMEDIA_TYPE_AUDIO and mi.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                again = self.media is not None  # a re-INVITE may make a new stream, in the same slot
                self.media = pj.AudioMedia.typecastFromMedia(self.getMedia(i))
                if again:
                    self.connect_again()
                    note("media-again", call=self.name, slot=self.media.getPortId())
                    return
                note("media", call=self.name, codec=self.getStreamInfo(i).codecName,
                     slot=self.media.getPortId())
                rec = self.script.get("record")
                if rec:
                    path = rec if self.name == "call" else rec.replace(".wav", f"-{self.name}.wav")
                    self.recorder = pj.AudioMediaRecorder()
                    self.recorder.createRecorder(path)
                    self.media.startTransmit(self.recorder)
                if (self.script.get("fax_send") or self.script.get("fax_answer")) and FAX.get("session") is None:
                    start_fax(self)
                if self.script.get("play"):
                    self.player = pj.AudioMediaPlayer()
                    self.player.createPlayer(self.script["play"], 0)
                    self.player.startTransmit(self.media)

    def connect_again(self):
        """The recorder, the player and the fax port to the stream's bridge slot again (a path
        that is there already stays as it is)."""
        if self.recorder is not None:
            self.media.startTransmit(self.recorder)
        if self.player is not None:
            self.player.startTransmit(self.media)
        if FAX.get("port") is not None:
            self.media.startTransmit(FAX["port"])
            FAX["port"].startTransmit(self.media)

    def onDtmfDigit(self, prm):  # noqa: N802
        note("dtmf", call=self.name, digit=prm.digit)

    def onCallTransferRequest(self, prm):  # noqa: N802
        note("refer", call=self.name, target=prm.dstUri)
        new = Call(ACC, self.script, name=f"xfer{len(CALLS)}")
        CALLS.append(new)
        prm.newCall = new

    def onCallRedirected(self, prm):  # noqa: N802
        note("redirected", call=self.name, target=prm.targetUri)
        return pj.PJSIP_REDIRECT_ACCEPT

    def onCallReplaced(self, prm):  # noqa: N802
        note("replaced", call=self.name)
        new = Call(ACC, self.script, prm.newCallId, name=f"repl{len(CALLS)}")
        CALLS.append(new)
        prm.newCall = new


class Account(pj.Account):
    def onIncomingCall(self, prm):  # noqa: N802
        msg = prm.rdata.wholeMsg
        headers = {}
        for line in msg.split("\r\n\r\n")[0].split("\r\n")[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        call = Call(self, SCRIPT, prm.callId, name=f"in{len(CALLS)}")
        CALLS.append(call)
        note("incoming", headers={k: v for k, v in headers.items()
                                  if k in ("user-to-user", "from", "to", "referred-by", "replaces")})
        code = SCRIPT.get("code", 200)
        if code == 0:
            op = pj.CallOpParam()
            op.statusCode = 180
            call.answer(op)
            return
        op = pj.CallOpParam()
        op.statusCode = code
        call.answer(op)
        if code == 200 and SCRIPT.get("hangup_after"):
            PENDING.append((time.monotonic() + SCRIPT["hangup_after"], call))


FAX: dict = {}


def start_fax(call: Call) -> None:
    """Send a TIFF over the call (2.15 AudioMediaPort, as in the fax tests), frame by frame."""
    from vxml_browser.adapters.fax.session import FaxSession

    if SCRIPT.get("fax_answer"):  # a fax machine that answers and receives into this file
        # each call into a file of its own, moved to fax_answer when whole: spandsp removes a
        # failed reception's file when its state is freed
        FAX["path"] = f"{SCRIPT['fax_answer']}.call{len(CALLS)}"
        session = FaxSession("receive", FAX["path"], calling=False, ident="+1 555 0100")
    else:
        session = FaxSession("send", SCRIPT["fax_send"], ident="+1 555 0100")

    class FaxPort(pj.AudioMediaPort):  # FAX["session"]: a "fax_receive" step swaps it
        def onFrameReceived(self, frame):  # noqa: N802
            session = FAX.get("session")
            if session is not None and frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO and frame.size:
                session.receive(bytes(frame.buf))

        def onFrameRequested(self, frame):  # noqa: N802
            session = FAX.get("session")
            if session is None:
                return
            frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
            frame.buf = pj.ByteVector(session.transmit(160))
            frame.size = 320

    fmt = pj.MediaFormatAudio()
    fmt.type = pj.PJMEDIA_TYPE_AUDIO
    fmt.clockRate = 8000
    fmt.channelCount = 1
    fmt.bitsPerSample = 16
    fmt.frameTimeUsec = 20000
    port = FaxPort()
    port.createPort("fax", fmt)
    call.media.startTransmit(port)
    port.startTransmit(call.media)
    FAX.update(session=session, port=port, call=call)  # and "path" for a fax machine
    OLD_PORTS.append(port)  # never freed while the library runs (see docs/DEPENDENCIES.md)
    note("fax-start")


def end_fax() -> None:
    """The fax machine's call ended: note what it received and forget the session."""
    session, path = FAX.get("session"), FAX.get("path")
    FAX.clear()
    if session is not None:
        session.hangup()
        result = session.result()
        if result.ok and path:
            os.replace(path, SCRIPT["fax_answer"])
        note("fax-received", status=result.status, pages=result.pages, ok=result.ok)


def answered_enough() -> bool:
    """An answering UA with ``exit_when_done`` is done when its calls have ended and it took
    ``calls`` of them (1), or, as a fax machine, once a fax came in whole."""
    if not SCRIPT.get("exit_when_done") or not CALLS or any(
            c.state != pj.PJSIP_INV_STATE_DISCONNECTED for c in CALLS):
        return False
    return len(CALLS) >= SCRIPT.get("calls", 1) or any(
        e["event"] == "fax-received" and e["ok"] for e in events)


SCRIPT: dict = {}
CALLS: list[Call] = []
OLD_PORTS: list = []
PENDING: list[tuple[float, Call]] = []
ACC: Account


def pump(seconds: float, until=None) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        EP.libHandleEvents(10)
        now = time.monotonic()
        for item in list(PENDING):
            if now >= item[0]:
                PENDING.remove(item)
                try:
                    item[1].hangup(pj.CallOpParam())
                except Exception:
                    pass
        if until is not None and until():
            return True
    return False


def main() -> None:
    global SCRIPT, EP, ACC
    SCRIPT = json.load(open(sys.argv[1]))
    EP = pj.Endpoint()
    EP.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = False
    cfg.medConfig.threadCnt = 0
    cfg.medConfig.hasIoqueue = False
    # the caller's silence suppression (pjmedia's VAD, on by default) clips utterance onsets:
    # "vad": false sends every frame, as a phone without VAD does
    cfg.medConfig.noVad = not SCRIPT.get("vad", True)
    cfg.medConfig.clockRate = 8000
    cfg.medConfig.sndClockRate = 8000
    cfg.logConfig.level = 0
    cfg.logConfig.consoleLevel = 0
    EP.libInit(cfg)
    t = pj.TransportConfig()
    t.port = SCRIPT["port"]
    t.boundAddress = "127.0.0.1"
    # "transport": "tcp" makes a TCP-only UA (dial "...;transport=tcp")
    EP.transportCreate(pj.PJSIP_TRANSPORT_TCP if SCRIPT.get("transport") == "tcp" else pj.PJSIP_TRANSPORT_UDP, t)
    EP.libStart()
    EP.audDevManager().setNullDev()
    wanted = SCRIPT.get("codecs", ["PCMU", "PCMA"])
    for c in EP.codecEnum2():
        name = c.codecId.split("/")[0]
        EP.codecSetPriority(c.codecId, 255 - wanted.index(name) if name in wanted else 0)
    acfg = pj.AccountConfig()
    acfg.idUri = f"sip:{SCRIPT.get('user', 'tester')}@127.0.0.1:{SCRIPT['port']}"
    acfg.regConfig.registerOnAdd = False
    acfg.mediaConfig.transportConfig.port = SCRIPT.get("rtp_port", 30000)
    acfg.mediaConfig.transportConfig.portRange = 100
    acfg.mediaConfig.transportConfig.boundAddress = "127.0.0.1"
    ACC = Account()
    ACC.create(acfg, True)
    print(json.dumps({"ready": True}), flush=True)
    try:
        if SCRIPT["mode"] == "answer":
            pump(SCRIPT.get("lifetime", 20), until=answered_enough)
        else:
            run_caller()
    finally:
        for c in CALLS:
            if c.state != pj.PJSIP_INV_STATE_DISCONNECTED:
                try:
                    c.hangup(pj.CallOpParam())
                except Exception:
                    pass
        pump(0.3)
        for c in CALLS:
            c.release()
        CALLS.clear()
        if SCRIPT.get("fax_answer"):
            end_fax()
        FAX.clear()
        print(json.dumps({"events": events}), flush=True)
        EP.libDestroy()


def run_caller() -> None:
    call = Call(ACC, SCRIPT)
    CALLS.append(call)
    op = pj.CallOpParam(True)
    if SCRIPT.get("headers"):
        vec = pj.SipHeaderVector()
        for k, v in SCRIPT["headers"].items():
            h = pj.SipHeader()
            h.hName = k
            h.hValue = v
            vec.append(h)
        op.txOption.headers = vec
    call.makeCall(SCRIPT["dest"], op)
    for step in SCRIPT.get("steps", []):
        kind = step[0]
        if kind == "wait":
            pump(step[1])
        elif kind == "until_confirmed":
            pump(step[1], until=lambda: call.state == pj.PJSIP_INV_STATE_CONFIRMED
                 and call.media is not None)
        elif kind == "until_disconnected":
            pump(step[1], until=lambda: all(c.state == pj.PJSIP_INV_STATE_DISCONNECTED for c in CALLS))
        elif kind == "dtmf":
            method = step[2] if len(step) > 2 else "rfc2833"
            target = next((c for c in reversed(CALLS) if c.state == pj.PJSIP_INV_STATE_CONFIRMED), call)
            note("send", digits=step[1], method=method)
            if method == "rfc2833":
                target.dialDtmf(step[1])
                note("sent")
            else:
                for d in step[1]:
                    prm = pj.CallSendRequestParam()
                    prm.method = "INFO"
                    if method == "info":
                        prm.txOption.contentType = "application/dtmf-relay"
                        prm.txOption.msgBody = f"Signal={d}\r\nDuration=160\r\n"
                    else:
                        prm.txOption.contentType = "application/dtmf"
                        prm.txOption.msgBody = str("0123456789*#".index(d))
                    target.sendRequest(prm)
                    pump(0.15)
        elif kind == "until_fax_done":
            pump(step[1], until=lambda: FAX.get("session") is not None and (
                FAX["session"].done or all(c.state == pj.PJSIP_INV_STATE_DISCONNECTED for c in CALLS)))
            if FAX.get("session") is not None:
                FAX["session"].hangup()  # no-op when done; ends the session if the call did
                result = FAX["session"].result()
                note("fax", status=result.status, pages=result.pages, ok=result.ok)
        elif kind == "fax_receive":  # ["fax_receive", "in.tif", s]: after "fax_send", same call
            from vxml_browser.adapters.fax.session import FaxSession

            if FAX.get("session") is not None:
                FAX["session"] = FaxSession("receive", step[1], calling=False, ident="+1 555 0100")
                pump(step[2], until=lambda: FAX["session"].done or all(
                    c.state == pj.PJSIP_INV_STATE_DISCONNECTED for c in CALLS))
                FAX["session"].hangup()
                result = FAX["session"].result()
                note("fax-received", status=result.status, pages=result.pages, ok=result.ok)
        elif kind == "play":
            target = next((c for c in reversed(CALLS) if c.media is not None), call)
            if target.media is not None:
                target.player = pj.AudioMediaPlayer()
                target.player.createPlayer(step[1], 1)
                target.player.startTransmit(target.media)
                note("play", file=step[1])
        elif kind == "touch":  # ["touch", "path"]: a file the test waits for (this step is reached)
            with open(step[1], "w"):
                pass
        elif kind == "hold":  # re-INVITE with a=sendonly (RFC 3264 §8.4)
            call.setHold(pj.CallOpParam(True))
            note("hold")
        elif kind == "unhold":  # re-INVITE with a=sendrecv again
            prm = pj.CallOpParam(True)
            prm.opt.flag = pj.PJSUA_CALL_UNHOLD
            call.reinvite(prm)
            note("unhold")
        elif kind == "hangup":
            for c in CALLS:
                if c.state is not None and c.state != pj.PJSIP_INV_STATE_DISCONNECTED:
                    c.hangup(pj.CallOpParam())
            pump(0.3)


if __name__ == "__main__":
    main()
