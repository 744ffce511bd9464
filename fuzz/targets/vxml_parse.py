"""Target ``vxml_parse``: raw bytes into the VoiceXML document parser and validator.

Rule: ``parse_document`` returns a ``Document`` or raises ``DocumentError`` (which the
interpreter throws as error.badfetch); nothing else escapes."""

from __future__ import annotations

import sys
from pathlib import Path

from vxml_browser.core.model import DocumentError, parse_document

try:
    from ._base import Finding, atheris_main
except ImportError:  # run as a script by atheris
    from _base import Finding, atheris_main  # type: ignore[no-redef]

NAME = "vxml_parse"
DESCRIPTION = "VoiceXML document parser and validator (raw bytes)"
ROOT = Path(__file__).resolve().parents[2]


def check(data: bytes) -> None:
    try:
        doc = parse_document(data, "http://fuzz/doc.vxml")
    except DocumentError as exc:
        if not isinstance(exc.message, str):
            raise Finding(f"DocumentError without a message: {exc!r}") from None
        return
    except RecursionError as exc:
        raise Finding(f"RecursionError escaped: {exc}") from exc
    if doc.root.tag != "vxml":
        raise Finding(f"accepted a document whose root is <{doc.root.tag}>")


def seeds() -> list[bytes]:
    found = sorted(ROOT.glob("sample_apps/**/*.vxml")) + sorted(ROOT.glob("conformance/**/*.vxml"))
    shared = ROOT.parent / "shared" / "realworld-vxml"
    found += sorted(shared.glob("**/*.vxml"))[:200] if shared.is_dir() else []
    out = [p.read_bytes() for p in found]
    out.append(b'<?xml version="1.0"?><vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">'
               b'<form id="f"><field name="x" type="digits"><prompt>hi</prompt></field></form></vxml>')
    return out


if __name__ == "__main__":
    atheris_main(check)
    sys.exit(0)
