"""Benchmark: interpreter transitions per second over a cached multi-document application.

The application (``DOCUMENTS``) has five documents: an application root (variables and a
``0`` link) and four leaves with forms, blocks, DTMF fields (an inline SRGS grammar and the
``digits`` and ``boolean`` built-ins), ``<var>``, ``<if>``/``<assign>``, prompts with ``<value>``
and ``<goto>`` between documents and between dialogs. One lap of the caller's keys walks

    main#start -> main#menu (choice) -> accounts (account, confirm) -> payments (amount)
    -> summary -> main#start

which is ``TRANSITIONS_PER_LAP`` = 9 transitions: 5 dialog/document transitions and 4 filled
fields. A ``Session`` is driven directly (no asyncio): fetches are answered from a dict of
bytes with a validator, through one shared ``DocumentCache``, so every document is parsed once
(in the warm-up run) and every later fetch is a cache hit; DTMF keys are given one per
``Collect`` and the end of a field's keys is silence (``NoInput``), as the console caller does.

The baseline is the irreducible work of the same laps, measured in the same process: lxml
parses each document once, and QuickJS evaluates the expressions the application evaluates on
each lap (``LAP_EXPRESSIONS``: its conds, exprs, assignments and the filled field values), each
through a compiled function cached per expression and called over a ``with`` chain of scope
objects, as ``vxml_browser.core.scripting`` does.

Writes ``bench/results/interpreter.json``:
  ``value``     our transitions per second (median of ``runs`` timed runs)
  ``baseline``  baseline transitions per second (median of ``runs`` timed runs)
  ``ratio``     ours / baseline as time per transition (= baseline / value): how many times the
                irreducible work a transition costs us; the goal is ``ratio <= 2`` with
                ``value >= 5000``
  ``laps``, ``transitions`` per timed run; ``goal`` the two targets.

    .venv/bin/python bench/interpreter.py [--laps N] [--runs N] [--profile] [--out FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import quickjs
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vxml_browser.adapters.telephony import new_session  # noqa: E402
from vxml_browser.core.actions import Collect, Exit, Fetch, Play  # noqa: E402
from vxml_browser.core.inputs import (  # noqa: E402
    Ack,
    DtmfKey,
    Fetched,
    FetchFailed,
    Input,
    NoInput,
    Played,
    Start,
)
from vxml_browser.core.interpreter import DocumentCache  # noqa: E402

RESULT = Path(__file__).resolve().parent / "results" / "interpreter.json"
GOAL_TPS = 5000
GOAL_RATIO = 2.0
BASE = "http://bench.invalid/app/"
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml"'

DOCUMENTS: dict[str, str] = {
    "root.vxml": _HEAD + """>
  <var name="laps" expr="0"/>
  <var name="balance" expr="100"/>
  <var name="last" expr="''"/>
  <link dtmf="0" next="operator.vxml"/>
</vxml>
""",
    "main.vxml": _HEAD + """ application="root.vxml">
  <form id="start">
    <block>
      <assign name="laps" expr="laps + 1"/>
      <if cond="laps &gt; session.bench.laps">
        <exit expr="laps - 1"/>
      </if>
      <goto next="#menu"/>
    </block>
  </form>
  <form id="menu">
    <field name="choice">
      <prompt>Press 1 for accounts.</prompt>
      <grammar mode="dtmf" version="1.0" root="choice" xmlns="http://www.w3.org/2001/06/grammar">
        <rule id="choice"><one-of><item>1</item><item>2</item></one-of></rule>
      </grammar>
      <filled>
        <if cond="choice == '1'">
          <goto next="accounts.vxml"/>
        <else/>
          <goto next="payments.vxml"/>
        </if>
      </filled>
    </field>
  </form>
</vxml>
""",
    "accounts.vxml": _HEAD + """ application="root.vxml">
  <var name="tries" expr="0"/>
  <form id="account">
    <field name="account" type="digits?length=4">
      <prompt>Your account number?</prompt>
    </field>
    <field name="confirm" type="boolean">
      <prompt>Account <value expr="account"/>. Press 1 if right.</prompt>
      <filled>
        <if cond="confirm">
          <assign name="last" expr="account"/>
          <goto next="payments.vxml"/>
        <else/>
          <assign name="tries" expr="tries + 1"/>
          <clear namelist="account confirm"/>
        </if>
      </filled>
    </field>
  </form>
</vxml>
""",
    "payments.vxml": _HEAD + """ application="root.vxml">
  <form id="pay">
    <var name="limit" expr="50"/>
    <field name="amount" type="digits?maxlength=2">
      <prompt>How much? Up to <value expr="limit"/>.</prompt>
      <filled>
        <assign name="balance" expr="balance - Number(amount)"/>
        <if cond="balance &lt; 0">
          <assign name="balance" expr="100"/>
        </if>
        <goto next="summary.vxml"/>
      </filled>
    </field>
  </form>
</vxml>
""",
    "summary.vxml": _HEAD + """ application="root.vxml">
  <form id="summary">
    <block>
      <var name="text" expr="'Balance ' + balance + ' after account ' + last"/>
      <prompt><value expr="text"/></prompt>
      <goto next="main.vxml"/>
    </block>
  </form>
</vxml>
""",
}

# The caller's keys for one lap, one entry per field: choice, account, confirm, amount.
LAP_KEYS = ("1", "1234", "1", "25")
TRANSITIONS_PER_LAP = 9

# What the application evaluates on one lap, in order: (kind, source, scope). ``expr`` is an
# expression's value, ``bool`` a cond, ``assign`` an assignment (a filled field value is the
# assignment of its value). Scopes: the leaf of the chain the expression runs in.
LAP_EXPRESSIONS: tuple[tuple[str, str, str], ...] = (
    # main#start
    ("assign", "laps = (laps + 1)", "dialog"),
    ("bool", "laps > session.bench.laps", "dialog"),
    # main#menu
    ("assign", "choice = ('1')", "dialog"),
    ("bool", "choice == '1'", "dialog"),
    # accounts
    ("expr", "0", "document"),
    ("assign", "account = ('1234')", "dialog"),
    ("expr", "account", "dialog"),
    ("assign", "confirm = (true)", "dialog"),
    ("bool", "confirm", "dialog"),
    ("assign", "last = (account)", "dialog"),
    # payments
    ("expr", "50", "dialog"),
    ("expr", "limit", "dialog"),
    ("assign", "amount = ('25')", "dialog"),
    ("assign", "balance = (balance - Number(amount))", "dialog"),
    ("bool", "balance < 0", "dialog"),
    # summary
    ("expr", "'Balance ' + balance + ' after account ' + last", "dialog"),
    ("expr", "text", "dialog"),
)


def fetched_documents() -> dict[str, Fetched]:
    """The application as a fetcher's answers, each with a validator (so the cache hits)."""
    out = {}
    for i, (name, text) in enumerate(DOCUMENTS.items()):
        uri = BASE + name
        out[uri] = Fetched(uri, text.encode("utf-8"), "application/voicexml+xml", f'"v{i}"')
    return out


class Driver:
    """Answers a session's actions: fetches from a dict, the lap's keys, everything else at once."""

    def __init__(self, documents: dict[str, Fetched]) -> None:
        self.documents = documents
        self.keys: list[str] = []
        self.script = 0
        self.fields = 0

    def answer(self, action: Any) -> Input:
        if isinstance(action, Fetch):
            return self.documents.get(action.uri) or FetchFailed(action.uri, 404)
        if isinstance(action, Collect):
            if action.phase == "start":
                self.keys = list(LAP_KEYS[self.script % len(LAP_KEYS)])
                self.script += 1
                self.fields += 1
            if self.keys:
                return DtmfKey(self.keys.pop(0))
            return NoInput()
        if isinstance(action, Play):
            return Played()
        return Ack()


def run_ours(laps: int, cache: DocumentCache, documents: dict[str, Fetched]) -> tuple[float, int]:
    """One call of ``laps`` laps; returns (seconds, transitions)."""
    driver = Driver(documents)
    session = new_session(documents=cache, limits={"max_steps": 1 << 60})
    start = time.perf_counter()
    action = session.start(Start(BASE + "main.vxml", {"bench": {"laps": laps}}))
    answer = driver.answer
    send = session.send
    while not isinstance(action, Exit):
        action = send(answer(action))
    elapsed = time.perf_counter() - start
    if action.value != laps or driver.fields != 4 * laps:
        raise AssertionError(f"the bench app went astray: exit {action!r}, {driver.fields} fields")
    return elapsed, laps * TRANSITIONS_PER_LAP


_CHAIN = {"session": 1, "application": 2, "document": 3, "dialog": 4}


def run_baseline(laps: int) -> tuple[float, int]:
    """The irreducible work of ``laps`` laps; returns (seconds, transitions)."""
    ctx = quickjs.Context()
    new_scope = ctx.eval("(function(n){var s=Object.create(null); if(n) s[n]=s; return s;})")
    chain_of = ctx.eval("(function(){return Array.prototype.slice.call(arguments);})")
    session = new_scope("session")
    application = new_scope("application")
    document = new_scope("document")
    dialog = new_scope("dialog")
    set_ = ctx.eval("(function(o,n,v){o[n]=v;})")
    set_(session, "bench", ctx.parse_json(json.dumps({"laps": laps})))
    for name, value in (("laps", 0), ("balance", 100), ("last", "")):
        set_(application, name, value)
    for name in ("choice", "account", "confirm", "tries", "amount", "limit", "text"):
        set_(dialog, name, None)
    objects = [session, application, document, dialog]
    chains = {name: chain_of(*objects[:depth]) for name, depth in _CHAIN.items()}
    compiled: dict[tuple[str, str], Any] = {}
    start = time.perf_counter()
    for text in DOCUMENTS.values():
        etree.fromstring(text.encode("utf-8"))
    for _ in range(laps):
        for kind, source, scope in LAP_EXPRESSIONS:
            key = (source, scope)
            fn = compiled.get(key)
            if fn is None:
                withs = "".join(f"with(c[{i}])" for i in range(_CHAIN[scope]))
                body = f"{withs}{{{source};}}" if kind == "assign" else f"{withs}{{return ({source}\n);}}"
                fn = compiled[key] = ctx.eval(f"(function(c){{{body}}})")
            value = fn(chains[scope])
            if kind == "bool":
                bool(value)
    elapsed = time.perf_counter() - start
    return elapsed, laps * TRANSITIONS_PER_LAP


def run(laps: int = 300, runs: int = 7) -> dict[str, Any]:
    documents = fetched_documents()
    cache = DocumentCache()
    run_ours(2, cache, documents)  # warm-up: parses each document once, into the shared cache
    run_baseline(2)
    ours, base = [], []
    for _ in range(runs):
        seconds, transitions = run_ours(laps, cache, documents)
        ours.append(transitions / seconds)
        seconds, transitions = run_baseline(laps)
        base.append(transitions / seconds)
    value = statistics.median(ours)
    baseline = statistics.median(base)
    return {
        "name": "interpreter",
        "metric": "transitions/s (dialog or document transitions and filled fields) over a cached "
                  "5-document app (value) vs lxml parse once + QuickJS evaluation of the app's "
                  "expressions (baseline); ratio = ours/baseline time per transition",
        "value": round(value, 1),
        "unit": "transitions/s",
        "baseline": round(baseline, 1),
        "ratio": round(baseline / value, 2),
        "runs": runs,
        "laps": laps,
        "transitions": laps * TRANSITIONS_PER_LAP,
        "goal": {"value": f">= {GOAL_TPS}", "ratio": f"<= {GOAL_RATIO}"},
    }


def profile(laps: int, top: int = 25) -> None:
    """cProfile one call of ``laps`` laps (after a warm-up) and print the top functions."""
    documents = fetched_documents()
    cache = DocumentCache()
    run_ours(2, cache, documents)
    profiler = cProfile.Profile()
    profiler.enable()
    run_ours(laps, cache, documents)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stderr)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laps", type=int, default=300, help="laps of the app per timed run")
    parser.add_argument("--runs", type=int, default=7, help="timed runs (the median is reported)")
    parser.add_argument("--profile", action="store_true", help="cProfile one run instead, to stderr")
    parser.add_argument("--out", type=Path, default=RESULT, help="where to write the JSON result")
    args = parser.parse_args(argv)
    if args.profile:
        profile(args.laps)
        return
    result = run(args.laps, args.runs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"interpreter: {result['value']:.0f} transitions/s (goal >= {GOAL_TPS}), baseline "
          f"{result['baseline']:.0f}/s, ours/baseline {result['ratio']:.2f} (goal <= {GOAL_RATIO}), "
          f"median of {result['runs']} runs of {result['transitions']} transitions")


if __name__ == "__main__":
    main()
