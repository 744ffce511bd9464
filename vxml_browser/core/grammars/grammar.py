"""Grammars: parsing with a content cache, linking external references, matching.

``parse_grammar`` turns SRGS XML, SRGS ABNF or an inline VoiceXML ``<grammar>`` element into a
``Grammar`` (SRGS 1.0; VoiceXML 2.0 §3.1). A grammar compiles lazily, once, into a program that
``match_dtmf`` and ``match_text`` run (VoiceXML 2.0 §3.1.4 grammar precedence, §6.3.3 DTMF timing).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vxml_browser.core.model.document import MAX_DOCUMENT_BYTES

from .abnf import parse_abnf
from .matcher import Compiler, Program, RuleKey, dtmf_keys, events_of, run, voice_words
from .nodes import LITERAL_FORMAT, GrammarDoc, GrammarError, Rule, RuleRef, walk
from .semantics import Semantics
from .xmlform import has_rules, inline_text, parse_xml_grammar

XML_TYPES = ("application/srgs+xml", "application/grammar+xml", "text/xml", "application/xml")
ABNF_TYPES = ("application/srgs", "application/grammar", "text/plain")
_CACHE_SIZE = 512
_CACHE: OrderedDict[tuple[Any, ...], Grammar] = OrderedDict()


@dataclass(frozen=True, slots=True)
class Scored:
    """A native tag value whose confidence is ``matched words / words`` (approximate choices)."""

    value: Any
    words: int


class Grammar:
    """A parsed grammar: header attributes, rules, bound external grammars and its program."""

    def __init__(self, doc: GrammarDoc, *, mode: str, root: str, weight: float = 1.0,
                 form: str = "xml") -> None:
        self.doc = doc
        self.uri = doc.uri
        self.mode = mode
        self.root = root
        self.lang = doc.lang
        self.tag_format = doc.tag_format
        self.weight = weight
        self.form = form
        self.metas = doc.metas
        self._bound: dict[str, Grammar] = {}
        self._owners: dict[str, Grammar] = {self.uri: self}
        self._program: Program | None = None
        self._semantics: Semantics | None = None

    def __repr__(self) -> str:
        return f"<Grammar {self.uri}#{self.root} mode={self.mode}>"

    @property
    def rules(self) -> dict[str, Rule]:
        return self.doc.rules

    # -- linking ---------------------------------------------------------------------------------
    def _lookup(self, uri: str, owner: Grammar) -> Grammar | None:
        if uri == owner.uri:
            return owner
        if uri == self.uri:
            return self
        if uri.startswith("builtin:"):
            from .builtins import builtin_grammar

            return builtin_grammar(uri, owner.mode)
        return owner._bound.get(uri) or self._bound.get(uri)

    def external_refs(self) -> list[str]:
        """Absolute URIs (without fragment) of external rule references not yet bound."""
        missing: list[str] = []
        seen: set[int] = set()
        todo: list[Grammar] = [self]
        while todo:
            g = todo.pop()
            if id(g) in seen:
                continue
            seen.add(id(g))
            for rule in g.doc.rules.values():
                for n in walk(rule.body):
                    if isinstance(n, RuleRef) and n.uri is not None:
                        target = self._lookup(n.uri, g)
                        if target is None:
                            if n.uri not in missing:
                                missing.append(n.uri)
                        else:
                            todo.append(target)
        return missing

    def bind(self, uri: str, grammar: Grammar) -> None:
        """Supply the fetched grammar for external references to ``uri`` (SRGS §2.2.2)."""
        self._bound[uri.partition("#")[0]] = grammar
        self._program = None
        self._semantics = None

    def _resolve(self, ref: RuleRef, from_uri: str) -> tuple[RuleKey, Rule, str, str | None]:
        owner = self if from_uri == self.uri else self._owner(from_uri)
        if ref.uri is None:
            rule = owner.doc.rules.get(ref.name or "")
            if rule is None:
                raise GrammarError(from_uri, ref.line or None, _undefined(owner.form, ref.name or ""))
            return RuleKey(owner.uri, rule.name), rule, _fmt(owner), None
        target = self._lookup(ref.uri, owner)
        written = ref.uri + (f"#{ref.name}" if ref.name else "")
        if target is None:
            raise GrammarError(from_uri, ref.line or None,
                               f"unresolved external rule reference '{written}': grammar not bound")
        self._owners[target.uri] = target
        name = ref.name or target.root
        rule = target.doc.rules.get(name)
        if rule is None:
            raise GrammarError(from_uri, ref.line or None, f"reference to undefined rule '{name}' in {target.uri}")
        if ref.name and rule.scope != "public" and target is not owner:
            raise GrammarError(from_uri, ref.line or None,
                               f"reference to private rule '{name}' of {target.uri}: expected a public rule")
        return RuleKey(target.uri, rule.name), rule, _fmt(target), written

    def _owner(self, uri: str) -> Grammar:
        return self._owners[uri]

    def program(self) -> Program:
        """The compiled program (built once; again after ``bind``)."""
        if self._program is None:
            self._owners = {self.uri: self}
            rule = self.doc.rules[self.root]
            compiler = Compiler(self.mode, self._resolve)
            compiler.current_uri = self.uri
            prog = compiler.build(RuleKey(self.uri, rule.name), rule, _fmt(self))
            prog.header_scripts = [t.text for g in self._owners.values() for t in g.doc.header_tags
                                   if _fmt(g) != LITERAL_FORMAT]
            if prog.header_scripts:
                prog.scripted = True
            self._semantics = Semantics(prog)
            self._program = prog
            self._parse_memo: dict[tuple[tuple[str, ...], int], tuple[list[Any], bool, bool]] = {}
        return self._program

    def semantics(self) -> Semantics:
        self.program()
        assert self._semantics is not None
        return self._semantics

    # -- matching ----------------------------------------------------------------------------------
    def parse(self, tokens: list[str], limit: int = 1) -> tuple[list[Any], bool, bool]:
        """``(interpretations, can_grow, alive)`` for a token list.

        Results are memoised per grammar for the same tokens (a DTMF collect asks again after
        every key, and callers repeat themselves), unless header scripts keep state between
        matches. Interpretations are plain data the caller must not mutate.
        """
        prog = self.program()
        key = (tuple(tokens), limit)
        hit = self._parse_memo.get(key)
        if hit is not None:
            return hit
        res = run(prog, tokens)
        sem = self._semantics
        assert sem is not None
        values = []
        for ev in res.accepted[:limit]:
            values.append(sem.evaluate(events_of(ev), tokens))
        out = (values, res.can_grow, res.alive)
        if not prog.header_scripts:
            if len(self._parse_memo) >= _PARSE_MEMO_SIZE:
                self._parse_memo.pop(next(iter(self._parse_memo)))
            self._parse_memo[key] = out
        return out

    def parse_tree(self, tokens: list[str]) -> list[tuple[int, Any]] | None:
        """The events of the preferred parse (for tests and the SRGS conformance runner)."""
        res = run(self.program(), tokens)
        return events_of(res.accepted[0]) if res.accepted else None


_PARSE_MEMO_SIZE = 256


def _fmt(g: Grammar) -> str:
    """The tag format; "" when the grammar declares none (scripts, with ``$`` tolerated)."""
    return g.tag_format or ""


def _undefined(form: str, name: str) -> str:
    if form == "abnf":
        return f"reference to undefined rule '${name}'"
    return f"<ruleref> to undefined rule '{name}'"


@dataclass(frozen=True, slots=True)
class Interpretation:
    """One recognition result (VoiceXML 2.0 §3.1.6, application.lastresult$)."""

    utterance: str
    interpretation: Any
    confidence: float
    inputmode: str
    grammar: Grammar


@dataclass(frozen=True, slots=True)
class DtmfMatch:
    """DTMF progress: 'nomatch', 'prefix', 'complete' (could grow) or 'final' (VoiceXML 2.0 §6.3.3)."""

    status: str
    result: Interpretation | None = None


# -- parsing ----------------------------------------------------------------------------------------
def _is_xml(source: bytes | str, media_type: str | None) -> bool:
    mt = (media_type or "").split(";")[0].strip().lower()
    if mt in XML_TYPES:
        return True
    if mt in ABNF_TYPES:
        return False
    if isinstance(source, bytes):
        source = source.removeprefix(b"\xef\xbb\xbf")
    else:
        source = source.removeprefix("\ufeff")
    head = source.lstrip()[:1]
    return head in ("<", b"<")


def _check(doc: GrammarDoc, form: str) -> None:
    """References to undefined local rules and unknown built-ins (SRGS §2.2)."""
    for rule in doc.rules.values():
        for n in walk(rule.body):
            if isinstance(n, RuleRef):
                if n.uri is None and n.special is None and n.name not in doc.rules:
                    raise GrammarError(doc.uri, n.line or None, _undefined(form, n.name or ""))
                if n.uri is not None and n.uri.startswith("builtin:"):
                    from .builtins import builtin_grammar

                    try:
                        builtin_grammar(n.uri, doc.mode)
                    except GrammarError as exc:
                        raise GrammarError(doc.uri, n.line or None, exc.message) from None


def _root_of(doc: GrammarDoc, fragment: str | None, form: str) -> str:
    if fragment:
        rule = doc.rules.get(fragment)
        if rule is None:
            raise GrammarError(doc.uri, None, f"rule '{fragment}' named by the URI fragment is not defined")
        if rule.scope != "public":
            raise GrammarError(doc.uri, rule.line or None,
                               f"rule '{fragment}' named by the URI fragment is private: expected a public rule")
        return fragment
    if doc.root:
        if doc.root not in doc.rules:
            word = f"${doc.root}" if form == "abnf" else doc.root
            raise GrammarError(doc.uri, doc.root_line, f"root rule '{word}' is not defined")
        return doc.root
    for rule in doc.rules.values():  # no root declared: the first public rule, else the first rule
        if rule.scope == "public":
            return rule.name
    return next(iter(doc.rules))


def _build(source: Any, uri: str, media_type: str | None, mode: str | None, xml_lang: str | None,
           fragment: str | None, weight: float, max_bytes: int) -> Grammar:
    line = 1
    if isinstance(source, (bytes, str)):
        if _is_xml(source, media_type):
            doc, form = parse_xml_grammar(source, uri, max_bytes), "xml"
        else:
            doc, form = parse_abnf(source, uri, max_bytes=max_bytes), "abnf"
    else:
        el = source
        mt = (el.get("type") or media_type or "").split(";")[0].strip().lower()
        if mt in ABNF_TYPES or (not has_rules(el) and inline_text(el).strip()):
            line = el.sourceline or 1
            doc, form = parse_abnf(inline_text(el), uri, line=line, need_header=False), "abnf"
            if el.get("mode") and doc.mode == "voice":
                doc.mode = el.get("mode")
            for attr in ("root", "tag-format"):
                if el.get(attr) and not getattr(doc, attr.replace("-", "_")):
                    setattr(doc, attr.replace("-", "_"), el.get(attr))
            lang = el.get("{http://www.w3.org/XML/1998/namespace}lang")
            if lang and not doc.lang:
                doc.lang = lang
        else:
            doc, form = parse_xml_grammar(el, uri), "xml"
    if mode:
        if mode not in ("voice", "dtmf"):
            raise GrammarError(uri, None, f"invalid mode '{mode}': expected voice or dtmf")
        doc.mode = mode
    if xml_lang and not doc.lang:
        doc.lang = xml_lang
    if not doc.rules:
        raise GrammarError(uri, line, "grammar has no rules: expected at least one <rule>")
    _check(doc, form)
    root = _root_of(doc, fragment, form)
    g = Grammar(doc, mode=doc.mode, root=root, weight=weight, form=form)
    if not g.external_refs():
        g.program()  # compile now: left recursion and bad tag scripts are parse errors
    return g


def parse_grammar(source: Any, *, uri: str, media_type: str | None = None, mode: str | None = None,
                  xml_lang: str | None = None, fragment: str | None = None,
                  weight: float = 1.0, max_bytes: int = MAX_DOCUMENT_BYTES) -> Grammar:
    """Parse an SRGS grammar (XML, ABNF or an inline element); the same content gives the same object.

    Grammar text over ``max_bytes`` is refused before the cache is asked, so a grammar cached for
    a platform with a larger limit is not served to one with a smaller limit."""
    if not isinstance(source, (bytes, str)) and getattr(source, "el", None) is not None:
        source = source.el  # a document-model Node: its lxml element
    if isinstance(source, (bytes, str)):
        if len(source) > max_bytes:
            raise GrammarError(uri, None, f"grammar is {len(source)} bytes, over the limit of {max_bytes}")
        content: Any = source
    else:
        from lxml import etree

        content = (etree.tostring(source, with_tail=False), source.sourceline)
    key = (content, uri, media_type, mode, xml_lang, fragment, weight)
    g = _CACHE.get(key)
    if g is not None:
        _CACHE.move_to_end(key)
        return g
    try:
        g = _build(source, uri, media_type, mode, xml_lang, fragment, weight, max_bytes)
    except RecursionError:
        raise GrammarError(uri, None, "grammar is nested too deeply") from None
    _CACHE[key] = g
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return g


# -- matching ----------------------------------------------------------------------------------------
def _interpretation(g: Grammar, value: Any, tokens: list[str], utterance: str, inputmode: str) -> Interpretation:
    confidence = 1.0
    if isinstance(value, Scored):
        confidence = min(1.0, len(tokens) / value.words) if value.words else 1.0
        value = value.value
    return Interpretation(utterance, value, confidence, inputmode, g)


def match_dtmf(grammars: Sequence[Grammar], digits: str) -> DtmfMatch:
    """Match DTMF ``digits`` against grammars in precedence order (VoiceXML 2.0 §3.1.4, §6.3.3).

    'final' means no active grammar can take another key; 'complete' that the first matching
    grammar matched but some grammar could still go on.
    """
    tokens = dtmf_keys(" ".join(digits))
    result: Interpretation | None = None
    grow = alive = False
    for g in grammars:
        if g.mode != "dtmf":
            continue
        values, g_grow, g_alive = g.parse(tokens, limit=1 if result is None else 0)
        grow = grow or g_grow
        alive = alive or g_alive
        if values and result is None:
            result = _interpretation(g, values[0], tokens, "".join(tokens), "dtmf")
        if result is not None and grow:
            break
    if result is not None:
        return DtmfMatch("complete" if grow else "final", result)
    return DtmfMatch("prefix" if alive else "nomatch")


def match_text(grammars: Sequence[Grammar], text: str, maxnbest: int = 1) -> list[Interpretation]:
    """Match recognised words against voice grammars; best first, [] for nomatch (VoiceXML 2.0 §3.1.4)."""
    tokens = voice_words(text)
    if not tokens:
        return []
    utterance = " ".join(tokens)
    found: list[tuple[int, float, Interpretation]] = []
    for index, g in enumerate(grammars):
        if g.mode != "voice":
            continue
        values, _, _ = g.parse(tokens, limit=max(1, maxnbest))
        seen: list[Any] = []
        for value in values:
            item = _interpretation(g, value, tokens, utterance, "voice")
            if item.interpretation in seen:
                continue
            seen.append(item.interpretation)
            found.append((index, -item.confidence, item))
        if len(found) >= maxnbest:  # later grammars rank below these (precedence first)
            break
    found.sort(key=lambda f: (f[0], f[1]))
    return [f[2] for f in found[:maxnbest]]
