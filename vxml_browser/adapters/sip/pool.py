"""A pool of worker processes behind Kamailio's dispatcher (``vxml-browser sip --workers N``).

    caller ──INVITE──▶ Kamailio (LISTEN) ──round robin──▶ worker i (127.0.0.1:base+i)
           ◀──────── in-dialog requests and RTP, directly ────────▶

* Each worker is a process (``worker.py``) with its own pjsua2 endpoint, SIP port and RTP port
  range. It reports every confirmed dialog (Call-ID, local and remote URIs with tags, the
  caller's Contact) and every ended call as JSON lines on stdout.
* Kamailio (``deploy/kamailio/kamailio.cfg``, Debian's package) is configured and started here
  with the list of workers. It probes them with OPTIONS every second, stops sending to one
  that does not answer and fails an unanswered INVITE over to the next worker.
* When a worker dies, its calls are ended cleanly: the supervisor binds the dead worker's SIP
  port and sends a BYE in each of its open dialogs (it is the same address the callers know,
  so their BYE handling is ordinary), posts each such call's record (cause ``worker-died``,
  from the record the worker reported with the dialog) to ``call_records_url``, then restarts
  the worker on the same port; Kamailio's probe brings it back into rotation.
* The supervisor ends only the processes it started, by PID.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from .config import SipConfig

log = logging.getLogger(__name__)

KAMAILIO_CFG = os.path.join(os.path.dirname(__file__), "..", "..", "..", "deploy", "kamailio",
                            "kamailio.cfg")
MODULE_DIRS = ("/usr/lib/x86_64-linux-gnu/kamailio/modules/", "/usr/lib/kamailio/modules/",
               "/usr/local/lib64/kamailio/modules/")
RTP_SPAN = 200


@dataclass
class WorkerProc:
    index: int
    port: int
    rtp_port: int
    proc: asyncio.subprocess.Process | None = None
    dialogs: dict[int, dict[str, Any]] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    restarts: int = 0


def bye_request(dialog: dict[str, Any], port: int, host: str = "127.0.0.1") -> tuple[bytes, tuple[str, int]]:
    """A BYE for a dialog whose worker died, sent from the worker's own address."""
    contact = re.search(r"<([^>]+)>", dialog["contact"])
    target = contact.group(1) if contact else dialog["contact"]
    m = re.match(r"sips?:(?:[^@]+@)?([^:;>]+)(?::(\d+))?", target)
    if not m:
        raise ValueError(f"cannot route to {target!r}")
    addr = (m.group(1), int(m.group(2) or 5060))
    branch = "z9hG4bK" + "".join(random.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=16))
    msg = (
        f"BYE {target} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {host}:{port};rport;branch={branch}\r\n"
        "Max-Forwards: 70\r\n"
        f"From: {dialog['local']}\r\n"
        f"To: {dialog['remote']}\r\n"
        f"Call-ID: {dialog['call_id']}\r\n"
        f"CSeq: {random.randrange(1 << 20, 1 << 30)} BYE\r\n"
        "Reason: SIP;cause=500;text=\"worker restarted\"\r\n"
        "Content-Length: 0\r\n\r\n"
    )
    return msg.encode(), addr


def end_dialogs(dialogs: list[dict[str, Any]], port: int, host: str = "127.0.0.1",
                wait_s: float = 1.0) -> int:
    """BYE each dialog from ``host:port`` (resent until answered); returns how many answered."""
    if not dialogs:
        return 0
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.settimeout(0.1)
    pending = {d["call_id"]: bye_request(d, port, host) for d in dialogs}
    answered = 0
    deadline = time.monotonic() + wait_s
    try:
        while pending and time.monotonic() < deadline:
            for msg, addr in pending.values():
                sock.sendto(msg, addr)
            end = time.monotonic() + 0.25
            while pending and time.monotonic() < end:
                try:
                    data, _ = sock.recvfrom(65535)
                except TimeoutError:
                    continue
                text = data.decode("utf-8", "replace")
                m = re.search(r"(?im)^(?:call-id|i)\s*:\s*(\S+)", text)
                if text.startswith("SIP/2.0 ") and m and m.group(1) in pending:
                    pending.pop(m.group(1))
                    answered += 1
    finally:
        sock.close()
    return answered


def kamailio_binary(name: str = "kamailio") -> str:
    """The Kamailio binary: as configured, on PATH, or in sbin (not on a user's PATH)."""
    for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/local/sbin/{name}"):
        if candidate and os.path.exists(candidate):
            return candidate
    raise RuntimeError(f"Kamailio ({name}) was not found: apt-get install kamailio")


def find_module_dir() -> str:
    for folder in MODULE_DIRS:
        if os.path.exists(os.path.join(folder, "dispatcher.so")):
            return folder
    raise RuntimeError("Kamailio's modules (dispatcher.so) were not found: apt-get install kamailio")


class Pool:
    def __init__(self, config: SipConfig, config_path: str | None) -> None:
        self.config = config
        self.config_path = config_path
        self.workers = [
            WorkerProc(i, config.worker_base_port + i, config.rtp_port + i * RTP_SPAN)
            for i in range(config.workers)
        ]
        self.kamailio: asyncio.subprocess.Process | None = None
        self.stopping = asyncio.Event()
        self.rundir = tempfile.mkdtemp(prefix="vxml-kamailio-")
        self.tasks: set[asyncio.Task[Any]] = set()

    def worker_argv(self, w: WorkerProc) -> list[str]:
        argv = [sys.executable, "-m", "vxml_browser.cli", "sip", "--worker-index", str(w.index),
                "--worker-port", str(w.port), "--rtp-port", str(w.rtp_port),
                "--listen", f"{self.config.host}:{self.config.port}"]
        if self.config_path:
            argv += ["--config", self.config_path]
        if self.config.app:
            argv += ["--app", self.config.app]
        return argv

    async def start_worker(self, w: WorkerProc) -> None:
        w.ready.clear()
        w.dialogs.clear()
        w.proc = await asyncio.create_subprocess_exec(*self.worker_argv(w), stdout=asyncio.subprocess.PIPE)
        task = asyncio.get_running_loop().create_task(self.watch(w, w.proc))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def watch(self, w: WorkerProc, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").strip()
            if not line.startswith("{"):
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue
            match event.get("event"):
                case "ready":
                    w.ready.set()
                    self.emit({"event": "worker-ready", "worker": w.index, "port": w.port,
                               "pid": proc.pid, "wheel": event.get("wheel")})
                case "dialog":
                    w.dialogs[event["key"]] = event
                case "ended":
                    w.dialogs.pop(event["key"], None)
        code = await proc.wait()
        if self.stopping.is_set():
            return
        orphans = list(w.dialogs.values())
        ended = await asyncio.to_thread(end_dialogs, orphans, w.port, self.config.host)
        recorded = await self.record_orphans(orphans)
        self.emit({"event": "worker-died", "worker": w.index, "pid": proc.pid, "code": code,
                   "calls": len(orphans), "ended": ended, "recorded": recorded, "dialogs": orphans})
        w.restarts += 1
        await asyncio.sleep(0.2)
        if not self.stopping.is_set():  # shutting down meanwhile: no new worker to orphan
            await self.start_worker(w)

    async def record_orphans(self, orphans: list[dict[str, Any]]) -> int:
        """Post the call record of each call a dead worker left (cause ``worker-died``, ended
        now), from what the worker reported when the call was answered; returns how many the
        records URL took."""
        import aiohttp

        from .worker import post_call_record

        records = [{**d["record"], "end": time.time(), "cause": "worker-died"}
                   for d in orphans if d.get("record")]
        if not records or not self.config.call_records_url:
            return 0
        async with aiohttp.ClientSession() as session:
            done = [await post_call_record(session, self.config, r) for r in records]
        return sum(done)

    def emit(self, event: dict[str, Any]) -> None:
        print(json.dumps(event), flush=True)

    def dispatcher_list(self) -> str:
        path = os.path.join(self.rundir, "dispatcher.list")
        with open(path, "w") as f:
            for w in self.workers:
                f.write(f"1 sip:{self.config.host}:{w.port} 0 0\n")
        return path

    async def start_kamailio(self) -> None:
        binary = kamailio_binary(self.config.kamailio)
        cfg = os.path.abspath(KAMAILIO_CFG)
        argv = [binary, "-f", cfg, "-DD", "-E", "-Y", self.rundir,
                "-A", f"LISTEN=udp:{self.config.host}:{self.config.port}",
                "-A", f'DSLIST="{self.dispatcher_list()}"',
                "-A", f'MPATH="{find_module_dir()}"']
        if self.config.tcp:
            argv += ["-A", f"LISTEN_TCP=tcp:{self.config.host}:{self.config.port}"]
        self.kamailio = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.DEVNULL,
            stderr=open(os.path.join(self.rundir, "kamailio.log"), "w"))
        await asyncio.sleep(0.5)
        if self.kamailio.returncode is not None:
            with open(os.path.join(self.rundir, "kamailio.log")) as f:
                raise RuntimeError(f"Kamailio did not start: {f.read()[-2000:]}")

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)
        try:
            for w in self.workers:
                await self.start_worker(w)
            await asyncio.wait_for(asyncio.gather(*(w.ready.wait() for w in self.workers)), 30)
            await self.start_kamailio()
            self.emit({"event": "ready", "port": self.config.port, "pid": os.getpid(),
                       "workers": [w.port for w in self.workers], "rundir": self.rundir})
            kamailio_exit = loop.create_task(self.kamailio.wait())  # type: ignore[union-attr]
            stop = loop.create_task(self.stopping.wait())
            await asyncio.wait({kamailio_exit, stop}, return_when=asyncio.FIRST_COMPLETED)
            if kamailio_exit.done():
                log.error("Kamailio exited with %s", kamailio_exit.result())
            stop.cancel()
        finally:
            await self.shutdown()

    async def shutdown(self) -> None:
        self.stopping.set()
        procs = [w.proc for w in self.workers if w.proc is not None and w.proc.returncode is None]
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        if self.kamailio is not None and self.kamailio.returncode is None:
            self.kamailio.send_signal(signal.SIGTERM)
            procs.append(self.kamailio)
        for proc in procs:
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        for task in list(self.tasks):
            task.cancel()
        shutil.rmtree(self.rundir, ignore_errors=True)


def run_pool(config: SipConfig, config_path: str | None) -> int:
    logging.basicConfig(level=os.environ.get("VXML_LOG", "INFO"),
                        format="%(asctime)s pool %(levelname)s %(name)s: %(message)s")
    asyncio.run(Pool(config, config_path).run())
    return 0
