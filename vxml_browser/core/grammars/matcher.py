"""Compiling rules into a token program and running it (SRGS 1.0 §2, §5 matching).

Rules compile to a small instruction list; a Pike VM runs it over the input tokens with a
return stack for rule references, so recursion needs no Python recursion and every thread
keeps its parse events (rule enter/exit, tokens, tags) as a shared linked list. Threads are
kept in priority order (alternatives by descending weight, then document order; optional
items greedy, GARBAGE lazy), so the first accepting thread is the preferred parse.
Left-recursive rules are rejected when the program is built (SRGS §2.2.1 leaves them optional).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .nodes import GrammarError, Node, OneOf, Repeat, Rule, RuleRef, Seq, Tag, Token

# opcodes
TOK, SPLIT, CALL, RET, TAG, ANY, MATCH, FAIL, TOKS = range(9)
# event kinds
EV_TOKEN, EV_ENTER, EV_EXIT, EV_TAG = range(4)
MAX_PROGRAM = 400_000
MAX_STACK = 400

_VOICE_SPLIT = re.compile(r"[^\w']+")
_DTMF_NAMES = {"star": "*", "pound": "#", "hash": "#"}


def voice_words(text: str) -> list[str]:
    """Voice tokens: case folded, punctuation removed (SRGS §2.1 token normalisation)."""
    out = []
    for w in _VOICE_SPLIT.split(text.casefold()):
        w = w.strip("'_")
        if w:
            out.append(w)
    return out


def dtmf_keys(text: str) -> list[str]:
    """DTMF tokens: 0-9, *, #, A-D; 'star' and 'pound' are synonyms (SRGS Appendix F)."""
    out: list[str] = []
    for w in text.split():
        name = _DTMF_NAMES.get(w.lower())
        if name:
            out.append(name)
        else:
            out.extend(c.upper() for c in w)
    return out


@dataclass(frozen=True, slots=True)
class RuleKey:
    """A rule in a linked program: the grammar URI and rule name."""

    grammar: str
    name: str


@dataclass(slots=True)
class Label:
    """What an ENTER event names: the rule, and the reference as written."""

    name: str
    ref_uri: str | None
    key: RuleKey


@dataclass(slots=True)
class TagInfo:
    text: str
    fmt: str
    value: Any = None
    native: bool = False
    line: int = 0
    uri: str = ""
    rule: RuleKey | None = None


@dataclass(slots=True)
class Program:
    """A compiled grammar: instructions, the rule labels and the tags they mention."""

    code: list[tuple[Any, ...]] = field(default_factory=list)
    entry: int = 0
    labels: list[Label] = field(default_factory=list)
    tags: list[TagInfo] = field(default_factory=list)
    header_scripts: list[str] = field(default_factory=list)
    scripted: bool = False
    separator: str = " "  # between tokens in rule text: "" for DTMF ("123", as the utterance)
    semantic: Any = None  # the semantic evaluator, set by the grammar


Resolver = Callable[[RuleRef, str], tuple[RuleKey, Rule, str, str | None]]
# resolver(ref, from_grammar_uri) -> (key, rule, tag format of the rule's grammar, the reference as
# written for external references, else None)


class Compiler:
    """Build a ``Program`` from a root rule, resolving references through ``resolve``."""

    def __init__(self, mode: str, resolve: Resolver) -> None:
        self.mode = mode
        self.resolve = resolve
        self.prog = Program(separator="" if mode == "dtmf" else " ")
        self.code = self.prog.code
        self.entries: dict[RuleKey, int] = {}
        self.pending: list[tuple[RuleKey, Rule, str]] = []
        self.label_ids: dict[tuple[RuleKey, str | None], int] = {}
        self.rules: dict[RuleKey, tuple[Rule, str]] = {}
        self.ret = self.emit_op((RET,))
        self.fail_pc = self.emit_op((FAIL,))

    def emit_op(self, ins: tuple[Any, ...]) -> int:
        self.code.append(ins)
        if len(self.code) > MAX_PROGRAM:
            raise GrammarError(self.current_uri, None, "grammar too large: over "
                               f"{MAX_PROGRAM} instructions after expanding repeats")
        return len(self.code) - 1

    current_uri = ""
    current_rule: RuleKey | None = None

    def words(self, text: str) -> list[str]:
        return dtmf_keys(text) if self.mode == "dtmf" else voice_words(text)

    def build(self, key: RuleKey, rule: Rule, fmt: str, root_ref: str | None = None) -> Program:
        entry = self.rule_entry(key, rule, fmt)
        match = self.emit_op((MATCH,))
        label = self.label(key, rule.name, root_ref)
        self.prog.entry = self.emit_op((CALL, entry, match, label))
        while self.pending:
            k, r, f = self.pending.pop()
            self.current_uri = k.grammar
            self.current_rule = k
            start = self.node(r.body, self.ret, k.grammar, f)
            self.code[self.entries[k]] = (SPLIT, (start,))
        self.check_left_recursion()
        return self.prog

    def rule_entry(self, key: RuleKey, rule: Rule, fmt: str) -> int:
        pc = self.entries.get(key)
        if pc is None:
            pc = self.emit_op((SPLIT, ()))
            self.entries[key] = pc
            self.rules[key] = (rule, fmt)
            self.pending.append((key, rule, fmt))
        return pc

    def label(self, key: RuleKey, name: str, ref_uri: str | None) -> int:
        lk = (key, ref_uri)
        lid = self.label_ids.get(lk)
        if lid is None:
            lid = len(self.prog.labels)
            self.prog.labels.append(Label(name, ref_uri, key))
            self.label_ids[lk] = lid
        return lid

    def node(self, n: Node, k: int, guri: str, fmt: str) -> int:
        if isinstance(n, Token):
            for w in reversed(self.words(n.text)):
                k = self.emit_op((TOK, w, k))
            return k
        if isinstance(n, Seq):
            for item in reversed(n.items):
                k = self.node(item, k, guri, fmt)
            return k
        if isinstance(n, OneOf):
            order = sorted(range(len(n.alts)), key=lambda i: -n.alts[i][0])
            starts = tuple(self.node(n.alts[i][1], k, guri, fmt) for i in order if n.alts[i][0] > 0)
            if not starts:
                return self.fail_pc
            if len(starts) > 1 and all(self.code[s][0] == TOK for s in starts):
                # alternatives that all start with a token: one dict lookup per input token
                table: dict[str, list[int]] = {}
                for s in starts:
                    _, word, nxt = self.code[s]
                    table.setdefault(word, []).append(nxt)
                return self.emit_op((TOKS, {w: tuple(t) for w, t in table.items()}))
            return self.emit_op((SPLIT, starts))
        if isinstance(n, Repeat):
            return self.repeat(n, k, guri, fmt)
        if isinstance(n, Tag):
            tid = len(self.prog.tags)
            self.prog.tags.append(TagInfo(n.text, fmt, n.value, n.native, n.line, guri, self.current_rule))
            if not n.native and fmt != "semantics/1.0-literals":
                self.prog.scripted = True
            return self.emit_op((TAG, tid, k))
        if isinstance(n, RuleRef):
            if n.special == "NULL":
                return k
            if n.special == "VOID":
                return self.fail_pc
            if n.special == "GARBAGE":
                loop = self.emit_op((SPLIT, ()))
                anyop = self.emit_op((ANY, loop))
                self.code[loop] = (SPLIT, (k, anyop))
                return anyop
            key, rule, rfmt, written = self.resolve(n, guri)
            entry = self.rule_entry(key, rule, rfmt)
            label = self.label(key, rule.name, written)
            return self.emit_op((CALL, entry, k, label))
        raise TypeError(n)

    def repeat(self, n: Repeat, k: int, guri: str, fmt: str) -> int:
        if n.hi is None:
            loop = self.emit_op((SPLIT, ()))
            body = self.node(n.body, loop, guri, fmt)
            self.code[loop] = (SPLIT, (body, k))
            cur = loop
        else:
            cur = k
            for _ in range(n.hi - n.lo):
                body = self.node(n.body, cur, guri, fmt)
                cur = self.emit_op((SPLIT, (body, k)))
        for _ in range(n.lo):
            cur = self.node(n.body, cur, guri, fmt)
        return cur

    def check_left_recursion(self) -> None:
        """Reject rules that can call themselves before consuming a token (SRGS §2.2.1)."""
        code = self.code
        nullable: dict[int, bool] = {}

        # nullable(entry): can the rule reach RET without a token? (fixed point)
        def reach(start: int, stop_at_calls: bool) -> tuple[bool, set[int]]:
            seen: set[int] = set()
            work = [start]
            ends = False
            calls: set[int] = set()
            while work:
                pc = work.pop()
                if pc in seen:
                    continue
                seen.add(pc)
                ins = code[pc]
                op = ins[0]
                if op == SPLIT:
                    work.extend(ins[1])
                elif op == TAG:
                    work.append(ins[2])
                elif op == RET:
                    ends = True
                elif op == CALL:
                    calls.add(ins[1])
                    if nullable.get(ins[1], False):
                        work.append(ins[2])
            return ends, calls

        entries = list(self.entries.values())
        changed = True
        while changed:
            changed = False
            for e in entries:
                if not nullable.get(e, False) and reach(e, True)[0]:
                    nullable[e] = True
                    changed = True
        left = {e: reach(e, True)[1] for e in entries}
        names = {pc: key for key, pc in self.entries.items()}
        # cycle search over the left-call graph
        state: dict[int, int] = {}
        for e in entries:
            if state.get(e):
                continue
            stack: list[tuple[int, Iterable[int]]] = [(e, iter(left[e]))]
            state[e] = 1
            while stack:
                pc, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    state[pc] = 2
                    stack.pop()
                    continue
                st = state.get(nxt, 0)
                if st == 1:
                    key = names[nxt]
                    rule, _ = self.rules[key]
                    raise GrammarError(key.grammar, rule.line or None,
                                       f"rule '{rule.name}' is left-recursive (not supported)")
                if st == 0:
                    state[nxt] = 1
                    stack.append((nxt, iter(left.get(nxt, ()))))


Thread = tuple[int, Any, Any]  # pc, return stack (linked tuples), events (linked tuples)


def _closure(code: list[tuple[Any, ...]], pc: int, stack: Any, ev: Any,
             out: list[Thread], seen: set[tuple[int, Any]]) -> None:
    work = [(pc, stack, ev, 0)]
    pop = work.pop
    push = work.append
    while work:
        pc, stack, ev, depth = pop()
        key = (pc, stack)
        if key in seen:
            continue
        seen.add(key)
        ins = code[pc]
        op = ins[0]
        if op == SPLIT:
            for t in reversed(ins[1]):
                push((t, stack, ev, depth))
        elif op == TOK or op == TOKS or op == ANY or op == MATCH:
            out.append((pc, stack, ev))
        elif op == CALL:
            if depth > MAX_STACK:
                continue
            push((ins[1], (ins[2], stack), (ev, EV_ENTER, ins[3]), depth + 1))
        elif op == RET:
            push((stack[0], stack[1], (ev, EV_EXIT, None), depth - 1 if depth else 0))
        elif op == TAG:
            push((ins[2], stack, (ev, EV_TAG, ins[1]), depth))
        # FAIL: thread dies


@dataclass(slots=True)
class RunResult:
    accepted: list[Any]      # event lists of accepting threads, best first
    can_grow: bool           # some thread still expects a token
    alive: bool              # the tokens are a prefix of some sentence


def run(prog: Program, tokens: list[str]) -> RunResult:
    """Run the program over ``tokens`` (Pike VM)."""
    code = prog.code
    threads: list[Thread] = []
    _closure(code, prog.entry, None, None, threads, set())
    for tok in tokens:
        nxt: list[Thread] = []
        seen: set[tuple[int, Any]] = set()
        for pc, stack, ev in threads:
            ins = code[pc]
            op = ins[0]
            if op == TOKS:
                targets = ins[1].get(tok)
                if targets:
                    tev = (ev, EV_TOKEN, tok)
                    for target in targets:
                        _closure(code, target, stack, tev, nxt, seen)
            elif op == TOK:
                if ins[1] == tok:
                    _closure(code, ins[2], stack, (ev, EV_TOKEN, tok), nxt, seen)
            elif op == ANY:
                _closure(code, ins[1], stack, (ev, EV_TOKEN, tok), nxt, seen)
        threads = nxt
        if not threads:
            return RunResult([], False, False)
    accepted = []
    grow = False
    for pc, _stack, ev in threads:
        if code[pc][0] == MATCH:
            accepted.append(ev)
        else:
            grow = True
    return RunResult(accepted, grow, True)


def events_of(ev: Any) -> list[tuple[int, Any]]:
    """The linked events of a thread as a list, oldest first."""
    out = []
    while ev is not None:
        ev, kind, arg = ev
        out.append((kind, arg))
    out.reverse()
    return out
