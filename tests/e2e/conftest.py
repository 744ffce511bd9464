"""Fixtures for the SIP end-to-end tests: real calls on 127.0.0.1.

The platform (``vxml-browser sip``) runs as its own process, the test app server on a thread of
the test process, and every SIP peer (the pjsua2 script ``ua.py``, baresip) as its own process.
Ports are picked free at run time, so the tests can run beside other work on the machine.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import pytest

from .app import AppServer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))

needs_pjsua2 = pytest.mark.skipif(importlib.util.find_spec("pjsua2") is None,
                                  reason="pjsua2-python is not installed")
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng (Debian) is not installed")


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# RTP port blocks, handed out in turn from a random start: two parties of one test never share a
# block, and all lie below the kernel's ephemeral ports (32768-60999), where free_port()'s SIP
# ports and every client socket come from (a random base could take a port free_port() had just
# handed out, and the UA then failed to bind its SIP port).
RTP_BLOCK = 200
_rtp_blocks = itertools.cycle(range(20000, 32768 - 4 * RTP_BLOCK, RTP_BLOCK))
for _ in range(random.randrange(50)):
    next(_rtp_blocks)


def rtp_base(blocks: int = 1) -> int:
    """The first port of ``blocks`` consecutive RTP port blocks no other party is using."""
    first = next(_rtp_blocks)
    for _ in range(blocks - 1):
        if next(_rtp_blocks) < first:  # wrapped: start again at the bottom
            return rtp_base(blocks)
    return first


def env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


class Platform:
    """A running ``vxml-browser sip`` process."""

    def __init__(self, app: AppServer, tmp: str, workers: int = 1, extra: str = "",
                 apps: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.tmp = tmp
        more_apps = "".join(f'"{k}" = "{v}"\n' for k, v in (apps or {}).items())
        self.config = os.path.join(tmp, "sip.toml")
        with open(self.config, "w") as f:
            f.write(f"""[sip]
listen = "127.0.0.1:{self.port}"
app = "{app.base}/ivr/main.vxml"
workers = {workers}
worker_base_port = {free_port()}
rtp_port = {rtp_base(workers)}
synthesizer = "espeak"
call_records_url = "{app.base}/records"
media_cache = "{os.path.join(tmp, 'media')}"
{extra}
[sip.apps]
"redirect" = "{app.base}/agent?quiet=1"
"voice" = "{app.base}/ivr/voice.vxml"
"fax" = "{app.base}/ivr/fax.vxml"
"clock" = "{app.base}/ivr/clock.vxml"
{more_apps}""")
        self.log_path = os.path.join(tmp, "platform.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vxml_browser.cli", "sip", "--config", self.config],
            cwd=ROOT, env=env(), stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with open(self.log_path) as f:
                if '"event": "ready"' in f.read():
                    break
            if self.proc.poll() is not None:
                raise RuntimeError(f"the platform exited: {self.output()}")
            time.sleep(0.1)
        else:
            raise RuntimeError(f"the platform did not start: {self.output()}")

    @property
    def uri(self) -> str:
        return f"sip:ivr@127.0.0.1:{self.port}"

    def output(self) -> str:
        with open(self.log_path) as f:
            return f.read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


class UA:
    """A pjsua2 user agent process (``ua.py``)."""

    started: list[UA] = []  # this test's UAs, ended by the ``end_user_agents`` fixture

    def __init__(self, tmp: str, script: dict[str, Any], pythonpath: str = "") -> None:
        self.script = {"port": free_port(), "rtp_port": rtp_base(), **script}
        self.path = os.path.join(tmp, f"ua-{self.script['port']}.json")
        with open(self.path, "w") as f:
            json.dump(self.script, f)
        environment = env()
        if pythonpath:  # another pjsua2 wheel first
            environment["PYTHONPATH"] = pythonpath + os.pathsep + environment["PYTHONPATH"]
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "ua.py"), self.path],
                                     cwd=ROOT, env=environment, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        UA.started.append(self)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        while line and not line.startswith("{"):
            line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the UA did not start: {self.proc.stderr.read()}")  # type: ignore[union-attr]

    @property
    def uri(self) -> str:
        return f"sip:{self.script.get('user', 'agent')}@127.0.0.1:{self.script['port']}"

    def result(self, timeout: float = 60) -> list[dict[str, Any]]:
        out, err = self.proc.communicate(timeout=timeout)
        for line in reversed(out.splitlines()):
            if line.startswith('{"events"'):
                return json.loads(line)["events"]
        raise AssertionError(f"no events from the UA: {out[-2000:]} {err[-2000:]}")

    def kill(self) -> str:
        """Ends the UA; the end of what it printed (for an assertion's message)."""
        if self.proc.poll() is None:
            self.proc.kill()
        out, err = self.proc.communicate(timeout=5)
        return f"{(out or '')[-2000:]}\n{(err or '')[-2000:]}"


@pytest.fixture(autouse=True)
def end_user_agents() -> Iterator[None]:
    """A test that fails while a UA runs leaves no process (nor its pipes) to the next test."""
    yield
    while UA.started:
        UA.started.pop().kill()


@pytest.fixture(scope="session")
def app() -> Iterator[AppServer]:
    server = AppServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sip_tmp() -> Iterator[str]:
    tmp = tempfile.mkdtemp(prefix="sip-e2e-")
    yield tmp
    if not os.environ.get("SIP_E2E_KEEP"):  # keep the heard audio and logs to look at
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def platform(app: AppServer, sip_tmp: str) -> Iterator[Platform]:
    p = Platform(app, sip_tmp)
    yield p
    p.stop()


@pytest.fixture()
def fresh(app: AppServer) -> AppServer:
    for items in app.received.values():
        items.clear()
    app.transfer.clear()
    return app


def call(tmp: str, dest: str, steps: list[list[Any]], **extra: Any) -> tuple[list[dict[str, Any]], str]:
    """Make one call with the pjsua2 UA; returns its events and the WAV of what it heard."""
    heard = os.path.join(tmp, f"heard-{random.randrange(1 << 30)}.wav")
    ua = UA(tmp, {"mode": "call", "dest": dest, "record": heard, "user": "tester",
                  "steps": steps, **extra})
    try:
        return ua.result(), heard
    finally:
        ua.kill()


AGENT_TONE_HZ = 600  # what an agent's phone plays in the transfer and queue tests


def tone_wav(path: str, hz: float, seconds: float = 10.0) -> str:
    """A WAV of a pure tone at 8 kHz (a party's voice that ``audio_check``/``tone_level`` can tell
    apart from the others'); returns ``path``."""
    from vxml_browser.adapters.media import tone, wav_bytes

    with open(path, "wb") as f:
        f.write(wav_bytes(tone(hz, seconds, 8000), 8000))
    return path


@pytest.fixture()
def agent_tone(sip_tmp: str) -> str:
    """The agent's tone as a file a UA plays (made once per session folder)."""
    path = os.path.join(sip_tmp, "agent-tone.wav")
    return path if os.path.exists(path) else tone_wav(path, AGENT_TONE_HZ)


def wait_for(predicate: Any, timeout: float = 10.0, every: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return bool(predicate())
