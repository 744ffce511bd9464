"""``make fuzz``: run every fuzz target for a while, then the robustness tests with more examples,
and write fuzz/REPORT.md (inputs tried per target, findings, faults injected and what survived).

    python -m fuzz.run [--seconds 60] [--targets vxml_parse,srgs_xml] [--engine atheris|builtin]
                       [--examples 2000] [--report fuzz/REPORT.md]

``atheris`` (coverage-guided libFuzzer, one subprocess per target: a crash that kills the process
is caught too) is used when it is installed, else ``builtin``: random mutations of the seeds in a
subprocess, no coverage feedback. Known findings (fuzz/findings.py) are counted and the run goes
on; a new one stops that target's round, is minimized (``fuzz.minimize``), saved under
fuzz/crashes/ and listed in the report, and the target is restarted until its time is used.
Exit status 1 when a run found something new.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import random
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGETS = ("vxml_parse", "vxml_call", "srgs_xml", "srgs_abnf", "sisr", "ecmascript", "http_response")
DICTS = {"vxml_parse": "xml.dict", "srgs_xml": "xml.dict", "srgs_abnf": "abnf.dict"}
PER_INPUT_TIMEOUT_S = 10


@dataclass
class Result:
    target: str
    description: str
    engine: str
    seconds: float = 0.0
    inputs: int = 0
    rounds: int = 0
    coverage: str = ""
    known: dict[str, int] = field(default_factory=dict)
    new: list[dict[str, str]] = field(default_factory=list)


def _python() -> str:
    return sys.executable


def write_seeds(name: str) -> Path:
    corpus = HERE / "corpus" / name
    corpus.mkdir(parents=True, exist_ok=True)
    module = importlib.import_module(f"fuzz.targets.{name}")
    for i, seed in enumerate(module.seeds()):
        (corpus / f"seed-{i:03d}").write_bytes(seed)
    return corpus


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = f"{ROOT}{os.pathsep}{env.get('PYTHONPATH', '')}"
    return env


def _record_known(result: Result, text: str) -> None:
    for m in re.finditer(r"KNOWN (\S+) x(\d+)", text):
        result.known[m.group(1)] = max(result.known.get(m.group(1), 0), int(m.group(2)))


def _minimize(name: str, artifact: Path) -> tuple[str, str]:
    try:
        out = subprocess.run([_python(), "-m", "fuzz.minimize", name, str(artifact)], cwd=ROOT, env=_env(),
                             capture_output=True, text=True, timeout=300)
        lines = out.stdout.strip().splitlines()
        if out.returncode == 0 and len(lines) >= 2:
            return lines[0], lines[1]
        return repr(artifact.read_bytes()[:200]), f"(minimizer exit {out.returncode}: the input kills the process)"
    except subprocess.TimeoutExpired:
        return repr(artifact.read_bytes()[:200]), "(minimizer timed out)"


def run_atheris(name: str, seconds: float, result: Result) -> None:
    corpus = write_seeds(name)
    crashes = HERE / "crashes"
    crashes.mkdir(exist_ok=True)
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 1 and result.rounds < 6:
        result.rounds += 1
        before = set(crashes.glob(f"{name}-*"))
        cmd = [_python(), str(HERE / "targets" / f"{name}.py"), f"-max_total_time={int(left)}",
               f"-timeout={PER_INPUT_TIMEOUT_S}", "-rss_limit_mb=4096", "-print_final_stats=1",
               f"-artifact_prefix={crashes}/{name}-", "-max_len=8192"]
        if name in DICTS:
            cmd.append(f"-dict={HERE / 'dicts' / DICTS[name]}")
        cmd.append(str(corpus))
        proc = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True,
                              timeout=left + 120)
        text = proc.stdout + proc.stderr
        runs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", text) or re.findall(r"^#(\d+)\s", text, re.M)
        result.inputs += int(runs[-1]) if runs else 0
        cov = re.findall(r"cov: (\d+) ft: (\d+)", text)
        if cov:
            result.coverage = f"{cov[-1][0]} edges, {cov[-1][1]} features"
        _record_known(result, text)
        new = sorted(set(crashes.glob(f"{name}-*")) - before)
        if proc.returncode == 0 and not new:
            break
        summary = _crash_summary(text)
        for artifact in new[:1]:
            smallest, signature = _minimize(name, artifact)
            result.new.append({"summary": summary, "artifact": str(artifact.relative_to(ROOT)),
                               "smallest": smallest, "signature": signature})
        if not new:
            result.new.append({"summary": summary or f"exit {proc.returncode}", "artifact": "",
                               "smallest": "", "signature": ""})
            break
    result.seconds = seconds


def _crash_summary(text: str) -> str:
    if "Uncaught Python exception" in text:
        lines = text.split("Uncaught Python exception")[1].splitlines()
        tail = [ln for ln in lines if ln.strip() and "===" not in ln and not ln.startswith(("  ", "Traceback"))]
        return tail[0].strip() if tail else "uncaught Python exception"
    for marker in ("ERROR: libFuzzer: timeout", "ERROR: libFuzzer: out-of-memory", "deadly signal",
                   "Segmentation fault", "ERROR: libFuzzer"):
        if marker in text:
            return marker.replace("ERROR: libFuzzer: ", "")
    return ""


_BUILTIN = r"""
import random, sys, time, json
sys.path.insert(0, {root!r})
from fuzz.targets import {name} as t
from fuzz.targets._base import known
seeds = t.seeds() or [b""]
rnd = random.Random({seed})
deadline = time.monotonic() + {seconds}
n = 0; counts = {{}}
def mutate(b):
    b = bytearray(b)
    for _ in range(rnd.randint(1, 8)):
        op = rnd.randrange(5)
        if op == 0 and b: b[rnd.randrange(len(b))] = rnd.randrange(256)
        elif op == 1: b[rnd.randrange(len(b) + 1):0] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 8)))
        elif op == 2 and b: i = rnd.randrange(len(b)); del b[i:i + rnd.randint(1, 16)]
        elif op == 3 and b: i = rnd.randrange(len(b)); b[i:i] = b[i:i + rnd.randint(1, 64)]
        else: b += rnd.choice(seeds)[:rnd.randint(0, 64)]
    return bytes(b)
while time.monotonic() < deadline:
    data = mutate(rnd.choice(seeds)); n += 1
    try:
        t.check(data)
    except Exception as exc:
        k = known(exc)
        if k is None:
            open({artifact!r}, "wb").write(data)
            print(json.dumps({{"n": n, "known": counts, "crash": f"{{type(exc).__name__}}: {{exc}}"[:300]}}))
            sys.exit(1)
        counts[k] = counts.get(k, 0) + 1
print(json.dumps({{"n": n, "known": counts}}))
"""


def run_builtin(name: str, seconds: float, result: Result) -> None:
    crashes = HERE / "crashes"
    crashes.mkdir(exist_ok=True)
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 1 and result.rounds < 6:
        result.rounds += 1
        artifact = crashes / f"{name}-builtin-{int(time.time())}-{result.rounds}"
        code = _BUILTIN.format(root=str(ROOT), name=name, seed=random.randrange(2**32), seconds=left,
                               artifact=str(artifact))
        proc = subprocess.run([_python(), "-c", code], cwd=ROOT, env=_env(), capture_output=True, text=True,
                              timeout=left + 120)
        last = proc.stdout.strip().splitlines()[-1:] or ["{}"]
        try:
            info = json.loads(last[0])
        except ValueError:
            info = {}
        result.inputs += int(info.get("n", 0))
        for k, v in info.get("known", {}).items():
            result.known[k] = result.known.get(k, 0) + v
        if proc.returncode == 0:
            break
        summary = info.get("crash") or _crash_summary(proc.stderr) or f"exit {proc.returncode}"
        smallest, signature = _minimize(name, artifact) if artifact.exists() else ("", "")
        result.new.append({"summary": summary, "artifact": str(artifact.relative_to(ROOT)) if artifact.exists() else "",
                           "smallest": smallest, "signature": signature})
    result.seconds = seconds


def run_tests(examples: int) -> list[dict[str, str]]:
    """The robustness tests (limits, security, faults, hypothesis with ``examples``)."""
    junit = HERE / "crashes" / "robustness-junit.xml"
    junit.parent.mkdir(exist_ok=True)
    env = _env()
    env["ROBUSTNESS_EXAMPLES"] = str(examples)
    subprocess.run([_python(), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/robustness",
                    f"--junitxml={junit}"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    rows = []
    if junit.exists():
        for case in ET.parse(junit).getroot().iter("testcase"):
            outcome = "passed"
            for child in case:
                if child.tag == "skipped":
                    outcome = "xfail (pinned)" if "xfail" in (child.get("type", "") + child.get("message", "")) else "skipped"
                elif child.tag in ("failure", "error"):
                    outcome = "FAILED"
            rows.append({"module": case.get("classname", "").rsplit(".", 1)[-1], "test": case.get("name", ""),
                         "outcome": outcome, "time": case.get("time", "0")})
    return rows


def write_report(results: list[Result], tests: list[dict[str, str]], path: Path, seconds: float) -> None:
    from fuzz.findings import FINDINGS

    out = ["# Robustness report", "",
           f"Written by `make fuzz` (`python -m fuzz.run`) on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
           f"{seconds:g} s per target. The rule for every target: no Python exception escapes, nothing hangs, "
           "and the caller gets the VoiceXML event the spec names. Targets live in `fuzz/targets/` (each one's "
           "docstring states its rule); `tests/robustness/` runs the same checks, bounded, in `make test`.", "",
           "## Inputs tried", "",
           "| target | what | engine | inputs | rounds | coverage | known findings hit | new findings |",
           "| --- | --- | --- | ---: | ---: | --- | --- | ---: |"]
    for r in results:
        known = ", ".join(f"{k} ×{v}" for k, v in sorted(r.known.items())) or "none"
        out.append(f"| `{r.target}` | {r.description} | {r.engine} | {r.inputs:,} | {r.rounds} | "
                   f"{r.coverage or '-'} | {known} | {len(r.new)} |")
    out += ["", f"Total: {sum(r.inputs for r in results):,} inputs.", ""]
    news = [(r.target, n) for r in results for n in r.new]
    out += ["## New findings of this run", ""]
    if not news:
        out.append("None: every input ended as the rules say, or as a finding already listed below.")
    for target, n in news:
        out += [f"- **{target}**: {n['summary']}", f"  - smallest input: `{n['smallest']}`",
                f"  - signature: {n['signature']}", f"  - artifact: `{n['artifact']}`"]
    out += ["", "## Findings so far (fuzz/findings.py)", "",
            "Each is pinned by a test in `tests/robustness/test_regressions.py`: a strict xfail while it is "
            "open (it turns into a failure, to be unpinned, once the fix lands).", "",
            "| id | target | what | smallest input | status | fix goes |", "| --- | --- | --- | --- | --- | --- |"]
    for f in FINDINGS:
        cell = lambda s: s.replace("|", "\\|").replace("\n", " ")  # noqa: E731
        out.append(f"| `{f.id}` | {f.target} | {cell(f.what)} | `{cell(f.smallest)}` | {f.status} "
                   f"(`{f.test}`) | {cell(f.fix)} |")
    out += ["", "## Limits, security and faults (tests/robustness)", ""]
    if not tests:
        out.append("(the tests did not run)")
    else:
        by: dict[str, list[dict[str, str]]] = {}
        for t in tests:
            by.setdefault(t["module"], []).append(t)
        passed = sum(t["outcome"] == "passed" for t in tests)
        out.append(f"{passed} of {len(tests)} passed; pinned: "
                   f"{sum(t['outcome'].startswith('xfail') for t in tests)}; failed: "
                   f"{sum(t['outcome'] == 'FAILED' for t in tests)}.")
        for module, rows in sorted(by.items()):
            out += ["", f"### {module}", "", "| test | outcome |", "| --- | --- |"]
            out += [f"| `{t['test']}` | {t['outcome']} |" for t in rows]
    out.append("")
    path.write_text("\n".join(out))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("FUZZ_SECONDS", 60)))
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--engine", choices=("atheris", "builtin"),
                        default="atheris" if importlib.util.find_spec("atheris") else "builtin")
    parser.add_argument("--examples", type=int, default=2000, help="hypothesis examples per robustness test")
    parser.add_argument("--no-tests", action="store_true")
    parser.add_argument("--report", type=Path, default=HERE / "REPORT.md")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    results = []
    for name in args.targets.split(","):
        module = importlib.import_module(f"fuzz.targets.{name}")
        result = Result(name, module.DESCRIPTION, args.engine)
        print(f"== {name}: {args.seconds:g}s with {args.engine}", flush=True)
        (run_atheris if args.engine == "atheris" else run_builtin)(name, args.seconds, result)
        print(f"   {result.inputs:,} inputs, known {result.known}, new {len(result.new)}", flush=True)
        results.append(result)
    tests = [] if args.no_tests else run_tests(args.examples)
    write_report(results, tests, args.report, args.seconds)
    (HERE / "results.json").write_text(json.dumps([r.__dict__ for r in results], indent=1))
    print(f"wrote {args.report.relative_to(ROOT) if args.report.is_relative_to(ROOT) else args.report}")
    return 1 if any(r.new for r in results) or any(t["outcome"] == "FAILED" for t in tests) else 0


if __name__ == "__main__":
    sys.exit(main())
