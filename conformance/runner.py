"""Running calls: one test in an event loop, many in a loop, and many across worker processes.

A worker process owns one local server and one ``HttpFetcher`` and runs the tests it is handed,
a few at a time, each bounded by ``timeout_s``. The parent hands out tests, shows progress and
kills a worker that overruns a test by more than ``HARD_GRACE_S`` (a call stuck in Python code
cannot be cancelled from inside its own loop); the other tests of that worker are run again.
The interpreter (``vxml_browser.adapters.runner.run_session``) and the fetcher
(``vxml_browser.adapters.http.HttpFetcher``) are imported only when a call is made.
"""

from __future__ import annotations

import asyncio
import importlib
import multiprocessing as mp
import os
import queue
import time
import traceback
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from conformance.caller import TRANSFER_ENVIRONMENT, SuiteCaller
from conformance.fetching import SuiteFetcher
from conformance.helpers import helper_table
from conformance.server import LocalServer, make_app
from conformance.suite import XSLT_PATH, SuiteTest
from conformance.transform import Transformer
from conformance.verdict import judge

DEFAULT_TIMEOUT_S = 10.0
HARD_GRACE_S = 10.0
SESSIONS_PER_WORKER = 4


@dataclass(frozen=True, slots=True)
class CallResult:
    """The measured outcome of one test (before the expected table is applied)."""

    id: str
    suite: str
    status: str
    reason: str
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


Session = Callable[..., Awaitable[dict[str, Any]]]


SESSION_ENV = "VXML_CONFORMANCE_SESSION"
"""``module:function`` of a stand-in ``run_session`` (tests of the worker pool); unset normally."""

FETCHER_ENV = "VXML_CONFORMANCE_FETCHER"
"""``module:callable`` making a stand-in fetcher; unset normally."""


def _named(spec: str) -> Any:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def load_run_session() -> Session:
    """``run_session`` from the console runner (ImportError until it exists)."""
    if os.environ.get(SESSION_ENV):
        session: Session = _named(os.environ[SESSION_ENV])
        return session
    from vxml_browser.adapters.runner import run_session

    return run_session


def make_fetcher(base_url: str) -> Any:
    """A fresh ``HttpFetcher`` (an async context manager) under the browser's default limits:
    it may fetch from the local server's origin only (``BrowserLimits.origins_for``), as the
    console command would; the suite's tests fetch from their own folder."""
    if os.environ.get(FETCHER_ENV):
        return _named(os.environ[FETCHER_ENV])()
    from vxml_browser.adapters.limits import BrowserLimits

    return BrowserLimits().fetcher(base_url)


def entry_url(base_url: str, test: SuiteTest, suite_dir: Path) -> str:
    """The URL a test call starts at: its entry document under its ``.vxml`` name."""
    rel = test.relpath(suite_dir)
    if rel.endswith(".txml"):
        rel = rel[: -len(".txml")] + ".vxml"
    return base_url + rel


async def run_one(test: SuiteTest, *, root: Path, base_url: str, fetcher: Any,
                  run_session: Session, timeout_s: float = DEFAULT_TIMEOUT_S) -> CallResult:
    """Run one test call and judge it. Never raises for a failing or crashing interpreter."""
    url = entry_url(base_url, test, root)
    folder_url = url.rsplit("/", 1)[0] + "/"
    caller = SuiteCaller(transfer_line=TRANSFER_ENVIRONMENT.get(test.id, "silence"))
    started = time.monotonic()
    final: dict[str, Any] | None = None
    timed_out: float | None = None
    crash: str | None = None
    try:
        final = await asyncio.wait_for(
            run_session(url, caller, fetcher=SuiteFetcher(fetcher, folder_url), timeout_s=timeout_s),
            timeout_s + min(2.0, timeout_s),
        )
    except TimeoutError:
        timed_out = timeout_s
    except Exception as exc:  # the interpreter's bug: count it, never let it escape
        crash = f"{type(exc).__name__}: {exc}".strip()
    if final is not None and final.get("reason") == "timeout":
        timed_out = timeout_s
    verdict = judge(caller.events, final, timed_out=timed_out, crash=crash, gave_up=caller.gave_up)
    return CallResult(test.id, test.suite, verdict.status, local_paths(verdict.reason, base_url),
                      round(time.monotonic() - started, 3))


def local_paths(text: str, base_url: str) -> str:
    """``text`` with the local server's origin dropped (ports differ from run to run)."""
    return text.replace(base_url, "/")


def suite_app(suite_dir: Path) -> Any:
    """The aiohttp app serving the suite with the stylesheet and the rebuilt helpers."""
    return make_app(suite_dir, transformer=Transformer(suite_dir / XSLT_PATH), helpers=helper_table())


RunItem = Callable[..., Awaitable[CallResult]]


def kind_of(kind: str) -> tuple[Callable[[Path], Any], RunItem]:
    """(app factory, item runner) for a run kind: "suite" or "realworld"."""
    if kind == "suite":
        return suite_app, run_one
    if kind == "realworld":
        from conformance.realworld import realworld_app, run_document

        return realworld_app, run_document
    raise ValueError(f"unknown run kind {kind!r}")


async def run_many(tests: Sequence[Any], root: Path, *, kind: str = "suite",
                   timeout_s: float = DEFAULT_TIMEOUT_S, concurrency: int = SESSIONS_PER_WORKER,
                   on_result: Callable[[CallResult], None] | None = None,
                   run_session: Session | None = None,
                   fetcher_factory: Callable[[], Any] | None = None) -> list[CallResult]:
    """Run items in this process's event loop, ``concurrency`` calls at a time, in input order.

    ``run_session`` and ``fetcher_factory`` default to the console runner and ``HttpFetcher``.
    """
    run_session = run_session or load_run_session()
    app_factory, run_item = kind_of(kind)
    async with AsyncExitStack() as stack:
        server = await stack.enter_async_context(LocalServer(app_factory(root)))
        fetcher = await stack.enter_async_context(
            fetcher_factory() if fetcher_factory else make_fetcher(server.base_url))
        gate = asyncio.Semaphore(max(1, concurrency))

        async def one(test: Any) -> CallResult:
            async with gate:
                result = await run_item(test, root=root, base_url=server.base_url,
                                       fetcher=fetcher, run_session=run_session,
                                       timeout_s=timeout_s)
            if on_result is not None:
                on_result(result)
            return result

        return list(await asyncio.gather(*(one(t) for t in tests)))


# -- worker processes -------------------------------------------------------------------------


def _worker(kind: str, root: str, timeout_s: float, concurrency: int,
            tasks: Any, results: Any, index: int) -> None:
    """Worker process main: run the items that arrive on ``tasks`` until a None arrives."""
    asyncio.run(_worker_loop(kind, Path(root), timeout_s, concurrency, tasks, results, index))


async def _worker_loop(kind: str, root: Path, timeout_s: float, concurrency: int,
                       tasks: Any, results: Any, index: int) -> None:
    loop = asyncio.get_running_loop()
    try:
        run_session = load_run_session()
        app_factory, run_item = kind_of(kind)
    except Exception as exc:
        results.put(("fatal", index, f"{type(exc).__name__}: {exc}"))
        return
    async with AsyncExitStack() as stack:
        server = await stack.enter_async_context(LocalServer(app_factory(root)))
        fetcher = await stack.enter_async_context(make_fetcher(server.base_url))
        running: set[asyncio.Task[None]] = set()

        async def one(test: Any) -> None:
            try:
                result = await run_item(test, root=root, base_url=server.base_url,
                                       fetcher=fetcher, run_session=run_session,
                                       timeout_s=timeout_s)
            except BaseException:  # noqa: B036 - report anything, the parent decides
                result = CallResult(test.id, test.suite, "fail",
                                    "crash: " + traceback.format_exc(limit=3), 0.0)
            results.put(("result", index, result))

        while True:
            test = await loop.run_in_executor(None, tasks.get)
            if test is None:
                break
            task = asyncio.create_task(one(test))
            running.add(task)
            task.add_done_callback(running.discard)
        if running:
            await asyncio.gather(*running)


@dataclass
class _Worker:
    process: Any
    tasks: Any
    busy: dict[str, tuple[Any, float]]
    solo: bool = False
    """True while the worker runs one retried test alone (to find the test that got stuck)."""


def run_parallel(tests: Sequence[Any], root: Path, *, jobs: int, kind: str = "suite",
                 timeout_s: float = DEFAULT_TIMEOUT_S, concurrency: int = SESSIONS_PER_WORKER,
                 on_result: Callable[[CallResult], None] | None = None,
                 hard_grace_s: float = HARD_GRACE_S) -> list[CallResult]:
    """Run items (each with ``id`` and ``suite``) across ``jobs`` worker processes.

    Results come back in input order. When a worker overruns (its loop is blocked, so every call
    on it is late) or dies, it is replaced and its calls are run again, each alone on a worker;
    a call that overruns alone is the one that got stuck and is recorded as a time-out. Raises
    ``RuntimeError`` when the interpreter cannot be loaded.
    """
    ctx = mp.get_context("spawn")
    results_q: Any = ctx.Queue()
    pending: deque[Any] = deque(tests)
    solo: deque[Any] = deque()
    done: dict[str, CallResult] = {}
    workers: list[_Worker] = []
    hard_limit = timeout_s + hard_grace_s

    def start(index: int) -> _Worker:
        tasks = ctx.Queue()
        proc = ctx.Process(target=_worker, args=(kind, str(root), timeout_s, concurrency,
                                                 tasks, results_q, index), daemon=True)
        proc.start()
        return _Worker(proc, tasks, {})

    def record(result: CallResult) -> None:
        done[result.id] = result
        if on_result is not None:
            on_result(result)

    def give(worker: _Worker, test: Any) -> None:
        worker.busy[test.id] = (test, time.monotonic() + hard_limit)
        worker.tasks.put(test)

    def feed(worker: _Worker) -> None:
        if not worker.busy:
            worker.solo = False
            if solo:
                worker.solo = True
                give(worker, solo.popleft())
                return
        while pending and not worker.solo and len(worker.busy) < concurrency:
            give(worker, pending.popleft())

    def replace(i: int) -> None:
        worker = workers[i]
        worker.process.kill()
        worker.process.join(5)
        for test, _ in worker.busy.values():
            if not worker.solo:
                solo.append(test)
            elif worker.process.exitcode == -9:
                record(CallResult(test.id, test.suite, "fail",
                                  f"timeout: worker killed after {hard_limit:g} s (stuck in Python code)",
                                  hard_limit))
            else:
                record(CallResult(test.id, test.suite, "fail",
                                  f"crash: the worker process died (exit code {worker.process.exitcode})",
                                  0.0))
        workers[i] = start(i)

    workers = [start(i) for i in range(max(1, min(jobs, len(tests) or 1)))]
    for worker in workers:
        feed(worker)
    fatal: str | None = None
    try:
        while len(done) < len(tests) and fatal is None:
            try:
                message, index, payload = results_q.get(timeout=0.2)
            except queue.Empty:
                message = ""
            if message == "fatal":
                fatal = str(payload)
                break
            if message == "result" and payload.id not in done and payload.id in workers[index].busy:
                workers[index].busy.pop(payload.id)
                record(payload)
            now = time.monotonic()
            for i, worker in enumerate(workers):
                late = any(deadline < now for _, deadline in worker.busy.values())
                if late or (worker.busy and not worker.process.is_alive()):
                    replace(i)
            for worker in workers:
                feed(worker)
    finally:
        for worker in workers:
            if worker.process.is_alive():
                worker.tasks.put(None)
        for worker in workers:
            worker.process.join(5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(5)
    if fatal is not None:
        raise RuntimeError(f"the interpreter could not be loaded: {fatal}")
    return [done[t.id] for t in tests]
