"""Spec areas for the report: which part of VoiceXML a test exercises.

The W3C assertion -> section map (manifest.xml and the IR tables) did not survive in any copy
(suite README), so the area is derived from what the test document uses. ``AREAS`` is one
ordered table: the first rule that matches a test names its area; the order puts the rarer,
more specific features first (a test that uses ``<transfer>`` is about transfer even though it
also has a ``<field>``). The catch-all ``<catch>`` and ``conf:fail`` scaffolding every test
carries is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from conformance.suite import CONF_NS, SuiteTest


@dataclass(frozen=True, slots=True)
class Facts:
    """What a test document uses, as the area rules see it."""

    spec: str
    stem: str
    elements: frozenset[str]
    """Local names of VoiceXML elements and ``conf:<name>`` for conformance ones."""
    attrs: frozenset[str]
    """``element@attribute`` pairs present."""
    catch_events: frozenset[str]
    doc_targets: bool
    """True when a goto/submit/link names another document (not only ``#fragment``)."""


def facts_of(path: Path, spec: str) -> Facts:
    """Read the facts of one ``.txml`` file."""
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    elements: set[str] = set()
    attrs: set[str] = set()
    events: set[str] = set()
    doc_targets = False
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        qname = etree.QName(el)
        name = f"conf:{qname.localname}" if qname.namespace == CONF_NS else qname.localname
        elements.add(name)
        attrs.update(f"{name}@{a}" for a in el.attrib)
        if name == "catch" and el.get("event"):
            events.update(el.get("event", "").split())
        if name in ("goto", "submit", "link"):
            target = el.get("next") or el.get("expr") or ""
            if target and not target.strip("'\"").startswith("#"):
                doc_targets = True
    return Facts(spec, path.stem, frozenset(elements), frozenset(attrs), frozenset(events),
                 doc_targets)


Rule = Callable[[Facts], bool]


@dataclass(frozen=True, slots=True)
class Area:
    """One report area: its heading (with the spec section) and the rule that selects it."""

    title: str
    rule: Rule


def _has(*names: str) -> Rule:
    return lambda f: any(n in f.elements for n in names)


AREAS: tuple[Area, ...] = (
    Area("VoiceXML 2.1 §2: <grammar srcexpr> (dynamic grammar references)",
         lambda f: f.spec == "2.1" and "grammar@srcexpr" in f.attrs),
    Area("VoiceXML 2.1 §3: <script srcexpr> (dynamic script references)",
         lambda f: f.spec == "2.1" and "script@srcexpr" in f.attrs),
    Area("2.3.7 <transfer>", _has("transfer")),
    Area("2.3.6 <record>", _has("record", "conf:recording")),
    Area("2.3.4 <subdialog> and <return>", _has("subdialog", "return")),
    Area("2.3.5 <object>", _has("object")),
    Area("2.2 <menu> and <choice>", _has("menu", "choice")),
    Area("1.5.2 Application root documents",
         lambda f: "vxml@application" in f.attrs or "root" in f.stem.lower()),
    Area("5.3.11 <disconnect> and hang-up", _has("disconnect", "conf:hangup")),
    Area("6.1 Fetching and error.badfetch",
         lambda f: any(e.startswith("error.badfetch") for e in f.catch_events)),
    Area("5.3.7-5.3.8 Navigation: <goto> and <submit>", lambda f: f.doc_targets
         or _has("submit")(f)),
    Area("5.2 Events: <throw>, <catch> and the default handlers",
         lambda f: bool(f.catch_events) or _has("throw", "error", "help", "noinput", "nomatch")(f)),
    Area("3 Grammars (SRGS, semantic interpretation, conf:grammar)",
         lambda f: _has("rule", "tag", "conf:key", "conf:phrase")(f) or "grammar@src" in f.attrs
         or "grammar@srcexpr" in f.attrs),
    Area("2.3.1-2.3.3 Form items: <field>, <initial>, <block>, <filled>",
         _has("field", "initial", "filled", "conf:speech", "conf:dtmf", "conf:noinput")),
    Area("5.3.12 <script>", _has("script")),
    Area("6.3 Properties", _has("property")),
    Area("4.1 Prompts, <audio> and <value>", _has("audio", "enumerate", "mark")),
    Area("5.1 Variables and scopes", _has("var", "assign", "clear")),
    Area("5.3 Executable content: <if>, <log>, <goto> within a document", lambda f: True),
)


def area_of(test: SuiteTest) -> str:
    """The report area of a test (its own ``conf:pass`` document decides)."""
    try:
        facts = facts_of(test.path, test.spec)
    except (OSError, etree.XMLSyntaxError):
        return AREAS[-1].title
    return next(a.title for a in AREAS if a.rule(facts))


_ASSERTION_IN_TEXT = re.compile(r"\bAssertion\s+(\d+)", re.I)
_ASSERTION_IN_NAME = re.compile(r"^(?:assert(?:ion)?[-_]?|subdialog|a)?_?(\d+)")


def assertion_id(test: SuiteTest) -> str:
    """The W3C IR assertion number a test is for ("" when neither its text nor name says).

    The test's comments win ("Assertion 72: ..."), then its name (``a72-var-leaf2``, ``1001Second``,
    ``assert_43_1``, ``subdialog1156``). In the JVoiceXML copies the folder is the number.
    """
    try:
        m = _ASSERTION_IN_TEXT.search(test.path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        m = None
    if m:
        return m.group(1)
    if test.suite.startswith("jvxml") and test.path.parent.name.isdigit():
        return test.path.parent.name
    m = _ASSERTION_IN_NAME.match(test.stem)
    return m.group(1) if m else ""
