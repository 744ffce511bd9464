"""Calls through the local server with stand-in sessions (conformance/runner.py, realworld.py).

The stand-ins fetch the entry document through the same fetcher path as a real call, so the
server, its naming, the URL policy and the verdicts are exercised without the interpreter.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp

from conformance.caller import SuiteCaller
from conformance.realworld import RealDocument, classify, run_document
from conformance.runner import run_many
from conformance.suite import discover, select
from vxml_browser.core.actions import Fetch
from vxml_browser.core.inputs import Fetched, FetchFailed


class MiniFetcher:
    """A plain aiohttp GET fetcher (the real HttpFetcher is another module's business)."""

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
    raise KeyError("boom")


async def hanging_session(uri: str, caller: Any, **_: Any) -> dict[str, Any]:
    await asyncio.sleep(60)
    return {}


async def test_a_call_fetches_the_transformed_entry_and_follows_localhost_links(suite_dir: Path) -> None:
    tests = select(discover(suite_dir), ["528a2", "234"])
    results = await run_many(tests, suite_dir, run_session=reading_session, fetcher_factory=MiniFetcher)
    assert [(r.id, r.status) for r in results] == [("cudl/234", "pass"), ("cudl/528a2", "pass")]


async def test_crashes_and_hangs_become_failures(suite_dir: Path) -> None:
    tests = select(discover(suite_dir), ["234"])
    crashed = await run_many(tests, suite_dir, run_session=crashing_session, fetcher_factory=MiniFetcher)
    assert crashed[0].status == "fail" and crashed[0].reason == "crash: KeyError: 'boom'"
    hung = await run_many(tests, suite_dir, run_session=hanging_session,
                          fetcher_factory=MiniFetcher, timeout_s=0.1)
    assert hung[0].reason.startswith("timeout after 0.1 s")


async def test_realworld_documents_never_raise(tmp_path: Path) -> None:
    doc = RealDocument("app/x.vxml", "app", "yes")
    common = {"root": tmp_path, "base_url": "http://127.0.0.1:1/", "fetcher": None, "timeout_s": 0.1}
    crashed = await run_document(doc, run_session=crashing_session, **common)
    assert (crashed.status, crashed.reason) == ("crash", "KeyError: 'boom'")
    hung = await run_document(doc, run_session=hanging_session, **common)
    assert hung.status == "timeout"


def test_realworld_outcomes() -> None:
    exit_ = {"event": "exit", "value": 3}
    err = {"event": "error", "name": "error.badfetch", "message": "a.vxml:12: 404 b.php"}
    assert classify([err], exit_, hung_up=False, timed_out=False, crash=None) == \
        ("error.badfetch", "error.badfetch: a.vxml:12: 404 b.php")
    unsupported = {"event": "error", "name": "error.unsupported.objectname", "message": ""}
    assert classify([unsupported], exit_, hung_up=False, timed_out=False, crash=None)[0] == \
        "error.unsupported"
    semantic = {"event": "error", "name": "error.semantic", "message": "x"}
    assert classify([semantic], exit_, hung_up=True, timed_out=False, crash=None)[0] == "other error"
    assert classify([], exit_, hung_up=True, timed_out=False, crash=None)[0] == "hangup"
    assert classify([], exit_, hung_up=False, timed_out=False, crash=None) == ("exit", "3")
    assert classify([], None, hung_up=False, timed_out=True, crash=None)[0] == "timeout"
    assert classify([err], None, hung_up=False, timed_out=False, crash="E: x")[0] == "crash"


def test_suite_caller_is_a_caller() -> None:
    from vxml_browser.adapters.caller import Caller

    caller: Caller = SuiteCaller()
    assert caller.respond({"event": "listen", "phase": "start"}) == "silence"
