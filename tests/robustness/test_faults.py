"""Faults injected into the app server and its database (issue 10, "Faults"): the app server
killed and restarted in the middle of a call, the database going away in the middle of a write.
The other faults need a SIP call and are tests/e2e's: a SIP worker killed mid-call
(test_sip_pool.py, ``test_pool_spreads_calls_and_survives_a_dead_worker``) and the agent queue
restarted with callers waiting (test_cti_queue_restart.py).

The app server runs as a real process here (``python -m app_server.cli``), so that killing it
is what a crash is: the browser's next fetch is refused, and the caller must hear the
application's error handler, not silence or a Python trace."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select, text

from vxml_browser.adapters.caller import ScriptedCaller
from vxml_browser.adapters.http import HttpFetcher
from vxml_browser.adapters.runner import run_session

ROOT = Path(__file__).resolve().parents[2]
APOLOGY = "We are sorry, a technical problem ended this call. Please call again later."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServerProcess:
    """``vxml-app-server`` on 127.0.0.1:``port`` with its own data folder; start, kill, start."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.config = tmp / "app_server.toml"
        self.config.write_text(f'[server]\nhost = "127.0.0.1"\nport = {self.port}\n'
                               f'data_dir = "{tmp / "data"}"\nsample_apps = true\n')
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "app_server.cli", "--config", str(self.config)],
                                     cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the app server exited with {self.proc.returncode}") from None
                time.sleep(0.1)
        raise RuntimeError("the app server did not start in 30 s")

    def kill(self) -> None:
        """A crash: SIGKILL, no goodbye to open connections."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None


@pytest.fixture
def app_server(tmp_path: Path):
    server = AppServerProcess(tmp_path)
    server.start()
    yield server
    server.stop()


class KillsTheServer(ScriptedCaller):
    """A caller who, at wait point ``at``, answers only after the app server has crashed."""

    def __init__(self, lines: list[str], at: int, crash: Any) -> None:
        super().__init__(lines)
        self.at, self.crash, self.waits = at, crash, 0

    def respond(self, waiting: dict[str, Any]) -> str | None:
        self.waits += 1
        if self.waits == self.at:
            self.crash()
        return super().respond(waiting)


async def test_an_app_server_crash_mid_call_gives_the_error_handler(app_server: AppServerProcess) -> None:
    caller = KillsTheServer(["dtmf 1", "dtmf 1"], at=1, crash=app_server.kill)
    started = time.monotonic()
    async with HttpFetcher(timeout_s=5) as fetcher:
        final = await run_session(app_server.url("/apps/fund_hotline/?call=crash-1"), caller, fetcher=fetcher,
                                  timeout_s=30)
    assert time.monotonic() - started < 15
    heard = [" ".join(p.split()) for p in caller.prompts]
    assert "For fund prices, press 1." in " ".join(heard)  # the menu came before the crash
    assert heard[-1] == APOLOGY, heard[-3:]
    assert final["reason"] in ("exit", "error")
    assert not any(e["event"] == "error" and "internal error" in e.get("message", "") for e in caller.events)


async def test_an_app_server_crash_mid_call_apologises_once(app_server: AppServerProcess) -> None:
    caller = KillsTheServer(["dtmf 1", "dtmf 1"], at=1, crash=app_server.kill)
    async with HttpFetcher(timeout_s=5) as fetcher:
        await run_session(app_server.url("/apps/fund_hotline/?call=crash-2"), caller, fetcher=fetcher,
                          timeout_s=30)
    heard = [" ".join(p.split()) for p in caller.prompts]
    assert heard.count(APOLOGY) == 1, heard.count(APOLOGY)


async def test_after_a_restart_the_next_call_is_whole(app_server: AppServerProcess) -> None:
    app_server.kill()
    caller = ScriptedCaller([])
    async with HttpFetcher(timeout_s=5) as fetcher:
        final = await run_session(app_server.url("/apps/fund_hotline/?call=down-1"), caller, fetcher=fetcher,
                                  timeout_s=10)
    assert caller.prompts == [] and final["reason"] == "error"  # nothing to speak: the first page failed
    assert any(e["event"] == "error" and e["name"] == "error.badfetch" for e in caller.events)
    app_server.start()
    caller = ScriptedCaller(["dtmf 1", "hangup"])
    async with HttpFetcher(timeout_s=5) as fetcher:
        await run_session(app_server.url("/apps/fund_hotline/?call=back-1"), caller, fetcher=fetcher, timeout_s=20)
    assert APOLOGY not in caller.prompts
    assert any("fund" in p.lower() for p in caller.prompts[1:])  # past the menu: the prices page came


# --- the database going away in the middle of a write (app server in-process) -----------------


@pytest.fixture
async def platform(tmp_path: Path):
    from app_server.server import DB, create_app
    from app_server.settings import Settings

    app = create_app(Settings(data_dir=tmp_path / "data"))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server, app[DB]
    await server.close()


async def test_database_gone_while_a_case_is_opened_writes_nothing_half(platform, caplog) -> None:
    """The support hotline stores the recording, then opens a case: with the cases table gone the
    caller hears the apology, no case exists, and every recording row points at a whole file."""
    from app_server.models import RecordingRow

    server, db = platform
    from vxml_apps.support_hotline.models import Case  # loaded by create_app
    db.call(lambda s: s.execute(text("ALTER TABLE support_cases RENAME TO support_cases_gone")))
    caller = ScriptedCaller(["dtmf 1", "dtmf 3", "say the printer prints blank receipts", "dtmf 2", "hangup"])
    async with HttpFetcher() as fetcher:
        await run_session(str(server.make_url("/apps/support_hotline/?call=half-1")), caller, fetcher=fetcher,
                          timeout_s=20)
    heard = " ".join(" ".join(p.split()) for p in caller.prompts)
    assert "We are sorry, this service is not available at the moment." in heard
    assert "Your case number is" not in heard
    db.call(lambda s: s.execute(text("ALTER TABLE support_cases_gone RENAME TO support_cases")))
    assert db.call(lambda s: s.scalars(select(Case).where(Case.call_id == "half-1")).all()) == []
    rows = db.call(lambda s: [(r.path, r.size, r.sha256) for r in s.scalars(select(RecordingRow))])
    for path, size, _ in rows:
        assert Path(path).is_file() and Path(path).stat().st_size == size


async def test_database_gone_before_the_recording_row_leaves_no_row_without_a_file(platform) -> None:
    from app_server.models import RecordingRow

    server, db = platform
    table = RecordingRow.__tablename__
    db.call(lambda s: s.execute(text(f"ALTER TABLE {table} RENAME TO {table}_gone")))
    caller = ScriptedCaller(["dtmf 1", "dtmf 3", "say the printer prints blank receipts", "dtmf 2", "hangup"])
    async with HttpFetcher() as fetcher:
        await run_session(str(server.make_url("/apps/support_hotline/?call=half-2")), caller, fetcher=fetcher,
                          timeout_s=20)
    heard = " ".join(" ".join(p.split()) for p in caller.prompts)
    assert "Your case number is" not in heard
    assert "We are sorry" in heard  # an apology, whichever handler speaks it
    db.call(lambda s: s.execute(text(f"ALTER TABLE {table}_gone RENAME TO {table}")))
    assert db.call(lambda s: s.scalars(select(RecordingRow)).all()) == []
