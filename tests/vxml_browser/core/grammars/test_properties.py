"""Property: a generated grammar rendered as XML and as ABNF accepts the same inputs with the
same interpretations, with script or literal tags (SRGS 1.0 §1: the two forms map one to one)."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vxml_browser.core.grammars import match_dtmf, match_text, parse_grammar, to_phrases
from vxml_browser.core.grammars.nodes import (
    GrammarDoc,
    Node,
    OneOf,
    Repeat,
    Rule,
    RuleRef,
    Seq,
    Tag,
    Token,
)
from vxml_browser.core.grammars.render import render_abnf, render_xml

WORDS = ["red", "green", "blue", "big", "new york"]
_counter = itertools.count()


def _tag(literal: bool = False) -> st.SearchStrategy[Node]:
    if literal:
        return st.builds(Tag, st.sampled_from(["x", "y", "two words"]))
    keys = st.sampled_from(["a", "b", "c"])
    return st.one_of(
        st.builds(lambda k, v: Tag(f"out.{k} = {v};"), keys, st.integers(0, 9)),
        st.builds(lambda v: Tag(f'out = "{v}";'), st.sampled_from(["x", "y", "z"])),
        st.builds(lambda k: Tag(f"out.{k} = rules.latest();"), keys),
    )


def _expansions(refs: list[str], literal: bool) -> st.SearchStrategy[Node]:
    leaf = st.one_of(
        st.builds(Token, st.sampled_from(WORDS)),
        _tag(literal),
        st.just(RuleRef(special="NULL")),
        *([st.builds(lambda n: RuleRef(name=n), st.sampled_from(refs))] if refs else []),
    )

    def extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
        return st.one_of(
            st.builds(lambda xs: Seq(tuple(xs)), st.lists(children, min_size=2, max_size=3)),
            st.builds(lambda xs: OneOf(tuple(xs)),
                      st.lists(st.tuples(st.sampled_from([1.0, 0.5, 2.0]), children), min_size=2, max_size=3)),
            st.builds(lambda body, lo, extra: Repeat(body, lo, None if extra is None else lo + extra),
                      children, st.integers(0, 2), st.one_of(st.none(), st.integers(0, 2))),
        )

    return st.recursive(leaf, extend, max_leaves=8)


@st.composite
def grammars(draw: st.DrawFn) -> GrammarDoc:
    count = draw(st.integers(1, 3))
    literal = draw(st.booleans())
    names = [f"r{i}" for i in range(count)]
    fmt = "semantics/1.0-literals" if literal else "semantics/1.0"
    doc = GrammarDoc(uri="", root="r0", tag_format=fmt, lang="en-US")
    for i in reversed(range(count)):  # rule i may reference only later rules: no recursion
        body = draw(_expansions(names[i + 1:], literal))
        doc.rules[names[i]] = Rule(names[i], "public" if i == 0 else "private", body)
    doc.rules = dict(sorted(doc.rules.items()))
    return doc


SENTENCES = [" ".join(p) for n in range(0, 5) for p in itertools.product(["red", "green", "blue", "big"], repeat=n)]
SENTENCES += ["new york", "red new york", "new york new york", "big new york blue"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grammars(), st.lists(st.sampled_from(SENTENCES), min_size=10, max_size=25))
def test_xml_and_abnf_forms_agree(doc: GrammarDoc, inputs: list[str]) -> None:
    n = next(_counter)
    xml_text, abnf_text = render_xml(doc), render_abnf(doc)
    gx = parse_grammar(xml_text, uri=f"http://example.com/p{n}.grxml")
    ga = parse_grammar(abnf_text, uri=f"http://example.com/p{n}.gram")
    phrases = to_phrases(gx, limit=15)
    assert phrases == to_phrases(ga, limit=15)
    for text in inputs + phrases:
        rx = [(r.utterance, r.interpretation) for r in match_text([gx], text)]
        ra = [(r.utterance, r.interpretation) for r in match_text([ga], text)]
        assert rx == ra, f"{text!r}\n{xml_text}\n{abnf_text}"
    for text in phrases:  # every generated sentence is accepted
        assert match_text([gx], text), f"{text!r}\n{xml_text}"


KEYS = ["1", "2", "*", "#"]


def _dtmf_doc(doc: GrammarDoc) -> GrammarDoc:
    """The same grammar with DTMF keys for words."""
    mapping = {w: k for w, k in zip(WORDS, KEYS + ["1 2"], strict=True)}

    def convert(n: Node) -> Node:
        if isinstance(n, Token):
            return Token(mapping[n.text])
        if isinstance(n, Seq):
            return Seq(tuple(convert(i) for i in n.items))
        if isinstance(n, OneOf):
            return OneOf(tuple((w, convert(a)) for w, a in n.alts))
        if isinstance(n, Repeat):
            return Repeat(convert(n.body), n.lo, n.hi, n.prob)
        return n

    out = GrammarDoc(uri="", root=doc.root, tag_format=doc.tag_format, mode="dtmf")
    out.rules = {name: Rule(r.name, r.scope, convert(r.body)) for name, r in doc.rules.items()}
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grammars(), st.lists(st.text(alphabet="12*#", max_size=5), min_size=10, max_size=20))
def test_dtmf_xml_and_abnf_forms_agree(doc: GrammarDoc, inputs: list[str]) -> None:
    n = next(_counter)
    dtmf = _dtmf_doc(doc)
    gx = parse_grammar(render_xml(dtmf), uri=f"http://example.com/d{n}.grxml")
    ga = parse_grammar(render_abnf(dtmf), uri=f"http://example.com/d{n}.gram")
    for keys in inputs:
        mx, ma = match_dtmf([gx], keys), match_dtmf([ga], keys)
        assert (mx.status, mx.result and mx.result.interpretation) == (ma.status, ma.result and ma.result.interpretation)
