"""``vxml-conformance``: run the W3C VoiceXML IR tests (or the real-world corpus) and report.

    vxml-conformance [--suite DIR] [--only ID ...] [--report FILE.json] [-j N]
    vxml-conformance --realworld DIR [--report FILE.json] [-j N]

Exit status: 0 when every test did what ``conformance/expected.toml`` says (for
``--realworld``: when no call crashed), 1 otherwise, 2 when the run could not start.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from conformance import realworld as rw
from conformance.areas import area_of, assertion_id
from conformance.expected import EXPECTED_PATH, TableError, load_table
from conformance.report import build, markdown
from conformance.runner import (
    DEFAULT_TIMEOUT_S,
    SESSION_ENV,
    SESSIONS_PER_WORKER,
    CallResult,
    run_parallel,
)
from conformance.suite import DEFAULT_SUITE_DIR, discover, select

HERE = Path(__file__).parent
DEFAULT_REPORT = HERE / "report.json"
DEFAULT_MARKDOWN = HERE / "REPORT.md"
DEFAULT_REALWORLD_REPORT = HERE / "realworld.json"
DEFAULT_REALWORLD_MARKDOWN = HERE / "REALWORLD.md"
DEFAULT_SPEECH_REPORT = HERE / "report-speech.json"
DEFAULT_SPEECH_MARKDOWN = HERE / "SPEECH.md"


class Progress:
    """A one-line progress bar on stderr (a line every 10% when stderr is not a terminal)."""

    def __init__(self, total: int, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.total = total
        self.done = 0
        self.counts: Counter[str] = Counter()
        self.stream = stream
        self.width = width
        self.tty = stream.isatty()
        self._last_step = -1

    def line(self, last: str = "") -> str:
        """The bar's text after ``done`` results."""
        filled = self.width * self.done // max(1, self.total)
        tally = " ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        return f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} {tally} {last}"

    def update(self, result: CallResult) -> None:
        """Count one result and redraw."""
        self.done += 1
        self.counts[result.status] += 1
        if self.tty:
            self.stream.write("\r\x1b[K" + self.line(result.id)[:160])
            self.stream.flush()
        else:
            step = 10 * self.done // max(1, self.total)
            if step != self._last_step or self.done == self.total:
                self._last_step = step
                self.stream.write(self.line() + "\n")
                self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    p = argparse.ArgumentParser(prog="vxml-conformance", description=__doc__.split("\n\n")[0])
    p.add_argument("--suite", type=Path, default=DEFAULT_SUITE_DIR,
                   help=f"the W3C suite directory (default {DEFAULT_SUITE_DIR})")
    p.add_argument("--only", nargs="+", action="extend", metavar="ID",
                   help="run only these tests: full ids (cudl/1001Second) or stems (1001Second)")
    p.add_argument("--realworld", type=Path, metavar="DIR",
                   help="run the real-world corpus in DIR instead of the suite")
    p.add_argument("--report", type=Path, metavar="FILE.json",
                   help=f"the JSON report (default {DEFAULT_REPORT.relative_to(HERE.parent)}, "
                        f"or {DEFAULT_REALWORLD_REPORT.relative_to(HERE.parent)} with --realworld)")
    p.add_argument("--markdown", type=Path, metavar="FILE.md",
                   help="the Markdown summary (default conformance/REPORT.md for a full run, "
                        "conformance/REALWORLD.md with --realworld; not written with --only)")
    p.add_argument("--expected", type=Path, default=EXPECTED_PATH,
                   help="the expected-results table (default conformance/expected.toml)")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                   help="worker processes (default: the number of CPUs)")
    p.add_argument("--sessions", type=int, default=SESSIONS_PER_WORKER,
                   help=f"concurrent calls per worker (default {SESSIONS_PER_WORKER})")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S,
                   help=f"seconds per call (default {DEFAULT_TIMEOUT_S:g})")
    p.add_argument("--list", action="store_true", help="list the tests and their entry documents")
    p.add_argument("--speech", action="store_true",
                   help="answer 'say' instructions through TTS and ASR (espeak-ng, PocketSphinx) "
                        "instead of as exact text; reports counts beside the text path "
                        "(conformance/SPEECH.md) without judging them against expected.toml")
    return p


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def run_suite(args: argparse.Namespace) -> int:
    """The suite run: discover, run, judge against the table, report."""
    suite_dir: Path = args.suite.resolve()
    if not (suite_dir / "vxml20").is_dir():
        print(f"vxml-conformance: no W3C suite in {suite_dir}", file=sys.stderr)
        return 2
    all_tests = discover(suite_dir)
    tests = select(all_tests, args.only)
    if args.only and not tests:
        print(f"vxml-conformance: no test matches {' '.join(args.only)}", file=sys.stderr)
        return 2
    if args.list:
        for t in tests:
            print(f"{t.id}\t{t.entry.relative_to(suite_dir)}")
        return 0
    try:
        table = load_table(args.expected)
        table.check_ids(t.id for t in all_tests)
    except (TableError, ValueError) as exc:
        print(f"vxml-conformance: {exc}", file=sys.stderr)
        return 2
    if args.speech:
        # Worker processes inherit this: their calls answer 'say' through TTS and ASR.
        os.environ[SESSION_ENV] = "vxml_browser.adapters.speech_caller:run_session_with_speech"
    areas = {t.id: area_of(t) for t in tests}
    progress = Progress(len(tests))
    started = time.monotonic()
    try:
        results = run_parallel(tests, suite_dir, jobs=args.jobs, kind="suite",
                               timeout_s=args.timeout, concurrency=args.sessions,
                               on_result=progress.update)
    except RuntimeError as exc:
        progress.close()
        print(f"vxml-conformance: {exc}", file=sys.stderr)
        return 2
    progress.close()
    seconds = time.monotonic() - started
    report = build(tests, results, table, areas, {t.id: assertion_id(t) for t in tests})
    data = report.to_json() | {"seconds": round(seconds, 1), "suite_dir": str(suite_dir)}
    if args.speech:
        return _speech_summary(args, data, results, seconds)
    _write(args.report or DEFAULT_REPORT, json.dumps(data, indent=2) + "\n")
    md_path = args.markdown or (None if args.only else DEFAULT_MARKDOWN)
    if md_path is not None:
        _write(md_path, markdown(report, suite_dir=str(suite_dir), seconds=seconds, jobs=args.jobs))
    print(f"{report.passed} passed, {report.failed} failed, {report.excluded} excluded "
          f"in {seconds:.1f} s", file=sys.stderr)
    for test_id in report.unexpected:
        row = next(r for r in report.rows if r["id"] == test_id)
        print(f"UNEXPECTED {row['status']}: {test_id}: {row['reason']}", file=sys.stderr)
    return 0 if report.ok else 1


def _speech_summary(args: argparse.Namespace, data: dict, results: list[CallResult], seconds: float) -> int:
    """The speech-path run's counts, written beside the text path's (conformance/SPEECH.md)."""
    _write(args.report or DEFAULT_SPEECH_REPORT, json.dumps(data, indent=2) + "\n")
    passed = sum(r.status == "pass" for r in results)
    text_passed = "not run"
    if DEFAULT_REPORT.is_file():
        text = json.loads(DEFAULT_REPORT.read_text(encoding="utf-8"))
        text_passed = f"{text['passed']} of {text['passed'] + text['failed'] + text['excluded']}"
    lines = [
        "# W3C IR tests through the speech path",
        "",
        "Generated by `vxml-conformance --speech`: each 'say' instruction is synthesized with",
        "espeak-ng (8 kHz) and recognized by PocketSphinx under the active grammars; DTMF is",
        "unchanged. Recognition errors make tests fail that pass on the text path.",
        "",
        "| path | passed |",
        "| --- | ---: |",
        f"| text (conformance/REPORT.md) | {text_passed} |",
        f"| speech | {passed} of {len(results)} |",
        "",
        "## Tests that did not pass through speech",
        "",
        *[f"- {r.id}: {r.status}: {r.reason}" for r in sorted(results, key=lambda r: r.id) if r.status != "pass"],
        "",
    ]
    if not args.only:
        _write(args.markdown or DEFAULT_SPEECH_MARKDOWN, "\n".join(lines))
    print(f"speech path: {passed} of {len(results)} passed in {seconds:.1f} s (text path: {text_passed})",
          file=sys.stderr)
    return 0


def run_realworld(args: argparse.Namespace) -> int:
    """The real-world run: every corpus document, outcome counts, crashes listed."""
    corpus: Path = args.realworld.resolve()
    if not (corpus / "MANIFEST.tsv").is_file():
        print(f"vxml-conformance: no MANIFEST.tsv in {corpus}", file=sys.stderr)
        return 2
    docs = rw.discover(corpus)
    if args.only:
        docs = [d for d in docs if any(w in d.id for w in args.only)]
    if args.list:
        for d in docs:
            print(d.id)
        return 0
    progress = Progress(len(docs))
    started = time.monotonic()
    try:
        results = run_parallel(docs, corpus, jobs=args.jobs, kind="realworld",
                               timeout_s=min(args.timeout, 10.0), concurrency=args.sessions,
                               on_result=progress.update)
    except RuntimeError as exc:
        progress.close()
        print(f"vxml-conformance: {exc}", file=sys.stderr)
        return 2
    progress.close()
    seconds = time.monotonic() - started
    data = rw.summary(results) | {"seconds": round(seconds, 1), "corpus": str(corpus)}
    _write(args.report or DEFAULT_REALWORLD_REPORT, json.dumps(data, indent=2) + "\n")
    md_path = args.markdown or (None if args.only else DEFAULT_REALWORLD_MARKDOWN)
    if md_path is not None:
        _write(md_path, rw.markdown(results, corpus=str(corpus), seconds=seconds))
    counts = data["outcomes"]
    print(", ".join(f"{k} {v}" for k, v in counts.items()) + f" in {seconds:.1f} s", file=sys.stderr)
    for crash in data["crashes"]:
        print(f"CRASH {crash['id']}: {crash['reason']}", file=sys.stderr)
    return 1 if data["crashes"] else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``vxml-conformance``."""
    args = parser().parse_args(argv)
    if args.jobs < 1:
        parser().error("-j must be at least 1")
    return run_realworld(args) if args.realworld else run_suite(args)


if __name__ == "__main__":
    sys.exit(main())
