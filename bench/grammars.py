"""Benchmark: matching against compiled, cached grammars (the work done on every recognition).

Two typical grammars: a five-choice menu (``choice_grammar``, voice, ``match_text`` of a spoken
choice) and the ``digits?length=4`` built-in (DTMF, ``match_dtmf`` of four keys, which runs the
SISR tag in QuickJS). Grammars are built once before timing, as the interpreter's cache does.

Writes ``bench/results/grammars.json``: ``value`` is the slower of the two medians, ``baseline``
the goal (50 µs), ``ratio`` value / baseline, ``runs`` timed matches of each; ``cases`` holds
each median.

    .venv/bin/python bench/grammars.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vxml_browser.core.grammars import (  # noqa: E402
    builtin_grammar,
    choice_grammar,
    match_dtmf,
    match_text,
)

RESULT = Path(__file__).resolve().parent / "results" / "grammars.json"
GOAL_US = 50.0
MENU = [("Sports", "1", "sports"), ("Weather report", "2", "weather"), ("News", "3", "news"),
        ("Traffic and travel", "4", "traffic"), ("Main menu", "5", "main")]


def median_us(fn: Callable[[], object], runs: int, warmup: int = 200) -> float:
    for _ in range(warmup):
        fn()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) * 1e6)
    return statistics.median(timings)


def run(runs: int) -> dict[str, object]:
    menu = choice_grammar(MENU, mode="voice")
    digits = builtin_grammar("digits?length=4", "dtmf")
    assert match_text([menu], "Weather report")[0].interpretation == "weather"
    assert match_dtmf([digits], "1234").result.interpretation == "1234"
    cases = {
        "menu_voice": round(median_us(lambda: match_text([menu], "Weather report"), runs), 2),
        "digits_dtmf": round(median_us(lambda: match_dtmf([digits], "1234"), runs), 2),
    }
    value = max(cases.values())
    return {
        "name": "grammars",
        "metric": "median match time, slowest of a 5-choice voice menu and DTMF digits?length=4 (value) "
                  "vs the 50 us goal (baseline)",
        "value": value,
        "unit": "us",
        "baseline": GOAL_US,
        "ratio": round(value / GOAL_US, 3),
        "runs": runs,
        "cases": cases,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5000)
    args = parser.parse_args()
    result = run(args.runs)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
