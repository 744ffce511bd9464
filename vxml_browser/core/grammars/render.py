"""Rendering the grammar IR as SRGS XML or ABNF text (SRGS 1.0 §4, Appendix D).

Used to write the built-in grammars to ``grammars/`` and by the XML/ABNF equivalence tests.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from .nodes import SRGS_NS, GrammarDoc, Node, OneOf, Repeat, RuleRef, Seq, Tag, Token

_BARE = re.compile(r"^[^\s;|/()\[\]{}<>$\"!=*#]+$")


def _fmt_weight(w: float) -> str:
    return f"{w:g}"


def _repeat_text(n: Repeat) -> str:
    if n.hi is None:
        return f"{n.lo}-"
    return f"{n.lo}" if n.lo == n.hi else f"{n.lo}-{n.hi}"


# -- XML --------------------------------------------------------------------------------------
def _xml(n: Node, out: list[str]) -> None:
    if isinstance(n, Token):
        out.append(escape(n.text) if " " not in n.text and '"' not in n.text
                   else f"<token>{escape(n.text)}</token>")
    elif isinstance(n, Seq):
        for item in n.items:
            _xml(item, out)
    elif isinstance(n, OneOf):
        out.append("<one-of>")
        plain = all(w == 1.0 for w, _ in n.alts)
        for w, alt in n.alts:
            out.append("<item>" if plain else f'<item weight="{_fmt_weight(w)}">')
            _xml(alt, out)
            out.append("</item>")
        out.append("</one-of>")
    elif isinstance(n, Repeat):
        prob = f' repeat-prob="{n.prob:g}"' if n.prob is not None else ""
        out.append(f'<item repeat="{_repeat_text(n)}"{prob}>')
        _xml(n.body, out)
        out.append("</item>")
    elif isinstance(n, Tag):
        out.append(f"<tag>{escape(n.text)}</tag>")
    elif isinstance(n, RuleRef):
        if n.special:
            out.append(f'<ruleref special="{n.special}"/>')
        elif n.uri:
            out.append(f"<ruleref uri={quoteattr(n.uri + (f'#{n.name}' if n.name else ''))}/>")
        else:
            out.append(f'<ruleref uri="#{n.name}"/>')


def render_xml(doc: GrammarDoc) -> str:
    """SRGS XML Form text for ``doc``."""
    attrs = [f'xmlns="{SRGS_NS}"', 'version="1.0"']
    if doc.lang:
        attrs.append(f'xml:lang="{doc.lang}"')
    attrs.append(f'mode="{doc.mode}"')
    if doc.root:
        attrs.append(f'root="{doc.root}"')
    if doc.tag_format:
        attrs.append(f'tag-format="{doc.tag_format}"')
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f"<grammar {' '.join(attrs)}>"]
    for name, content in doc.metas.items():
        lines.append(f"  <meta name={quoteattr(name)} content={quoteattr(content)}/>")
    for tag in doc.header_tags:
        lines.append(f"  <tag>{escape(tag.text)}</tag>")
    for rule in doc.rules.values():
        parts: list[str] = []
        _xml(rule.body, parts)
        scope = ' scope="public"' if rule.scope == "public" else ""
        lines.append(f'  <rule id="{rule.name}"{scope}>{" ".join(parts)}</rule>')
    lines.append("</grammar>")
    return "\n".join(lines) + "\n"


# -- ABNF -------------------------------------------------------------------------------------
def _abnf(n: Node, top: bool = False) -> str:
    if isinstance(n, Token):
        return n.text if _BARE.match(n.text) else '"' + n.text.replace('"', "") + '"'
    if isinstance(n, Seq):
        if not n.items:
            return "$NULL"
        inner = " ".join(_abnf(i) for i in n.items)
        return inner if top else f"({inner})"
    if isinstance(n, OneOf):
        plain = all(w == 1.0 for w, _ in n.alts)
        alts = [(_abnf(a, True) if plain else f"/{_fmt_weight(w)}/ {_abnf(a, True)}") for w, a in n.alts]
        return f"({' | '.join(alts)})"
    if isinstance(n, Repeat):
        body = _abnf(n.body, True)
        if n.lo == 0 and n.hi == 1 and n.prob is None:
            return f"[{body}]"
        prob = f" /{n.prob:g}/" if n.prob is not None else ""
        return f"({body}) <{_repeat_text(n)}{prob}>"
    if isinstance(n, Tag):
        text = n.text
        return f"{{!{{{text}}}!}}" if "{" in text or "}" in text else f"{{{text}}}"
    if isinstance(n, RuleRef):
        if n.special:
            return f"${n.special}"
        if n.uri:
            return f"$<{n.uri}{'#' + n.name if n.name else ''}>"
        return f"${n.name}"
    raise TypeError(n)


def render_abnf(doc: GrammarDoc) -> str:
    """SRGS ABNF Form text for ``doc``."""
    lines = ["#ABNF 1.0 UTF-8;"]
    if doc.lang:
        lines.append(f"language {doc.lang};")
    lines.append(f"mode {doc.mode};")
    if doc.root:
        lines.append(f"root ${doc.root};")
    if doc.tag_format:
        lines.append(f"tag-format <{doc.tag_format}>;")
    for name, content in doc.metas.items():
        lines.append(f'meta "{name}" is "{content}";')
    for tag in doc.header_tags:
        lines.append(_abnf(tag) + ";")
    for rule in doc.rules.values():
        scope = "public " if rule.scope == "public" else ""
        lines.append(f"{scope}${rule.name} = {_abnf(rule.body, True)};")
    return "\n".join(lines) + "\n"
