"""A real aiohttp origin server on 127.0.0.1 (an ephemeral port) and a fake clock.

Caching routes stamp ``Date`` from the same fake clock the cache uses, so ages and freshness are
exact and tests move time with ``clock.advance`` instead of sleeping.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from vxml_browser.adapters.cache import HttpCache, format_http_date, parse_http_date
from vxml_browser.adapters.http import HttpFetcher

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeClock:
    """A clock that moves only when told (seconds since the epoch)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Origin:
    """The test origin server: its routes, a count of requests per path and their headers."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.hits: Counter[str] = Counter()
        self.headers: dict[str, list[dict[str, str]]] = {}
        self.release = asyncio.Event()  # set at teardown so stalled handlers end
        self.base = ""
        self.last_modified = clock() - 3600

    def url(self, path: str) -> str:
        return self.base + path

    def date(self) -> str:
        return format_http_date(self.clock())

    # -- plumbing

    @web.middleware
    async def count(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.hits[request.path] += 1
        self.headers.setdefault(request.path, []).append(dict(request.headers))
        return await handler(request)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.count])
        app.add_routes(
            [
                web.get("/doc.vxml", self.doc),
                web.route("*", "/echo", self.echo),
                web.get("/status/{code}", self.status),
                web.get("/session", self.session),
                web.get("/stall", self.stall),
                web.get("/stall-body", self.stall_body),
                web.get("/redirect", self.redirect_to("/doc.vxml")),
                web.get("/redirect-fragment", self.redirect_to("/doc.vxml#there")),
                web.get("/loop-a", self.redirect_to("/loop-b")),
                web.get("/loop-b", self.redirect_to("/loop-a")),
                web.get("/chain/{n}", self.chain),
                web.get("/away", self.redirect_to("http://localhost:1/elsewhere.vxml")),
                web.post("/post-303", self.redirect_to("/doc.vxml", 303)),
                web.post("/post-307", self.redirect_to("/echo", 307)),
                web.get("/big", self.big),
                web.get("/big-stream", self.big_stream),
                web.get("/huge", self.huge),
                web.get("/etag.vxml", self.etag_plain),
                web.get("/last-modified.vxml", self.last_modified_plain),
                web.get("/cache/max-age", self.cacheable({"Cache-Control": "max-age=60"})),
                web.get(
                    "/cache/no-store", self.cacheable({"Cache-Control": "no-store, max-age=60"})
                ),
                web.get(
                    "/cache/must-revalidate",
                    self.cacheable({"Cache-Control": "max-age=60, must-revalidate"}),
                ),
                web.get("/cache/expires", self.expires),
                web.get("/cache/etag", self.etag),
                web.get("/cache/no-cache", self.no_cache),
                web.get("/cache/last-modified", self.last_modified_route),
                web.get("/cache/heuristic", self.heuristic),
                web.post("/cache/max-age", self.doc),
            ]
        )
        return app

    # -- plain routes

    async def doc(self, request: web.Request) -> web.Response:
        return web.Response(
            body=b'<vxml version="2.1"/>', content_type="application/voicexml+xml", charset="utf-8"
        )

    async def echo(self, request: web.Request) -> web.Response:
        fields: list[list[object]] = []
        if request.method == "POST":
            for name, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    data = value.file.read()
                    fields.append(
                        [
                            name,
                            {
                                "filename": value.filename,
                                "content_type": value.content_type,
                                "sha1": hashlib.sha1(data).hexdigest(),
                            },
                        ]
                    )
                else:
                    fields.append([name, value])
        return web.json_response(
            {
                "method": request.method,
                "query": [[k, v] for k, v in request.query.items()],
                "content_type": request.content_type,
                "fields": fields,
            }
        )

    async def status(self, request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]), text="status")

    async def session(self, request: web.Request) -> web.Response:
        response = web.Response(text=request.cookies.get("SESSIONID", "none"))
        response.set_cookie("SESSIONID", "s1")
        return response

    async def stall(self, request: web.Request) -> web.Response:
        await self.release.wait()
        return web.Response(text="late")

    async def stall_body(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "100"})
        await response.prepare(request)
        await response.write(b"x" * 10)
        await self.release.wait()
        return response

    def redirect_to(self, location: str, status: int = 302) -> Handler:
        async def handler(request: web.Request) -> web.Response:
            return web.Response(status=status, headers={"Location": location})

        return handler

    async def chain(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        if n == 0:
            return web.Response(text="end of chain")
        return web.Response(status=302, headers={"Location": f"/chain/{n - 1}"})

    async def big(self, request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 2048)

    async def big_stream(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(4):
            await response.write(b"x" * 512)
        await response.write_eof()
        return response

    async def huge(self, request: web.Request) -> web.Response:
        return web.Response(body=b"x" * (8 * 1024 * 1024 + 1))

    async def etag_plain(self, request: web.Request) -> web.Response:
        return web.Response(text="e", headers={"ETag": '"abc"', "Cache-Control": "no-store"})

    async def last_modified_plain(self, request: web.Request) -> web.Response:
        headers = {
            "Last-Modified": format_http_date(self.last_modified),
            "Cache-Control": "no-store",
        }
        return web.Response(text="l", headers=headers)

    # -- caching routes: Date from the fake clock

    def cacheable(self, headers: dict[str, str]) -> Handler:
        async def handler(request: web.Request) -> web.Response:
            return web.Response(
                text=f"body {self.hits[request.path]}", headers={"Date": self.date(), **headers}
            )

        return handler

    async def expires(self, request: web.Request) -> web.Response:
        headers = {"Date": self.date(), "Expires": format_http_date(self.clock() + 60)}
        return web.Response(text=f"body {self.hits[request.path]}", headers=headers)

    async def etag(self, request: web.Request) -> web.Response:
        headers = {"Date": self.date(), "Cache-Control": "max-age=10", "ETag": '"v1"'}
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers=headers)
        return web.Response(text="tagged", headers=headers)

    async def no_cache(self, request: web.Request) -> web.Response:
        headers = {"Date": self.date(), "Cache-Control": "no-cache", "ETag": '"nc"'}
        if request.headers.get("If-None-Match") == '"nc"':
            return web.Response(status=304, headers=headers)
        return web.Response(text="always checked", headers=headers)

    async def last_modified_route(self, request: web.Request) -> web.Response:
        headers = {
            "Date": self.date(),
            "Cache-Control": "max-age=10",
            "Last-Modified": format_http_date(self.last_modified),
        }
        since = parse_http_date(request.headers.get("If-Modified-Since"))
        if since is not None and since >= self.last_modified:
            return web.Response(status=304, headers=headers)
        return web.Response(text="dated", headers=headers)

    async def heuristic(self, request: web.Request) -> web.Response:
        # modified 1000 s ago: 10 % gives a heuristic freshness lifetime of 100 s
        headers = {"Date": self.date(), "Last-Modified": format_http_date(self.clock() - 1000)}
        return web.Response(text=f"body {self.hits[request.path]}", headers=headers)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(float(int(time.time())))


@pytest.fixture
async def origin(clock: FakeClock) -> AsyncIterator[Origin]:
    origin = Origin(clock)
    server = TestServer(origin.app(), host="127.0.0.1", port=0)
    await server.start_server()
    origin.base = str(server.make_url("")).rstrip("/")
    yield origin
    origin.release.set()
    await server.close()


@pytest.fixture
async def fetcher(clock: FakeClock) -> AsyncIterator[HttpFetcher]:
    async with HttpFetcher(cache=HttpCache(clock=clock)) as fetcher:
        yield fetcher
