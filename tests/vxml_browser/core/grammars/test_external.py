"""External rule references: ``external_refs`` and ``bind`` (SRGS 1.0 §2.2.2)."""

from __future__ import annotations

import pytest

from vxml_browser.core.grammars import GrammarError, match_text, parse_grammar

from .helpers import NOMATCH, said

MAIN = ('<grammar xmlns="http://www.w3.org/2001/06/grammar" version="1.0" root="main" tag-format="semantics/1.0">'
        '<rule id="main">fly to <ruleref uri="cities.grxml#city"/><tag>out.to = rules.city</tag></rule></grammar>')
CITIES = ('<grammar xmlns="http://www.w3.org/2001/06/grammar" version="1.0" root="all" tag-format="semantics/1.0">'
          '<rule id="all"><ruleref uri="#city"/></rule>'
          '<rule id="city" scope="public"><one-of><item>boston<tag>out="BOS"</tag></item>'
          '<item>paris<tag>out="CDG"</tag></item></one-of></rule>'
          '<rule id="secret">nowhere</rule></grammar>')


def _main(text: str = MAIN, uri: str = "http://example.com/app/main.grxml"):
    return parse_grammar(text, uri=uri)


def test_external_refs_are_absolute_uris_without_fragment() -> None:
    assert _main().external_refs() == ["http://example.com/app/cities.grxml"]


def test_matching_with_an_unbound_reference_names_it() -> None:
    g = _main(uri="http://example.com/app/unbound.grxml")
    with pytest.raises(GrammarError) as info:
        match_text([g], "fly to boston")
    assert str(info.value) == ("http://example.com/app/unbound.grxml:1: unresolved external rule reference "
                               "'http://example.com/app/cities.grxml#city': grammar not bound")


def test_bound_grammar_resolves_the_reference() -> None:
    g = _main(uri="http://example.com/app/bound.grxml")
    g.bind("http://example.com/app/cities.grxml", parse_grammar(CITIES, uri="http://example.com/app/cities.grxml"))
    assert (g.external_refs(), said(g, "fly to paris")) == ([], {"to": "CDG"})


def test_reference_without_fragment_uses_the_root_rule() -> None:
    text = MAIN.replace("cities.grxml#city", "cities.grxml").replace("rules.city", "rules.all")
    g = _main(text, uri="http://example.com/app/root.grxml")
    g.bind("http://example.com/app/cities.grxml", parse_grammar(CITIES, uri="http://example.com/app/cities.grxml"))
    assert said(g, "fly to boston") == {"to": "BOS"}


def test_reference_to_a_private_rule_is_an_error() -> None:
    text = MAIN.replace("#city", "#secret")
    g = _main(text, uri="http://example.com/app/private.grxml")
    g.bind("http://example.com/app/cities.grxml", parse_grammar(CITIES, uri="http://example.com/app/cities.grxml"))
    with pytest.raises(GrammarError, match="reference to private rule 'secret' of http://example.com/app/cities.grxml"):
        match_text([g], "fly to nowhere")


def test_references_of_bound_grammars_are_reported_then_bound() -> None:
    outer = parse_grammar("#ABNF 1.0;\nroot $m;\n$m = say $<mid.gram#x>;\n", uri="http://e.com/outer.gram")
    mid = parse_grammar("#ABNF 1.0;\npublic $x = $<leaf.gram#y> please;\n", uri="http://e.com/mid.gram")
    leaf = parse_grammar("#ABNF 1.0;\npublic $y = hello;\n", uri="http://e.com/leaf.gram")
    outer.bind("http://e.com/mid.gram", mid)
    assert outer.external_refs() == ["http://e.com/leaf.gram"]
    outer.bind("http://e.com/leaf.gram", leaf)
    assert said(outer, "say hello please") == "hello"  # no tags: rules.latest() (SISR §6.3)


def test_abnf_references_xml_and_back() -> None:
    g = parse_grammar("#ABNF 1.0;\nroot $m;\n$m = $<cities.grxml#city> now;\n", uri="http://example.com/app/m.gram")
    g.bind("http://example.com/app/cities.grxml", parse_grammar(CITIES, uri="http://example.com/app/cities.grxml"))
    assert said(g, "boston now") == "BOS"


def test_builtin_rule_reference_needs_no_binding() -> None:
    g = parse_grammar('#ABNF 1.0;\nroot $m;\n$m = pin $<builtin:voice/digits?length=4> {out = rules.digits};\n',
                      uri="pin.gram")
    assert (g.external_refs(), said(g, "pin one two three four")) == ([], "1234")


def test_rebinding_replaces_the_grammar() -> None:
    g = _main(uri="http://example.com/app/rebind.grxml")
    g.bind("http://example.com/app/cities.grxml", parse_grammar(CITIES, uri="http://example.com/app/cities.grxml"))
    assert said(g, "fly to boston") == {"to": "BOS"}
    other = CITIES.replace("boston", "denver")
    g.bind("http://example.com/app/cities.grxml", parse_grammar(other, uri="http://example.com/app/cities.grxml"))
    assert (said(g, "fly to boston"), said(g, "fly to denver")) == (NOMATCH, {"to": "BOS"})


def test_xml_base_changes_resolution() -> None:
    text = MAIN.replace('version="1.0"', 'version="1.0" xml:base="http://other.example/lib/"')
    assert _main(text, uri="http://example.com/app/base.grxml").external_refs() == [
        "http://other.example/lib/cities.grxml"]
