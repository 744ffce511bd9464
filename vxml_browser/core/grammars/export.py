"""Exporting voice grammars for speech recognisers: PocketSphinx JSGF and Vosk phrase lists.

Tags are dropped (recognisers return words; the words are then matched here for SISR).
Repeats become JSGF ``*``/``+`` and optional copies; GARBAGE has no JSGF form and becomes
``<NULL>``.
"""

from __future__ import annotations

import re
from itertools import product

from .grammar import Grammar
from .matcher import RuleKey, voice_words
from .nodes import Node, OneOf, Repeat, Rule, RuleRef, Seq, Tag, Token

_SAFE = re.compile(r"[^A-Za-z0-9_]")


def _linked(grammar: Grammar) -> tuple[dict[RuleKey, Rule], dict[RuleKey, str]]:
    """Rules reachable from the root, keyed like the program, with JSGF-safe names."""
    grammar.program()  # links external references (raises GrammarError if unbound)
    root = RuleKey(grammar.uri, grammar.root)
    rules: dict[RuleKey, Rule] = {root: grammar.rules[grammar.root]}
    names: dict[RuleKey, str] = {}
    todo = [root]
    while todo:
        key = todo.pop()
        for n in _walk(rules[key].body):
            if isinstance(n, RuleRef) and n.special is None:
                rkey, rule, _, _ = grammar._resolve(n, key.grammar)
                if rkey not in rules:
                    rules[rkey] = rule
                    todo.append(rkey)
    used: set[str] = set()
    for key in rules:
        base = _SAFE.sub("_", key.name) or "rule"
        name, i = base, 1
        while name in used:
            i += 1
            name = f"{base}_{i}"
        used.add(name)
        names[key] = name
    return rules, names


def _walk(node: Node):
    from .nodes import walk

    return walk(node)


def to_jsgf(grammar: Grammar) -> str:
    """The grammar in JSGF 1.0 for PocketSphinx."""
    rules, names = _linked(grammar)

    def expr(n: Node, owner: str) -> str:
        if isinstance(n, Token):
            return " ".join(voice_words(n.text)) or "<NULL>"
        if isinstance(n, Tag):
            return "<NULL>"
        if isinstance(n, Seq):
            parts = [expr(i, owner) for i in n.items if not isinstance(i, Tag)]
            return f"({' '.join(parts)})" if parts else "<NULL>"
        if isinstance(n, OneOf):
            plain = all(w == 1.0 for w, _ in n.alts)
            alts = [expr(a, owner) if plain else f"/{w:g}/ {expr(a, owner)}" for w, a in n.alts if w > 0]
            return f"({' | '.join(alts)})" if alts else "<VOID>"
        if isinstance(n, Repeat):
            body = expr(n.body, owner)
            if n.hi is None:
                parts = [body] * max(n.lo - 1, 0) + [f"{body}{'+' if n.lo else '*'}"]
                return f"({' '.join(parts)})"
            parts = [body] * n.lo + [f"[{body}"] * (n.hi - n.lo) + ["]"] * (n.hi - n.lo)
            return f"({' '.join(parts).replace(' ]', ']')})" if parts else "<NULL>"
        if isinstance(n, RuleRef):
            if n.special:
                return "<VOID>" if n.special == "VOID" else "<NULL>"
            key = grammar._resolve(n, owner)[0]
            return f"<{names[key]}>"
        raise TypeError(n)

    lines = ["#JSGF V1.0;", "", "grammar vxml;", ""]
    for key, rule in rules.items():
        public = "public " if key.grammar == grammar.uri and key.name == grammar.root else ""
        lines.append(f"{public}<{names[key]}> = {expr(rule.body, key.grammar)};")
    return "\n".join(lines) + "\n"


def to_phrases(grammar: Grammar, limit: int = 1000) -> list[str]:
    """Up to ``limit`` sentences of the grammar (for Vosk); unbounded repeats are cut at two more."""
    grammar.program()
    out: list[str] = []

    def gen(n: Node, owner: str, depth: int) -> list[tuple[str, ...]]:
        if depth > 25:
            return []
        if isinstance(n, Token):
            return [tuple(voice_words(n.text))]
        if isinstance(n, Tag):
            return [()]
        if isinstance(n, Seq):
            acc: list[tuple[str, ...]] = [()]
            for item in n.items:
                nxt = gen(item, owner, depth)
                acc = [a + b for a, b in product(acc, nxt)][:limit]
                if not acc:
                    break
            return acc
        if isinstance(n, OneOf):
            res: list[tuple[str, ...]] = []
            for w, alt in sorted(n.alts, key=lambda a: -a[0]):
                if w > 0:
                    res.extend(gen(alt, owner, depth))
                if len(res) >= limit:
                    break
            return res[:limit]
        if isinstance(n, Repeat):
            hi = n.hi if n.hi is not None else n.lo + 2
            body = gen(n.body, owner, depth)
            res = []
            for count in range(n.lo, min(hi, n.lo + 6) + 1):
                acc = [()]
                for _ in range(count):
                    acc = [a + b for a, b in product(acc, body)][:limit]
                res.extend(acc)
                if len(res) >= limit:
                    break
            return res[:limit]
        if isinstance(n, RuleRef):
            if n.special == "VOID":
                return []
            if n.special:
                return [()]
            key, rule, _, _ = grammar._resolve(n, owner)
            return gen(rule.body, key.grammar, depth + 1)
        raise TypeError(n)

    seen: set[str] = set()
    root = grammar.rules[grammar.root]
    for words in gen(root.body, grammar.uri, 0):
        phrase = " ".join(words)
        if phrase and phrase not in seen:
            seen.add(phrase)
            out.append(phrase)
            if len(out) >= limit:
                break
    return out
