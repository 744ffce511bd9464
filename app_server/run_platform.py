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
from .settings import SAMPLE_APPS, load_settings


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


def first_document(base: str, app: str, static: Path | None) -> str:
    """The URL a call to ``app`` starts at: ``/apps/APP/``, or for plain VoiceXML (``static``,
    its folder) its main (or index, or first) document."""
    if static is None:
        return f"{base}/apps/{app}/"
    entry = next((n for n in ("main.vxml", "index.vxml") if (static / n).exists()),
                 sorted(p.name for p in static.glob("*.vxml"))[0])
    return f"{base}/apps/{app}/{entry}"


async def main_async(args: argparse.Namespace) -> int:
    if args.server:  # the running platform's app server (vxml-platform console)
        base = args.server.rstrip("/")
        folder = SAMPLE_APPS / args.app
        static = folder if folder.is_dir() and not (folder / "app.py").exists() else None
        token = os.environ.get("VXML_CALL_RECORDS_TOKEN", "")
        return await call(args, base, first_document(base, args.app, static), token, static is not None)
    overrides: dict[str, Any] = {"host": args.host, "port": args.port}
    settings = load_settings(args.config, **overrides)
    if not settings.admin_password_hash:
        # a local demo: admin / admin, said out loud so nobody deploys it by accident
        settings = settings.with_(admin_password_hash=hash_password("admin", 10_000))
        print(f"admin: http://127.0.0.1:{settings.port}/admin/ "
              "(user admin, password admin: set [admin] password_hash)")
    if not settings.call_records_token:  # one per run, for both sides (exported for child processes)
        settings = settings.with_(call_records_token=secrets.token_urlsafe(32))
        os.environ["VXML_CALL_RECORDS_TOKEN"] = settings.call_records_token
    app = create_app(settings)
    static_apps = app[STATIC_APPS]
    if args.app not in app[APPS] and args.app not in static_apps:
        print(f"no app {args.app!r}; apps: {', '.join(sorted([*app[APPS], *static_apps]))}", file=sys.stderr)
        return 2
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    base = f"http://{settings.host}:{settings.port}"
    try:
        return await call(args, base, first_document(base, args.app, static_apps.get(args.app)),
                          settings.call_records_token, args.app in static_apps)
    finally:
        await runner.cleanup()


async def call(args: argparse.Namespace, base: str, url: str, token: str, static: bool) -> int:
    """One console call to ``url``; for an app (not plain VoiceXML) its call record is posted to
    ``base``/calls and read back."""
    limits = limits_from_args(args)  # the call's [limits] (--limits FILE, --allow-origin)
    call_id = uuid.uuid4().hex
    records = SipConfig(call_records_url=f"{base}/calls", call_records_token=token)
    print(f'call records: [sip] call_records_url = "{records.call_records_url}", call_records_token = '
          "$VXML_CALL_RECORDS_TOKEN (this run's)")
    print(f"calling {url}\n(answer with: dtmf DIGITS | say WORDS | silence | hangup)")
    script = Path(args.input).read_text(encoding="utf-8").splitlines() if args.input else None
    record = CallRecord(call_id, "console", url, url, time.time())
    async with limits.fetcher(url, headers=call_headers(call_id)) as fetcher:
        record.answer = time.time()
        ended = await run_session(url, InteractiveCaller(script), fetcher=fetcher, timeout_s=3600,
                                  session_options=limits.session_options(),
                                  max_recording_bytes=limits.max_recording_bytes)
    if static:
        return 0
    record.end, record.cause = time.time(), ended.get("reason") or "unknown"
    bearer = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=bearer) as client:  # as the SIP worker sends it
        await post_call_record(client, records, record.as_json())
        async with client.get(f"{base}/calls/{call_id}") as resp:
            stored = await resp.json()
    causes = [e["name"] for e in stored["events"] if e["kind"] == "platform"]
    print(f"call record: path {' > '.join(stored['path'])}; ended: {stored['end_reason']}; "
          f"outcome: {stored['outcome'] or '-'}; platform record: {', '.join(causes) or 'missing'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app_server.run_platform", description=__doc__.splitlines()[0])
    parser.add_argument("app", nargs="?", default="fund_hotline", help="the app to call (default fund_hotline)")
    parser.add_argument("--config", help="app server TOML settings")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--input", help="caller lines from a file instead of the keyboard")
    parser.add_argument("--server", help="call the app server at this URL instead of starting one "
                        "(vxml-platform console: the running platform's)")
    add_limit_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
