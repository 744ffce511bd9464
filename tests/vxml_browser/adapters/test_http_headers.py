"""A fetcher's own request headers (``HttpFetcher(headers=)``), as the SIP platform sends its
``X-Call-ID``: on every request of the call, never in the cache key (RFC 9111 §4, §4.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from vxml_browser.adapters.cache import HttpCache
from vxml_browser.adapters.http import HttpFetcher
from vxml_browser.adapters.limits import BrowserLimits
from vxml_browser.adapters.sip.worker import call_headers
from vxml_browser.core.actions import Fetch
from vxml_browser.core.inputs import Fetched

CALL_A = {"X-Call-ID": "a84b4c76e66710@pc33.example"}
CALL_B = {"X-Call-ID": "b73c9d12@pc34.example"}


def sent(origin, path: str) -> list[str | None]:
    return [h.get("X-Call-ID") for h in origin.headers.get(path, [])]


async def test_every_kind_of_request_carries_the_fetchers_headers(origin, clock) -> None:
    async with HttpFetcher(cache=HttpCache(clock=clock), headers=CALL_A) as fetcher:
        await fetcher.fetch(Fetch(origin.url("/doc.vxml")))
        await fetcher.fetch(Fetch(origin.url("/echo"), method="POST", params=(("pin", "1234"),)))
        await fetcher.fetch(Fetch(origin.url("/echo"), kind="data"))
        await fetcher.fetch(Fetch(origin.url("/redirect")))
    assert sent(origin, "/doc.vxml") == [CALL_A["X-Call-ID"]] * 2  # the redirect's target too
    assert sent(origin, "/echo") == [CALL_A["X-Call-ID"]] * 2
    assert sent(origin, "/redirect") == [CALL_A["X-Call-ID"]]


async def test_calls_sharing_a_cache_share_its_entries_whatever_their_headers(origin, clock) -> None:
    cache = HttpCache(clock=clock)
    for headers in (CALL_A, CALL_B):
        async with HttpFetcher(cache=cache, headers=headers) as fetcher:
            assert isinstance(await fetcher.fetch(Fetch(origin.url("/cache/max-age"))), Fetched)
    assert origin.hits["/cache/max-age"] == 1


@pytest.fixture
async def varying() -> AsyncIterator[TestServer]:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text=request.headers.get("X-Call-ID", ""),
                            headers={"Cache-Control": "max-age=60", "Vary": "X-Call-ID"})

    app = web.Application()
    app.router.add_get("/per-call", page)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


async def test_a_response_that_varies_on_the_header_is_kept_per_value(varying) -> None:
    cache = HttpCache()
    bodies = []
    for headers in (CALL_A, CALL_B, CALL_A):
        async with HttpFetcher(cache=cache, headers=headers) as fetcher:
            result = await fetcher.fetch(Fetch(str(varying.make_url("/per-call"))))
            assert isinstance(result, Fetched)
            bodies.append(result.content.decode())
    assert bodies == [CALL_A["X-Call-ID"], CALL_B["X-Call-ID"], CALL_A["X-Call-ID"]]


async def test_the_limits_fetcher_passes_the_headers_on(origin) -> None:
    async with BrowserLimits().fetcher(origin.url("/"), headers=CALL_B) as fetcher:
        await fetcher.fetch(Fetch(origin.url("/doc.vxml")))
    assert sent(origin, "/doc.vxml") == [CALL_B["X-Call-ID"]]


def test_the_sip_worker_sends_the_call_id_only_when_it_is_a_header_value() -> None:
    assert call_headers("a84b4c76e66710@pc33.example") == {"X-Call-ID": "a84b4c76e66710@pc33.example"}
    assert call_headers("") == {}
    assert call_headers("bad\r\nX-Evil: 1") == {}
