"""``--realworld``: run every document of the real-world corpus and classify how each call ends.

The corpus (``/work/shared/realworld-vxml``, see its README and MANIFEST.tsv) is applications
that others wrote, not tests: nothing is expected to pass. Each document is served as it is and
called by a caller that stays silent twice, presses 1, 2 and # and hangs up. What matters is
that no Python exception escapes the interpreter: those are counted and listed as crashes.
"""

from __future__ import annotations

import asyncio
import csv
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.caller import ScriptCaller
from conformance.fetching import SuiteFetcher
from conformance.runner import DEFAULT_TIMEOUT_S, CallResult, Session, local_paths
from conformance.server import make_app

DEFAULT_REALWORLD_DIR = Path("/work/shared/realworld-vxml")
DOCUMENT_KINDS = ("vxml", "vxml-fragment")

OUTCOMES: tuple[str, ...] = (
    "exit", "hangup", "error.badfetch", "error.unsupported", "other error", "timeout", "crash",
)
"""How a real-world call ends, in report order."""


@dataclass(frozen=True, slots=True)
class RealDocument:
    """One corpus document: ``id`` is its path under the corpus, ``suite`` its folder."""

    id: str
    suite: str
    well_formed: str


def discover(corpus: Path = DEFAULT_REALWORLD_DIR) -> list[RealDocument]:
    """The VoiceXML documents MANIFEST.tsv lists (kinds ``vxml`` and ``vxml-fragment``)."""
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [RealDocument(r["file"], r["file"].split("/", 1)[0], r.get("well_formed", ""))
            for r in rows if r.get("kind") in DOCUMENT_KINDS]


def realworld_app(corpus: Path) -> Any:
    """The corpus served as it is (no transform, no helpers)."""
    return make_app(corpus)


def classify(events: list[dict[str, Any]], final: dict[str, Any] | None, *, hung_up: bool,
             timed_out: bool, crash: str | None) -> tuple[str, str]:
    """(outcome, detail) for one call; the detail of an error is its name and message."""
    if crash is not None:
        return "crash", crash
    if timed_out:
        return "timeout", ""
    errors = [e for e in events if e.get("event") == "error"]
    if errors:
        err = errors[-1]
        name = str(err.get("name", "error"))
        detail = f"{name}: {err.get('message', '')}".strip()
        if name.startswith("error.badfetch"):
            return "error.badfetch", detail
        if name.startswith("error.unsupported"):
            return "error.unsupported", detail
        return "other error", detail
    reason = str((final or {}).get("reason", ""))
    if hung_up or reason == "hangup":
        return "hangup", ""
    return "exit", repr((final or {}).get("value"))


async def run_document(doc: RealDocument, *, root: Path, base_url: str, fetcher: Any,
                       run_session: Session, timeout_s: float = DEFAULT_TIMEOUT_S) -> CallResult:
    """Call one document with the scripted caller; never raises."""
    url = base_url + doc.id
    caller = ScriptCaller()
    started = time.monotonic()
    final: dict[str, Any] | None = None
    crash: str | None = None
    timed_out = False
    try:
        final = await asyncio.wait_for(
            run_session(url, caller, fetcher=SuiteFetcher(fetcher, url.rsplit("/", 1)[0] + "/"),
                        timeout_s=timeout_s),
            timeout_s + min(2.0, timeout_s),
        )
    except TimeoutError:
        timed_out = True
    except Exception as exc:  # the point of this run: count it, never let it escape
        crash = f"{type(exc).__name__}: {exc}".strip()
    if final is not None and final.get("reason") == "timeout":
        timed_out = True
    hung_up = caller.hung_up
    outcome, detail = classify(caller.events, final, hung_up=hung_up, timed_out=timed_out,
                               crash=crash)
    return CallResult(doc.id, doc.suite, outcome, local_paths(detail, base_url),
                      round(time.monotonic() - started, 3))


def summary(results: Sequence[CallResult]) -> dict[str, Any]:
    """The JSON report of a real-world run."""
    counts = Counter(r.status for r in results)
    return {
        "documents": len(results),
        "outcomes": {k: counts.get(k, 0) for k in OUTCOMES},
        "crashes": [{"id": r.id, "reason": r.reason} for r in results if r.status == "crash"],
        "results": [r.to_dict() for r in results],
    }


_WHERE = re.compile(r"^[\w.]+: (?:\S+:\d+: )?")
_URI = re.compile(r"https?://\S+|file:\S+|(?<![\w+])/[\w.-]+/\S+")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_CHOICES = re.compile(r"expected one of .*$")


def error_kind(detail: str) -> str:
    """An error's detail without its name, place, URIs, quoted values and lists of choices."""
    text = _WHERE.sub("", detail.split("\n", 1)[0])
    text = _CHOICES.sub("expected one of …", _URI.sub("URI", text))
    return _QUOTED.sub("…", text)[:100]


def markdown(results: Sequence[CallResult], *, corpus: str, seconds: float) -> str:
    """REALWORLD.md: outcome counts, crashes, badfetch lines and the other errors."""
    counts = Counter(r.status for r in results)
    lines = [
        "# Real-world VoiceXML corpus: how each call ends",
        "",
        "Generated by `vxml-conformance --realworld` (conformance/realworld.py); do not edit by hand.",
        f"Corpus: `{corpus}` ({len(results)} documents from MANIFEST.tsv), {seconds:.1f} s.",
        "Caller: silent twice, then presses 1, 2 and #, then hangs up.",
        "",
        "| outcome | documents |",
        "| --- | ---: |",
    ]
    lines += [f"| {k} | {counts.get(k, 0)} |" for k in OUTCOMES]
    kinds = Counter((r.status, error_kind(r.reason)) for r in results
                    if r.status in ("error.badfetch", "error.unsupported", "other error"))
    if kinds:
        lines += ["", "## Errors by kind", "", "| outcome | message (values elided) | documents |",
                  "| --- | --- | ---: |"]
        lines += [f"| {o} | {m.replace('|', '/')} | {n} |" for (o, m), n in kinds.most_common()]
    for title, outcome in (("Crashes (Python exceptions)", "crash"),
                           ("error.badfetch", "error.badfetch"),
                           ("error.unsupported.*", "error.unsupported"),
                           ("Other errors", "other error"), ("Time-outs", "timeout")):
        rows = [r for r in results if r.status == outcome]
        if not rows:
            continue
        lines += ["", f"## {title}", ""]
        lines += [f"- `{r.id}`: {r.reason.replace(chr(10), ' ')[:240]}" for r in rows]
    lines.append("")
    return "\n".join(lines)
