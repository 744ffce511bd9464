"""Target ``sisr``: SISR tag scripts (SISR 1.0 §6) evaluated over a match.

The bytes choose a grammar shape (a rule reference or not, repeats, literal or script tag
format) and the text of the tags, partly from a pool of hostile snippets (runaway loops,
exceptions, huge strings, odd values for ``out``) and partly raw.

Rule: parsing raises only ``GrammarError``; matching returns interpretations, or raises
``GrammarError`` for a tag that fails or runs away (the interpreter's error.semantic) within
SISR's time limit; nothing else escapes, nothing hangs."""

from __future__ import annotations

from xml.sax.saxutils import escape

from vxml_browser.core.grammars import GrammarError, match_dtmf, match_text, parse_grammar

try:
    from ._base import Chooser, atheris_main
except ImportError:
    from _base import Chooser, atheris_main  # type: ignore[no-redef]

NAME = "sisr"
DESCRIPTION = "SISR tag evaluation over matches (generated grammars, pooled and raw tag text)"

SNIPPETS = (
    "out = 1;", "out.x = 'a';", "out = rules.latest();", "out = rules.inner;", "out = meta.current().text;",
    "out = meta.inner.text;", "out = rules.inner.x + 1;", "var v = 2; out = v;", "throw new Error('x');",
    "throw 1;", "out = undefined;", "out = null;", "out = Symbol();", "out = 10n;", "out = function(){};",
    "out = new Proxy({}, {get(){throw 1}});", "out = {toJSON(){throw 2}};", "out = [1,[2,[3]]];",
    "out = 'x'.repeat(1<<20);", "while(true){}", "for(;;){out=1}", "out = '\\uD800';", "out = 'a\\u0000b';",
    "out = NaN;", "out = Infinity;", "out = -0;", "out = 1e308*10;", "out = new Date(0);",
    "out = (function f(){return f()})();", "out = JSON.parse('{\"a\":1}');", "$ = 'swi';", "$.x = $$;",
    "out.a.b = 1;", "out = rules;", "out = meta;", "rules.x = 1;", "out = this;", "delete out;",
    "'literal'", "\"quoted\"", "", "}", "{", "<", "&amp;", "out = ", "var out = 3;",
)
WORDS = ("yes", "no", "one", "two", "pizza")


def _tag(c: Chooser) -> str:
    text = c.choice(SNIPPETS) if c.flag(4) is False else c.text(40)
    if c.flag(3):
        text += c.choice(SNIPPETS)
    return "<tag>" + escape(text) + "</tag>"


def grammar_from(c: Chooser) -> tuple[bytes, str]:
    mode = c.choice(("voice", "dtmf"))
    fmt = c.choice(("semantics/1.0", "semantics/1.0-literals", "semantics/1.0.2006", "swi-semantics/1.0"))
    words = ("1", "2", "3") if mode == "dtmf" else WORDS
    inner_items = "".join(f"<item>{w}{_tag(c) if c.flag() else ''}</item>" for w in words[:2])
    rep = c.choice(("", ' repeat="0-1"', ' repeat="1-"', ' repeat="2"', ' repeat="0-"'))
    body = (f'<item{rep}><ruleref uri="#inner"/>{_tag(c) if c.flag() else ""}</item>'
            if c.flag() else f"<one-of><item>{words[2]}{_tag(c)}</item>{inner_items}</one-of>")
    xml = (f'<grammar xmlns="http://www.w3.org/2001/06/grammar" version="1.0" mode="{mode}" '
           f'root="main" tag-format="{fmt}"><rule id="main" scope="public">{body}{_tag(c) if c.flag() else ""}'
           f'</rule><rule id="inner"><one-of>{inner_items}</one-of></rule></grammar>')
    return xml.encode(), mode


def check(data: bytes) -> None:
    c = Chooser(data)
    xml, mode = grammar_from(c)
    try:
        g = parse_grammar(xml, uri="http://fuzz/sisr.grxml", media_type="application/srgs+xml")
    except GrammarError:
        return
    try:
        if mode == "dtmf":
            for keys in ("1", "3", "12", "121", "33"):
                match_dtmf([g], keys)
        else:
            for text in ("yes", "pizza", "one one", "yes no", "one"):
                match_text([g], text, maxnbest=3)
    except GrammarError:
        return


def seeds() -> list[bytes]:
    return [bytes([i, 0, i, 1, 2, i, 3]) for i in range(0, 48, 3)]


if __name__ == "__main__":
    atheris_main(check)
