"""The worker pool behind Kamailio: one SIP address reaches every worker; a worker that dies
has its calls ended with a BYE, is restarted, and calls keep being answered meanwhile."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from .app import AppServer
from .conftest import ROOT, UA, env, free_port, needs_espeak, needs_pjsua2, rtp_base, wait_for

pytestmark = [needs_pjsua2, needs_espeak,
              pytest.mark.skipif(shutil.which("kamailio") is None and not os.path.exists("/usr/sbin/kamailio"),
                                 reason="kamailio is not installed")]


class PoolProcess:
    def __init__(self, app: AppServer, tmp: str, workers: int = 2, extra: str = "") -> None:
        self.port = free_port()
        config = os.path.join(tmp, "pool.toml")
        with open(config, "w") as f:
            f.write(f"""[sip]
listen = "127.0.0.1:{self.port}"
app = "{app.base}/ivr/main.vxml"
workers = {workers}
worker_base_port = {free_port()}
rtp_port = {rtp_base(workers)}
synthesizer = "espeak"
call_records_url = "{app.base}/records"
media_cache = "{os.path.join(tmp, 'media')}"
kamailio = "{shutil.which('kamailio') or '/usr/sbin/kamailio'}"
{extra}
""")
        self.events: list[dict[str, Any]] = []
        self.proc = subprocess.Popen([sys.executable, "-m", "vxml_browser.cli", "sip", "--config", config],
                                     cwd=ROOT, env=env(), stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        assert wait_for(lambda: self.find("ready"), 30), self.events

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("{"):
                self.events.append(json.loads(line))

    def find(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("event") == name]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.reader.join(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def menu_call(tmp: str, dest: str, hold_s: float = 0.0) -> UA:
    steps: list[list[Any]] = [["until_confirmed", 5]]
    if hold_s:
        steps += [["until_disconnected", hold_s], ["hangup"]]
    else:
        steps += [["wait", 0.3], ["dtmf", "1"], ["wait", 0.8], ["dtmf", "1234#"], ["until_disconnected", 10]]
    return UA(tmp, {"mode": "call", "dest": dest, "user": "tester", "steps": steps})


def test_pool_spreads_calls_and_survives_a_dead_worker(app: AppServer, fresh: AppServer,
                                                       sip_tmp: str) -> None:
    pool = PoolProcess(app, sip_tmp)
    try:
        dest = f"sip:ivr@127.0.0.1:{pool.port}"
        # two calls held open: round robin puts one on each worker
        held = [menu_call(sip_tmp, dest, hold_s=5) for _ in range(2)]
        assert wait_for(lambda: len(fresh.received["records"]) == 0, 0.1)
        time.sleep(1.5)
        victim = pool.find("worker-ready")[0]
        os.kill(victim["pid"], signal.SIGKILL)  # a worker this test's pool started, by PID
        assert wait_for(lambda: pool.find("worker-died"), 10), pool.events
        died = pool.find("worker-died")[0]
        assert died["calls"] == 1 and died["ended"] == 1, json.dumps(died)
        # the killed call still has its record: answered, ended now, cause worker-died
        assert died["recorded"] == 1, json.dumps(died)
        lost = [r for r in fresh.received["records"] if r["cause"] == "worker-died"]
        assert len(lost) == 1 and lost[0]["worker"] == died["worker"], fresh.received["records"]
        assert lost[0]["call_id"] == died["dialogs"][0]["call_id"]
        assert lost[0]["start"] <= lost[0]["answer"] <= lost[0]["end"]
        assert lost[0]["app"].endswith("/ivr/main.vxml")
        # the orphaned caller got a BYE well before its own 5 s limit
        ended = []
        for ua in held:
            events = ua.result(30)
            last = [e for e in events if e["event"] == "state"][-1]
            ended.append((last["state"], last["t"]))
        assert any(state == "DISCONNECTED" and t < 4 for state, t in ended), ended
        # calls made while the worker restarts are still answered, and both workers serve again
        results = [menu_call(sip_tmp, dest) for _ in range(4)]
        for ua in results:
            ua.result(30)
        assert sum(1 for r in fresh.received["result"] if r.get("account") == "1234") == 4
        assert wait_for(lambda: len(pool.find("worker-ready")) == 3, 10), pool.events
        workers = {r["worker"] for r in fresh.received["records"] if r["cause"] == "exit"}
        assert workers == {0, 1}, fresh.received["records"]
    finally:
        pool.stop()


def test_a_full_worker_fails_over_to_another(app: AppServer, fresh: AppServer, sip_tmp: str) -> None:
    """Each worker takes one call: while one is busy, every new call still lands (486 from the
    full worker makes Kamailio try the next one)."""
    pool = PoolProcess(app, sip_tmp, workers=2, extra="max_calls = 1")
    try:
        dest = f"sip:ivr@127.0.0.1:{pool.port}"
        held = UA(sip_tmp, {"mode": "call", "dest": dest, "user": "held",
                            "steps": [["until_confirmed", 5], ["wait", 6], ["hangup"]]})
        time.sleep(0.8)
        for _ in range(3):
            ua = UA(sip_tmp, {"mode": "call", "dest": dest, "user": "next",
                              "steps": [["until_confirmed", 5], ["wait", 0.3], ["hangup"]]})
            states = [e["state"] for e in ua.result(30) if e["event"] == "state"]
            assert "CONFIRMED" in states, states
        held.result(30)
    finally:
        pool.stop()


SDP_HEAD = "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
WORKER_KILLERS = {  # offers that abort pjsip in C (tests/robustness/test_sip_fuzz.py pins them)
    "no connection address": "v=0\r\no=x 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=application 0 RTP/AVP 8\r\n",
    "attribute without a name": SDP_HEAD + "m=audio 4000 RTP/AVP 0\r\na=\r\n",
    "empty media line": SDP_HEAD + "m=\r\n",
}


def test_kamailio_refuses_offers_that_would_kill_a_worker(app: AppServer, fresh: AppServer,
                                                         sip_tmp: str) -> None:
    """The pool's front door screens initial offers pjsip cannot survive (deploy/kamailio): each
    gets 488 from Kamailio, no worker dies, and a call made afterwards is answered as usual."""
    import socket

    pool = PoolProcess(app, sip_tmp)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(3)
    me = f"127.0.0.1:{sock.getsockname()[1]}"
    try:
        for n, (name, sdp) in enumerate(WORKER_KILLERS.items()):
            msg = (f"INVITE sip:ivr@127.0.0.1:{pool.port} SIP/2.0\r\n"
                   f"Via: SIP/2.0/UDP {me};rport;branch=z9hG4bKscreen{n}\r\nMax-Forwards: 70\r\n"
                   f"From: <sip:f@{me}>;tag=s{n}\r\nTo: <sip:ivr@127.0.0.1:{pool.port}>\r\n"
                   f"Call-ID: screen-{n}@test\r\nCSeq: 1 INVITE\r\nContact: <sip:f@{me}>\r\n"
                   f"Content-Type: application/sdp\r\nContent-Length: {len(sdp)}\r\n\r\n{sdp}")
            sock.sendto(msg.encode(), ("127.0.0.1", pool.port))
            finals = []
            while not finals:
                status = sock.recvfrom(65535)[0].decode("utf-8", "replace").split("\r\n", 1)[0]
                if not status.startswith("SIP/2.0 1"):
                    finals.append(status)
            assert finals[0].startswith("SIP/2.0 488"), (name, finals)
        time.sleep(1.0)
        assert not pool.find("worker-died"), pool.events
        menu_call(sip_tmp, f"sip:ivr@127.0.0.1:{pool.port}").result(30)
        assert any(r.get("account") == "1234" for r in fresh.received["result"]), fresh.received
    finally:
        sock.close()
        pool.stop()
