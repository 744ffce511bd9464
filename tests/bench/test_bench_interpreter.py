"""``bench/interpreter.py`` still runs: a few laps, the JSON it writes has the agreed shape.

Speed is not asserted here (``make bench`` measures it); this keeps the bench from rotting as
the interpreter changes.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "interpreter.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_interpreter", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_interpreter_bench_writes_its_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_bench()
    out = tmp_path / "interpreter.json"
    bench.main(["--laps", "3", "--runs", "1", "--out", str(out)])
    result = json.loads(out.read_text(encoding="utf-8"))
    assert {"name", "metric", "value", "unit", "baseline", "ratio", "runs"} <= result.keys()
    assert result["name"] == "interpreter"
    assert result["unit"] == "transitions/s"
    assert result["runs"] == 1
    assert result["transitions"] == 3 * bench.TRANSITIONS_PER_LAP
    assert result["value"] > 0 and result["baseline"] > 0
    # ours / baseline as time per transition: baseline rate / our rate
    assert result["ratio"] == pytest.approx(result["baseline"] / result["value"], rel=0.01, abs=0.01)
    assert capsys.readouterr().out.startswith("interpreter: ")


def test_the_bench_app_walks_every_lap() -> None:
    bench = load_bench()
    from vxml_browser.core.interpreter import DocumentCache

    seconds, transitions = bench.run_ours(4, DocumentCache(), bench.fetched_documents())
    assert transitions == 4 * bench.TRANSITIONS_PER_LAP and seconds > 0
