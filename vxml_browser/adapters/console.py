"""The console caller: ``vxml-browser console SOURCE [--input FILE] [--json] [--trace]
[--limits FILE] [--allow-origin ORIGIN]``.

A contract other tools rely on (README, "The console caller"): SOURCE is an http(s) URL, a
file URL or a path; caller lines come from FILE or stdin; with ``--json`` stdout carries JSON
Lines events, the ``exit`` event last; ``--trace`` prints each FIA step with uri:line to stderr.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from .caller import ScriptedCaller
from .limits import BrowserLimits
from .runner import run_session


def source_uri(source: str) -> str:
    """An http(s) or file URL as given; a path as an absolute file URL."""
    if "://" in source or source.startswith("file:"):
        return source
    return Path(source).resolve().as_uri()


class PrintingCaller(ScriptedCaller):
    """A scripted caller that prints what it hears, as JSON Lines or as readable lines."""

    def __init__(self, lines: Iterable[str], out: TextIO, as_json: bool) -> None:
        super().__init__(lines)
        self.out = out
        self.as_json = as_json

    def hear(self, event: dict[str, Any]) -> None:
        super().hear(event)
        if self.as_json:
            self.out.write(json.dumps(event, ensure_ascii=False, default=str) + "\n")
        else:
            self.out.write(_readable(event) + "\n")
        self.out.flush()


def _readable(event: dict[str, Any]) -> str:
    kind = event["event"]
    if kind == "prompt":
        audio = "".join(f" [audio {a}]" for a in event.get("audio", []))
        return f"IVR: {event['text']}{audio}"
    if kind == "log":
        return f"log: {event['text']}"
    if kind == "listen":
        return f"... listening ({', '.join(event['modes'])})"
    if kind == "error":
        return f"error: {event['name']}: {event['message']}"
    if kind == "exit":
        return f"exit: {json.dumps(event.get('value'), default=str)}"
    rest = {k: v for k, v in event.items() if k != "event"}
    return f"{kind}: {json.dumps(rest, default=str)}"


def run_console(source: str, lines: Iterable[str], *, as_json: bool = False, trace: bool = False,
                out: TextIO | None = None, limits: BrowserLimits | None = None) -> dict[str, Any]:
    """Run one console call under ``limits`` (default: ``BrowserLimits()``, so fetches stay
    on SOURCE's origin); returns the exit event."""
    out = out or sys.stdout
    limits = limits or BrowserLimits()
    uri = source_uri(source)
    caller = PrintingCaller(lines, out, as_json)

    def tracer(where: str, what: str) -> None:
        sys.stderr.write(f"{where} {what}\n")

    async def main() -> dict[str, Any]:
        async with limits.fetcher(uri) as fetcher:
            return await run_session(uri, caller, fetcher=fetcher, trace=tracer if trace else None,
                                     timeout_s=3600, session_options=limits.session_options(),
                                     max_recording_bytes=limits.max_recording_bytes)

    return asyncio.run(main())
