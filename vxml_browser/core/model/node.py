"""Document nodes: lxml elements turned into light nodes that know their ``uri:line``.

Every node keeps its element's local name, attributes, text, tail and children, and the
lxml element itself (inline grammars and ``<data>`` DOMs read it). Nodes in the VoiceXML
namespace (or in no namespace, as VoiceXML 1.0 documents are written) have ``tag`` set to the
local name; nodes of another namespace have ``foreign`` set and ``tag`` in Clark notation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

VXML_NS = "http://www.w3.org/2001/vxml"
SRGS_NS = "http://www.w3.org/2001/06/grammar"
SSML_NS = "http://www.w3.org/2001/10/synthesis"
XML_NS = "http://www.w3.org/XML/1998/namespace"


class DocumentError(Exception):
    """A document that cannot be used: raised as error.badfetch by the interpreter (§5.2.6)."""

    def __init__(self, uri: str, line: int | None, message: str) -> None:
        self.uri = uri
        self.line = line
        self.message = message
        super().__init__(f"{uri}:{line}: {message}" if line else f"{uri}: {message}")


@dataclass(slots=True, eq=False)
class Node:
    """One element of a VoiceXML document."""

    tag: str
    attrs: dict[str, str]
    uri: str
    line: int
    text: str = ""
    tail: str = ""
    children: list[Node] = field(default_factory=list)
    parent: Node | None = None
    foreign: bool = False
    el: Any = None

    @property
    def where(self) -> str:
        """``uri:line`` for messages and traces."""
        return f"{self.uri}:{self.line}"

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    def has(self, name: str) -> bool:
        return name in self.attrs

    def elements(self, *tags: str) -> Iterator[Node]:
        """Child nodes in VoiceXML namespace, optionally only those with the given tags."""
        for child in self.children:
            if not child.foreign and (not tags or child.tag in tags):
                yield child

    def first(self, tag: str) -> Node | None:
        return next(self.elements(tag), None)

    def ancestors(self) -> Iterator[Node]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def text_content(self) -> str:
        """All text inside the node, children included (as lxml's ``itertext``)."""
        parts = [self.text]
        for child in self.children:
            parts.append(child.text_content())
            parts.append(child.tail)
        return "".join(parts)

    def __repr__(self) -> str:
        return f"<{self.tag} at {self.where}>"
