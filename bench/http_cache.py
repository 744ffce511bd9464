"""Benchmark: a fetch answered by the RFC 9111 cache vs a fetch over loopback HTTP.

Both go through ``HttpFetcher.fetch`` for the same 4 KiB VoiceXML document served by an aiohttp
server on 127.0.0.1: ``/cached`` says ``Cache-Control: max-age=3600`` (after the first fetch every
fetch is a cache hit), ``/uncached`` says ``no-store`` (every fetch is a loopback round trip).

Writes ``bench/results/http_cache.json``: ``value`` is the median time of a cache hit,
``baseline`` the median time of a loopback fetch (both in microseconds), ``ratio`` is
value / baseline (the share of a loopback fetch that a hit costs) and ``runs`` the number of
timed fetches of each.

    .venv/bin/python bench/http_cache.py [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vxml_browser.adapters.http import HttpFetcher  # noqa: E402
from vxml_browser.core.actions import Fetch  # noqa: E402
from vxml_browser.core.inputs import Fetched  # noqa: E402

RESULT = Path(__file__).resolve().parent / "results" / "http_cache.json"
DOCUMENT = (
    b'<?xml version="1.0"?>\n<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">\n'
    + b"  <form><block><prompt>Hello, caller.</prompt></block></form>\n" * 64
    + b"</vxml>\n"
)[:4096]


def make_app() -> web.Application:
    async def cached(request: web.Request) -> web.Response:
        return web.Response(
            body=DOCUMENT,
            content_type="application/voicexml+xml",
            headers={"Cache-Control": "max-age=3600"},
        )

    async def uncached(request: web.Request) -> web.Response:
        return web.Response(
            body=DOCUMENT,
            content_type="application/voicexml+xml",
            headers={"Cache-Control": "no-store"},
        )

    app = web.Application()
    app.add_routes([web.get("/cached", cached), web.get("/uncached", uncached)])
    return app


async def time_fetches(fetcher: HttpFetcher, uri: str, runs: int, warmup: int) -> list[float]:
    """Microseconds per ``fetch`` of ``uri``, after ``warmup`` untimed fetches."""
    request = Fetch(uri)
    timings = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        result = await fetcher.fetch(request)
        elapsed = time.perf_counter() - start
        assert isinstance(result, Fetched), result
        if i >= warmup:
            timings.append(elapsed * 1e6)
    return timings


async def run(runs: int) -> dict[str, object]:
    runner = web.AppRunner(make_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    base = f"http://{host}:{port}"
    try:
        async with HttpFetcher() as fetcher:
            loopback = await time_fetches(fetcher, f"{base}/uncached", runs, warmup=50)
            hits = await time_fetches(fetcher, f"{base}/cached", runs, warmup=50)
            assert fetcher.cache.hits >= runs
    finally:
        await runner.cleanup()
    value = statistics.median(hits)
    baseline = statistics.median(loopback)
    return {
        "name": "http_cache",
        "metric": "median fetch time: cache hit (value) vs loopback HTTP fetch (baseline)",
        "value": round(value, 2),
        "unit": "us",
        "baseline": round(baseline, 2),
        "ratio": round(value / baseline, 4),
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="timed fetches of each kind")
    args = parser.parse_args()
    result = asyncio.run(run(args.runs))
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
