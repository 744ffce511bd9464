"""Validation of VoiceXML documents (VoiceXML 2.0 Appendix O; VoiceXML 2.1 Appendix B).

One table, ``ELEMENTS``, says for every element of VoiceXML 2.0/2.1 (with the SSML 1.0 elements
allowed in prompts and the SRGS 1.0 elements allowed in inline grammars) which attributes it
takes and what their values may be, which attributes are required, which attribute groups
need exactly one or at most one member, which child elements it may hold and whether it may
hold text. ``validate_document`` walks the nodes once and looks each element up in that table;
the few rules a table cannot say (``<if>`` ordering, ``<filled>`` in form items, unique form
item names, the root's version) live right after it, in ``_EXTRA_CHECKS``.

Deliberate choices, each against the spec:

* Elements and attributes in another namespace are ignored with their subtree: Appendix O
  leaves room for other namespaces and the interpreter does not interpret them, which is how
  vendor extensions such as ``voxeo:*`` pass. A vendor extension written in the VoiceXML
  namespace (or in no namespace) is an error that names the element or attribute.
* A VoiceXML 2.0 document may use the 2.1 additions (``<data>``, ``<foreach>``, ``srcexpr``,
  ``nameexpr``, ``<transfer type>``, ``<disconnect namelist>``): 2.1 is a superset of 2.0 and
  this browser implements 2.1.
* ``xml:lang``, ``xml:base``, ``xml:space`` and ``xml:id`` are accepted on every element.
* ``method`` is matched without regard to case (``GET`` is common in deployed documents);
  ``enctype`` need only look like a media type, since §5.3.8 lets a platform support encodings
  beyond the two it names.
* Variable names: a ``<var>``, ``<data>`` or form item name, a ``<foreach item>`` and the
  names of a ``<filled namelist>`` are RestrictedVariableName (Appendix O datatypes: an
  ECMAScript identifier, not a reserved word, no ``.``, not starting with ``_``; being an
  NMTOKEN it cannot contain ``$``). An ``<assign name>`` is VariableName: it may carry a scope
  prefix (``application.x``) and ``$``. §5.1.1 makes an invalid name an ECMAScript error;
  rejecting it when the document is loaded (error.badfetch) reports it earlier and in one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NoReturn

from .node import DocumentError, Node

# ---------------------------------------------------------------------------------------------
# Attribute value checks


class Check:
    """A check on an attribute value: ``problem`` returns what is wrong, or None."""

    __slots__ = ()

    def problem(self, value: str) -> str | None:  # pragma: no cover - overridden
        raise NotImplementedError


class Enum(Check):
    """One of a closed set of values (Appendix O enumerated datatypes)."""

    __slots__ = ("values", "fold", "order")

    def __init__(self, *values: str, fold: bool = False) -> None:
        self.values = frozenset(v.lower() for v in values) if fold else frozenset(values)
        self.fold = fold
        self.order = values

    def problem(self, value: str) -> str | None:
        if (value.strip().lower() if self.fold else value.strip()) in self.values:
            return None
        return "expected " + _alternatives([f"'{v}'" for v in self.order])


class Pattern(Check):
    """A value matching a regular expression, described in words for messages."""

    __slots__ = ("regex", "expected")

    def __init__(self, regex: str, expected: str) -> None:
        self.regex = re.compile(regex)
        self.expected = expected

    def problem(self, value: str) -> str | None:
        return None if self.regex.fullmatch(value.strip()) else f"expected {self.expected}"


# ECMA-262 5th edition §7.6.1: keywords, future reserved words and the literals.
RESERVED_WORDS = frozenset(
    "break case catch class const continue debugger default delete do else enum export "
    "extends false finally for function if import in instanceof new null return super "
    "switch this throw true try typeof var void while with".split()
)
# ECMA-262 §7.6 IdentifierName, approximated with Unicode word characters.
_IDENTIFIER = re.compile(r"(?:[^\W\d]|\$)(?:\w|\$)*")


def restricted_name_problem(name: str) -> str | None:
    """What is wrong with a RestrictedVariableName (Appendix O; §5.1.1), or None."""
    if not name:
        return "expected a variable name"
    if "." in name:
        return "a variable name must not contain '.'"
    if name.startswith("_"):
        return "names starting with '_' are reserved for the interpreter"
    if "$" in name:
        return "a variable name must not contain '$' (reserved for shadow variables)"
    if not _IDENTIFIER.fullmatch(name):
        return "expected an ECMAScript identifier"
    if name in RESERVED_WORDS:
        return "an ECMAScript reserved word cannot be a variable name"
    return None


class RestrictedName(Check):
    """RestrictedVariableName: ``<var name>``, form item names, ``<data name>``."""

    __slots__ = ()

    def problem(self, value: str) -> str | None:
        return restricted_name_problem(value.strip())


class RestrictedNames(Check):
    """A space-separated list of RestrictedVariableName (``<filled namelist>``)."""

    __slots__ = ()

    def problem(self, value: str) -> str | None:
        for name in value.split():
            problem = restricted_name_problem(name)
            if problem:
                return f"'{name}': {problem}"
        return None


class VariablePath(Check):
    """VariableName: an identifier with an optional scope prefix, ``$`` allowed (``<assign>``)."""

    __slots__ = ()

    def problem(self, value: str) -> str | None:
        parts = value.strip().split(".")
        for part in parts:
            if not _IDENTIFIER.fullmatch(part):
                return "expected an ECMAScript variable name such as 'x' or 'application.x'"
        if parts[-1] in RESERVED_WORDS:
            return "an ECMAScript reserved word cannot be a variable name"
        return None


def _alternatives(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    if len(items) == 2:
        return f"{items[0]} or {items[1]}"
    return "one of " + ", ".join(items)


BOOLEAN = Enum("true", "false")
DURATION = Pattern(r"\+?([0-9]*\.)?[0-9]+(ms|s)", "a time such as '3s' or '500ms'")
INTEGER = Pattern(r"\+?[0-9]+", "a non-negative integer")
DTMF_SEQUENCE = Pattern(r"[\s0-9#*A-Da-d]*[0-9#*A-Da-d][\s0-9#*A-Da-d]*", "DTMF keys (0-9, *, #)")
MEDIA_TYPE = Pattern(r"[\w.+-]+/[\w.+-]+(\s*;.*)?", "a media type such as 'multipart/form-data'")
SCOPE = Enum("document", "dialog")
ACCEPT = Enum("exact", "approximate")
METHOD = Enum("get", "post", fold=True)
FETCHHINT = Enum("safe", "prefetch")
NAME = RestrictedName()

# ---------------------------------------------------------------------------------------------
# The table


@dataclass(frozen=True, slots=True)
class ElementRule:
    """What one element may be (VoiceXML 2.0 Appendix O, attribute tables of each section).

    ``attrs`` maps each allowed attribute to its value check (None: any string).
    ``exactly_one``/``at_most_one`` are groups of attributes; the pseudo-attribute
    ``CONTENT`` stands for inline content (``<grammar>``, ``<script>``).
    ``children`` maps each allowed child tag to the key of its rule in ``ELEMENTS`` (a
    child's rule can depend on its parent: ``<foreach>`` in a prompt); None allows any
    subtree unchecked (``<metadata>``). ``text``: whether non-blank text may appear.
    """

    attrs: Mapping[str, Check | None]
    required: tuple[str, ...] = ()
    exactly_one: tuple[tuple[str, ...], ...] = ()
    at_most_one: tuple[tuple[str, ...], ...] = ()
    children: Mapping[str, str] | None = field(default_factory=dict)
    text: bool = False
    section: str = ""


CONTENT = "#content"


def _a(*names: str, **checked: Check | None) -> dict[str, Check | None]:
    """Attribute map: plain names take any string, keywords carry their check."""
    attrs: dict[str, Check | None] = dict.fromkeys(names)
    attrs.update({k.replace("_", "-"): v for k, v in checked.items()})
    return attrs


def _c(*tags: str, **keyed: str) -> dict[str, str]:
    """Children map: each tag uses the rule of the same name unless given another key."""
    children = {tag: tag for tag in tags}
    children.update({k.replace("_", "-"): v for k, v in keyed.items()})
    return children


CACHE = _a(fetchhint=FETCHHINT, fetchtimeout=DURATION, maxage=INTEGER, maxstale=INTEGER)
FORM_ITEM = _a("expr", "cond", name=NAME)
HANDLER = _a("cond", count=INTEGER)
THROW = _a("message", "messageexpr", "eventexpr", event=None)
NEXT = _a("next", "expr")
SUBMIT = _a("namelist", method=METHOD, enctype=MEDIA_TYPE)
PROMPT_ATTRS = _a(
    "cond", count=INTEGER, bargein=BOOLEAN, timeout=DURATION, bargeintype=Enum("speech", "hotword")
)
GRAMMAR_ATTRS = CACHE | _a(
    "src",
    "srcexpr",
    "type",
    "weight",
    "root",
    "version",
    "tag-format",
    scope=SCOPE,
    mode=Enum("voice", "dtmf"),
)

# Content models (Appendix O groups).
AUDIO = _c("audio", "enumerate", "value")
HANDLERS = _c("catch", "error", "help", "noinput", "nomatch")
EXECUTABLE = AUDIO | _c(
    "assign",
    "clear",
    "data",
    "disconnect",
    "exit",
    "foreach",
    "goto",
    "if",
    "log",
    "prompt",
    "reprompt",
    "return",
    "script",
    "submit",
    "throw",
    "var",
)
# SSML 1.0 "allowed-within-sentence" plus VoiceXML's value and enumerate and 2.1's foreach.
SENTENCE = _c(
    "audio",
    "break",
    "emphasis",
    "enumerate",
    "mark",
    "phoneme",
    "prosody",
    "say-as",
    "sub",
    "value",
    "voice",
    foreach="foreach.prompt",
)
STRUCTURE = SENTENCE | _c("p", "s")
SPEAK = STRUCTURE | _c("lexicon", "meta", "metadata")
IF_BODY = EXECUTABLE | _c("elseif", "else")
INPUT_ITEM = AUDIO | HANDLERS | _c("filled", "property", "prompt")
SRGS_RULE_BODY = _c("item", "one-of", "ruleref", "tag", "token")
GRAMMAR_BODY = _c("rule", "lexicon", "meta", "metadata", "tag")

ELEMENTS: dict[str, ElementRule] = {
    # §1.5.1 The root element.
    "vxml": ElementRule(
        _a("application", "version"),
        required=("version",),
        section="§1.5.1",
        children=HANDLERS
        | _c("data", "form", "link", "menu", "meta", "metadata", "property", "script", "var"),
    ),
    "meta": ElementRule(
        _a("name", "content", "http-equiv"),
        required=("content",),
        exactly_one=(("name", "http-equiv"),),
        section="§6.2.1",
    ),
    "metadata": ElementRule({}, children=None, text=True, section="§6.2.2"),
    "property": ElementRule(_a("name", "value"), required=("name", "value"), section="§6.3"),
    "var": ElementRule(_a("expr", name=NAME), required=("name",), section="§5.3.1"),
    "script": ElementRule(
        CACHE | _a("src", "srcexpr", "charset"),
        text=True,
        exactly_one=(("src", "srcexpr", CONTENT),),
        section="§5.3.12; 2.1 §3",
    ),
    # §2.1 Forms and their items.
    "form": ElementRule(
        _a("id", scope=SCOPE),
        section="§2.1",
        children=HANDLERS
        | _c(
            "block",
            "data",
            "field",
            "filled",
            "grammar",
            "initial",
            "link",
            "object",
            "property",
            "record",
            "script",
            "subdialog",
            "transfer",
            "var",
        ),
    ),
    "field": ElementRule(
        FORM_ITEM | _a("type", "slot", modal=BOOLEAN),
        text=True,
        section="§2.3.1",
        children=INPUT_ITEM | _c("grammar", "link", "option"),
    ),
    "option": ElementRule(
        _a("value", dtmf=DTMF_SEQUENCE, accept=ACCEPT), text=True, section="§2.3.1.3"
    ),
    "block": ElementRule(FORM_ITEM, children=EXECUTABLE, text=True, section="§2.3.2"),
    "initial": ElementRule(
        FORM_ITEM,
        text=True,
        section="§2.3.3",
        children=AUDIO | HANDLERS | _c("link", "property", "prompt"),
    ),
    "subdialog": ElementRule(
        FORM_ITEM | CACHE | SUBMIT | _a("src", "srcexpr", "fetchaudio"),
        text=True,
        exactly_one=(("src", "srcexpr"),),
        children=INPUT_ITEM | _c("param"),
        section="§2.3.4",
    ),
    "object": ElementRule(
        FORM_ITEM | CACHE | _a("classid", "codebase", "data", "type", "codetype", "archive"),
        text=True,
        children=INPUT_ITEM | _c("param"),
        section="§2.3.5",
    ),
    "record": ElementRule(
        FORM_ITEM
        | _a(
            "type",
            modal=BOOLEAN,
            beep=BOOLEAN,
            maxtime=DURATION,
            finalsilence=DURATION,
            dtmfterm=BOOLEAN,
        ),
        text=True,
        children=INPUT_ITEM | _c("grammar"),
        section="§2.3.6",
    ),
    "transfer": ElementRule(
        FORM_ITEM
        | _a(
            "dest",
            "destexpr",
            "transferaudio",
            "aai",
            "aaiexpr",
            bridge=BOOLEAN,
            connecttimeout=DURATION,
            maxtime=DURATION,
            type=Enum("blind", "bridge", "consultation"),
        ),
        at_most_one=(("dest", "destexpr"), ("aai", "aaiexpr"), ("bridge", "type")),
        text=True,
        children=INPUT_ITEM | _c("grammar"),
        section="§2.3.7; 2.1 §9",
    ),
    "filled": ElementRule(
        _a(mode=Enum("all", "any"), namelist=RestrictedNames()),
        children=EXECUTABLE,
        text=True,
        section="§2.4",
    ),
    "param": ElementRule(
        _a("name", "expr", "value", "type", valuetype=Enum("data", "ref")),
        required=("name",),
        exactly_one=(("expr", "value"),),
        section="§6.4",
    ),
    # §2.2 Menus.
    "menu": ElementRule(
        _a("id", scope=SCOPE, dtmf=BOOLEAN, accept=ACCEPT),
        text=True,
        section="§2.2.1",
        children=AUDIO | HANDLERS | _c("choice", "property", "prompt"),
    ),
    "choice": ElementRule(
        CACHE | NEXT | THROW | _a("fetchaudio", dtmf=DTMF_SEQUENCE, accept=ACCEPT),
        exactly_one=(("next", "expr", "event", "eventexpr"),),
        at_most_one=(("message", "messageexpr"),),
        children=_c("grammar"),
        text=True,
        section="§2.2.2",
    ),
    "enumerate": ElementRule({}, children=STRUCTURE, text=True, section="§2.2.4"),
    # §2.5 Links, §3.1 grammars.
    "link": ElementRule(
        CACHE | NEXT | THROW | _a("fetchaudio", dtmf=DTMF_SEQUENCE),
        exactly_one=(("next", "expr", "event", "eventexpr"),),
        at_most_one=(("message", "messageexpr"),),
        children=_c("grammar"),
        section="§2.5",
    ),
    "grammar": ElementRule(
        GRAMMAR_ATTRS,
        exactly_one=(("src", "srcexpr", CONTENT),),
        children=GRAMMAR_BODY,
        text=True,
        section="§3.1; 2.1 §2",
    ),
    # SRGS 1.0 inside inline grammars: names and attributes only; the grammar compiler
    # checks the rest (rule references, root rule, tag format).
    "rule": ElementRule(
        _a("id", scope=Enum("public", "private")),
        required=("id",),
        children=SRGS_RULE_BODY | _c("example"),
        text=True,
        section="SRGS §3.1",
    ),
    "item": ElementRule(
        _a("repeat", "repeat-prob", "weight"),
        children=SRGS_RULE_BODY,
        text=True,
        section="SRGS §2.3",
    ),
    "one-of": ElementRule({}, children=_c("item"), section="SRGS §2.4"),
    "ruleref": ElementRule(
        _a("uri", "type", special=Enum("NULL", "VOID", "GARBAGE")),
        exactly_one=(("uri", "special"),),
        section="SRGS §2.2",
    ),
    "token": ElementRule({}, text=True, section="SRGS §2.1"),
    "tag": ElementRule({}, text=True, section="SRGS §2.6"),
    "example": ElementRule({}, text=True, section="SRGS §3.3"),
    "lexicon": ElementRule(_a("uri", "type"), required=("uri",), section="SRGS §4.10; SSML §3.1.4"),
    # §4.1 Prompts and the SSML 1.0 elements inside them.
    "prompt": ElementRule(PROMPT_ATTRS, children=SPEAK, text=True, section="§4.1"),
    "audio": ElementRule(
        CACHE | _a("src", "expr"),
        exactly_one=(("src", "expr"),),
        children=STRUCTURE | _c("desc"),
        text=True,
        section="§4.1.3",
    ),
    "value": ElementRule(_a("expr"), required=("expr",), section="§4.1.4"),
    "break": ElementRule(
        _a(time=DURATION, strength=Enum("none", "x-weak", "weak", "medium", "strong", "x-strong")),
        section="SSML §3.2.3",
    ),
    "emphasis": ElementRule(
        _a(level=Enum("strong", "moderate", "none", "reduced")),
        children=SENTENCE,
        text=True,
        section="SSML §3.2.2",
    ),
    "mark": ElementRule(
        _a("name", "nameexpr"), exactly_one=(("name", "nameexpr"),), section="SSML §3.3.2; 2.1 §4"
    ),
    "p": ElementRule({}, children=SENTENCE | _c("s"), text=True, section="SSML §3.1.7"),
    "s": ElementRule({}, children=SENTENCE, text=True, section="SSML §3.1.7"),
    "phoneme": ElementRule(
        _a("ph", "alphabet"), required=("ph",), text=True, section="SSML §3.1.9"
    ),
    "prosody": ElementRule(
        _a("pitch", "contour", "range", "rate", "volume", duration=DURATION),
        children=STRUCTURE,
        text=True,
        section="SSML §3.2.4",
    ),
    "say-as": ElementRule(
        _a("interpret-as", "format", "detail"),
        required=("interpret-as",),
        children=_c("value"),
        text=True,
        section="SSML §3.1.8",
    ),
    "sub": ElementRule(_a("alias"), required=("alias",), text=True, section="SSML §3.1.10"),
    "voice": ElementRule(
        _a("age", "variant", "name", gender=Enum("male", "female", "neutral")),
        children=STRUCTURE,
        text=True,
        section="SSML §3.2.1",
    ),
    "desc": ElementRule({}, text=True, section="SSML §3.3.3"),
    # §5.2 Event handlers.
    "catch": ElementRule(HANDLER | _a("event"), children=EXECUTABLE, text=True, section="§5.2.2"),
    "error": ElementRule(HANDLER, children=EXECUTABLE, text=True, section="§5.2.3"),
    "help": ElementRule(HANDLER, children=EXECUTABLE, text=True, section="§5.2.3"),
    "noinput": ElementRule(HANDLER, children=EXECUTABLE, text=True, section="§5.2.3"),
    "nomatch": ElementRule(HANDLER, children=EXECUTABLE, text=True, section="§5.2.3"),
    # §5.3 Executable content.
    "assign": ElementRule(
        _a("expr", name=VariablePath()), required=("name", "expr"), section="§5.3.2"
    ),
    "clear": ElementRule(_a("namelist"), section="§5.3.3"),
    "if": ElementRule(
        _a("cond"), required=("cond",), children=IF_BODY, text=True, section="§5.3.4"
    ),
    "elseif": ElementRule(_a("cond"), required=("cond",), section="§5.3.4"),
    "else": ElementRule({}, section="§5.3.4"),
    "goto": ElementRule(
        CACHE | NEXT | _a("fetchaudio", "expritem", nextitem=NAME),
        exactly_one=(("next", "expr", "nextitem", "expritem"),),
        section="§5.3.7",
    ),
    "submit": ElementRule(
        CACHE | NEXT | SUBMIT | _a("fetchaudio"), exactly_one=(("next", "expr"),), section="§5.3.8"
    ),
    "exit": ElementRule(
        _a("expr", "namelist"), at_most_one=(("expr", "namelist"),), section="§5.3.9"
    ),
    "return": ElementRule(
        THROW | _a("namelist"),
        at_most_one=(("event", "eventexpr", "namelist"), ("message", "messageexpr")),
        section="§5.3.10",
    ),
    "disconnect": ElementRule(_a("namelist"), section="§5.3.11; 2.1 §8"),
    "reprompt": ElementRule({}, section="§5.3.6"),
    "throw": ElementRule(
        THROW,
        exactly_one=(("event", "eventexpr"),),
        at_most_one=(("message", "messageexpr"),),
        section="§5.2.1",
    ),
    "log": ElementRule(_a("label", "expr"), children=_c("value"), text=True, section="§5.3.13"),
    # VoiceXML 2.1 §5 <data>, §6 <foreach>.
    "data": ElementRule(
        CACHE | SUBMIT | _a("src", "srcexpr", "fetchaudio", name=NAME),
        exactly_one=(("src", "srcexpr"),),
        section="2.1 §5",
    ),
    "foreach": ElementRule(
        _a("array", item=NAME),
        required=("array", "item"),
        children=EXECUTABLE,
        text=True,
        section="2.1 §6",
    ),
    "foreach.prompt": ElementRule(
        _a("array", item=NAME),
        required=("array", "item"),
        children=STRUCTURE,
        text=True,
        section="2.1 §6",
    ),
}

# Attributes allowed on every element (XML 1.0 §2.12, XML Base, xml:id).
XML_ATTRS = frozenset(("xml:lang", "xml:base", "xml:space", "xml:id"))

# Common mistakes worth a hint after the generic message.
ATTRIBUTE_HINTS: dict[str, str] = {
    "caching": "'caching' is VoiceXML 1.0; use maxage and maxstale",
    "msecs": "'msecs' is VoiceXML 1.0; use time",
    "size": "'size' is VoiceXML 1.0; use strength",
}

# Form items (§2.1.2) and which of them are control items (§2.3.2, §2.3.3).
FORM_ITEMS = frozenset(("field", "block", "initial", "subdialog", "object", "record", "transfer"))
CONTROL_ITEMS = frozenset(("block", "initial"))

# ---------------------------------------------------------------------------------------------
# Rules the table cannot express


def _check_vxml(node: Node) -> None:
    """§1.5.1: ``version`` is "2.0" or "2.1" (a 1.0 document would need another interpreter)."""
    version = node.attrs.get("version")
    if version is not None and version.strip() not in ("2.0", "2.1"):
        _fail(node, f"<vxml> has version '{version}': expected '2.0' or '2.1'")


def _check_form(node: Node) -> None:
    """§2.1.2: form item names are unique within the form; §2.4: <filled> namelists."""
    seen: dict[str, Node] = {}
    for child in node.children:
        if child.foreign or child.tag not in FORM_ITEMS:
            continue
        name = child.attrs.get("name")
        if name is None:
            continue
        first = seen.setdefault(name, child)
        if first is not child:
            _fail(
                child,
                f"duplicate form item name '{name}' in <form> "
                f"(first used by <{first.tag}> at line {first.line})",
            )
    for child in node.children:
        if child.tag == "filled" and not child.foreign and "namelist" in child.attrs:
            for name in child.attrs["namelist"].split():
                item = seen.get(name)
                if item is not None and item.tag in CONTROL_ITEMS:
                    _fail(
                        child,
                        f"<filled> namelist names '{name}', a control item "
                        f"(<{item.tag}>): expected input item names",
                    )


def _check_filled(node: Node) -> None:
    """§2.4: a <filled> inside an input item may not specify ``mode`` or ``namelist``."""
    parent = node.parent
    if parent is not None and parent.tag != "form":
        for attr in ("mode", "namelist"):
            if attr in node.attrs:
                _fail(
                    node,
                    f"<filled> inside <{parent.tag}> has '{attr}': "
                    "only a form-level <filled> may have mode or namelist",
                )


def _check_if(node: Node) -> None:
    """§5.3.4: <elseif>s come before the one optional <else>, which is last."""
    else_node: Node | None = None
    for child in node.children:
        if child.foreign or child.tag not in ("elseif", "else"):
            continue
        if else_node is not None:
            _fail(
                child,
                f"found <{child.tag}> after <else> (line {else_node.line}) "
                "inside <if>: <else> must be the last branch",
            )
        if child.tag == "else":
            else_node = child


_EXTRA_CHECKS: dict[str, Callable[[Node], None]] = {
    "vxml": _check_vxml,
    "form": _check_form,
    "filled": _check_filled,
    "if": _check_if,
}

# ---------------------------------------------------------------------------------------------
# The walk


def validate_document(root: Node) -> None:
    """Raise ``DocumentError`` for an invalid VoiceXML 2.0/2.1 document (Appendix O).

    One pass over the nodes; each element is checked against its row of ``ELEMENTS``.
    """
    if root.foreign or root.tag != "vxml":
        _fail(root, f"found <{root.tag}>: expected <vxml>")
    _validate(root, "vxml")


def _validate(node: Node, key: str) -> None:
    rule = ELEMENTS[key]
    tag = node.tag
    extra = _EXTRA_CHECKS.get(tag)
    if extra is not None:  # first: a 1.0 document is reported as such, not by its details
        extra(node)
    attrs = node.attrs
    allowed = rule.attrs
    for name, value in attrs.items():
        if name not in allowed:
            if name[0] == "{" or name in XML_ATTRS:
                continue
            _unknown_attribute(node, name, allowed)
        check = allowed[name]
        if check is not None:
            problem = check.problem(value)
            if problem:
                _fail(node, f"<{tag}> has {name}='{value}': {problem}")
    for name in rule.required:
        if name not in attrs:
            extra = ": expected '2.0' or '2.1'" if tag == "vxml" else ""
            _fail(node, f"<{tag}> is missing required attribute '{name}'{extra}")
    for group in rule.exactly_one:
        present = _present(node, group)
        if len(present) != 1:
            found = "found none" if not present else "found " + " and ".join(present)
            _fail(node, f"<{tag}> needs exactly one of {_names(group)}: {found}")
    for group in rule.at_most_one:
        present = _present(node, group)
        if len(present) > 1:
            _fail(
                node,
                f"<{tag}> may have at most one of {_names(group)}: found {' and '.join(present)}",
            )
    children = rule.children
    if children is None:
        return
    if not rule.text and node.text and not node.text.isspace():
        _text_error(node, node.text, node.line)
    for child in node.children:
        if not rule.text and child.tail and not child.tail.isspace():
            _text_error(node, child.tail, child.line)
        if child.foreign:
            continue
        child_key = children.get(child.tag)
        if child_key is None:
            _unknown_child(node, child, children)
        else:
            _validate(child, child_key)


def _present(node: Node, group: tuple[str, ...]) -> list[str]:
    present = []
    for name in group:
        if name == CONTENT:
            if _has_inline_content(node):
                present.append("inline content")
        elif name in node.attrs:
            present.append(f"'{name}'")
    return present


def _has_inline_content(node: Node) -> bool:
    """Inline grammar or script: non-blank text or any child element (§3.1.1.1, §5.3.12)."""
    if node.children:
        return True
    return bool(node.text) and not node.text.isspace()


def _names(group: tuple[str, ...]) -> str:
    return ", ".join("inline content" if n == CONTENT else f"'{n}'" for n in group)


def _unknown_attribute(node: Node, name: str, allowed: Mapping[str, Check | None]) -> NoReturn:
    message = f"<{node.tag}> has unknown attribute '{name}'"
    if name in ATTRIBUTE_HINTS:
        message += f" ({ATTRIBUTE_HINTS[name]})"
    expected = _choices([f"'{a}'" for a in sorted(allowed)], "no attributes")
    _fail(node, f"{message}: expected {expected}")


def _unknown_child(parent: Node, child: Node, children: Mapping[str, str]) -> NoReturn:
    expected = _choices([f"<{tag}>" for tag in sorted(children)], "no child elements")
    _fail(child, f"found <{child.tag}> inside <{parent.tag}>: expected {expected}")


def _choices(items: list[str], none: str) -> str:
    """``'a'``, ``one of 'a', 'b'``, or what to say when nothing is allowed."""
    if not items:
        return none
    return items[0] if len(items) == 1 else "one of " + ", ".join(items)


def _text_error(node: Node, text: str, line: int) -> NoReturn:
    shown = " ".join(text.split())
    if len(shown) > 30:
        shown = shown[:29] + "…"
    _fail_at(node, line, f"found text '{shown}' inside <{node.tag}>: expected only elements")


def _fail(node: Node, message: str) -> NoReturn:
    raise DocumentError(node.uri, node.line or None, message)


def _fail_at(node: Node, line: int, message: str) -> NoReturn:
    raise DocumentError(node.uri, line or None, message)
