"""SISR 1.0 in both forms: script tags (§6), literal tags (§7), defaults and limits."""

from __future__ import annotations

import pytest

from vxml_browser.core.grammars import GrammarError, match_text

from .helpers import NOMATCH, abnf, said, xml

SCRIPT_CASES = [
    ("no tags: the utterance text (§6.3)",
     '<rule id="main">hello there</rule>',
     "$main = hello there;",
     "Hello there", "hello there"),
    ("out = a scalar (§6.1)",
     '<rule id="main">yes <tag>out = true;</tag></rule>',
     "$main = yes {out = true;};",
     "yes", True),
    ("out.x properties build an object (§6.1)",
     '<rule id="main">large pizza <tag>out.size = "L"; out.n = 1;</tag></rule>',
     '$main = large pizza {out.size = "L"; out.n = 1;};',
     "large pizza", {"size": "L", "n": 1}),
    ("rules.X is the value of a referenced rule (§6.2)",
     '<rule id="main"><ruleref uri="#size"/> pizza <tag>out.size = rules.size;</tag></rule>'
     '<rule id="size"><one-of><item>small<tag>out="S"</tag></item><item>large<tag>out="L"</tag></item></one-of></rule>',
     '$main = $size pizza {out.size = rules.size;}; $size = small {out="S"} | large {out="L"};',
     "small pizza", {"size": "S"}),
    ("rules.latest() (§6.2)",
     '<rule id="main"><ruleref uri="#a"/><tag>out = rules.latest() + "!";</tag></rule>'
     '<rule id="a">go<tag>out = "GO"</tag></rule>',
     '$main = $a {out = rules.latest() + "!";}; $a = go {out = "GO"};',
     "go", "GO!"),
    ("a rule without tags takes its last reference's value (§6.3)",
     '<rule id="main">to <ruleref uri="#city"/></rule><rule id="city">boston<tag>out={code:"BOS"}</tag></rule>',
     '$main = to $city; $city = boston {out={code:"BOS"}};',
     "to boston", {"code": "BOS"}),
    ("a referenced rule without tags gives its text (§6.3)",
     '<rule id="main">to <ruleref uri="#city"/><tag>out.city = rules.city</tag></rule>'
     '<rule id="city">new york</rule>',
     "$main = to $city {out.city = rules.city}; $city = new york;",
     "to new york", {"city": "new york"}),
    ("meta.X.text and meta.current().text (§6.4)",
     '<rule id="main"><ruleref uri="#n"/> dogs<tag>out = [meta.n.text, meta.current().text, meta.n.score]</tag></rule>'
     '<rule id="n">two<tag>out = 2</tag></rule>',
     "$main = $n dogs {out = [meta.n.text, meta.current().text, meta.n.score]}; $n = two {out = 2};",
     "two dogs", ["two", "two dogs", 1.0]),
    ("tags run once per repetition (§6.1)",
     '<rule id="main"><tag>out = 0</tag><item repeat="1-">ha<tag>out++</tag></item></rule>',
     "$main = {out = 0} (ha {out++}) <1->;",
     "ha ha ha ha", 4),
    ("rules.X is the latest match of a repeated reference (§6.2)",
     '<rule id="main"><tag>out = []</tag><item repeat="1-"><ruleref uri="#d"/><tag>out.push(rules.d)</tag></item></rule>'
     '<rule id="d"><one-of><item>one<tag>out=1</tag></item><item>two<tag>out=2</tag></item></one-of></rule>',
     "$main = {out = []} ($d {out.push(rules.d)}) <1->; $d = one {out=1} | two {out=2};",
     "one two two", [1, 2, 2]),
    ("tags of an alternative not taken do not run (§6.1)",
     '<rule id="main"><one-of><item>a<tag>out="A"</tag></item><item>b</item></one-of></rule>',
     '$main = a {out="A"} | b;',
     "b", "b"),
    ("grammar-level script tags define globals (§6.5)",
     '<rule id="main">hi<tag>out = greet("x")</tag></rule>',
     '$main = hi {out = greet("x")};',
     "hi", "hello x"),
    ("undefined results are null",
     '<rule id="main">hi<tag>out = undefined</tag></rule>',
     "$main = hi {out = undefined};",
     "hi", None),
]


@pytest.mark.parametrize(("name", "xml_rules", "abnf_rules", "text", "expected"), SCRIPT_CASES,
                         ids=[c[0] for c in SCRIPT_CASES])
@pytest.mark.parametrize("form", ["xml", "abnf"])
def test_script_tags(form: str, name: str, xml_rules: str, abnf_rules: str, text: str, expected: object) -> None:
    if form == "xml":
        g = xml(xml_rules, head='<tag>function greet(n) { return "hello " + n; }</tag>')
    else:
        g = abnf(abnf_rules, head='{ function greet(n) { return "hello " + n; } };\n')
    assert said(g, text) == expected


LITERAL_CASES = [
    ("literal tag text is the result (§7)",
     '<rule id="main"><one-of><item>yes<tag>Y</tag></item><item>no<tag>N</tag></item></one-of></rule>',
     "$main = yes {Y} | no {N};", [("yes", "Y"), ("no", "N")]),
    ("literal results propagate through rules without tags (§7, §6.3)",
     '<rule id="main">fly to <ruleref uri="#city"/></rule>'
     '<rule id="city"><one-of><item>boston<tag>BOS</tag></item><item>new york<tag>JFK</tag></item></one-of></rule>',
     "$main = fly to $city; $city = boston {BOS} | new york {JFK};", [("fly to new york", "JFK")]),
    ("the last literal executed wins (§7)",
     '<rule id="main">a<tag>first</tag> b<tag>second</tag></rule>',
     "$main = a {first} b {second};", [("a b", "second")]),
]


@pytest.mark.parametrize(("name", "xml_rules", "abnf_rules", "table"), LITERAL_CASES, ids=[c[0] for c in LITERAL_CASES])
@pytest.mark.parametrize("form", ["xml", "abnf"])
def test_literal_tags(form: str, name: str, xml_rules: str, abnf_rules: str, table: list) -> None:
    fmt = "semantics/1.0-literals"
    g = xml(xml_rules, tag_format=fmt) if form == "xml" else abnf(abnf_rules, tag_format=fmt)
    assert [(text, said(g, text)) for text, _ in table] == table


def test_literal_tags_need_no_script_engine() -> None:
    g = abnf("$main = yes {Y};", tag_format="semantics/1.0-literals")
    assert g.semantics().ctx is None


def test_missing_tag_format_means_scripts() -> None:
    g = abnf('$main = hi {out = "H" + 1};', tag_format=None)
    assert said(g, "hi") == "H1"


def test_missing_tag_format_takes_a_bare_expression_tag_as_the_value() -> None:
    """The W3C IR grammars write <tag>'foo'</tag> with no tag-format (pre-SISR style)."""
    g = xml("<rule id='main'><item>chicago<tag>'foo'</tag></item></rule>", tag_format=None)
    assert said(g, "chicago") == "foo"


def test_missing_tag_format_makes_declared_variables_the_value() -> None:
    g = xml("<rule id='main'><item>chicago<tag>var a='valA';</tag></item></rule>", tag_format=None)
    assert said(g, "chicago") == {"a": "valA"}


def test_missing_tag_format_keeps_out_when_a_tag_sets_it() -> None:
    g = xml("<rule id='main'><item>chicago<tag>out.city = 'C'; 'ignored'</tag></item></rule>", tag_format=None)
    assert said(g, "chicago") == {"city": "C"}


def test_sisr_tag_format_ignores_a_bare_expression_tag() -> None:
    g = xml("<rule id='main'><item>chicago<tag>'foo'</tag></item></rule>")
    assert said(g, "chicago") == {}


def test_swi_semantics_dollar_style_is_tolerated() -> None:
    g = abnf('$main = $color car {$ = $color + "!"}; $color = red {$ = "R"};', tag_format="swi-semantics/1.0")
    assert said(g, "red car") == "R!"


def test_runaway_tag_script_is_a_grammar_error() -> None:
    g = abnf("$main = loop {while (true) {}};", uri="http://example.com/loop.gram")
    with pytest.raises(GrammarError, match="semantic interpretation failed: InternalError: interrupted"):
        match_text([g], "loop")


def test_throwing_tag_script_is_a_grammar_error() -> None:
    g = abnf("$main = boom {throw new Error('bad');};", uri="http://example.com/boom.gram")
    with pytest.raises(GrammarError) as info:
        match_text([g], "boom")
    assert str(info.value) == "http://example.com/boom.gram: semantic interpretation failed: Error: bad"


def test_tag_syntax_error_names_the_line() -> None:
    with pytest.raises(GrammarError) as info:
        xml('<rule id="main">\nhi\n<tag>out = ;</tag></rule>', uri="http://example.com/bad.grxml")
    assert str(info.value).startswith("http://example.com/bad.grxml:3: invalid tag script: SyntaxError")


def test_results_do_not_leak_between_matches() -> None:
    g = abnf("$main = a {out.a = 1} | b {out.b = 2};")
    assert [said(g, "a"), said(g, "b"), said(g, "a")] == [{"a": 1}, {"b": 2}, {"a": 1}]


def test_nomatch_runs_no_tags() -> None:
    g = abnf("$main = a {throw 1};")
    assert said(g, "b") == NOMATCH


def test_dollar_style_without_tag_format_is_tolerated() -> None:
    g = abnf('$main = $color car {$.color = $color}; $color = red {$ = "R"};', tag_format=None)
    assert said(g, "red car") == {"color": "R"}


def test_dollar_in_a_declared_sisr_script_is_left_alone() -> None:
    g = abnf('$main = pay {var $x = 5; out = $x;};')
    assert said(g, "pay") == 5


def test_dtmf_rule_text_has_no_spaces() -> None:
    g = abnf("$main = $pin # {out = {pin: rules.pin, text: meta.current().text}}; $pin = 1 2 3;", mode="dtmf")
    from vxml_browser.core.grammars import match_dtmf

    assert match_dtmf([g], "123#").result.interpretation == {"pin": "123", "text": "123#"}


@pytest.mark.parametrize("form", ["xml", "abnf"])
def test_var_declared_in_a_tag_is_seen_by_later_tags_of_the_rule(form: str) -> None:
    if form == "xml":
        g = xml('<rule id="main"><ruleref uri="#n"/><tag>var first = rules.n;</tag> plus <ruleref uri="#n"/>'
                '<tag>out = first + rules.n;</tag></rule>'
                '<rule id="n"><one-of><item>one<tag>out = 1</tag></item><item>two<tag>out = 2</tag></item>'
                "</one-of></rule>")
    else:
        g = abnf("$main = $n {var first = rules.n;} plus $n {out = first + rules.n;};"
                 "$n = one {out = 1} | two {out = 2};")
    assert said(g, "two plus one") == 3


def test_rule_variables_are_per_invocation() -> None:
    g = abnf("$main = $p $p {out = rules.latest()}; $p = a {var seen = 1;} | b {out = typeof seen};")
    assert said(g, "a b") == "undefined"


def test_rule_variables_are_not_seen_by_the_parent_rule() -> None:
    g = abnf("$main = $p {out = typeof hidden}; $p = a {var hidden = 1;};")
    assert said(g, "a") == "undefined"
