"""Parsing VoiceXML documents with a hardened lxml parser (VoiceXML 2.0 §1.5, Appendix O).

No entity expansion, no DTD loading and no network access (XXE and billion-laughs safe). A
document that is not well-formed, or not a valid VoiceXML document, raises ``DocumentError``
with the URI, the line and what was expected; the interpreter turns that into error.badfetch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from .node import SRGS_NS, SSML_NS, VXML_NS, XML_NS, DocumentError, Node

MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
"""The default size limit of a document or grammar; a platform passes its own (``max_bytes``)."""
_LINE_COLUMN = re.compile(r", line \d+, column \d+$")

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
    strip_cdata=True,
)


@dataclass(slots=True, eq=False)
class Document:
    """A parsed VoiceXML document: its root ``<vxml>`` node and indexes over it."""

    uri: str
    root: Node
    dialogs: dict[str, Node] = field(default_factory=dict)
    dialog_order: list[Node] = field(default_factory=list)

    @property
    def base(self) -> str:
        """The base URI for the document's relative references: ``xml:base`` resolved
        against the document's own URI, or that URI (VoiceXML 2.0 §1.5.1)."""
        xml_base = self.root.get("xml:base")
        if not xml_base:
            return self.uri
        from urllib.parse import urljoin

        return urljoin(self.uri, xml_base.strip())

    @property
    def application(self) -> str | None:
        return self.root.get("application")

    @property
    def version(self) -> str:
        return self.root.get("version") or "2.0"


def parse_xml(content: bytes | str, uri: str, max_bytes: int = MAX_DOCUMENT_BYTES) -> etree._Element:
    """Parse XML with the hardened parser; raise ``DocumentError`` naming the line on failure."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    if len(data) > max_bytes:
        raise DocumentError(uri, None, f"document is {len(data)} bytes, over the limit of {max_bytes}")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    stripped = data.lstrip()
    if stripped.startswith(b"<?xml") and stripped is not data:
        # Tolerate blank lines before the XML declaration: move them after it, so that
        # every line number (nodes, syntax errors) stays the line of the file.
        end = stripped.find(b"?>") + 2
        if end > 1:
            data = stripped[:end] + data[: len(data) - len(stripped)] + stripped[end:]
        else:
            data = stripped
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        msg = exc.msg or str(exc)
        msg = _LINE_COLUMN.sub("", msg)  # lxml repeats the position; the line is in the prefix
        raise DocumentError(uri, line, f"not well-formed XML: {msg}") from None
    if root is None:
        raise DocumentError(uri, 1, "empty document: expected <vxml>")
    return root


def _local(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return None, tag


def build_node(el: etree._Element, uri: str, parent: Node | None = None) -> Node:
    """Turn an lxml element (and its subtree) into nodes."""
    ns, local = _local(el.tag)
    # SRGS and SSML elements written in their own namespace (an inline
    # <grammar xmlns="http://www.w3.org/2001/06/grammar">, common in deployed documents) are
    # VoiceXML content, not extensions to ignore (VoiceXML 2.0 §3.1.1.1, §4.1).
    foreign = ns not in (None, VXML_NS, SRGS_NS, SSML_NS)
    attrs: dict[str, str] = {}
    for key, value in el.attrib.items():
        kns, klocal = _local(key)
        if kns is None:
            attrs[klocal] = value
        elif kns == XML_NS:
            attrs[f"xml:{klocal}"] = value
        else:
            attrs[key] = value
    node = Node(
        tag=el.tag if foreign else local,
        attrs=attrs,
        uri=uri,
        line=el.sourceline or 0,
        text=el.text or "",
        tail=el.tail or "",
        parent=parent,
        foreign=foreign,
        el=el,
    )
    children = node.children
    for child in el:
        if not isinstance(child.tag, str):  # entity references left unexpanded, comments
            if child.tail:
                if children:
                    children[-1].tail += child.tail
                else:
                    node.text += child.tail
            continue
        children.append(build_node(child, uri, node))
    return node


def parse_document(content: bytes | str, uri: str, *, validate: bool = True,
                   max_bytes: int = MAX_DOCUMENT_BYTES) -> Document:
    """Parse and validate a VoiceXML document (VoiceXML 2.0 Appendix O) of at most ``max_bytes``."""
    el = parse_xml(content, uri, max_bytes)
    ns, local = _local(el.tag)
    if local != "vxml" or ns not in (None, VXML_NS):
        found = f"<{local}>" if ns is None else f"<{local}> in namespace {ns}"
        raise DocumentError(
            uri, el.sourceline, f"found {found}: expected <vxml> in namespace {VXML_NS}"
        )
    root = build_node(el, uri)
    if validate:
        from .schema import validate_document

        validate_document(root)
    doc = Document(uri=uri, root=root)
    for child in root.elements("form", "menu"):
        doc.dialog_order.append(child)
        name = child.get("id")
        if name:
            if name in doc.dialogs:
                raise DocumentError(uri, child.line, f"duplicate dialog id '{name}'")
            doc.dialogs[name] = child
    return doc
