"""The domain does no I/O: each module, imported alone, brings no I/O module with it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import agent_queue.domain as domain

FORBIDDEN = ("asyncio", "socket", "aiohttp", "sqlalchemy", "random", "time", "urllib.request",
             "http.client", "threading", "subprocess", "selectors", "ssl")
MODULES = sorted(m.name for m in pkgutil.iter_modules(domain.__path__))


def test_the_domain_modules_are_all_here():
    assert {"acd", "clock", "errors", "events", "model", "reports", "routing", "schedule",
            "states"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_domain_module_imports_no_io_module(name):
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"  # the interpreter itself loads a few (time, ...)
        f"import agent_queue.domain.{name}\n"
        f"print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules and m not in before))\n"
    )
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": ":".join(sys.path)})
    assert out.stdout.strip() == "", f"agent_queue.domain.{name} imports {out.stdout.strip()}"
