"""The domain does no I/O: importing each module alone brings no I/O module with it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import agent_queue.domain as domain

FORBIDDEN = ("asyncio", "socket", "aiohttp", "sqlalchemy", "random", "time", "urllib.request",
             "http.client", "threading", "subprocess")
MODULES = [m.name for m in pkgutil.iter_modules(domain.__path__)]


def test_each_domain_module_imports_without_io_modules():
    code = (
        "import importlib, sys\n"
        "before = set(sys.modules)\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module('agent_queue.domain.' + name)\n"
        f"bad = sorted(m for m in {FORBIDDEN!r} if m in sys.modules and m not in before)\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    assert {"acd", "states", "routing", "model", "reports"} <= set(MODULES)
