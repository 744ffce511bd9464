"""SIP load test: the voice browser's worker pool behind Kamailio against a bare pjsua2 script.

    .venv/bin/python bench/sip_load.py [--calls 300] [--cps 50] [--hold 20] [--workers N]

Both systems under test answer on 127.0.0.1 and play the same prompt; the load is the same:

* the platform: ``vxml-browser sip --workers N`` (Kamailio's dispatcher in front), running a
  DTMF menu loop (``<field>`` with an ``<audio>`` prompt; any key goes back to the field);
* the baseline: N bare pjsua2 processes (this file, ``--bare``) that answer, play the prompt in
  a loop and restart it on each key; the generator spreads calls over them round robin.

The generator (this process, asyncio, raw SIP over UDP) places ``--calls`` calls at ``--cps``,
holds them all for ``--hold`` seconds while each caller presses a key (RFC 4733) every ~2 s, then
hangs up. It receives every call's RTP on one socket and measures:

* calls held: calls answered and alive to the end with no audio gap (an RTP sequence hole or
  more than 100 ms between packets), out of ``--calls``;
* setup rate: calls answered per second while placing them, and the 200 OK delay;
* key-to-prompt latency (p50/p99): from the first RFC 4733 packet of a key to the first RTP
  packet of the next prompt (every prompt starts with a 40 ms marker of constant samples, one
  µ-law byte repeated, which nothing else produces);
* CPU (share of one core) and memory (RSS) per call of the system under test, from /proc.

The caller sends no audio, only key events (both systems get the same), to leave the two cores
to the systems under test. Everything binds 127.0.0.1; the run is bounded by ``--calls`` and
``--hold`` and ends by itself; it stops only the processes it started, by PID.

Writes ``bench/results/sip_load.json``: one record per metric, {"name", "metric", "value",
"unit", "baseline", "ratio", "runs"} (value: the platform, baseline: bare pjsua2).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULT = ROOT / "bench" / "results" / "sip_load.json"

MARKER_LEVEL = 12000  # the constant sample that opens every prompt
GAP_S = 0.1


# -- the prompt ---------------------------------------------------------------------------------
def prompt_wav(path: str, seconds: float = 3.0) -> None:
    import numpy as np

    from vxml_browser.adapters.media import tone, wav_bytes

    marker = np.full(320, MARKER_LEVEL, dtype=np.int16)  # 40 ms at 8 kHz
    body = tone(425, seconds, 8000, 0.2)
    with open(path, "wb") as f:
        f.write(wav_bytes(np.concatenate([marker, body]), 8000))


LOOP_VXML = """<?xml version="1.0" encoding="UTF-8"?>
<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">
  <property name="timeout" value="30s"/>
  <form id="loop">
    <field name="key" type="digits?length=1">
      <prompt><audio src="prompt.wav"/></prompt>
      <noinput><reprompt/></noinput>
      <nomatch><reprompt/></nomatch>
      <filled><clear namelist="key"/><goto next="#loop"/></filled>
    </field>
  </form>
</vxml>
"""


class AppThread:
    """The app server: the loop document and its prompt, on a thread."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.port = 0
        self.ready = threading.Event()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self._run, daemon=True).start()
        self.ready.wait(10)

    def _run(self) -> None:
        from aiohttp import web

        async def static(request: web.Request) -> web.StreamResponse:
            name = request.match_info["name"]
            ctype = "application/voicexml+xml" if name.endswith(".vxml") else "audio/wav"
            return web.FileResponse(os.path.join(self.folder, name), headers={
                "Content-Type": ctype, "Cache-Control": "max-age=3600"})

        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_get("/{name}", static)
        runner = web.AppRunner(app, access_log=None)
        self.loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.ready.set()
        self.loop.run_forever()


# -- the bare pjsua2 answer-and-play script ----------------------------------------------------------
def bare(port: int, rtp_port: int, prompt: str) -> None:
    """Answer every call, play ``prompt`` in a loop, restart it on each key. Polled like the
    platform's engine (threadCnt = 0), so it runs on either wheel."""
    import pjsua2 as pj

    from vxml_browser.adapters.sip.engine import max_calls

    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = False
    cfg.uaConfig.maxCalls = max_calls()
    cfg.medConfig.threadCnt = 0
    cfg.medConfig.hasIoqueue = False
    cfg.medConfig.clockRate = 8000
    cfg.medConfig.sndClockRate = 8000
    cfg.medConfig.noVad = True
    cfg.medConfig.ecTailLen = 0
    cfg.logConfig.level = 0
    cfg.logConfig.consoleLevel = 0
    ep.libInit(cfg)
    t = pj.TransportConfig()
    t.port = port
    t.boundAddress = "127.0.0.1"
    ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, t)
    ep.libStart()
    ep.audDevManager().setNullDev()
    for c in ep.codecEnum2():
        ep.codecSetPriority(c.codecId, 255 if c.codecId.startswith("PCMU") else 0)
    calls: dict[int, Any] = {}

    class Call(pj.Call):
        def __init__(self, acc: Any, cid: int) -> None:
            super().__init__(acc, cid)
            self.media = None
            self.player = None

        def restart(self) -> None:
            if self.media is None:
                return
            if self.player is not None:
                self.player.stopTransmit(self.media)
            self.player = pj.AudioMediaPlayer()
            self.player.createPlayer(prompt, 0)
            self.player.startTransmit(self.media)

        def onCallMediaState(self, prm: Any) -> None:  # noqa: N802
            info = self.getInfo()
            for i, mi in enumerate(info.media):
                if mi.type == pj.PJMEDIA_TYPE_AUDIO and mi.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                    self.media = pj.AudioMedia.typecastFromMedia(self.getMedia(i))
                    self.restart()

        def onDtmfDigit(self, prm: Any) -> None:  # noqa: N802
            self.restart()

        def onCallState(self, prm: Any) -> None:  # noqa: N802
            if self.getInfo().state == pj.PJSIP_INV_STATE_DISCONNECTED:
                self.media = None
                self.player = None
                calls.pop(self.getId(), None)

    class Account(pj.Account):
        def onIncomingCall(self, prm: Any) -> None:  # noqa: N802
            call = Call(self, prm.callId)
            calls[prm.callId] = call
            op = pj.CallOpParam()
            op.statusCode = 200
            call.answer(op)

    acfg = pj.AccountConfig()
    acfg.idUri = f"sip:bare@127.0.0.1:{port}"
    acfg.regConfig.registerOnAdd = False
    acfg.mediaConfig.transportConfig.port = rtp_port
    acfg.mediaConfig.transportConfig.portRange = 200
    acfg.mediaConfig.transportConfig.boundAddress = "127.0.0.1"
    acc = Account()
    acc.create(acfg, True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    print(json.dumps({"event": "ready"}), flush=True)
    from vxml_browser.adapters.sip.engine import wheel_version

    blocking = wheel_version() != "2.10"  # 2.10 holds the GIL and more in libHandleEvents
    while not stop.is_set():
        if blocking:
            ep.libHandleEvents(10)
        else:
            ep.libHandleEvents(0)
            time.sleep(0.01)
    ep.hangupAllCalls()
    for _ in range(30):
        ep.libHandleEvents(10)
    calls.clear()
    ep.libDestroy()


# -- process accounting -------------------------------------------------------------------------------
TICK = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICK
        except (OSError, IndexError, ValueError):
            pass
    return total


def rss_mb(pids: list[int]) -> float:
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                m = re.search(r"VmRSS:\s+(\d+)", f.read())
            total += int(m.group(1)) if m else 0
        except OSError:
            pass
    return total / 1024


# -- the load generator ----------------------------------------------------------------------------------
@dataclass
class Call:
    n: int
    call_id: str
    target: tuple[str, int]
    from_tag: str
    invite: bytes = b""
    branch: str = ""
    to_tag: str = ""
    contact: str = ""
    rtp: tuple[str, int] | None = None
    sent_at: float = 0.0
    answered_at: float | None = None
    failed: str = ""
    ended_by_remote: bool = False
    cseq: int = 1
    # RTP
    seq: int | None = None
    last_rx: float | None = None
    packets: int = 0
    lost: int = 0
    max_gap: float = 0.0
    gaps: int = 0
    key_sent: float | None = None
    latencies: list[float] = field(default_factory=list)
    ssrc: int = 0
    tx_seq: int = 0
    tx_ts: int = 0
    answered: asyncio.Future[bool] | None = None


def sip_headers(text: str) -> tuple[str, dict[str, str], str]:
    head, _, body = text.partition("\r\n\r\n")
    lines = head.split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        key = name.strip().lower()
        key = {"i": "call-id", "f": "from", "t": "to", "m": "contact", "v": "via"}.get(key, key)
        headers.setdefault(key, value.strip())
    return lines[0], headers, body


class Generator:
    def __init__(self, targets: list[tuple[str, int]], calls: int, cps: float, hold: float) -> None:
        self.targets = targets
        self.n_calls = calls
        self.cps = cps
        self.hold = hold
        self.calls: dict[str, Call] = {}
        self.by_rtp: dict[tuple[str, int], Call] = {}
        self.sip: asyncio.DatagramTransport | None = None
        self.rtp_sock: socket.socket | None = None
        self.sip_port = 0
        self.rtp_port = 0
        self.marker_byte = -1
        self.stop_rx = threading.Event()

    # SIP
    def on_sip(self, data: bytes, addr: tuple[str, int]) -> None:
        text = data.decode("utf-8", "replace")
        first, h, body = sip_headers(text)
        call = self.calls.get(h.get("call-id", ""))
        if first.startswith("SIP/2.0"):
            code = int(first.split()[1])
            if call is None or "INVITE" not in h.get("cseq", ""):
                return
            if code < 200:
                return
            m = re.search(r"tag=([^;>\s]+)", h.get("to", ""))
            call.to_tag = m.group(1) if m else ""
            if code < 300:
                contact = re.search(r"<([^>]+)>", h.get("contact", ""))
                call.contact = contact.group(1) if contact else h.get("contact", "")
                media = re.search(r"m=audio (\d+)", body)
                conn = re.search(r"c=IN IP4 (\S+)", body)
                if call.answered_at is None and media and conn:
                    call.rtp = (conn.group(1), int(media.group(1)))
                    self.by_rtp[call.rtp] = call
                    call.answered_at = time.monotonic()
                self.send_ack(call)
                if call.answered and not call.answered.done():
                    call.answered.set_result(True)
            else:
                self.send_ack(call, failure=True, to=h.get("to", ""), via=h.get("via", ""))
                call.failed = str(code)
                if call.answered and not call.answered.done():
                    call.answered.set_result(False)
            return
        method = first.split()[0]
        via = "\r\n".join(f"Via: {v}" for v in re.findall(r"(?im)^(?:via|v)\s*:\s*(.+)$", text.split("\r\n\r\n")[0]))
        reply = (f"SIP/2.0 200 OK\r\n{via}\r\nFrom: {h.get('from')}\r\nTo: {h.get('to')}\r\n"
                 f"Call-ID: {h.get('call-id')}\r\nCSeq: {h.get('cseq')}\r\nContent-Length: 0\r\n\r\n")
        assert self.sip is not None
        self.sip.sendto(reply.encode(), addr)
        if method == "BYE" and call is not None:
            call.ended_by_remote = True

    def invite(self, call: Call) -> None:
        call.branch = f"z9hG4bK{random.getrandbits(48):x}"
        sdp = (f"v=0\r\no=- {call.n} 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
               f"m=audio {self.rtp_port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
               "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n")
        host, port = call.target
        msg = (f"INVITE sip:ivr@{host}:{port} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{self.sip_port};rport;branch={call.branch}\r\n"
               "Max-Forwards: 70\r\n"
               f"From: <sip:load{call.n}@127.0.0.1>;tag={call.from_tag}\r\n"
               f"To: <sip:ivr@{host}:{port}>\r\n"
               f"Call-ID: {call.call_id}\r\nCSeq: 1 INVITE\r\n"
               f"Contact: <sip:load{call.n}@127.0.0.1:{self.sip_port}>\r\n"
               f"Content-Type: application/sdp\r\nContent-Length: {len(sdp)}\r\n\r\n{sdp}")
        call.invite = msg.encode()
        assert self.sip is not None
        self.sip.sendto(call.invite, call.target)

    def send_ack(self, call: Call, failure: bool = False, to: str = "", via: str = "") -> None:
        host, port = call.target
        if failure:
            uri, branch, dest = f"sip:ivr@{host}:{port}", call.branch, call.target
            to_header = to
        else:
            uri = call.contact
            branch = f"z9hG4bK{random.getrandbits(48):x}"
            m = re.match(r"sips?:(?:[^@]+@)?([^:;>]+)(?::(\d+))?", uri)
            dest = (m.group(1), int(m.group(2) or 5060)) if m else call.target
            to_header = f"<sip:ivr@{host}:{port}>;tag={call.to_tag}"
        msg = (f"ACK {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{self.sip_port};rport;branch={branch}\r\n"
               f"Max-Forwards: 70\r\nFrom: <sip:load{call.n}@127.0.0.1>;tag={call.from_tag}\r\n"
               f"To: {to_header}\r\nCall-ID: {call.call_id}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n")
        assert self.sip is not None
        self.sip.sendto(msg.encode(), dest)

    def bye(self, call: Call) -> None:
        if not call.contact or call.ended_by_remote:
            return
        m = re.match(r"sips?:(?:[^@]+@)?([^:;>]+)(?::(\d+))?", call.contact)
        dest = (m.group(1), int(m.group(2) or 5060)) if m else call.target
        host, port = call.target
        call.cseq += 1
        msg = (f"BYE {call.contact} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{self.sip_port};rport;"
               f"branch=z9hG4bK{random.getrandbits(48):x}\r\nMax-Forwards: 70\r\n"
               f"From: <sip:load{call.n}@127.0.0.1>;tag={call.from_tag}\r\n"
               f"To: <sip:ivr@{host}:{port}>;tag={call.to_tag}\r\nCall-ID: {call.call_id}\r\n"
               f"CSeq: {call.cseq} BYE\r\nContent-Length: 0\r\n\r\n")
        assert self.sip is not None
        self.sip.sendto(msg.encode(), dest)

    # RTP: one socket for every call, read on a thread
    def rtp_reader(self) -> None:
        assert self.rtp_sock is not None
        sock = self.rtp_sock
        sock.settimeout(0.2)
        by_rtp = self.by_rtp
        now = time.monotonic
        while not self.stop_rx.is_set():
            try:
                data, addr = sock.recvfrom(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            t = now()
            call = by_rtp.get(addr)
            if call is None or len(data) < 12:
                continue
            seq = (data[2] << 8) | data[3]
            if call.seq is not None:
                expected = (call.seq + 1) & 0xFFFF
                if seq != expected:
                    diff = (seq - expected) & 0xFFFF
                    if diff < 1000:
                        call.lost += diff
                gap = t - (call.last_rx or t)
                if gap > call.max_gap:
                    call.max_gap = gap
                if gap > GAP_S:
                    call.gaps += 1
            call.seq = seq
            call.last_rx = t
            call.packets += 1
            if call.key_sent is not None:
                payload = data[12:]
                b = payload[0]
                if b not in (0xFF, 0x7F) and payload.count(b) == len(payload) and len(payload) >= 160:
                    call.latencies.append(t - call.key_sent)
                    call.key_sent = None

    def send_key(self, call: Call, digit: int) -> None:
        """RFC 4733: three event packets and three end packets, 20 ms apart (sent at once here:
        the receiver acts on the first)."""
        assert self.rtp_sock is not None and call.rtp is not None
        call.tx_ts += 1600
        for i in range(6):
            end = i >= 3
            duration = 160 * (i + 1) if not end else 640
            call.tx_seq = (call.tx_seq + 1) & 0xFFFF
            header = struct.pack("!BBHII", 0x80, (0x80 if i == 0 else 0) | 101, call.tx_seq,
                                 call.tx_ts, call.ssrc)
            payload = struct.pack("!BBH", digit, (0x80 if end else 0) | 10, duration)
            self.rtp_sock.sendto(header + payload, call.rtp)
            if i == 0:
                call.key_sent = time.monotonic()

    async def run(self) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        gen = self

        class Proto(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
                gen.on_sip(data, addr)

        transport, _ = await loop.create_datagram_endpoint(Proto, local_addr=("127.0.0.1", 0))
        self.sip = transport  # type: ignore[assignment]
        self.sip_port = transport.get_extra_info("sockname")[1]
        self.rtp_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp_sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.rtp_sock.bind(("127.0.0.1", 0))
        self.rtp_port = self.rtp_sock.getsockname()[1]
        reader = threading.Thread(target=self.rtp_reader, daemon=True)
        reader.start()

        setup_delays: list[float] = []

        async def place(n: int) -> Call:
            call = Call(n, f"load-{n}-{random.getrandbits(40):x}", self.targets[n % len(self.targets)],
                        f"{random.getrandbits(32):x}", ssrc=random.getrandbits(32),
                        tx_seq=random.getrandbits(16))
            call.answered = loop.create_future()
            self.calls[call.call_id] = call
            call.sent_at = time.monotonic()
            self.invite(call)
            for wait in (0.5, 1.0, 2.0, 4.0):  # INVITE retransmissions (RFC 3261 timer A)
                try:
                    await asyncio.wait_for(asyncio.shield(call.answered), wait)
                    break
                except TimeoutError:
                    self.sip.sendto(call.invite, call.target)  # type: ignore[union-attr]
            if call.answered_at is not None:
                setup_delays.append(call.answered_at - call.sent_at)
            elif not call.failed:
                call.failed = "timeout"
            return call

        start = time.monotonic()
        tasks = []
        for n in range(self.n_calls):
            tasks.append(loop.create_task(place(n)))
            await asyncio.sleep(max(0.0, start + (n + 1) / self.cps - time.monotonic()))
        placed = await asyncio.gather(*tasks)
        ramp_s = time.monotonic() - start
        answered = [c for c in placed if c.answered_at is not None]
        # hold: everyone presses a key every ~2 s (staggered), RTP is checked throughout
        for c in answered:  # count gaps from here on (the first packets race the 200 OK)
            c.gaps = 0
            c.max_gap = 0.0
            c.lost = 0
        hold_start = time.monotonic()
        rounds = 0
        while time.monotonic() - hold_start < self.hold:
            for i, c in enumerate(answered):
                if c.ended_by_remote or c.rtp is None:
                    continue
                if c.key_sent is not None and time.monotonic() - c.key_sent < 1.0:
                    continue
                c.key_sent = None
                self.send_key(c, random.randrange(10))
                if i % 20 == 19:
                    await asyncio.sleep(0.04)
            rounds += 1
            await asyncio.sleep(max(0.0, 2.0 - 0.04 * len(answered) / 20))
        held_s = time.monotonic() - hold_start
        for c in answered:
            self.bye(c)
        await asyncio.sleep(1.0)
        self.stop_rx.set()
        reader.join(2)
        transport.close()
        self.rtp_sock.close()
        latencies = sorted(x for c in answered for x in c.latencies)
        clean = [c for c in answered if not c.ended_by_remote and c.gaps == 0 and c.lost == 0]
        return {
            "placed": len(placed), "answered": len(answered), "held_clean": len(clean),
            "with_gaps": sum(1 for c in answered if c.gaps), "lost_packets": sum(c.lost for c in answered),
            "dropped": sum(1 for c in answered if c.ended_by_remote),
            "failed": sorted({c.failed for c in placed if c.failed}),
            "max_gap_ms": round(1000 * max((c.max_gap for c in answered), default=0.0), 1),
            "ramp_s": round(ramp_s, 2), "cps": round(len(answered) / ramp_s, 1),
            "setup_ms_p50": round(1000 * statistics.median(setup_delays), 1) if setup_delays else None,
            "keys": sum(len(c.latencies) for c in answered) + sum(1 for c in answered if c.key_sent),
            "key_latency_ms_p50": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
            "key_latency_ms_p99": round(1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1)
            if latencies else None,
            "key_answers": len(latencies), "held_s": round(held_s, 1), "rounds": rounds,
        }


# -- the runs ------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(proc: subprocess.Popen[str], timeout: float = 60) -> dict[str, Any]:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the process exited before it was ready")
        if line.startswith('{"event": "ready"'):
            return json.loads(line)
    raise RuntimeError("not ready in time")


def stop(procs: list[subprocess.Popen[str]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)
        if p.stdout is not None:
            p.stdout.close()


def measure(label: str, pids_of: Any, targets: list[tuple[str, int]], args: argparse.Namespace) -> dict[str, Any]:
    pids = pids_of()
    idle_rss = rss_mb(pids)
    cpu0, t0 = cpu_seconds(pids), time.monotonic()
    gen = Generator(targets, args.calls, args.cps, args.hold)
    result = asyncio.run(gen.run())
    pids = pids_of()
    cpu1, t1 = cpu_seconds(pids), time.monotonic()
    peak_rss = rss_mb(pids)  # sampled right after the hang-ups: the processes' high-water mark
    calls = max(1, result["answered"])
    result.update(
        cpu_cores=round((cpu1 - cpu0) / (t1 - t0), 3),
        cpu_pct_per_call=round(100 * (cpu1 - cpu0) / (t1 - t0) / calls, 3),
        rss_mb=round(peak_rss, 1), rss_mb_idle=round(idle_rss, 1),
        mb_per_call=round(peak_rss / calls, 2), processes=len(pids),
    )
    print(f"{label}: {json.dumps(result)}", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--cps", type=float, default=50.0)
    parser.add_argument("--hold", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=0, help="default: enough for --calls")
    parser.add_argument("--poll-ms", type=int, default=10)
    parser.add_argument("--bare", nargs=3, metavar=("PORT", "RTP", "PROMPT"), help=argparse.SUPPRESS)
    parser.add_argument("--skip-bare", action="store_true")
    parser.add_argument("--skip-platform", action="store_true")
    args = parser.parse_args()
    if args.bare:
        bare(int(args.bare[0]), int(args.bare[1]), args.bare[2])
        return 0
    import importlib.util

    if importlib.util.find_spec("pjsua2") is None:
        print("pjsua2 is not installed: nothing to measure")
        return 0
    from vxml_browser.adapters.sip.pool import kamailio_binary

    try:
        kamailio_binary()
    except RuntimeError as exc:
        print(f"{exc}: the pool cannot run, nothing to measure")
        return 0
    from vxml_browser.adapters.sip.engine import max_calls, wheel_version

    per_process = max_calls()
    workers = args.workers or -(-args.calls // per_process)
    tmp = tempfile.mkdtemp(prefix="sip-load-")
    prompt = os.path.join(tmp, "prompt.wav")
    prompt_wav(prompt)
    with open(os.path.join(tmp, "loop.vxml"), "w") as f:
        f.write(LOOP_VXML)
    app = AppThread(tmp)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               VXML_LOG=os.environ.get("VXML_LOG", "WARNING"))
    rtp = random.randrange(20000, 30000, 1000)
    print(f"wheel {wheel_version()}: {per_process} calls per process, {workers} processes, "
          f"{args.calls} calls at {args.cps}/s held {args.hold} s", flush=True)

    results: dict[str, dict[str, Any]] = {}
    # the platform: a pool behind Kamailio
    port = free_port()
    config = os.path.join(tmp, "sip.toml")
    with open(config, "w") as f:
        f.write(f"""[sip]
listen = "127.0.0.1:{port}"
app = "http://127.0.0.1:{app.port}/loop.vxml"
workers = {workers}
worker_base_port = {random.randrange(10000, 19000, 100)}
rtp_port = {rtp}
media_cache = "{os.path.join(tmp, 'media')}"
poll_ms = {args.poll_ms}
""")
    if not args.skip_platform:
        pool = subprocess.Popen([sys.executable, "-m", "vxml_browser.cli", "sip", "--config", config],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        try:
            wait_ready(pool, 30 + workers)
            time.sleep(1.5)  # Kamailio's first probes mark every worker active
            results["platform"] = measure("platform", lambda: tree(pool.pid), [("127.0.0.1", port)], args)
        finally:
            stop([pool])
    # the baseline: bare pjsua2 processes, calls spread round robin
    if not args.skip_bare:
        bares, targets = [], []
        try:
            for i in range(workers):
                p = free_port()
                proc = subprocess.Popen([sys.executable, __file__, "--bare", str(p),
                                         str(rtp + 20000 + i * 200),
                                         prompt], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
                bares.append(proc)
                targets.append(("127.0.0.1", p))
            for proc in bares:
                wait_ready(proc)
            results["bare"] = measure("bare pjsua2", lambda: [b.pid for b in bares], targets, args)
        finally:
            stop(bares)
    if "platform" in results:
        write(results, args, wheel_version(), workers)
    return 0


def write(results: dict[str, dict[str, Any]], args: argparse.Namespace, wheel: str, workers: int) -> None:
    p, b = results["platform"], results.get("bare", {})

    def rec(name: str, metric: str, key: str, unit: str, higher_is_better: bool) -> dict[str, Any]:
        value, base = p.get(key), b.get(key)
        ratio = None
        if isinstance(value, int | float) and isinstance(base, int | float) and base:
            ratio = round(value / base, 3)
        return {"name": name, "metric": metric, "value": value, "unit": unit, "baseline": base,
                "ratio": ratio, "runs": 1, "higher_is_better": higher_is_better}

    records = [
        rec("sip_load.concurrent_calls", f"calls held {args.hold:.0f} s with no audio gap, of {args.calls} "
            f"placed (platform: {workers} workers behind Kamailio; baseline: bare pjsua2)",
            "held_clean", "calls", True),
        rec("sip_load.cps", f"calls answered per second while placing {args.calls} at {args.cps}/s",
            "cps", "calls/s", True),
        rec("sip_load.dtmf_latency_p50", "RFC 4733 key to the first packet of the next prompt, median",
            "key_latency_ms_p50", "ms", False),
        rec("sip_load.dtmf_latency_p99", "RFC 4733 key to the first packet of the next prompt, p99",
            "key_latency_ms_p99", "ms", False),
        rec("sip_load.cpu_per_call", "CPU per held call (share of one core)", "cpu_pct_per_call",
            "% core", False),
        rec("sip_load.memory_per_call", "resident memory per held call", "mb_per_call", "MB", False),
    ]
    head = records[0]
    out = {"name": "sip_load", "metric": head["metric"], "value": head["value"], "unit": head["unit"],
           "baseline": head["baseline"], "ratio": head["ratio"], "runs": 1,
           "wheel": wheel, "workers": workers, "calls": args.calls, "cps_offered": args.cps,
           "hold_s": args.hold, "records": records, "platform": p, "bare_pjsua2": b}
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(out, indent=2) + "\n")
    for r in records:
        print(f"{r['name']}: {r['value']} {r['unit']} (bare pjsua2 {r['baseline']}, ratio {r['ratio']})")


if __name__ == "__main__":
    raise SystemExit(main())
