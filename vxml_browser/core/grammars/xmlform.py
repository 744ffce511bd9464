"""The SRGS XML Form (SRGS 1.0 §2-§4): an lxml tree -> ``GrammarDoc``.

Standalone files use the SRGS namespace; inline ``<grammar>`` elements of a VoiceXML document
use the VoiceXML namespace (or none). Elements of any other namespace are ignored (SRGS §1.2:
non-standard elements may be ignored).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from vxml_browser.core.model import DocumentError, parse_xml
from vxml_browser.core.model.document import MAX_DOCUMENT_BYTES

from .nodes import (
    SPECIAL_RULES,
    SRGS_NS,
    VXML_NS,
    GrammarDoc,
    GrammarError,
    Node,
    OneOf,
    Repeat,
    Rule,
    RuleRef,
    Tag,
    Token,
    seq,
)

XML_NS = "http://www.w3.org/XML/1998/namespace"
_OWN = (SRGS_NS, VXML_NS, None)
_REPEAT = re.compile(r"^\s*(\d+)\s*(?:(-)\s*(\d*)\s*)?$")
_TOKEN_TEXT = re.compile(r'"([^"]*)"|(\S+)')
_RULE_NAME = re.compile(r"^[^\s.:\-#/$][^\s.:#/$]*$")


def _split(tag: Any) -> tuple[str | None, str]:
    if not isinstance(tag, str):
        return "#other", ""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return None, tag


def tokens_of(text: str, lang: str | None = None) -> list[Node]:
    """Whitespace-separated tokens; double quotes make one token of several words (SRGS §2.1)."""
    return [Token(m.group(1) if m.group(1) is not None else m.group(2), lang)
            for m in _TOKEN_TEXT.finditer(text) if (m.group(1) or m.group(2) or "").strip()]


def parse_repeat(text: str, uri: str, line: int) -> tuple[int, int | None]:
    """``n``, ``n-m`` or ``n-`` (SRGS §2.5)."""
    m = _REPEAT.match(text)
    if not m:
        raise GrammarError(uri, line, f"invalid repeat '{text}': expected n, n-m or n-")
    lo = int(m.group(1))
    if not m.group(2):
        return lo, lo
    if not m.group(3):
        return lo, None
    hi = int(m.group(3))
    if hi < lo:
        raise GrammarError(uri, line, f"invalid repeat '{text}': maximum is less than minimum")
    return lo, hi


def parse_weight(text: str, uri: str, line: int) -> float:
    try:
        w = float(text)
    except ValueError:
        w = -1.0
    if w < 0:
        raise GrammarError(uri, line, f"invalid weight '{text}': expected a non-negative number")
    return w


def resolve(ref: str, base: str) -> str:
    """An absolute URI for a rule reference (RFC 3986 against xml:base or the grammar URI).

    A malformed URI (an IPv6 host without its bracket, say) is a ``GrammarError``.
    """
    if ref.startswith("builtin:") or not base:
        return ref
    try:
        return urljoin(base, ref)
    except ValueError as exc:
        raise GrammarError(base, None, f"malformed URI '{ref}': {exc}") from None


class _XmlParser:
    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.doc = GrammarDoc(uri=uri)
        self.base = uri

    def fail(self, el: Any, message: str) -> GrammarError:
        return GrammarError(self.uri, getattr(el, "sourceline", None), message)

    def grammar(self, el: Any) -> GrammarDoc:
        doc = self.doc
        ns, local = _split(el.tag)
        if local != "grammar" or ns not in _OWN:
            raise self.fail(el, f"found <{local}>: expected <grammar> in namespace {SRGS_NS}")
        doc.root = el.get("root")
        doc.root_line = el.sourceline
        doc.mode = el.get("mode") or "voice"
        doc.lang = el.get(f"{{{XML_NS}}}lang")
        doc.tag_format = el.get("tag-format")
        doc.version = el.get("version") or "1.0"
        base = el.get(f"{{{XML_NS}}}base")
        if base:
            doc.base = base
            self.base = resolve(base, self.uri)
        if doc.mode not in ("voice", "dtmf"):
            raise self.fail(el, f"invalid mode '{doc.mode}': expected voice or dtmf")
        for child in el:
            cns, name = _split(child.tag)
            if cns not in _OWN:
                continue
            if name == "rule":
                rule = self.rule(child)
                if rule.name in doc.rules:
                    raise self.fail(child, f"duplicate rule '{rule.name}'")
                doc.rules[rule.name] = rule
            elif name == "meta":
                key = child.get("name") or child.get("http-equiv")
                if key is not None:
                    doc.metas[key] = child.get("content") or ""
            elif name == "lexicon":
                doc.lexicons.append(resolve(child.get("uri") or "", self.base))
            elif name == "tag":
                doc.header_tags.append(Tag(child.text or "", child.sourceline or 0))
            elif name == "metadata":
                doc.metadata.append(etree.tostring(child, encoding="unicode", with_tail=False))
            elif name == "example":
                continue
            else:
                raise self.fail(child, f"unexpected <{name}> in <grammar>: expected <rule>, <meta>, "
                                       "<metadata>, <lexicon> or <tag>")
        if any(isinstance(t, str) and t.strip() for t in [el.text] + [c.tail for c in el]):
            text = "".join(t for t in [el.text] + [c.tail for c in el] if t).strip()
            raise self.fail(el, f"unexpected text '{text[:20]}' in <grammar>: expected <rule>")
        return doc

    def rule(self, el: Any) -> Rule:
        name = el.get("id")
        if not name:
            raise self.fail(el, "<rule> without id")
        if not _RULE_NAME.match(name) or name in SPECIAL_RULES:
            raise self.fail(el, f"invalid rule name '{name}'")
        scope = el.get("scope") or "private"
        if scope not in ("public", "private"):
            raise self.fail(el, f"invalid scope '{scope}' on rule '{name}': expected public or private")
        return Rule(name, scope, self.content(el), el.sourceline or 0)

    def content(self, el: Any) -> Node:
        lang = el.get(f"{{{XML_NS}}}lang")
        items: list[Node] = []
        if el.text:
            items.extend(tokens_of(el.text, lang))
        for child in el:
            ns, name = _split(child.tag)
            if ns in _OWN and name:
                node = self.expansion(child, name)
                if node is not None:
                    items.append(node)
            if child.tail:
                items.extend(tokens_of(child.tail, lang))
        return seq(items)

    def expansion(self, el: Any, name: str) -> Node | None:
        line = el.sourceline or 0
        if name == "item":
            body = self.content(el)
            rep = el.get("repeat")
            if rep is None:
                return body
            lo, hi = parse_repeat(rep, self.uri, line)
            prob = el.get("repeat-prob")
            p = None
            if prob is not None:
                try:
                    p = float(prob)
                except ValueError:
                    p = -1.0
                if not 0.0 <= p <= 1.0:
                    raise self.fail(el, f"invalid repeat-prob '{prob}': expected a number from 0.0 to 1.0")
            return Repeat(body, lo, hi, p)
        if name == "one-of":
            alts: list[tuple[float, Node]] = []
            for child in el:
                cns, cname = _split(child.tag)
                if cns not in _OWN or not cname:
                    continue
                if cname != "item":
                    raise self.fail(child, f"unexpected <{cname}> in <one-of>: expected <item>")
                w = child.get("weight")
                weight = parse_weight(w, self.uri, child.sourceline or 0) if w is not None else 1.0
                alts.append((weight, self.expansion(child, "item") or seq([])))
            if any(t and t.strip() for t in [el.text] + [c.tail for c in el]):
                raise self.fail(el, "unexpected text in <one-of>: expected <item>")
            if not alts:
                raise self.fail(el, "empty <one-of>: expected at least one <item>")
            return OneOf(tuple(alts))
        if name == "ruleref":
            uri, special = el.get("uri"), el.get("special")
            if (uri is None) == (special is None):
                raise self.fail(el, "<ruleref> needs exactly one of uri and special")
            if special is not None:
                if special not in SPECIAL_RULES:
                    raise self.fail(el, f"invalid special rule '{special}': expected NULL, VOID or GARBAGE")
                return RuleRef(special=special, line=line)
            return ref_of(uri, self.base, self.uri, line)
        if name == "token":
            text = " ".join((el.text or "").split())
            if not text:
                raise self.fail(el, "empty <token>")
            return Token(text.strip('"'), el.get(f"{{{XML_NS}}}lang"))
        if name == "tag":
            return Tag(el.text or "", line)
        if name in ("example",):
            return None
        raise self.fail(el, f"unexpected <{name}> in rule expansion: expected <item>, <one-of>, "
                            "<ruleref>, <token> or <tag>")


def ref_of(uri: str, base: str, doc_uri: str, line: int) -> RuleRef:
    """A ``RuleRef`` for a ``uri`` attribute or ABNF ``$<uri>``: ``#rule`` is local."""
    uri = uri.strip()
    if uri.startswith("#"):
        name = uri[1:]
        if not name:
            raise GrammarError(doc_uri, line, "empty rule name in reference '#'")
        return RuleRef(name=name, line=line)
    target, _, frag = uri.partition("#")
    if not target:
        raise GrammarError(doc_uri, line, "empty rule reference")
    return RuleRef(name=frag or None, uri=resolve(target, base), line=line)


def parse_xml_grammar(source: bytes | str | Any, uri: str, max_bytes: int = MAX_DOCUMENT_BYTES) -> GrammarDoc:
    """Parse an SRGS XML grammar (bytes or str of at most ``max_bytes``, or an lxml element)."""
    if isinstance(source, (bytes, str)):
        try:
            el = parse_xml(source, uri, max_bytes)
        except DocumentError as exc:
            raise GrammarError(exc.uri, exc.line, exc.message) from None
    else:
        el = source
    if not isinstance(el.tag, str):
        raise GrammarError(uri, None, "expected <grammar>")
    return _XmlParser(uri).grammar(el)


def inline_text(el: Any) -> str:
    """The text content of an inline grammar element (inline ABNF, VoiceXML 2.0 §3.1.1.1)."""
    return "".join(t for t in el.itertext() if isinstance(t, str))


def has_rules(el: Any) -> bool:
    return any(_split(c.tag)[1] == "rule" for c in el if isinstance(c.tag, str))


__all__ = ["has_rules", "inline_text", "parse_repeat", "parse_xml_grammar", "ref_of", "resolve",
           "tokens_of"]
