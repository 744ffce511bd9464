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
import multiprocessing as mp
import queue
import time
import traceback
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from conformance.caller import SuiteCaller
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


def load_run_session() -> Session:
    """``run_session`` from the console runner (ImportError until it exists)."""
    from vxml_browser.adapters.runner import run_session

    return run_session


def make_fetcher() -> Any:
    """A fresh ``HttpFetcher`` (an async context manager)."""
    from vxml_browser.adapters.http import HttpFetcher

    return HttpFetcher()


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
    caller = SuiteCaller()
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
    return CallResult(test.id, test.suite, verdict.status, verdict.reason,
                      round(time.monotonic() - started, 3))


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
        fetcher = await stack.enter_async_context((fetcher_factory or make_fetcher)())
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
        fetcher = await stack.enter_async_context(make_fetcher())
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


def run_parallel(tests: Sequence[Any], root: Path, *, jobs: int, kind: str = "suite",
                 timeout_s: float = DEFAULT_TIMEOUT_S, concurrency: int = SESSIONS_PER_WORKER,
                 on_result: Callable[[CallResult], None] | None = None) -> list[CallResult]:
    """Run items (each with ``id`` and ``suite``) across ``jobs`` worker processes.

    Results come back in input order. Raises ``RuntimeError`` when the interpreter cannot load.
    """
    ctx = mp.get_context("spawn")
    results_q: Any = ctx.Queue()
    pending: deque[Any] = deque(tests)
    retried: set[str] = set()
    done: dict[str, CallResult] = {}
    workers: list[_Worker] = []

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

    def feed(worker: _Worker) -> None:
        while pending and len(worker.busy) < concurrency:
            test = pending.popleft()
            worker.busy[test.id] = (test, time.monotonic() + timeout_s + HARD_GRACE_S)
            worker.tasks.put(test)

    workers = [start(i) for i in range(max(1, min(jobs, len(tests) or 1)))]
    for worker in workers:
        feed(worker)
    fatal: str | None = None
    try:
        while len(done) < len(tests) and fatal is None:
            try:
                kind, index, payload = results_q.get(timeout=0.2)
            except queue.Empty:
                kind = ""
            if kind == "fatal":
                fatal = str(payload)
                break
            if kind == "result" and payload.id not in done:
                workers[index].busy.pop(payload.id, None)
                record(payload)
                feed(workers[index])
            now = time.monotonic()
            for i, worker in enumerate(workers):
                overdue = {t for t, (_, deadline) in worker.busy.items() if deadline < now}
                alive = worker.process.is_alive()
                if alive and not overdue:
                    continue
                if not alive and not worker.busy and not pending:
                    continue
                worker.process.kill()
                worker.process.join(5)
                for test_id, (test, _) in worker.busy.items():
                    if test_id in overdue:
                        record(CallResult(test.id, test.suite, "fail",
                                          f"timeout: worker killed after {timeout_s + HARD_GRACE_S:g} s "
                                          "(stuck in Python code)", timeout_s + HARD_GRACE_S))
                    elif test_id in retried:
                        record(CallResult(test.id, test.suite, "fail",
                                          "crash: the worker process died twice", 0.0))
                    else:
                        retried.add(test_id)
                        pending.appendleft(test)
                workers[i] = start(i)
                feed(workers[i])
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
