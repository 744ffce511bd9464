"""The grammar IR shared by the XML and ABNF forms (SRGS 1.0 §2, §4).

Both parsers build the same tree of frozen nodes; the compiler, the renderers and the
exporters read it. Every node that can be wrong knows its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vxml_browser.core.model import DocumentError

SRGS_NS = "http://www.w3.org/2001/06/grammar"
VXML_NS = "http://www.w3.org/2001/vxml"
SCRIPT_FORMAT = "semantics/1.0"
LITERAL_FORMAT = "semantics/1.0-literals"
SPECIAL_RULES = ("NULL", "VOID", "GARBAGE")


class GrammarError(DocumentError):
    """A grammar that cannot be used; the interpreter throws error.badfetch (VoiceXML 2.0 §3.1)."""


@dataclass(frozen=True, slots=True)
class Token:
    """A token (SRGS §2.1); ``text`` may hold several words of a quoted multi-word token."""

    text: str
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class RuleRef:
    """A rule reference (SRGS §2.2): local ``name``, external ``uri`` (+ ``name`` fragment) or special."""

    name: str | None = None
    uri: str | None = None
    special: str | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class Tag:
    """A tag (SRGS §2.6): script or literal text; ``value`` is a Python value for built-in grammars."""

    text: str
    line: int = 0
    value: Any = None
    native: bool = False


@dataclass(frozen=True, slots=True)
class Seq:
    """A sequence of expansions (SRGS §2.3)."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class OneOf:
    """Alternatives with weights (SRGS §2.4)."""

    alts: tuple[tuple[float, Node], ...]


@dataclass(frozen=True, slots=True)
class Repeat:
    """An item repeated ``lo`` to ``hi`` times (``hi`` None = unbounded) (SRGS §2.5)."""

    body: Node
    lo: int
    hi: int | None
    prob: float | None = None


Node = Token | RuleRef | Tag | Seq | OneOf | Repeat


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule definition (SRGS §3)."""

    name: str
    scope: str
    body: Node
    line: int = 0


@dataclass(slots=True)
class GrammarDoc:
    """A parsed grammar document (SRGS §4): header declarations and rules."""

    uri: str
    rules: dict[str, Rule] = field(default_factory=dict)
    root: str | None = None
    root_line: int | None = None
    mode: str = "voice"
    lang: str | None = None
    tag_format: str | None = None
    base: str | None = None
    version: str = "1.0"
    metas: dict[str, str] = field(default_factory=dict)
    lexicons: list[str] = field(default_factory=list)
    metadata: list[str] = field(default_factory=list)
    header_tags: list[Tag] = field(default_factory=list)


def seq(items: list[Node]) -> Node:
    """A sequence, flattened: one item stands for itself."""
    flat: list[Node] = []
    for item in items:
        if isinstance(item, Seq):
            flat.extend(item.items)
        else:
            flat.append(item)
    return flat[0] if len(flat) == 1 else Seq(tuple(flat))


def walk(node: Node):
    """Every node under ``node`` (pre-order)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, Seq):
            stack.extend(reversed(n.items))
        elif isinstance(n, OneOf):
            stack.extend(reversed([a for _, a in n.alts]))
        elif isinstance(n, Repeat):
            stack.append(n.body)
