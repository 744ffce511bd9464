"""A SIP call's record across the two services: the platform (``vxml-browser sip``) posts its
JSON record to the real app server's ``POST /calls``, and the call's pages, fetched with
``X-Call-ID``, are filed under the same id (app_server/calls.py).

A pjsua2 caller reaches the fund hotline, presses 1 (fund prices) and 9 (back to the menu),
then hangs up in the middle of the menu. The app server's one call row holds the app's own
events (pages, inputs, the hang-up catch's end) and the platform's record, cause
``remote-hangup``; its id is the one ``call_id_for`` derives from the record's SIP Call-ID.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from sqlalchemy import select

from app_server.calls import call_id_for
from app_server.models import Call
from app_server.server import DB

from .app import AppServerThread
from .conftest import (
    ROOT,
    Platform,
    call,
    env,
    free_port,
    needs_espeak,
    needs_pjsua2,
    rtp_base,
    wait_for,
)

pytestmark = [needs_pjsua2, needs_espeak]


class RecordsPlatform(Platform):
    """A platform whose DID "funds" is the fund hotline and whose call records go to that app
    server's ``/calls`` (conftest's ``Platform`` sends them to the test app's ``/records``)."""

    def __init__(self, tmp: str, app_server: str) -> None:  # no super(): a config of its own
        self.port = free_port()
        self.tmp = tmp
        self.config = os.path.join(tmp, "sip.toml")
        with open(self.config, "w") as f:
            f.write(f"""[sip]
listen = "127.0.0.1:{self.port}"
app = "{app_server}/apps/fund_hotline/"
rtp_port = {rtp_base()}
synthesizer = "espeak"
call_records_url = "{app_server}/calls"
media_cache = "{os.path.join(tmp, 'media')}"
""")
        self.log_path = os.path.join(tmp, "platform.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vxml_browser.cli", "sip", "--config", self.config],
            cwd=ROOT, env=env(), stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_for(lambda: '"event": "ready"' in self.output() or self.proc.poll() is not None, 20) \
                or self.proc.poll() is not None:
            raise RuntimeError(f"the platform did not start: {self.output()}")


def stored_calls(server: AppServerThread) -> list[str]:
    return server.runner.app[DB].call(lambda s: list(s.scalars(select(Call.id))))


def test_a_sip_call_hung_up_mid_call_has_one_record_with_the_platforms_cause(sip_tmp: str) -> None:
    tmp = os.path.join(sip_tmp, "call-records")
    os.makedirs(tmp, exist_ok=True)
    server = AppServerThread(os.path.join(tmp, "app-server"))
    platform = RecordsPlatform(tmp, server.base)
    try:
        events, _ = call(tmp, f"sip:funds@127.0.0.1:{platform.port}", [
            ["until_confirmed", 10], ["wait", 2.0],
            ["dtmf", "1"], ["wait", 2.0],          # fund prices (barges in on the main menu)
            ["dtmf", "9"], ["wait", 1.5],          # back to the main menu
            ["hangup"]])                           # in the middle of it
        assert any(e["event"] == "media" for e in events), events

        def platform_record() -> dict[str, Any] | None:
            ids = stored_calls(server)
            record = server.record(ids[0]) if len(ids) == 1 else None
            return record if record and any(e["kind"] == "platform" for e in record["events"]) else None

        assert wait_for(platform_record, 15), (stored_calls(server), platform.output()[-3000:])
        record = platform_record()
    finally:
        platform.stop()
        server.stop()
    assert record is not None
    sent = next(e for e in record["events"] if e["kind"] == "platform")
    assert record["id"] == call_id_for(sent["detail"]["call_id"])  # pages and record: one row
    assert sent["name"] == "remote-hangup" and sent["detail"]["cause"] == "remote-hangup"
    assert sent["detail"]["answer"] is not None and sent["detail"]["end"] > sent["detail"]["answer"]
    assert "sip:funds@" in sent["detail"]["to"]
    assert record["path"][:3] == ["index", "main", "funds"], record["path"]
    assert "main" in record["path"][3:], record["path"]  # 9 went back to the menu
    assert record["end_reason"] == "hangup"  # the app's own hang-up catch ended it first
    assert record["ended_at"] is not None
    assert time.time() - sent["detail"]["end"] < 120
