"""Target ``http_response``: hostile HTTP responses from a raw socket on 127.0.0.1 into
``HttpFetcher``.

The bytes build a response: a status line (from a pool, or raw), headers from a pool of
hostile ones (Content-Length too long, too short or not a number, chunked with broken chunk
sizes, gzip that is garbage or a bomb, wrong and malformed Content-Type, redirects to itself,
to another origin and to other schemes, header names and values with raw bytes, NUL, obsolete
folding, thousands of headers), a body (truncated, huge, raw) and how the connection ends
(closed at once, half-way, or left open: a slow server).

Rules: ``fetch`` returns ``Fetched`` or ``FetchFailed`` (never raises) within its fetchtimeout
(plus a small grace), and a ``Fetched`` body is never over ``max_body_bytes``."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
import zlib

from vxml_browser.adapters.http import HttpFetcher
from vxml_browser.core.actions import Fetch, FetchAttrs
from vxml_browser.core.inputs import Fetched, FetchFailed

try:
    from ._base import Chooser, Finding, atheris_main
except ImportError:
    from _base import Chooser, Finding, atheris_main  # type: ignore[no-redef]

NAME = "http_response"
DESCRIPTION = "HttpFetcher against hostile raw HTTP responses on 127.0.0.1"
FETCH_TIMEOUT_S = 0.4
MAX_BODY = 256 * 1024

STATUS = (b"HTTP/1.1 200 OK", b"HTTP/1.1 404 Not Found", b"HTTP/1.1 302 Found", b"HTTP/1.1 301 x",
          b"HTTP/1.1 307 x", b"HTTP/1.1 304 Not Modified", b"HTTP/1.1 100 Continue", b"HTTP/1.1 204 No",
          b"HTTP/1.1 999 Odd", b"HTTP/1.0 200 OK", b"HTTP/2 200", b"HTTP/1.1 abc", b"", b"garbage",
          b"HTTP/1.1 200 OK\r\nHTTP/1.1 200 OK", b"HTTP/1.1 -1 x", b"HTTP/1.1 200\xff\xfe")
HEADERS = (
    b"Content-Type: application/voicexml+xml", b"Content-Type: text/html; charset=utf-8",
    b"Content-Type: ;;;", b"Content-Type: \xff\xfe/\x00", b"Content-Type: application/srgs+xml; charset=bogus",
    b"Content-Length: 5", b"Content-Length: 100000", b"Content-Length: -1", b"Content-Length: abc",
    b"Content-Length: 1\r\nContent-Length: 2", b"Content-Length: 99999999999999999999999",
    b"Transfer-Encoding: chunked", b"Transfer-Encoding: gzip, chunked", b"Transfer-Encoding: bogus",
    b"Content-Encoding: gzip", b"Content-Encoding: deflate", b"Content-Encoding: br", b"Content-Encoding: x",
    b"Location: /", b"Location: http://127.0.0.1:1/x", b"Location: ftp://x/", b"Location: ", b"Location: \xff",
    b"Location: //evil.example/x", b"Location: javascript:alert(1)", b"Location: /#frag",
    b"ETag: \"x\"", b"ETag: \x00", b"Last-Modified: yesterday", b"Cache-Control: max-age=abc, no-store",
    b"Cache-Control: max-age=99999999999999999999", b"Expires: 0", b"Vary: *", b"Age: -5",
    b"Set-Cookie: a=b; Domain=..; Path=\xff", b"X-Folded: a\r\n b", b"\x00: x", b": novalue",
    b"NoColon", b"X-Long: " + b"a" * 9000, b"Connection: close", b"Connection: keep-alive",
    b"Date: \xff", b"Content-Range: bytes 0-1/2",
)
BODIES = (b"", b"<vxml version=\"2.1\"/>", b"0\r\n\r\n", b"5\r\nhello\r\n0\r\n\r\n", b"zz\r\nhello\r\n",
          b"ffffffffffffffff\r\nx", b"\x1f\x8b\x08\x00garbage", gzip.compress(b"<vxml/>"),
          gzip.compress(b"\x00" * (4 * 1024 * 1024)), zlib.compress(b"a" * 100000), b"x" * 300_000,
          b"\xff\xfe\x00<\x00v\x00")
ENDINGS = ("close", "close", "half", "open", "reset")


class _Server:
    """A raw TCP server on its own loop and thread: answers each connection with ``response``."""

    def __init__(self) -> None:
        self.response = b""
        self.ending = "close"
        self.loop = asyncio.new_event_loop()
        self.port = 0
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            server = self.loop.run_until_complete(asyncio.start_server(self._answer, "127.0.0.1", 0))
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            self.loop.run_forever()

        threading.Thread(target=run, daemon=True, name="fuzz-http").start()
        ready.wait()
        self.fetcher = HttpFetcher(timeout_s=FETCH_TIMEOUT_S, max_body_bytes=MAX_BODY, max_redirects=3)

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            data, ending = self.response, self.ending
            if ending == "half":
                data = data[: len(data) // 2]
            writer.write(data)
            await writer.drain()
            if ending == "open":
                await asyncio.sleep(FETCH_TIMEOUT_S * 3)
            elif ending == "reset":
                writer.transport.abort()
                return
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    def fetch(self, path: str, *, method: str = "GET") -> Fetched | FetchFailed:
        request = Fetch(f"http://127.0.0.1:{self.port}{path}", method=method,  # type: ignore[arg-type]
                        attrs=FetchAttrs(timeout_s=FETCH_TIMEOUT_S))
        future = asyncio.run_coroutine_threadsafe(self.fetcher.fetch(request), self.loop)
        return future.result(FETCH_TIMEOUT_S * 4 + 1)


_SERVER: _Server | None = None


def server() -> _Server:
    global _SERVER
    if _SERVER is None:
        _SERVER = _Server()
    return _SERVER


def response_from(c: Chooser) -> tuple[bytes, str]:
    lines = [c.choice(STATUS) if not c.flag(12) else c.text(20).encode("latin-1")]
    for _ in range(c.pick(5)):
        lines.append(c.choice(HEADERS) if not c.flag(10) else c.text(30).encode("latin-1"))
    if c.flag(40):
        lines.extend(b"X-H%d: v" % i for i in range(5000))
    body = c.choice(BODIES) if not c.flag(6) else c.text(64).encode("latin-1")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body, c.choice(ENDINGS)


def check(data: bytes) -> None:
    c = Chooser(data)
    srv = server()
    srv.response, srv.ending = response_from(c)
    method = "POST" if c.flag(5) else "GET"
    path = f"/r{c.pick(4)}.vxml?n={c.byte()}"  # a few paths, so the cache is both hit and missed
    started = time.monotonic()
    try:
        result = srv.fetch(path, method=method)
    except TimeoutError:
        raise Finding("fetch did not return within its fetchtimeout (the harness waited 4x)") from None
    elapsed = time.monotonic() - started
    if not isinstance(result, Fetched | FetchFailed):
        raise Finding(f"fetch returned {result!r}")
    if elapsed > FETCH_TIMEOUT_S + 1.0:
        raise Finding(f"fetch took {elapsed:.2f}s, its fetchtimeout is {FETCH_TIMEOUT_S}s")
    if isinstance(result, Fetched) and len(result.content) > MAX_BODY:
        raise Finding(f"a body of {len(result.content)} bytes passed the {MAX_BODY}-byte limit")
    if isinstance(result, FetchFailed) and not isinstance(result.reason, str):
        raise Finding(f"FetchFailed without a reason: {result!r}")


def seeds() -> list[bytes]:
    return [bytes([i, j, 5, 0]) for i in range(len(STATUS)) for j in (0, 1, 2)]


if __name__ == "__main__":
    atheris_main(check)
