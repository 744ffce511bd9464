"""``make run``: serve ``sample_apps/`` over HTTP and call the demo from the terminal.

    python -m vxml_browser.demo [--host 127.0.0.1] [--port 8090] [--no-console]

An aiohttp server on a loopback address serves the files of ``sample_apps/`` as they are (the
media type from the extension, an ETag and ``Cache-Control: no-cache``, so an edited document
is fetched again on the next call). Unless ``--no-console``, the console caller then calls
``http://HOST:PORT/demo/main.vxml`` and reads caller lines from stdin (``dtmf 1234``,
``say balance``, ``silence``, ``hangup``; end of input hangs up); see README, "The console
caller". With ``--no-console`` it serves until interrupted, for ``vxml-browser console`` in
another terminal. The application server will take over serving apps; this stays small.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import sys
import threading
from pathlib import Path

from aiohttp import web

from .adapters.fetcher import guess_media_type

SAMPLE_APPS = Path(__file__).resolve().parent.parent / "sample_apps"
DEMO_PATH = "/demo/main.vxml"
LOOPBACK_NAMES = frozenset({"localhost"})


def make_app(root: Path = SAMPLE_APPS) -> web.Application:
    """An aiohttp application serving the files under ``root`` (GET and HEAD only)."""
    root = root.resolve()

    async def serve(request: web.Request) -> web.StreamResponse:
        path = (root / request.match_info["path"]).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise web.HTTPNotFound(text=f"no such file: /{request.match_info['path']}\n")
        media_type = guess_media_type(path.name, "application/octet-stream")
        return web.FileResponse(path, headers={"Content-Type": media_type, "Cache-Control": "no-cache"})

    app = web.Application()
    app.router.add_get("/{path:.+}", serve)
    return app


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def start_server(host: str = "127.0.0.1", port: int = 8090,
                       root: Path = SAMPLE_APPS) -> tuple[web.AppRunner, str]:
    """Start serving ``root`` on a loopback ``host``; returns the runner and the base URL
    (``port`` 0 picks a free port)."""
    if not is_loopback(host):
        raise ValueError(f"the demo server binds to a loopback address only, not {host!r}")
    runner = web.AppRunner(make_app(root), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound_host, bound_port = runner.addresses[0][:2]
    if ":" in bound_host:
        bound_host = f"[{bound_host}]"
    return runner, f"http://{bound_host}:{bound_port}"


class BackgroundServer:
    """The demo server on its own event loop in a thread, so the console can block on stdin."""

    def __init__(self, host: str, port: int, root: Path = SAMPLE_APPS) -> None:
        self.host, self.port, self.root = host, port, root
        self.base_url = ""
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._serve, name="demo-http", daemon=True)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._runner, self.base_url = self._loop.run_until_complete(
                start_server(self.host, self.port, self.root))
        except BaseException as exc:  # reported by start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def start(self) -> str:
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self.base_url

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vxml_browser.demo",
                                     description="Serve sample_apps/ and call the demo from the terminal")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8090, help="default 8090; 0 picks a free port")
    parser.add_argument("--no-console", action="store_true", help="only serve, until interrupted")
    args = parser.parse_args(argv)
    if not is_loopback(args.host):
        parser.error(f"--host must be a loopback address (127.0.0.1, ::1, localhost), not {args.host!r}")
    server = BackgroundServer(args.host, args.port)
    try:
        base = server.start()
    except OSError as exc:
        print(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    url = base + DEMO_PATH
    try:
        if args.no_console:
            print(f"serving {SAMPLE_APPS} at {base}/ (the demo: {url}); Ctrl-C stops", file=sys.stderr)
            threading.Event().wait()
            return 0
        from .adapters.console import run_console

        print(f"calling {url}\ncaller lines: dtmf DIGITS | say TEXT | silence | hangup "
              "(Ctrl-D hangs up)", file=sys.stderr)
        final = run_console(url, sys.stdin)
        return 0 if final.get("reason") != "timeout" else 1
    except KeyboardInterrupt:
        return 130
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
