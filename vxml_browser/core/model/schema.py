"""Validation of VoiceXML documents (VoiceXML 2.0 Appendix O; 2.1 additions).

Placeholder until the schema table lands: accepts every document.
"""

from __future__ import annotations

from .node import Node


def validate_document(root: Node) -> None:
    """Raise ``DocumentError`` for an invalid document (unknown element, bad attribute...)."""
    return None
