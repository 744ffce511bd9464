"""Grammar activation (VoiceXML 2.0 §3.1.3, §3.1.4).

While the FIA waits in a form item, these grammars are active, in precedence order: the
item's own grammars (and links inside it); unless the item is modal, the form's grammars and
links; grammars of document-scoped dialogs and document links; the same from the application
root document; then the platform's universal grammars (§6.3.6).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..events import Thrown
from ..scripting import Scope

if TYPE_CHECKING:
    from ..interpreter import Interpreter
    from ..model import Node

Owner = Literal["item", "form", "link", "choice", "dialog", "universal"]


@dataclass(frozen=True, slots=True)
class Entry:
    """An active grammar and what it belongs to."""

    grammar: Any
    owner: Owner
    node: Node  # the field, form, link, choice or dialog the grammar belongs to
    mode: str


UNIVERSALS = ("help", "exit", "cancel")

SRGS_TYPES = frozenset({"application/srgs+xml", "application/srgs", "application/grammar+xml",
                        "application/x-srgs+xml", "text/xml", "application/xml"})
"""Grammar media types the engine reads (SRGS 1.0 XML and ABNF; XML by content)."""
FOREIGN_TYPES = frozenset({"application/x-jsgf", "application/jsgf", "text/x-jsgf", "text/gsl",
                           "application/x-nuance-gsl", "application/grammar+luis"})


def _grammar_mode(node: Node, default: str = "voice") -> str:
    return node.get("mode") or default


def grammars_of(ctx: Interpreter, node: Node, scope: Scope, *, owner: Owner, into: list[Entry],
                document_scoped_only: bool = False) -> Generator[Any, Any, Thrown | None]:
    """Load the ``<grammar>`` children of ``node`` (inline, src, srcexpr, builtin); with
    ``document_scoped_only``, just those with ``scope="document"`` (§3.1.3)."""
    for child in node.children:
        if child.foreign or child.tag != "grammar":
            continue
        if document_scoped_only and child.get("scope") != "document":
            continue
        if child.has("cond") and not ctx.engine.eval_bool(scope, child.get("cond") or "false"):
            continue
        grammar = yield from load_grammar(ctx, child, scope)
        if isinstance(grammar, Thrown):
            return grammar
        into.append(Entry(grammar, owner, node, getattr(grammar, "mode", "voice")))
    return None


def load_grammar(ctx: Interpreter, node: Node, scope: Scope) -> Generator[Any, Any, Any]:
    """One ``<grammar>`` element as a compiled grammar, or error.badfetch (§3.1.1-3.1.2)."""
    from .. import grammars as g

    cache = ctx.session_grammars()
    key = id(node)
    if key in cache and not node.has("srcexpr"):
        return cache[key][1]
    src = node.get("src")
    if src is None and node.has("srcexpr"):
        src = ctx.engine.eval_str(scope, node.get("srcexpr") or "undefined")
    declared = (node.get("type") or "").split(";")[0].strip().lower()
    if declared and declared not in SRGS_TYPES:
        return Thrown("error.unsupported.format", f"grammar type '{declared}' is not supported: "
                      "expected application/srgs+xml or application/srgs", node.where)
    mode = node.get("mode")
    weight = _float(node.get("weight"), 1.0)
    lang = node.get("xml:lang") or (ctx.doc.root.get("xml:lang") if ctx.doc else None)
    try:
        if src is None:
            grammar = g.parse_grammar(node.el, uri=node.uri, mode=mode, xml_lang=lang, weight=weight)
        elif src.startswith("builtin:"):
            grammar = g.builtin_grammar(src, mode or ("dtmf" if "dtmf" in src else "voice"))
        else:
            absolute = ctx.resolve_uri(src, node)
            doc_uri, _, fragment = absolute.partition("#")
            fetched = yield from ctx.fetch_resource(doc_uri, node, scope, kind="grammar")
            if isinstance(fetched, Thrown):
                return Thrown(fetched.name, fetched.message, node.where)  # keeps .http.N (§5.2.6)
            served = (fetched.media_type or "").lower()
            if not declared and (served in FOREIGN_TYPES or doc_uri.lower().endswith((".jsgf", ".gsl"))):
                return Thrown("error.unsupported.format",
                              f"grammar {doc_uri} is {served or 'JSGF/GSL'}, not SRGS", node.where)
            grammar = g.parse_grammar(
                fetched.content, uri=fetched.uri, media_type=node.get("type") or fetched.media_type or None,
                mode=mode, xml_lang=lang, fragment=fragment or None, weight=weight,
                max_bytes=ctx.session.max_grammar_bytes,
            )
        if src is None or not src.startswith("builtin:"):
            bound = yield from bind_external(ctx, grammar, node, scope)
            if isinstance(bound, Thrown):
                return bound
    except g.GrammarError as exc:
        if src is not None and src.startswith("builtin:"):
            return Thrown("error.unsupported.builtin", str(exc), node.where)
        return Thrown("error.badfetch", str(exc), node.where)
    if not node.has("srcexpr"):
        cache[key] = (node, grammar)
    return grammar


def bind_external(ctx: Interpreter, grammar: Any, node: Node, scope: Scope,
                  depth: int = 0) -> Generator[Any, Any, Thrown | None]:
    """Fetch the grammars that external rulerefs name, and bind them (SRGS §2.2.2)."""
    from .. import grammars as g

    for uri in list(grammar.external_refs()):
        if depth > 8:
            return Thrown("error.badfetch", f"external rulerefs nest too deep at {uri}", node.where)
        fetched = yield from ctx.fetch_resource(uri, node, scope, kind="grammar")
        if isinstance(fetched, Thrown):
            return Thrown(fetched.name, fetched.message, node.where)
        try:
            sub = g.parse_grammar(fetched.content, uri=fetched.uri, media_type=fetched.media_type or None,
                                  mode=grammar.mode, max_bytes=ctx.session.max_grammar_bytes)
        except g.GrammarError as exc:
            return Thrown("error.badfetch", str(exc), node.where)
        nested = yield from bind_external(ctx, sub, node, scope, depth + 1)
        if nested is not None:
            return nested
        grammar.bind(uri, sub)
    return None


def _float(value: str | None, default: float) -> float:
    try:
        return float(value) if value else default
    except ValueError:
        return default
