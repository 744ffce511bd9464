"""Malformed grammars: each error names uri:line, what was found and what was expected."""

from __future__ import annotations

import pytest

from vxml_browser.core.grammars import GrammarError, parse_grammar

X = '<grammar xmlns="http://www.w3.org/2001/06/grammar" version="1.0" root="main">\n'

XML_ERRORS = [
    (X + '<rule id="main">\n  fly to <ruleref uri="#cityz"/>\n</rule>\n<rule id="city">boston</rule>\n</grammar>',
     "g.grxml:3: <ruleref> to undefined rule 'cityz'"),
    (X + '<rule id="main">\n  <item repeat="x">a</item>\n</rule></grammar>',
     "g.grxml:3: invalid repeat 'x': expected n, n-m or n-"),
    (X + '<rule id="main">\n  <item repeat="3-1">a</item>\n</rule></grammar>',
     "g.grxml:3: invalid repeat '3-1': maximum is less than minimum"),
    (X + '<rule id="main">\n  <item repeat="0-1" repeat-prob="2">a</item>\n</rule></grammar>',
     "g.grxml:3: invalid repeat-prob '2': expected a number from 0.0 to 1.0"),
    (X + '<rule id="main">\n  <one-of><ruleref uri="#a"/></one-of>\n</rule></grammar>',
     "g.grxml:3: unexpected <ruleref> in <one-of>: expected <item>"),
    (X + '<rule id="main">\n  <one-of></one-of>\n</rule></grammar>',
     "g.grxml:3: empty <one-of>: expected at least one <item>"),
    (X + '<rule id="main">\n  <ruleref uri="#a" special="NULL"/>\n</rule></grammar>',
     "g.grxml:3: <ruleref> needs exactly one of uri and special"),
    (X + '<rule id="main">\n  <ruleref special="NOTHING"/>\n</rule></grammar>',
     "g.grxml:3: invalid special rule 'NOTHING': expected NULL, VOID or GARBAGE"),
    (X + '<rule id="main">a</rule>\n<rule id="main">b</rule></grammar>',
     "g.grxml:3: duplicate rule 'main'"),
    (X + '<rule id="other">a</rule></grammar>',
     "g.grxml:1: root rule 'main' is not defined"),
    (X + '<rule id="main">\n  <one-of><item weight="-1">a</item></one-of>\n</rule></grammar>',
     "g.grxml:3: invalid weight '-1': expected a non-negative number"),
    (X + '<rule id="main" scope="global">a</rule></grammar>',
     "g.grxml:2: invalid scope 'global' on rule 'main': expected public or private"),
    (X + "<rule>a</rule></grammar>", "g.grxml:2: <rule> without id"),
    (X + '<rule id="main">\n  <ruleref uri="builtin:grammar/shoesize"/>\n</rule></grammar>',
     "g.grxml:3: unsupported built-in grammar type 'shoesize'"),
    (X + '<rule id="main"><ruleref uri="#expr"/></rule>\n<rule id="expr">\n<one-of><item><ruleref uri="#expr"/> '
     "plus x</item><item>x</item></one-of></rule></grammar>",
     "g.grxml:3: rule 'expr' is left-recursive (not supported)"),
    (X + '<rule id="main">\n  <wibble/>\n</rule></grammar>',
     "g.grxml:3: unexpected <wibble> in rule expansion: expected <item>, <one-of>, <ruleref>, <token> or <tag>"),
    (X + '<rule id="main">a</rule>\n<item>b</item></grammar>',
     "g.grxml:3: unexpected <item> in <grammar>: expected <rule>, <meta>, <metadata>, <lexicon> or <tag>"),
    (X + '<rule id="main">a\n</grammar>',
     "g.grxml:3: not well-formed XML: Opening and ending tag mismatch: rule line 2 and grammar"),
    ('<vxml xmlns="http://www.w3.org/2001/vxml"/>',
     "g.grxml:1: found <vxml>: expected <grammar> in namespace http://www.w3.org/2001/06/grammar"),
    (X.replace('root="main"', 'root="main" mode="touch"') + '<rule id="main">a</rule></grammar>',
     "g.grxml:1: invalid mode 'touch': expected voice or dtmf"),
    (X + '<rule id="main"><token></token></rule></grammar>', "g.grxml:2: empty <token>"),
    (X + "</grammar>", "g.grxml:1: grammar has no rules: expected at least one <rule>"),
]

ABNF_ERRORS = [
    ("#ABNF 1.0;\nroot $main;\npublic $main = hello world\n",
     "g.gram:3: expected ';' after rule expansion, found end of grammar"),
    ("root $main;\npublic $main = hello;\n",
     "g.gram:1: expected self-identifying header '#ABNF 1.0;', found 'root'"),
    ("#ABNF 1.0;\nroot $main;\n$main = fly to $cityz;\n$city = boston;\n",
     "g.gram:3: reference to undefined rule '$cityz'"),
    ("#ABNF 1.0;\nroot $main;\n$main = a <3-1>;\n", "g.gram:3: invalid repeat <3-1>: maximum is less than minimum"),
    ("#ABNF 1.0;\nroot $main;\n$main = a <x>;\n", "g.gram:3: expected a repeat count after '<', found 'x>;'"),
    ("#ABNF 1.0;\nroot $main;\n$main = a <0-1 /3/>;\n",
     "g.gram:3: invalid repeat probability 3: expected a number from 0.0 to 1.0"),
    ("#ABNF 1.0;\nroot $main;\n$main = a {out = 1;\n", "g.gram:3: unterminated tag: expected '}'"),
    ("#ABNF 1.0;\nroot $main;\n/* never closed\n$main = a;\n", "g.gram:3: unterminated comment: expected '*/'"),
    ("#ABNF 1.0;\nroot $main;\n$main = (a | b;\n", "g.gram:3: expected ')' to close '(', found ';'"),
    ("#ABNF 1.0;\nroot $main;\n$main = [a;\n", "g.gram:3: expected ']' to close '[', found ';'"),
    ("#ABNF 1.0;\nroot $main;\n$main = ;\n", "g.gram:3: expected a rule expansion, found ';'"),
    ("#ABNF 1.0;\nroot $main;\n$main a;\n", "g.gram:3: expected '=' after rule name '$main', found 'a;'"),
    ("#ABNF 1.0;\nroot $other;\n$main = a;\n", "g.gram:2: root rule '$other' is not defined"),
    ("#ABNF 1.0;\nmode touch;\n$main = a;\n", "g.gram:2: expected 'voice' or 'dtmf' after 'mode', found 'touch'"),
    ("#ABNF 1.0;\nroot $main;\n$main = a;\n$main = b;\n", "g.gram:4: duplicate rule 'main'"),
    ("#ABNF 1.0;\nroot $main;\n$main = $<builtin:grammar/shoesize>;\n",
     "g.gram:3: unsupported built-in grammar type 'shoesize'"),
    ("#ABNF 1.0;\nroot $expr;\n$expr = $expr plus x | x;\n", "g.gram:3: rule 'expr' is left-recursive (not supported)"),
    ("#ABNF 1.0;\nroot $main;\n$main = /x/ a | b;\n", "g.gram:3: expected a weight after '/', found 'x/'"),
    ('#ABNF 1.0;\nroot $main;\n$main = "open quote;\n', 'g.gram:3: unterminated quoted string: expected "'),
    ("#ABNF 1.0;\nroot $main;\n$NULL = a;\n", "g.gram:3: cannot define special rule '$NULL'"),
    ("#ABNF 1.0;\nlanguage;\n$main = a;\n", "g.gram:2: expected a language tag after 'language', found ';'"),
    ('#ABNF 1.0;\nmeta "a" "b";\n$main = a;\n', "g.gram:2: expected 'is' after meta name, found '\"b\";'"),
    ("#ABNF 1.0;\nroot $main;\n", "g.gram:2: expected at least one rule definition"),
    ("#ABNF 1.0;\nroot $main;\n$main = a;\n$ = b;\n", "g.gram:4: expected a rule name after '$', found '='"),
]


@pytest.mark.parametrize(("text", "message"), XML_ERRORS, ids=[m for _, m in XML_ERRORS])
def test_xml_error(text: str, message: str) -> None:
    with pytest.raises(GrammarError) as info:
        parse_grammar(text, uri="g.grxml")
    assert str(info.value) == message


@pytest.mark.parametrize(("text", "message"), ABNF_ERRORS, ids=[m for _, m in ABNF_ERRORS])
def test_abnf_error(text: str, message: str) -> None:
    with pytest.raises(GrammarError) as info:
        parse_grammar(text, uri="g.gram")
    assert str(info.value) == message


def test_inline_abnf_error_lines_count_from_the_element() -> None:
    from lxml import etree

    doc = etree.fromstring('<vxml xmlns="http://www.w3.org/2001/vxml">\n<form>\n'
                           '<grammar type="application/srgs" root="r">\n$r = a |;\n</grammar></form></vxml>')
    el = doc.find(".//{http://www.w3.org/2001/vxml}grammar")
    with pytest.raises(GrammarError) as info:
        parse_grammar(el, uri="app.vxml")
    assert str(info.value) == "app.vxml:4: expected a rule expansion, found ';'"


def test_grammar_error_is_a_document_error() -> None:
    from vxml_browser.core.model import DocumentError

    with pytest.raises(DocumentError):
        parse_grammar("#ABNF 1.0;\n", uri="g.gram")


def test_private_rule_fragment_is_rejected() -> None:
    with pytest.raises(GrammarError) as info:
        parse_grammar(X + '<rule id="main">a</rule>\n<rule id="hidden">b</rule></grammar>', uri="g.grxml",
                      fragment="hidden")
    assert str(info.value) == "g.grxml:3: rule 'hidden' named by the URI fragment is private: expected a public rule"


def test_unknown_fragment_is_rejected() -> None:
    with pytest.raises(GrammarError) as info:
        parse_grammar(X + '<rule id="main">a</rule></grammar>', uri="g.grxml", fragment="nope")
    assert str(info.value) == "g.grxml: rule 'nope' named by the URI fragment is not defined"


def test_deep_nesting_is_a_grammar_error() -> None:
    text = "#ABNF 1.0;\nroot $main;\n$main = " + "(" * 5000 + "a" + ")" * 5000 + ";\n"
    with pytest.raises(GrammarError) as info:
        parse_grammar(text, uri="deep.gram")
    assert str(info.value) == "deep.gram: grammar is nested too deeply"


def test_unknown_abnf_encoding() -> None:
    with pytest.raises(GrammarError) as info:
        parse_grammar(b"#ABNF 1.0 KLINGON-8;\n$r = a;\n", uri="enc.gram")
    assert str(info.value) == "enc.gram:1: unknown character encoding 'KLINGON-8' in the ABNF header"
