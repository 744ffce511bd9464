"""The core never does I/O (STYLE.md habit 1): each module of ``vxml_browser.core``, imported alone,
brings no I/O module with it.

A clean interpreter imports the baseline (``lxml.etree`` and ``quickjs``, which the core may use
and which import ``threading`` and ``time`` themselves), then forks one child per core module (all at once);
each child imports its module and reports the modules that came with it. A module counts as
brought in only if the baseline did not already hold it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CORE = ROOT / "vxml_browser" / "core"

FORBIDDEN = (
    "socket", "_socket", "ssl", "_ssl", "selectors", "select", "asyncio", "aiohttp", "http",
    "urllib.request", "email", "ftplib", "smtplib", "subprocess", "multiprocessing",
    "concurrent.futures.process", "threading", "_thread", "time", "datetime", "random", "secrets",
    "uuid", "tempfile", "shutil", "sqlite3", "sqlalchemy", "pjsua2",
)
"""I/O, clocks, randomness and concurrency: module names (and their submodules) the core must not
import (``datetime`` and ``time``: the wall clock comes in as an input)."""


def core_modules() -> list[str]:
    names = []
    for path in sorted(CORE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


PROBE = r"""
import json, os, sys
baseline_names = set(sys.modules)
import lxml.etree, quickjs
baseline = set(sys.modules)
children = {}
for name in sys.argv[1:]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            import importlib
            importlib.import_module(name)
            out = {"new": sorted(set(sys.modules) - baseline)}
        except BaseException as exc:  # report, never raise in the child
            out = {"error": f"{type(exc).__name__}: {exc}"}
        with os.fdopen(write, "w") as w:
            w.write(json.dumps(out))
        os._exit(0)
    os.close(write)
    children[name] = (pid, read)
results = {}
for name, (pid, read) in children.items():
    with os.fdopen(read) as r:
        results[name] = json.loads(r.read())
    os.waitpid(pid, 0)
print(json.dumps({"baseline": sorted(baseline), "modules": results}))
"""


@pytest.fixture(scope="module")
def imports() -> dict:
    if not hasattr(os, "fork"):
        pytest.skip("the import probe forks one child per module")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE, *core_modules()], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=60, check=True)
    return json.loads(done.stdout)


def forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN)


def test_the_baseline_is_what_the_engines_bring(imports):
    # lxml and quickjs bring threading (quickjs's executor); the core must bring nothing more.
    assert "quickjs" in imports["baseline"]
    assert "lxml.etree" in imports["baseline"]


def test_every_core_module_is_probed(imports):
    assert sorted(imports["modules"]) == core_modules()
    assert "vxml_browser.core.session" in imports["modules"]


KNOWN: dict[str, pytest.MarkDecorator] = {}


@pytest.mark.parametrize("module", [pytest.param(m, marks=KNOWN.get(m, ())) for m in core_modules()])
def test_core_module_imports_alone_without_io(imports, module):
    result = imports["modules"][module]
    assert "error" not in result, result.get("error")
    brought = [name for name in result["new"] if forbidden(name)]
    assert brought == [], f"{module} imports {brought}"


def test_the_probe_sees_an_io_import():
    # The check itself works: a module that imports socket is caught.
    done = subprocess.run([sys.executable, "-c", PROBE, "socketserver"], capture_output=True,
                          text=True, timeout=60, check=True)
    new = json.loads(done.stdout)["modules"]["socketserver"]["new"]
    assert {"socket", "selectors"} <= {name for name in new if forbidden(name)}


def test_scripts_see_no_wall_clock_or_randomness():
    from vxml_browser.testing.call import Call, vxml

    doc = vxml("<form><block><log expr=\"Date.now() + ' ' + Math.random()\"/></block></form>")
    first, second = (Call({"main.vxml": doc}).log_texts for _ in range(2))
    assert first == second
