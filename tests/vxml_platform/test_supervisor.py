"""The supervisor over real child processes (small Python scripts): start order, output by part,
restarts with backoff, and a stop that leaves nothing behind."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import sys
from pathlib import Path

from vxml_platform.parts import Part
from vxml_platform.supervisor import Backoff, Supervisor


def test_backoff_doubles_on_quick_exits_up_to_its_cap() -> None:
    backoff = Backoff(first=1, cap=5, stable_s=60)
    assert [backoff.delay(ran_s=2) for _ in range(5)] == [1, 2, 4, 5, 5]


def test_backoff_starts_over_after_a_part_ran_long_enough() -> None:
    backoff = Backoff(first=1, cap=30, stable_s=60)
    backoff.delay(2), backoff.delay(2)
    assert backoff.delay(ran_s=61) == 1


def child(name: str, marker: Path, script: str = "") -> Part:
    """A part that writes its pid to ``marker``, prints a line and sleeps; healthy once the
    marker exists."""
    code = (f"import os, time, pathlib; pathlib.Path({str(marker)!r}).write_text(str(os.getpid()));"
            f" print('hello from {name}', flush=True); {script} time.sleep(600)")

    async def health() -> bool:
        return marker.exists()

    return Part(name, [sys.executable, "-c", code], health, ready_timeout_s=20)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"


async def until(condition, timeout_s: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


def test_parts_start_in_order_print_by_name_restart_when_killed_and_stop_completely(tmp_path: Path) -> None:
    async def scenario() -> None:
        out = io.StringIO()
        first, second = tmp_path / "first.pid", tmp_path / "second.pid"
        grandchild = tmp_path / "grandchild.pid"
        spawn = (f"import subprocess; p = subprocess.Popen([{sys.executable!r}, '-c', 'import time; time.sleep(600)']);"
                 f" pathlib.Path({str(grandchild)!r}).write_text(str(p.pid));")
        status = tmp_path / "run" / "status.json"
        supervisor = Supervisor([child("one", first), child("two", second, spawn)], status, out=out,
                                backoff=lambda: Backoff(first=0.1))
        ready = asyncio.Event()
        task = asyncio.get_running_loop().create_task(supervisor.up(on_ready=ready.set))
        await asyncio.wait_for(ready.wait(), 20)
        text = out.getvalue()
        assert text.index("one started") < text.index("two started"), text
        assert await until(lambda: "one | hello from one" in out.getvalue() and "two | hello from two" in out.getvalue())
        parts = json.loads(status.read_text())["parts"]
        assert parts["one"]["state"] == parts["two"]["state"] == "healthy"

        killed = int(first.read_text())
        first.unlink()
        os.kill(killed, signal.SIGKILL)
        assert await until(lambda: first.exists() and json.loads(status.read_text())["parts"]["one"]["state"]
                           == "healthy"), out.getvalue()
        restarted = int(first.read_text())
        assert restarted != killed and json.loads(status.read_text())["parts"]["one"]["restarts"] == 1
        assert "one exited with -9: restarting it in 0.1 s" in out.getvalue()

        pids = [restarted, int(second.read_text()), int(grandchild.read_text())]
        supervisor.stopping.set()
        assert await asyncio.wait_for(task, 30) == 0
        assert await until(lambda: not any(alive(p) for p in pids), 5), [p for p in pids if alive(p)]
        assert not status.exists()

    asyncio.run(scenario())


def test_a_part_that_never_gets_healthy_stops_the_platform_with_an_error(tmp_path: Path) -> None:
    async def scenario() -> int:
        async def never() -> bool:
            return False

        broken = Part("broken", [sys.executable, "-c", "import sys; print('bad config'); sys.exit(2)"], never)
        out = io.StringIO()
        code = await Supervisor([broken, child("later", tmp_path / "later.pid")], tmp_path / "status.json",
                                out=out).up()
        assert "broken | bad config" in out.getvalue() and "broken did not become healthy" in out.getvalue()
        assert not (tmp_path / "later.pid").exists()  # the parts after it never started
        return code

    assert asyncio.run(scenario()) == 1
