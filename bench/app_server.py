"""Benchmark: rendered VoiceXML pages per second from the app server, for a page with a DB read,
against a bare aiohttp handler that returns a fixed page, in the same run.

The app page is a small voice app (a temporary folder given to the server as a user app folder):
its handler reads six rows through SQLAlchemy (SQLite, the default), renders a menu with the
macro library (Jinja2, XML autoescape) and the server writes the call record's page event, as
for every page of a call. The baseline is an aiohttp handler that returns the same size of
VoiceXML from memory. Each server runs in its own process, both at once; the load comes from this
process over loopback HTTP with ``--concurrency`` connections, alternating between the two in
half-second slices for ``--seconds`` per server per run (so the machine's background load hits
both alike). ``--runs`` runs; the medians are reported.

Both are measured as pages per second of the server process's own CPU time (user + system,
from /proc): on a shared machine wall-clock rates move with everyone else's load, the CPU
cost of a page does not. Wall-clock pages/s are kept in ``samples``.

Writes ``bench/results/app_server.json``: ``value`` app pages per CPU-second, ``baseline`` bare
pages per CPU-second, ``ratio`` = value / baseline (the goal is 0.5 or more), ``runs`` the
number of runs.

    .venv/bin/python bench/app_server.py [--runs 3] [--seconds 3] [--concurrency 16]

``--profile app|bare`` measures nothing: it runs that one server under cProfile (its event-loop
thread), loads it for ``--seconds``, and prints the top functions and the CPU of each thread of
the server process (the call log's writer runs on the database pool).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULT = Path(__file__).resolve().parent / "results" / "app_server.json"

APP_PY = '''
from sqlalchemy import Integer, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app_server.apps import VoiceApp


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "bench_items"
    key: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(80))


def seed(s):
    if not s.scalar(select(func.count()).select_from(Item)):
        s.add_all(Item(key=k, name=f"Service number {k} & more", target=f"page{k}") for k in range(1, 7))


app = VoiceApp("bench_app", title="bench", metadata=Base.metadata, seed=seed)


ITEMS = select(Item.key, Item.name, Item.target).order_by(Item.key)


def items(conn):
    return conn.execute(ITEMS).mappings().all()


@app.page("menu")
async def menu(call):
    return call.render("menu.vxml.j2", items=await call.db.read(items))
'''

MENU = '''{% extends "page.vxml.j2" %}
{% block body %}
  <menu id="bench">
    <prompt>{{ ivr.say(content.prompt("hello")) }}
{% for i in items %}      For {{ i.name }}, press {{ i.key }}.
{% endfor %}    </prompt>
{% for i in items %}    <choice dtmf="{{ i.key }}" next="{{ url(i.target) }}">{{ i.name }}</choice>
{% endfor %}  </menu>
{% endblock %}
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(kind: str, port: int, folder: Path, profile: str | None = None) -> None:
    from aiohttp import web

    if kind == "bare":
        body = (folder / "bare.vxml").read_text()

        async def handler(request: web.Request) -> web.Response:
            return web.Response(text=body, content_type="application/voicexml+xml")

        app = web.Application()
        app.router.add_get("/apps/bench_app/menu", handler)
    else:
        import logging

        from app_server.server import create_app
        from app_server.settings import Settings

        logging.disable(logging.INFO)
        app = create_app(Settings(data_dir=folder / "data", sample_apps=False, app_dirs=(folder / "apps",)))
    if profile is None:
        web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
        return
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
    finally:
        profiler.disable()
        profiler.dump_stats(profile)


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of each thread of a process: "loop" (the main thread), else by thread id."""
    out: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out["loop" if task.name == str(pid) else task.name] = cpu_seconds_of(task / "stat")
        except OSError:
            pass
    return out


def profile_one(kind: str, folder: Path, seconds: float, concurrency: int) -> None:
    """One server under cProfile, loaded for ``seconds``: its top functions and threads' CPU."""
    import pstats

    port, out = free_port(), folder / f"{kind}.prof"
    proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--port", str(port),
                             "--folder", str(folder), "--profile-out", str(out)])
    url = f"http://127.0.0.1:{port}/apps/bench_app/menu"
    try:
        async def run() -> tuple[int, float, dict[str, float]]:
            await wait_up(url)
            await load(url, 0.5, concurrency)
            before, c0 = thread_cpu(proc.pid), cpu_seconds(proc.pid)
            pages = await load(url, seconds, concurrency)
            after = thread_cpu(proc.pid)
            return pages, cpu_seconds(proc.pid) - c0, {k: after[k] - before.get(k, 0.0) for k in after}

        pages, cpu, threads = asyncio.run(run())
    finally:
        proc.terminate()
        proc.wait(30)
    print(f"{kind}: {pages} pages, {cpu / pages * 1e6:.0f} us CPU per page (under cProfile); per thread (us/page):",
          {k: round(v / pages * 1e6) for k, v in threads.items() if v})
    stats = pstats.Stats(str(out))
    stats.sort_stats("tottime").print_stats(40)
    stats.sort_stats("cumulative").print_stats(60)


async def load(url: str, seconds: float, concurrency: int) -> int:
    done = 0
    stop = time.perf_counter() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as client:
        async def worker(n: int) -> None:
            nonlocal done
            while time.perf_counter() < stop:
                async with client.get(f"{url}?call=bench-{n}") as resp:
                    await resp.read()
                    if resp.status != 200:
                        raise RuntimeError(f"{url}: HTTP {resp.status}")
                done += 1

        await asyncio.gather(*(worker(n) for n in range(concurrency)))
        return done


async def wait_up(url: str) -> None:
    async with aiohttp.ClientSession() as client:
        for _ in range(200):
            try:
                async with client.get(url + "?call=warm") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    return cpu_seconds_of(Path(f"/proc/{pid}/stat"))


def cpu_seconds_of(stat: Path) -> float:
    """User + system CPU time from a /proc ``stat`` file (a process's or a thread's)."""
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_pair(folder: Path, seconds: float, concurrency: int, slice_s: float = 0.5) -> dict[str, dict[str, float]]:
    """Both servers up at once; the load alternates between them in ``slice_s`` slices. For each:
    wall pages/s, and pages per CPU-second of the server process (what the server itself
    costs, whatever else the machine is doing)."""
    procs, urls = {}, {}
    for kind in ("bare", "app"):
        port = free_port()
        procs[kind] = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--port", str(port),
                                        "--folder", str(folder)])
        urls[kind] = f"http://127.0.0.1:{port}/apps/bench_app/menu"
    try:
        async def run() -> dict[str, dict[str, float]]:
            for url in urls.values():
                await wait_up(url)
                await load(url, 0.5, concurrency)  # warm up
            pages = {k: 0 for k in urls}
            wall = {k: 0.0 for k in urls}
            cpu = {k: 0.0 for k in urls}
            for _ in range(max(1, int(seconds / slice_s))):
                for kind, url in urls.items():
                    c0, t0 = cpu_seconds(procs[kind].pid), time.perf_counter()
                    pages[kind] += await load(url, slice_s, concurrency)
                    wall[kind] += time.perf_counter() - t0
                    cpu[kind] += cpu_seconds(procs[kind].pid) - c0
            return {k: {"pages_per_s": pages[k] / wall[k], "pages_per_cpu_s": pages[k] / max(cpu[k], 1e-9)}
                    for k in urls}

        return asyncio.run(run())
    finally:
        for proc in procs.values():
            proc.terminate()
            proc.wait(10)


def prepare(folder: Path) -> None:
    app = folder / "apps" / "bench_app"
    (app / "templates").mkdir(parents=True)
    (app / "app.py").write_text(APP_PY)
    (app / "templates" / "menu.vxml.j2").write_text(MENU)
    (app / "content.toml").write_text('[prompts]\nhello = { text = "Welcome to the benchmark.", audio = "" }\n')
    # the bare handler serves what the app renders, byte for byte
    from app_server.server import create_app
    from app_server.settings import Settings

    async def render_once() -> str:
        from aiohttp.test_utils import TestClient, TestServer

        app_ = create_app(Settings(data_dir=folder / "data", sample_apps=False, app_dirs=(folder / "apps",)))
        async with TestClient(TestServer(app_, host="127.0.0.1")) as client:
            resp = await client.get("/apps/bench_app/menu?call=bench-0")
            return await resp.text()

    page = asyncio.run(render_once())
    from vxml_browser.core.model import parse_document

    parse_document(page.encode(), "http://127.0.0.1/apps/bench_app/menu")  # it is valid VoiceXML
    (folder / "bare.vxml").write_text(page)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--serve", choices=("bare", "app"))
    parser.add_argument("--port", type=int)
    parser.add_argument("--folder")
    parser.add_argument("--profile", choices=("bare", "app"), help="profile this server alone (no result written)")
    parser.add_argument("--profile-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, Path(args.folder), args.profile_out)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        prepare(folder)
        if args.profile:
            profile_one(args.profile, folder, args.seconds, args.concurrency)
            return 0
        runs = []
        for _ in range(args.runs):
            m = measure_pair(folder, args.seconds, args.concurrency)
            runs.append({k: {q: round(v, 1) for q, v in m[k].items()} for k in m})
            print(f"per server CPU-second: bare {m['bare']['pages_per_cpu_s']:8.1f}  app {m['app']['pages_per_cpu_s']:8.1f}"
                  f"  ratio {m['app']['pages_per_cpu_s'] / m['bare']['pages_per_cpu_s']:.2f}   | wall pages/s: "
                  f"bare {m['bare']['pages_per_s']:8.1f}  app {m['app']['pages_per_s']:8.1f}")
    value = statistics.median(r["app"]["pages_per_cpu_s"] for r in runs)
    baseline = statistics.median(r["bare"]["pages_per_cpu_s"] for r in runs)
    result = {
        "name": "app_server",
        "metric": "rendered pages per second of server CPU, for a page with a DB read (SQLAlchemy + Jinja2 "
                  "macros + call-record write) (value) vs a bare aiohttp handler returning the same page "
                  f"(baseline); loopback HTTP, {args.concurrency} connections; wall-clock rates in samples",
        "value": round(value, 1),
        "unit": "pages/s (per CPU-second)",
        "baseline": round(baseline, 1),
        "ratio": round(value / baseline, 2),
        "runs": args.runs,
        "wall_ratio": round(statistics.median(r["app"]["pages_per_s"] for r in runs)
                            / statistics.median(r["bare"]["pages_per_s"] for r in runs), 2),
        "samples": runs,
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
