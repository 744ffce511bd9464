"""Targets ``srgs_xml`` and ``srgs_abnf``: raw bytes into the SRGS XML and ABNF parsers, then
matching a few utterances and key strings against what parsed.

Rule: ``parse_grammar`` returns a ``Grammar`` or raises ``GrammarError`` (error.badfetch);
matching returns interpretations or nomatch; nothing else escapes."""

from __future__ import annotations

from pathlib import Path

from vxml_browser.core.grammars import GrammarError, match_dtmf, match_text, parse_grammar

try:
    from ._base import Finding
except ImportError:
    from _base import Finding  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[2]
UTTERANCES = ("yes", "one two three", "a", "small pizza please", "", "x y z w")
KEYS = ("1", "123#", "*0", "9999")


def check_grammar(data: bytes, media_type: str) -> None:
    try:
        g = parse_grammar(data, uri="http://fuzz/g", media_type=media_type)
    except GrammarError as exc:
        if not isinstance(exc.message, str):
            raise Finding(f"GrammarError without a message: {exc!r}") from None
        return
    try:
        if g.external_refs():
            return  # needs fetching first: the interpreter does that
        for text in UTTERANCES:
            match_text([g], text, maxnbest=2)
        for keys in KEYS:
            match_dtmf([g], keys)
    except GrammarError:
        return  # a tag script that fails or runs away is the grammar's error (error.semantic)


def seeds(ext: str) -> list[bytes]:
    return [p.read_bytes() for p in sorted(ROOT.glob(f"grammars/**/*.{ext}"))[:40]]
