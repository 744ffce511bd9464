"""``make fuzz``: run every fuzz target for a while, then the robustness tests with more examples,
and write fuzz/REPORT.md (inputs tried per target, findings, faults injected and what survived).

    python -m fuzz.run [--seconds 60] [--targets vxml_parse,srgs_xml] [--engine atheris|builtin]
                       [--examples 2000] [--report fuzz/REPORT.md]

``atheris`` (coverage-guided libFuzzer, one subprocess per target: a crash that kills the process
is caught too) is used when it is installed, else ``builtin``: random mutations of the seeds in a
subprocess, no coverage feedback. Known findings (fuzz/findings.py) are counted and the run goes
on; a new one stops that target's round, is minimized (``fuzz.minimize``), saved under
fuzz/crashes/ and listed in the report, and the target is restarted until its time is used.
A live target (``sip_udp``: a real SIP worker on 127.0.0.1) runs its own campaign instead
(``run_live``), on each installed pjsua2 wheel. ``--merge`` keeps the last run's rows of the
targets not run now. Exit status 1 when a run found something new.
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
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGETS = ("vxml_parse", "vxml_call", "srgs_xml", "srgs_abnf", "sisr", "ecmascript", "http_response", "sip_udp")
PJSUA2_215 = ROOT / ".venv" / "pjsua2-215"
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
    details: dict[str, Any] = field(default_factory=dict)  # a live target's own figures


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


def run_live(name: str, seconds: float) -> list[Result]:
    """A live target (``sip_udp``): its campaign in a subprocess (it starts its own app server,
    SIP worker and held call), on the default pjsua2 wheel and, when the 2.15 wheel is installed,
    on that one too, the time split between them. On 2.10 datagrams that look like a known crasher
    are held back so the held call can be judged; on 2.15 everything is sent."""
    module = importlib.import_module(f"fuzz.targets.{name}")
    wheels: list[tuple[str, list[str]]] = [("2.10", [])]
    if PJSUA2_215.is_dir():
        wheels.append(("2.15", ["--pjsua2-path", str(PJSUA2_215), "--send-known", "--victims", "1"]))
    per = seconds / len(wheels)
    results = []
    for wheel, flags in wheels:
        result = Result(name, module.DESCRIPTION, f"live UDP (pjsua2 {wheel})", seconds=per, rounds=1)
        cmd = [_python(), "-m", f"fuzz.targets.{name}", "--seconds", f"{per:g}",
               "--seed", str(random.randrange(2**32)), *flags]
        proc = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=per + 600)
        try:
            stats = json.loads(proc.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            result.new.append({"summary": f"the campaign exited {proc.returncode}: {proc.stderr[-300:]}",
                               "artifact": "", "smallest": "", "signature": ""})
            results.append(result)
            continue
        result.inputs, result.known, result.new = stats["inputs"], stats["known"], stats["findings"]
        result.rounds += stats["restarts"]
        result.coverage = (f"{stats['datagrams']:,} datagrams, {stats['withheld']:,} held back; held call "
                           f"{stats['held']}, fresh call {stats['fresh']}")
        result.details = {"wheel": wheel, **stats}
        results.append(result)
    return results


def run_tests(examples: int) -> list[dict[str, str]]:
    """The robustness tests (limits, security, faults, hypothesis with ``examples``)."""
    junit = HERE / "crashes" / "robustness-junit.xml"
    junit.parent.mkdir(exist_ok=True)
    env = _env()
    env["ROBUSTNESS_EXAMPLES"] = str(examples)
    subprocess.run([_python(), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/robustness",
                    f"--junitxml={junit}"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    return read_junit(junit)


def read_junit(junit: Path) -> list[dict[str, str]]:
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


NOTES = """\
## Limits (tests/robustness/test_limits.py, test_configured_limits.py; tests/e2e/test_sip_limits.py)

Every per-call limit is a key of the `[limits]` table (`vxml_browser/adapters/limits.py`
`BrowserLimits`), read by the SIP worker's config, `vxml-browser console --limits FILE` and
`make run`; each test below sets it in a TOML file and hits it through that path.

| limit | set by | hit by | the caller's document gets |
| --- | --- | --- | --- |
| ECMAScript time per evaluation | `[limits] script_time_s`, 5 s | `test_the_configured_script_time_stops_a_runaway_script` | error.semantic.timeout |
| ECMAScript memory per call | `[limits] script_memory_bytes`, 64 MiB | `test_the_configured_script_memory_is_error_noresource` | error.noresource |
| FIA steps without input | `[limits] max_steps`, 10,000 | `test_the_configured_max_steps_stops_a_transition_loop` | error.semantic |
| document size (and `<data>`) | `[limits] max_document_bytes`, 4 MiB | `test_a_document_over_the_configured_size_is_error_badfetch`, `test_data_over_...` | error.badfetch |
| grammar size (XML and ABNF) | `[limits] max_grammar_bytes`, 4 MiB | `test_a_grammar_over_the_configured_size_is_error_badfetch` | error.badfetch |
| grammar program | `grammars.matcher.MAX_PROGRAM`, 400,000 (a constant) | `test_a_grammar_over_the_program_limit_is_error_badfetch` | error.badfetch |
| SISR tag time | `grammars.semantics.SCRIPT_TIME_LIMIT`, 0.5 s (a constant) | `test_a_runaway_sisr_tag_fails_the_match_within_its_limit` | no match |
| fetch time | `fetchtimeout`, default `[limits] fetch_timeout_s`; cut at `max_fetch_time_s` (120 s) whatever the document asks | `test_the_configured_max_fetch_time_cuts_a_longer_fetchtimeout` | error.badfetch |
| fetched body | `[limits] max_fetch_bytes`, 8 MiB | `test_a_body_over_the_configured_fetch_size_is_error_badfetch` | error.badfetch |
| recording size | `[limits] max_recording_bytes`, 16 MiB (SIP and console) | `test_a_console_recording_over_the_configured_size_ends_as_maxtime`, e2e SIP | the recording ends as maxtime does |
| recording upload | app server `[server] max_upload_bytes`, 32 MiB | `test_a_recording_over_the_upload_limit_is_refused_and_nothing_is_stored` | HTTP 413 (error.badfetch), nothing stored |
| call duration | `run_session(timeout_s=)` | `test_a_call_over_its_time_ends_with_reason_timeout` | the call ends (reason timeout) |
| calls per worker | `[sip] max_calls` (31; the wheel's limit wins) | tests/e2e/test_sip_limits.py: the third of max_calls=2 gets 486, the held two go on | - |

## Security (tests/robustness/test_security.py, tests/app_server/test_roles.py, tests/e2e/test_sip_digest.py)

- XML without entity expansion or network access: VoiceXML documents (tests/vxml_browser/core/model),
  SRGS grammars and `<data>` XML: external entities not read, billion laughs stays small and quick,
  DTDs and entities never open a socket.
- Fetches restricted to the allowed origins: submit (GET and POST), `<data>`, goto and a redirect to
  another origin are refused (error.badfetch) and the foreign server sees no request, so no namelist
  leaks. By default a call may fetch from its own application's origin only (`[limits]
  allowed_origins` adds others, `["*"]` allows any); the SIP worker, the console, `make run` and the
  conformance runner all build their fetchers that way.
- App server: users with roles (`[[admin.users]]`: viewer, editor, admin; the old single
  `[admin] password_hash` is user admin); a route sweep proves each admin route's role (anonymous ->
  login, too low a role -> 403) and CSRF on every change. `/calls` (the SIP platform's records) and
  `/calls/{id}` need the call records bearer token, or loopback when none is set.
- Agent queue: every /api route (every operation of the `{op}` routes) is 401 without credentials
  and with an unknown token; with a cookie session every change is 403 without or with a forged
  CSRF token; an agent gets 403 on reports, user admin and call creation.
- Secrets come from the config or the environment (`VXML_DATABASE_URL`, `VXML_CALL_RECORDS_TOKEN`,
  `VXML_ACD_TOKEN`, `AQ_STORE_URL`, `AQ_SECRET`, `password_env`/`token_env` in the ACD's and the
  SIP credentials' tables); a plain-text password in a TOML file is refused (app server) or logged
  as a warning (ACD). A scan of the tracked files finds no hard-coded secret.
- SIP digest authentication for outbound calls (`[[sip.credentials]]`): a bridge transfer through a
  Kamailio proxy that answers 407 connects; a wrong password is error.connection.noauthorization.

## Faults

- App server killed (SIGKILL) while the caller is at the menu: the next fetch is refused, the
  caller hears the application's error handler once and the call ends; after a restart the next
  call is whole (tests/robustness/test_faults.py).
- Database gone while the support hotline opens a case: the caller hears the apology, no case is
  written, and every recording row points at a whole file; gone before the recording row: no row
  at all (the file is kept, fsync'd).
- A SIP worker SIGKILLed mid-call (tests/e2e/test_sip_pool.py): the supervisor BYEs its callers,
  posts each killed call's record (cause `worker-died`), restarts the worker; the other worker's
  calls go on and new calls land.
- The agent queue SIGKILLed under three waiting SIP callers and restarted on its store
  (tests/e2e/test_cti_queue_restart.py): the callers stay on the line in their order, agent states
  come back, the one who hung up meanwhile is abandoned with his record, then an agent takes them.
- Offers that abort pjsip in C (below) are refused with 488 by the pool's Kamailio before any
  worker sees them (tests/e2e/test_sip_pool.py); in-dialog requests still reach the workers directly.
"""


def _sip_findings() -> tuple[Any, ...]:
    try:
        from fuzz.targets.sip_udp import SIP_FINDINGS
    except ImportError:  # the e2e helpers are not importable here
        return ()
    return SIP_FINDINGS


def _live_section(results: list[Result]) -> list[str]:
    """What the live SIP campaigns sent and what the worker and its calls did."""
    if not results:
        return []
    out = ["## SIP over UDP (`sip_udp`)", "",
           "A live `vxml-browser sip` worker on 127.0.0.1 gets generated and mutated datagrams in batches "
           "of 25 inputs; after each batch it must be alive, answer an OPTIONS, and have logged no traceback "
           "or ERROR. A pjsua2 caller holds a call through the whole run, then goes through the sales form "
           "(1, 1234#); a fresh call does the same after the storm. Victim calls placed by the fuzzer's own "
           "socket get the in-dialog-looking requests (their Call-ID and tags).", "",
           "| wheel | seconds | inputs | datagrams | held back (known crasher) | victim calls | OPTIONS probes "
           "| worker replies | restarts | known crashes | new findings | held call | fresh call |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- |"]
    for r in results:
        d = r.details
        known = ", ".join(f"{k} ×{v}" for k, v in sorted(r.known.items())) or "none"
        out.append(f"| {d['wheel']} | {r.seconds:g} | {d['inputs']:,} | {d['datagrams']:,} | {d['withheld']:,} "
                   f"| {d['victims']} | {d['probes']} | {d['answers']:,} | {d['restarts']} | {known} "
                   f"| {len(r.new)} | {d['held']} | {d['fresh']} |")
    return [*out, ""]


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
    out += _live_section([r for r in results if r.details])
    news = [(r.target, n) for r in results for n in r.new]
    out += ["## New findings of this run", ""]
    if not news:
        out.append("None: every input ended as the rules say, or as a finding already listed below.")
    for target, n in news:
        out += [f"- **{target}**: {n['summary']}", f"  - smallest input: `{n['smallest']}`",
                f"  - signature: {n['signature']}", f"  - artifact: `{n['artifact']}`"]
    out += ["", "## Findings so far (fuzz/findings.py)", "",
            "Found by the first runs of these targets (8 s and 100 s per target, before the fixes of 51cba4a), "
            "two by the limit and fault tests. Each is pinned by the named test in `tests/robustness/`: a "
            "strict xfail while it is open (it turns into a failure, to be unpinned, once the fix lands), a "
            "plain test once fixed.", "",
            "| id | target | what | smallest input | status | fix goes |", "| --- | --- | --- | --- | --- | --- |"]
    for f in FINDINGS + _sip_findings():
        cell = lambda s: s.replace("|", "\\|").replace("\n", " ")  # noqa: E731
        out.append(f"| `{f.id}` | {f.target} | {cell(f.what)} | `{cell(f.smallest)}` | {f.status} "
                   f"(`{f.test}`) | {cell(f.fix)} |")
    out += ["", NOTES, "## Test results (tests/robustness)", ""]
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


def load_results() -> tuple[list[Result], list[dict[str, str]], float]:
    """The last run's rows, test results and seconds per target (fuzz/results.json)."""
    saved = json.loads((HERE / "results.json").read_text())
    if isinstance(saved, list):  # written before the tests were kept in it
        saved = {"targets": saved, "tests": read_junit(HERE / "crashes" / "robustness-junit.xml"),
                 "seconds": saved[0]["seconds"] if saved else 0}
    return [Result(**r) for r in saved["targets"]], saved["tests"], saved["seconds"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("FUZZ_SECONDS", 60)))
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--engine", choices=("atheris", "builtin"),
                        default="atheris" if importlib.util.find_spec("atheris") else "builtin")
    parser.add_argument("--examples", type=int, default=2000, help="hypothesis examples per robustness test")
    parser.add_argument("--no-tests", action="store_true")
    parser.add_argument("--report", type=Path, default=HERE / "REPORT.md")
    parser.add_argument("--from-results", action="store_true",
                        help="rewrite the report from the last run's fuzz/results.json and test results")
    parser.add_argument("--merge", action="store_true",
                        help="keep the last run's rows of the targets not run now (and its test results "
                             "with --no-tests)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.from_results:
        results, tests, seconds = load_results()
        write_report(results, tests, args.report, seconds)
        return 0
    results = []
    for name in args.targets.split(","):
        module = importlib.import_module(f"fuzz.targets.{name}")
        if hasattr(module, "campaign"):
            print(f"== {name}: {args.seconds:g}s live", flush=True)
            for result in run_live(name, args.seconds):
                print(f"   {result.engine}: {result.inputs:,} inputs, known {result.known}, new {len(result.new)}",
                      flush=True)
                results.append(result)
            continue
        result = Result(name, module.DESCRIPTION, args.engine)
        print(f"== {name}: {args.seconds:g}s with {args.engine}", flush=True)
        (run_atheris if args.engine == "atheris" else run_builtin)(name, args.seconds, result)
        print(f"   {result.inputs:,} inputs, known {result.known}, new {len(result.new)}", flush=True)
        results.append(result)
    tests = [] if args.no_tests else run_tests(args.examples)
    seconds = args.seconds
    if args.merge and (HERE / "results.json").exists():
        old, old_tests, seconds = load_results()
        ran = {r.target for r in results}
        results = [r for r in old if r.target not in ran] + results
        tests = tests or old_tests
    write_report(results, tests, args.report, seconds)
    (HERE / "results.json").write_text(json.dumps({"seconds": seconds, "tests": tests,
                                                   "targets": [r.__dict__ for r in results]}, indent=1))
    print(f"wrote {args.report.relative_to(ROOT) if args.report.is_relative_to(ROOT) else args.report}")
    return 1 if any(r.new for r in results) or any(t["outcome"] == "FAILED" for t in tests) else 0


if __name__ == "__main__":
    sys.exit(main())
