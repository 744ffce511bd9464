"""``python -m app_server.run_platform [APP] [--port P] [--input FILE]``: ``make run``.

Starts the application server (on 127.0.0.1 unless --host says otherwise) with the sample apps, then places one interactive
console call to APP (default ``fund_hotline``): prompts are printed, you answer at the ``>``
prompt with caller lines (``dtmf 1``, ``say yes``, ``silence``, ``hangup``). The admin pages
stay up at http://127.0.0.1:PORT/admin/ until you end the call (Ctrl-D hangs up). The call runs
under the browser's limits: ``--limits FILE`` reads a ``[limits]`` table (vxml_browser/adapters/
limits.py); by default its fetches stay on the app server's origin.

The console call is the voice platform's part as the SIP worker plays it: every fetch sends the
call's id as ``X-Call-ID`` (no ``call`` parameter in the first URL), and at the end its JSON
call record goes to ``call_records_url`` = ``http://HOST:PORT/calls`` with the run's
``call_records_token`` as a bearer (``post_call_record``). A SIP platform beside it takes the same
two settings in its ``[sip]`` table (printed at start; the token is exported as
VXML_CALL_RECORDS_TOKEN, which ``vxml-browser sip`` reads)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from vxml_browser.adapters.console import PrintingCaller
from vxml_browser.adapters.limits import add_limit_arguments, limits_from_args
from vxml_browser.adapters.runner import run_session
from vxml_browser.adapters.sip.config import SipConfig
from vxml_browser.adapters.sip.connection import CallRecord
from vxml_browser.adapters.sip.worker import call_headers, post_call_record

from .security import hash_password
from .server import APPS, STATIC_APPS, create_app
from .settings import load_settings


class InteractiveCaller(PrintingCaller):
    """Prints what the IVR says; asks the person at the keyboard at each wait point."""

    def __init__(self, script: list[str] | None) -> None:
        super().__init__(script or [], sys.stdout, as_json=False)
        self.interactive = script is None

    def respond(self, waiting: dict[str, Any]) -> str | None:
        if not self.interactive:
            return super().respond(waiting)
        try:
            line = input("> ")
        except EOFError:
            return None
        return line or "silence"


async def main_async(args: argparse.Namespace) -> int:
    overrides: dict[str, Any] = {"host": args.host, "port": args.port}
    settings = load_settings(args.config, **overrides)
    limits = limits_from_args(args)  # the call's [limits] (--limits FILE, --allow-origin)
    if not settings.admin_password_hash:
        # a local demo: admin / admin, said out loud so nobody deploys it by accident
        settings = settings.with_(admin_password_hash=hash_password("admin", 10_000))
        print(f"admin: http://127.0.0.1:{settings.port}/admin/ "
              "(user admin, password admin: set [admin] password_hash)")
    if not settings.call_records_token:  # one per run, for both sides (exported for child processes)
        settings = settings.with_(call_records_token=secrets.token_urlsafe(32))
        os.environ["VXML_CALL_RECORDS_TOKEN"] = settings.call_records_token
    app = create_app(settings)
    static = app[STATIC_APPS]
    if args.app not in app[APPS] and args.app not in static:
        print(f"no app {args.app!r}; apps: {', '.join(sorted([*app[APPS], *static]))}", file=sys.stderr)
        return 2
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    call_id = uuid.uuid4().hex
    base = f"http://{settings.host}:{settings.port}"
    url = f"{base}/apps/{args.app}/"
    records = SipConfig(call_records_url=f"{base}/calls", call_records_token=settings.call_records_token)
    print(f'call records: [sip] call_records_url = "{records.call_records_url}", call_records_token = '
          "$VXML_CALL_RECORDS_TOKEN (this run's)")
    if args.app in static:  # plain VoiceXML: its main (or index) document
        entry = next((n for n in ("main.vxml", "index.vxml") if (static[args.app] / n).exists()),
                     sorted(p.name for p in static[args.app].glob("*.vxml"))[0])
        url = f"{base}/apps/{args.app}/{entry}"
    print(f"calling {url}\n(answer with: dtmf DIGITS | say WORDS | silence | hangup)")
    script = Path(args.input).read_text(encoding="utf-8").splitlines() if args.input else None
    record = CallRecord(call_id, "console", url, url, time.time())
    try:
        async with limits.fetcher(url, headers=call_headers(call_id)) as fetcher:
            record.answer = time.time()
            ended = await run_session(url, InteractiveCaller(script), fetcher=fetcher, timeout_s=3600,
                                      session_options=limits.session_options(),
                                      max_recording_bytes=limits.max_recording_bytes)
        if args.app in static:
            return 0
        record.end, record.cause = time.time(), ended.get("reason") or "unknown"
        bearer = {"Authorization": f"Bearer {settings.call_records_token}"}
        async with aiohttp.ClientSession(headers=bearer) as client:  # as the SIP worker sends it
            await post_call_record(client, records, record.as_json())
            async with client.get(f"{base}/calls/{call_id}") as resp:
                stored = await resp.json()
        causes = [e["name"] for e in stored["events"] if e["kind"] == "platform"]
        print(f"call record: path {' > '.join(stored['path'])}; ended: {stored['end_reason']}; "
              f"outcome: {stored['outcome'] or '-'}; platform record: {', '.join(causes) or 'missing'}")
    finally:
        await runner.cleanup()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app_server.run_platform", description=__doc__.splitlines()[0])
    parser.add_argument("app", nargs="?", default="fund_hotline", help="the app to call (default fund_hotline)")
    parser.add_argument("--config", help="app server TOML settings")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--input", help="caller lines from a file instead of the keyboard")
    add_limit_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
