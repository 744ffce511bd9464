"""Start, watch and stop the parts (``parts.Part``), in order.

Each part runs in a session of its own (so a terminal's Ctrl-C reaches the supervisor only, which
then stops the parts last-started first: SIGTERM to the part's process group, SIGKILL after
``STOP_TIMEOUT_S``). Each line a part prints is shown prefixed by its name. A part that exits
while the platform is up is restarted after a ``Backoff`` delay, and logged. The running state
goes to a JSON status file (``vxml-platform status`` reads it), removed at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .config import ROOT
from .parts import Part

STOP_TIMEOUT_S = 10.0
HEALTH_POLL_S = 0.5


class Backoff:
    """The delay before restarting a part that exited after running ``ran_s`` seconds: ``first``,
    doubling on each quick exit up to ``cap``; a part that ran ``stable_s`` or more starts over."""

    def __init__(self, first: float = 1.0, cap: float = 30.0, stable_s: float = 60.0) -> None:
        self.first, self.cap, self.stable_s = first, cap, stable_s
        self.next = first

    def delay(self, ran_s: float) -> float:
        if ran_s >= self.stable_s:
            self.next = self.first
        delay = self.next
        self.next = min(self.next * 2, self.cap)
        return delay


@dataclass
class Child:
    """A part's running state."""

    part: Part
    proc: asyncio.subprocess.Process | None = None
    state: str = "stopped"  # starting, healthy, restarting, stopped
    restarts: int = 0
    started_at: float = 0.0
    last_exit: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"pid": self.proc.pid if self.proc else None, "state": self.state, "restarts": self.restarts,
                "started_at": self.started_at, "last_exit": self.last_exit}


class Supervisor:
    """The platform's parts under one process (see the module docstring)."""

    def __init__(self, parts: list[Part], status_path: Path, *, env: dict[str, str] | None = None,
                 out: TextIO = sys.stdout, info: dict[str, Any] | None = None,
                 backoff: Callable[[], Backoff] = Backoff) -> None:
        self.children = [Child(p) for p in parts]
        self.status_path, self.env, self.out, self.info = status_path, env or {}, out, info or {}
        self.backoffs = {c.part.name: backoff() for c in self.children}
        self.stopping = asyncio.Event()
        self.tasks: set[asyncio.Task[Any]] = set()
        self.width = max((len(p.name) for p in parts), default=4)

    # -- output and status -------------------------------------------------------------------------
    def say(self, name: str, line: str) -> None:
        self.out.write(f"{name:<{self.width}} | {line}\n")
        self.out.flush()

    def write_status(self) -> None:
        status = {"pid": os.getpid(), "updated_at": time.time(), **self.info,
                  "parts": {c.part.name: c.as_json() for c in self.children}}
        tmp = self.status_path.with_suffix(".tmp")  # it holds the run's call-records token: owner only
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(status, indent=1))
        os.replace(tmp, self.status_path)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # -- one part ----------------------------------------------------------------------------------
    async def start(self, child: Child) -> None:
        part = child.part
        child.proc = await asyncio.create_subprocess_exec(
            *part.argv, cwd=ROOT, env={**os.environ, **self.env, **part.env}, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True)
        child.state, child.started_at = "starting", time.time()
        self.say("platform", f"{part.name} started (pid {child.proc.pid})")
        self.write_status()
        self._spawn(self._pump(part.name, child.proc))
        self._spawn(self._watch(child, child.proc))

    async def _pump(self, name: str, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            self.say(name, raw.decode("utf-8", "replace").rstrip())

    async def healthy(self, child: Child, timeout_s: float) -> bool:
        """Wait until the part's health check passes (True) or it exits or the time runs out."""
        proc = child.proc
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not self.stopping.is_set():
            if proc is None or proc.returncode is not None:
                return False
            if await child.part.health():
                if child.proc is proc:
                    child.state = "healthy"
                    self.write_status()
                return True
            await asyncio.sleep(HEALTH_POLL_S)
        return False

    async def _watch(self, child: Child, proc: asyncio.subprocess.Process) -> None:
        code = await proc.wait()
        if self.stopping.is_set() or child.proc is not proc:
            return
        child.last_exit, child.state = code, "restarting"
        delay = self.backoffs[child.part.name].delay(time.time() - child.started_at)
        self.say("platform", f"{child.part.name} exited with {code}: restarting it in {delay:g} s")
        self.write_status()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), delay)
        if self.stopping.is_set():
            return
        child.restarts += 1
        await self.start(child)
        if await self.healthy(child, child.part.ready_timeout_s):
            self.say("platform", f"{child.part.name} is back (restart {child.restarts})")

    async def stop_child(self, child: Child) -> None:
        proc = child.proc
        if proc is None or proc.returncode is not None:
            child.state = "stopped"
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            self.say("platform", f"{child.part.name} did not stop in {STOP_TIMEOUT_S:g} s: killing it")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
        with contextlib.suppress(ProcessLookupError):  # anything it left in its group
            os.killpg(proc.pid, signal.SIGKILL)
        child.state = "stopped"

    # -- the platform ------------------------------------------------------------------------------
    async def up(self, on_ready: Callable[[], None] | None = None) -> int:
        """Start the parts in order, each healthy before the next; then run until SIGINT or
        SIGTERM (or ``stopping`` is set), restarting parts that exit. 1 when a part never
        became healthy."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stopping.set)
        self.status_path.parent.mkdir(parents=True, exist_ok=True)
        code = 0
        try:
            for child in self.children:
                await self.start(child)
                if not await self.healthy(child, child.part.ready_timeout_s):
                    if not self.stopping.is_set():
                        self.say("platform", f"{child.part.name} did not become healthy: stopping")
                        code = 1
                    return code
            if on_ready is not None:
                on_ready()
            await self.stopping.wait()
            return code
        finally:
            self.stopping.set()
            self.say("platform", "stopping")
            for child in reversed(self.children):
                await self.stop_child(child)
            for task in list(self.tasks):
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)
            with contextlib.suppress(OSError):
                self.status_path.unlink()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            self.say("platform", "stopped")
