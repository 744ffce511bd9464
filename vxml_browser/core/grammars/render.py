"""Rendering the grammar IR as SRGS XML or ABNF text (SRGS 1.0 §4, Appendix D).

Used to write the built-in grammars to ``grammars/`` and by the XML/ABNF equivalence tests.
"""

from __future__ import annotations

import re

from .nodes import SRGS_NS, GrammarDoc, Node, OneOf, Repeat, RuleRef, Seq, Tag, Token


def escape(text: str) -> str:
    """XML character data (``xml.sax.saxutils`` would pull in urllib and sockets)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    return '"' + escape(text).replace('"', "&quot;") + '"'


_BARE = re.compile(r"^[^\s;|/()\[\]{}<>$\"!=*#]+$")


def _fmt_weight(w: float) -> str:
    return f"{w:g}"


def _repeat_text(n: Repeat) -> str:
    if n.hi is None:
        return f"{n.lo}-"
    return f"{n.lo}" if n.lo == n.hi else f"{n.lo}-{n.hi}"


# -- XML --------------------------------------------------------------------------------------
def _xml(n: Node, out: list[str], depth: int) -> None:
    pad = "  " * depth
    if isinstance(n, Token):
        text = escape(n.text) if " " not in n.text and '"' not in n.text else f"<token>{escape(n.text)}</token>"
        if out and out[-1].startswith(pad) and out[-1].endswith("\x00"):
            out[-1] = out[-1][:-1] + " " + text + "\x00"
        else:
            out.append(pad + text + "\x00")
    elif isinstance(n, Seq):
        for item in n.items:
            _xml(item, out, depth)
    elif isinstance(n, OneOf):
        out.append(f"{pad}<one-of>")
        plain = all(w == 1.0 for w, _ in n.alts)
        for w, alt in n.alts:
            _block(f"{pad}  <item>" if plain else f'{pad}  <item weight="{_fmt_weight(w)}">', alt, out, depth + 1)
        out.append(f"{pad}</one-of>")
    elif isinstance(n, Repeat):
        prob = f' repeat-prob="{n.prob:g}"' if n.prob is not None else ""
        _block(f'{pad}<item repeat="{_repeat_text(n)}"{prob}>', n.body, out, depth)
    elif isinstance(n, Tag):
        out.append(f"{pad}<tag>{escape(n.text)}</tag>")
    elif isinstance(n, RuleRef):
        if n.special:
            out.append(f'{pad}<ruleref special="{n.special}"/>')
        elif n.uri:
            out.append(f"{pad}<ruleref uri={quoteattr(n.uri + (f'#{n.name}' if n.name else ''))}/>")
        else:
            out.append(f'{pad}<ruleref uri="#{n.name}"/>')


def _block(open_tag: str, body: Node, out: list[str], depth: int) -> None:
    """``<item ...>`` around ``body``: on one line when the body fits on one."""
    inner: list[str] = []
    _xml(body, inner, depth + 1)
    if len(inner) == 1:
        out.append(f"{open_tag}{inner[0].strip().rstrip(chr(0))}</item>")
    else:
        out.append(open_tag)
        out.extend(inner)
        out.append("  " * depth + "</item>")


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
        _xml(rule.body, parts, 2)
        scope = ' scope="public"' if rule.scope == "public" else ""
        lines.append(f'  <rule id="{rule.name}"{scope}>')
        lines.extend(p.rstrip("\x00") for p in parts)
        lines.append("  </rule>")
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
