"""Small builders for grammar tests: the same rules in the XML and the ABNF form."""

from __future__ import annotations

import json
from typing import Any

from vxml_browser.core.grammars import Grammar, match_dtmf, match_text, parse_grammar

NOMATCH = "NOMATCH"


def xml(rules: str, *, root: str = "main", mode: str = "voice", tag_format: str | None = "semantics/1.0",
        uri: str = "http://example.com/g.grxml", head: str = "") -> Grammar:
    fmt = f' tag-format="{tag_format}"' if tag_format else ""
    text = (f'<grammar xmlns="http://www.w3.org/2001/06/grammar" version="1.0" xml:lang="en-US" '
            f'mode="{mode}" root="{root}"{fmt}>{head}{rules}</grammar>')
    return parse_grammar(text, uri=uri)


def abnf(rules: str, *, root: str = "main", mode: str = "voice", tag_format: str | None = "semantics/1.0",
         uri: str = "http://example.com/g.gram", head: str = "") -> Grammar:
    fmt = f"tag-format <{tag_format}>;\n" if tag_format else ""
    text = f"#ABNF 1.0 UTF-8;\nlanguage en-US;\nmode {mode};\nroot ${root};\n{fmt}{head}{rules}\n"
    return parse_grammar(text, uri=uri)


def said(g: Grammar, text: str) -> Any:
    """The interpretation of ``text`` (voice) or NOMATCH."""
    found = match_text([g], text)
    return found[0].interpretation if found else NOMATCH


def pressed(g: Grammar, keys: str) -> Any:
    """The interpretation of DTMF ``keys``, NOMATCH, or the status when incomplete."""
    m = match_dtmf([g], keys)
    if m.result is None:
        return NOMATCH if m.status == "nomatch" else m.status
    return m.result.interpretation


def js(value: Any) -> str:
    return json.dumps(value)
