"""Stand-ins for the interpreter and the fetcher, importable by name in worker processes.

They fetch the entry document through the same fetcher path as a real call, so the server, its
naming, the URL policy and the verdicts are exercised without the interpreter.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from vxml_browser.core.actions import Fetch
from vxml_browser.core.inputs import Fetched, FetchFailed


class MiniFetcher:
    """A plain aiohttp GET fetcher (the real HttpFetcher has its own tests)."""

    async def __aenter__(self) -> MiniFetcher:
        self._http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.close()

    async def fetch(self, request: Fetch) -> Fetched | FetchFailed:
        async with self._http.get(request.uri.split("#")[0]) as resp:
            if resp.status != 200:
                return FetchFailed(request.uri, resp.status)
            return Fetched(request.uri, await resp.read(), resp.content_type)


async def reading_session(uri: str, caller: Any, *, fetcher: Any, **_: Any) -> dict[str, Any]:
    """Fetch the entry document, follow a hard-coded localhost goto, say pass if found."""
    got = await fetcher.fetch(Fetch(uri))
    if isinstance(got, FetchFailed):
        caller.hear({"event": "error", "name": "error.badfetch", "message": f"{uri}: {got.status}"})
        return {"event": "exit", "value": None}
    body = got.content
    if b"http://localhost/vxml/" in body:
        target = body.split(b'next="', 1)[1].split(b'"', 1)[0].decode()
        body = (await fetcher.fetch(Fetch(target))).content  # type: ignore[union-attr]
    if b"<prompt>pass</prompt>" in body:
        caller.hear({"event": "prompt", "text": "pass", "audio": []})
    exit_event = {"event": "exit", "value": None}
    caller.hear(exit_event)
    return exit_event


async def crashing_session(uri: str, caller: Any, **_: Any) -> dict[str, Any]:
    """An interpreter with a bug."""
    raise KeyError("boom")


async def hanging_session(uri: str, caller: Any, **_: Any) -> dict[str, Any]:
    """An interpreter that never ends a call (but yields to the loop)."""
    await asyncio.sleep(60)
    return {}


async def blocking_session(uri: str, caller: Any, **kw: Any) -> dict[str, Any]:
    """An interpreter stuck in Python code for one test (``234``); the others read normally."""
    if uri.endswith("/234.vxml"):
        time.sleep(60)
    return await reading_session(uri, caller, **kw)
