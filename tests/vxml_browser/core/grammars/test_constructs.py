"""SRGS 1.0 constructs in both forms: grammar -> inputs -> interpretations (SRGS §2)."""

from __future__ import annotations

import pytest

from .helpers import NOMATCH, abnf, said, xml

# (name, XML rules, ABNF rules, [(input, interpretation)])
CONSTRUCTS = [
    ("tokens (§2.1)",
     '<rule id="main">hello world</rule>',
     "$main = hello world;",
     [("hello world", "hello world"), ("Hello, World!", "hello world"), ("hello", NOMATCH)]),
    ("multi-word token (§2.1)",
     '<rule id="main"><token>new york</token> city</rule>',
     '$main = "new york" city;',
     [("new york city", "new york city"), ("new city", NOMATCH)]),
    ("quoted token in XML text (§2.1)",
     '<rule id="main">"san francisco" bay</rule>',
     '$main = "san francisco" bay;',
     [("san francisco bay", "san francisco bay")]),
    ("alternatives (§2.4)",
     '<rule id="main"><one-of><item>red</item><item>green</item><item>light blue</item></one-of></rule>',
     "$main = red | green | light blue;",
     [("red", "red"), ("light blue", "light blue"), ("blue", NOMATCH)]),
    ("weights choose among equal parses (§2.4.1)",
     '<rule id="main"><one-of><item weight="0.2">go <tag>out="low"</tag></item>'
     '<item weight="0.8">go <tag>out="high"</tag></item></one-of></rule>',
     '$main = /0.2/ go {out="low"} | /0.8/ go {out="high"};',
     [("go", "high")]),
    ("zero weight disables an alternative (§2.4.1)",
     '<rule id="main"><one-of><item weight="0">stop</item><item>go</item></one-of></rule>',
     "$main = /0/ stop | /1/ go;",
     [("stop", NOMATCH), ("go", "go")]),
    ("repeat n (§2.5)",
     '<rule id="main"><item repeat="3">ho</item></rule>',
     "$main = ho <3>;",
     [("ho ho ho", "ho ho ho"), ("ho ho", NOMATCH), ("ho ho ho ho", NOMATCH)]),
    ("repeat n-m (§2.5)",
     '<rule id="main">a <item repeat="2-3">b</item></rule>',
     "$main = a b <2-3>;",
     [("a b", NOMATCH), ("a b b", "a b b"), ("a b b b", "a b b b"), ("a b b b b", NOMATCH)]),
    ("repeat n- (§2.5)",
     '<rule id="main"><item repeat="2-">la</item></rule>',
     "$main = la <2->;",
     [("la", NOMATCH), ("la la", "la la"), (" ".join(["la"] * 30), " ".join(["la"] * 30))]),
    ("optional: repeat 0-1 and [ ] (§2.5)",
     '<rule id="main"><item repeat="0-1">please</item> stop</rule>',
     "$main = [please] stop;",
     [("stop", "stop"), ("please stop", "please stop"), ("please please stop", NOMATCH)]),
    ("repeat probability is accepted (§2.5.1)",
     '<rule id="main"><item repeat="0-2" repeat-prob="0.4">very</item> good</rule>',
     "$main = very <0-2 /0.4/> good;",
     [("good", "good"), ("very very good", "very very good")]),
    ("repeat of a group (§2.5)",
     '<rule id="main"><item repeat="1-2"><one-of><item>yes</item><item>no</item></one-of></item></rule>',
     "$main = (yes | no) <1-2>;",
     [("yes no", "yes no"), ("no", "no"), ("no no no", NOMATCH)]),
    ("local rule reference (§2.2.1)",
     '<rule id="main">call <ruleref uri="#name"/></rule><rule id="name">bob <tag>out="B"</tag></rule>',
     '$main = call $name; $name = bob {out="B"};',
     [("call bob", "B")]),
    ("special NULL (§2.2.3)",
     '<rule id="main">a <ruleref special="NULL"/> b</rule>',
     "$main = a $NULL b;",
     [("a b", "a b")]),
    ("special VOID (§2.2.3)",
     '<rule id="main"><one-of><item>a <ruleref special="VOID"/></item><item>b</item></one-of></rule>',
     "$main = a $VOID | b;",
     [("a", NOMATCH), ("b", "b")]),
    ("special GARBAGE matches some words, lazily (§2.2.3)",
     '<rule id="main"><ruleref special="GARBAGE"/> pizza <tag>out="P"</tag></rule>',
     '$main = $GARBAGE pizza {out="P"};',
     [("i want a pizza", "P"), ("pizza", NOMATCH), ("pizza pizza", "P")]),
    ("right recursion (§2.2.1)",
     '<rule id="main"><ruleref uri="#list"/></rule>'
     '<rule id="list">x <tag>out = 1</tag> <item repeat="0-1">and <ruleref uri="#list"/>'
     "<tag>out = 1 + rules.list</tag></item></rule>",
     "$main = $list; $list = x {out = 1} [and $list {out = 1 + rules.list}];",
     [("x and x and x", 3), (" and ".join(["x"] * 150), 150), ("x and", NOMATCH)]),
    ("language attachments are accepted (§2.7)",
     '<rule id="main"><item xml:lang="fr-CA">bonjour</item> <token xml:lang="en-US">hello</token></rule>',
     "$main = bonjour!fr-CA hello!en-US;",
     [("bonjour hello", "bonjour hello")]),
    ("example elements are ignored (§3.3)",
     '<rule id="main"><example>yes</example>yes</rule>',
     "$main = yes;",
     [("yes", "yes")]),
    ("empty item (§2.3)",
     '<rule id="main">a <item/> b</rule>',
     "$main = a $NULL b;",
     [("a b", "a b")]),
]


@pytest.mark.parametrize(("name", "xml_rules", "abnf_rules", "table"), CONSTRUCTS, ids=[c[0] for c in CONSTRUCTS])
@pytest.mark.parametrize("form", ["xml", "abnf"])
def test_construct(form: str, name: str, xml_rules: str, abnf_rules: str, table: list) -> None:
    g = xml(xml_rules) if form == "xml" else abnf(abnf_rules)
    assert [(text, said(g, text)) for text, _ in table] == table


def test_abnf_comments_are_ignored() -> None:
    g = abnf("// a comment\n$main = /* inline */ yes // trailing\n  | no;")
    assert [said(g, "yes"), said(g, "no")] == ["yes", "no"]


def test_root_declaration_chooses_the_root_rule() -> None:
    g = xml('<rule id="a">alpha</rule><rule id="main">main</rule>')
    assert g.root == "main"
    assert said(g, "alpha") == NOMATCH


def test_first_public_rule_is_root_when_none_is_declared() -> None:
    from vxml_browser.core.grammars import parse_grammar

    g = parse_grammar('<grammar xmlns="http://www.w3.org/2001/06/grammar" version="1.0">'
                      '<rule id="p">private</rule><rule id="q" scope="public">public</rule></grammar>', uri="g.grxml")
    assert g.root == "q"


def test_fragment_selects_a_public_rule_as_root() -> None:
    from vxml_browser.core.grammars import parse_grammar

    text = ('<grammar xmlns="http://www.w3.org/2001/06/grammar" version="1.0" root="a">'
            '<rule id="a" scope="public">alpha</rule><rule id="b" scope="public">beta</rule></grammar>')
    g = parse_grammar(text, uri="g.grxml", fragment="b")
    assert (g.root, said(g, "beta"), said(g, "alpha")) == ("b", "beta", NOMATCH)


def test_header_declarations_are_kept() -> None:
    g = abnf("$main = hi;", head='meta "author" is "me";\nhttp-equiv "Expires" is "0";\n'
             "base <http://example.com/base/>;\nlexicon <lex.pls>;\n")
    assert g.metas == {"author": "me", "Expires": "0"}
    assert g.doc.lexicons == ["http://example.com/base/lex.pls"]
    assert (g.lang, g.mode, g.tag_format) == ("en-US", "voice", "semantics/1.0")


def test_xml_meta_metadata_and_lexicon_are_kept() -> None:
    g = xml('<rule id="main">hi</rule>', head='<meta name="in.1" content="hi"/><metadata><x/></metadata>'
            '<lexicon uri="lex.pls"/>')
    assert g.metas == {"in.1": "hi"}
    assert g.doc.lexicons == ["http://example.com/lex.pls"]
    assert g.doc.metadata == ['<metadata xmlns="http://www.w3.org/2001/06/grammar"><x/></metadata>']


def test_document_model_node_is_accepted() -> None:
    from vxml_browser.core.grammars import parse_grammar
    from vxml_browser.core.model import parse_document

    doc = parse_document('<vxml xmlns="http://www.w3.org/2001/vxml" version="2.1"><form><field name="f">'
                         '<grammar version="1.0" root="r"><rule id="r">pizza</rule></grammar>'
                         "<filled/></field></form></vxml>", "http://example.com/app.vxml", validate=False)
    node = doc.root.children[0].children[0].children[0]
    assert said(parse_grammar(node, uri=node.uri), "pizza") == "pizza"


def test_inline_vxml_grammar_element() -> None:
    from lxml import etree

    from vxml_browser.core.grammars import parse_grammar

    doc = etree.fromstring(
        '<vxml xmlns="http://www.w3.org/2001/vxml" version="2.1"><form><field name="f">\n'
        '<grammar root="r" tag-format="semantics/1.0"><rule id="r"><one-of>'
        '<item>coffee<tag>out="C"</tag></item><item>tea</item></one-of></rule></grammar>'
        "</field></form></vxml>")
    el = doc.find(".//{http://www.w3.org/2001/vxml}grammar")
    g = parse_grammar(el, uri="http://example.com/app.vxml")
    assert [said(g, "coffee"), said(g, "tea")] == ["C", "tea"]


def test_inline_abnf_grammar_element_without_header() -> None:
    from lxml import etree

    from vxml_browser.core.grammars import parse_grammar

    el = etree.fromstring('<grammar xmlns="http://www.w3.org/2001/vxml" type="application/srgs" root="r">'
                          "public $r = small | medium | large;</grammar>")
    g = parse_grammar(el, uri="app.vxml")
    assert [said(g, "medium"), said(g, "huge")] == ["medium", NOMATCH]


def test_inline_dtmf_grammar_in_no_namespace() -> None:
    from lxml import etree

    from vxml_browser.core.grammars import parse_grammar

    from .helpers import pressed

    el = etree.fromstring('<grammar mode="dtmf" root="r" version="1.0"><rule id="r">1 2</rule></grammar>')
    g = parse_grammar(el, uri="app.vxml")
    assert (g.mode, pressed(g, "12")) == ("dtmf", "12")  # the default interpretation is the utterance


def test_mode_parameter_overrides_the_grammar() -> None:
    from vxml_browser.core.grammars import parse_grammar

    g = parse_grammar("#ABNF 1.0;\nroot $r;\n$r = 1 | 2;\n", uri="g.gram", mode="dtmf")
    assert g.mode == "dtmf"


def test_media_type_decides_the_form() -> None:
    from vxml_browser.core.grammars import parse_grammar

    g = parse_grammar(b"#ABNF 1.0;\nroot $r;\n$r = hi;\n", uri="g.txt", media_type="application/srgs")
    assert said(g, "hi") == "hi"


def test_grammar_attributes() -> None:
    from vxml_browser.core.grammars import parse_grammar

    g = parse_grammar('<grammar xmlns="http://www.w3.org/2001/06/grammar" version="1.0" root="r" '
                      'xml:lang="en-GB" tag-format="semantics/1.0-literals"><rule id="r">hi</rule></grammar>',
                      uri="http://x/g.grxml", weight=2.5)
    assert (g.uri, g.mode, g.root, g.lang, g.tag_format, g.weight) == (
        "http://x/g.grxml", "voice", "r", "en-GB", "semantics/1.0-literals", 2.5)


def test_foreign_namespace_elements_are_ignored() -> None:
    g = xml('<rule id="main" xmlns:x="http://example.com/x"><x:opt>ignored</x:opt> test</rule>')
    assert [said(g, "test"), said(g, "ignored test")] == ["test", NOMATCH]


def test_abnf_header_encoding_is_used() -> None:
    from vxml_browser.core.grammars import parse_grammar

    g = parse_grammar("#ABNF 1.0 ISO-8859-1;\nroot $r;\n$r = café;\n".encode("latin-1"), uri="enc.gram")
    assert said(g, "Café") == "café"


def test_byte_order_mark_before_xml() -> None:
    from vxml_browser.core.grammars import parse_grammar

    text = b'\xef\xbb\xbf<grammar xmlns="http://www.w3.org/2001/06/grammar" version="1.0" root="r"><rule id="r">hi</rule></grammar>'
    assert said(parse_grammar(text, uri="bom.grxml"), "hi") == "hi"
