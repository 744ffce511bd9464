"""The document model: lxml -> nodes that know their uri:line; validation."""

from .document import Document, parse_document, parse_xml
from .node import SRGS_NS, SSML_NS, VXML_NS, DocumentError, Node

__all__ = ["Document", "DocumentError", "Node", "SRGS_NS", "SSML_NS", "VXML_NS", "parse_document", "parse_xml"]
