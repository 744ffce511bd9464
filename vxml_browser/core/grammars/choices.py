"""Grammars generated from ``<choice>`` and ``<option>`` (VoiceXML 2.0 §2.2.4, §2.2.5, §2.3.1.3).

A match returns the choice's value. With ``accept="approximate"`` any ordered subsequence of a
phrase's words matches, scored by the share of the phrase that was said; whole phrases come
first so an exact match wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .grammar import Grammar, Scored
from .matcher import dtmf_keys, voice_words
from .nodes import GrammarDoc, GrammarError, Node, OneOf, Repeat, Rule, RuleRef, Tag, Token, seq

CHOICE_URI = "vxml:choices"
_CACHE: dict[Any, Grammar] = {}


def _alt(words: list[str], value: Any) -> Node:
    return seq([*(Token(w) for w in words), Tag("", value=value, native=True)])


def _subsequences(words: list[str], value: Any) -> list[Node]:
    """Every ordered subsequence of ``words``: a first word, then each later word optional."""
    alts: list[Node] = []
    for i, first in enumerate(words):
        rest = [Repeat(Token(w), 0, 1) for w in words[i + 1:]]
        alts.append(seq([Token(first), *rest, Tag("", value=value, native=True)]))
    return alts


def choice_grammar(choices: Sequence[tuple[str | None, str | None, Any]], *, mode: str,
                   accept: str = "exact") -> Grammar:
    """A grammar for a menu's choices or a field's options in one mode ('dtmf' or 'voice')."""
    if mode not in ("voice", "dtmf"):
        raise GrammarError(CHOICE_URI, None, f"invalid mode '{mode}': expected voice or dtmf")
    if accept not in ("exact", "approximate"):
        raise GrammarError(CHOICE_URI, None, f"invalid accept '{accept}': expected exact or approximate")
    try:
        key: Any = (tuple((p, d, v) for p, d, v in choices), mode, accept)
        hash(key)
    except TypeError:
        key = None
    if key is not None and key in _CACHE:
        return _CACHE[key]
    exact: list[Node] = []
    approx: list[Node] = []
    for phrase, dtmf, value in choices:
        if mode == "dtmf":
            keys = dtmf_keys(dtmf) if dtmf else []
            if keys:
                exact.append(_alt(keys, value))
            continue
        words = voice_words(phrase or "")
        if not words:
            continue
        if accept == "approximate":
            exact.append(_alt(words, Scored(value, len(words))))
            approx.extend(_subsequences(words, Scored(value, len(words))))
        else:
            exact.append(_alt(words, value))
    alts = exact + approx
    body: Node = OneOf(tuple((1.0, a) for a in alts)) if alts else RuleRef(special="VOID")
    doc = GrammarDoc(uri=CHOICE_URI, mode=mode, root="choices", tag_format="semantics/1.0")
    doc.rules["choices"] = Rule("choices", "public", body)
    g = Grammar(doc, mode=mode, root="choices")
    if key is not None:
        if len(_CACHE) > 512:
            _CACHE.clear()
        _CACHE[key] = g
    return g
