"""Document validation (VoiceXML 2.0 Appendix O, VoiceXML 2.1 Appendix B): one rule per test."""

from __future__ import annotations

import pytest

from vxml_browser.core.model import DocumentError, parse_document
from vxml_browser.core.model.schema import ELEMENTS, restricted_name_problem

VXML = '<vxml version="{version}" xmlns="http://www.w3.org/2001/vxml"{extra}>\n{body}\n</vxml>'


def doc(body: str, version: str = "2.1", extra: str = "") -> bytes:
    """A document whose body starts on line 2."""
    return VXML.format(version=version, extra=extra, body=body).encode()


def error(body: str, **kw: str) -> str:
    with pytest.raises(DocumentError) as info:
        parse_document(doc(body, **kw), "t.vxml")
    return str(info.value)


def valid(body: str, **kw: str) -> None:
    parse_document(doc(body, **kw), "t.vxml")


# --- the root (§1.5.1) --------------------------------------------------------------------


def test_minimal_document_is_valid() -> None:
    valid("<form><block>hello</block></form>")


def test_version_is_required() -> None:
    with pytest.raises(DocumentError) as info:
        parse_document(b'<vxml xmlns="http://www.w3.org/2001/vxml"><form/></vxml>', "t.vxml")
    assert str(info.value) == (
        "t.vxml:1: <vxml> is missing required attribute 'version': expected '2.0' or '2.1'"
    )


def test_version_1_0_is_rejected_by_name() -> None:
    assert error("<form/>", version="1.0") == (
        "t.vxml:1: <vxml> has version '1.0': expected '2.0' or '2.1'"
    )


def test_version_2_0_document_may_use_2_1_elements() -> None:
    valid('<data name="d" src="d.xml"/><form><block/></form>', version="2.0")


def test_version_is_reported_before_other_errors() -> None:
    """A VoiceXML 1.0 document is named as such, not by its first 1.0-only detail."""
    assert error('<form><field name="f"><dtmf src="d.gram"/></field></form>', version="1.0") == (
        "t.vxml:1: <vxml> has version '1.0': expected '2.0' or '2.1'"
    )


def test_document_without_namespace_is_validated_too() -> None:
    with pytest.raises(DocumentError) as info:
        parse_document(b'<vxml version="2.0"><form><bogus/></form></vxml>', "t.vxml")
    assert str(info.value).startswith("t.vxml:1: found <bogus> inside <form>: expected one of")


def test_text_directly_in_vxml_is_an_error() -> None:
    assert error("hello there<form/>") == (
        "t.vxml:1: found text 'hello there' inside <vxml>: expected only elements"
    )


# --- elements -------------------------------------------------------------------------------


def test_unknown_element_names_what_was_expected() -> None:
    assert error("<form>\n<foo/>\n</form>") == (
        "t.vxml:3: found <foo> inside <form>: expected one of <block>, <catch>, <data>, "
        "<error>, <field>, <filled>, <grammar>, <help>, <initial>, <link>, <noinput>, "
        "<nomatch>, <object>, <property>, <record>, <script>, <subdialog>, <transfer>, <var>"
    )


def test_known_element_in_the_wrong_place_is_an_error() -> None:
    assert error("<form><field name='f'><goto next='x'/></field></form>").startswith(
        "t.vxml:2: found <goto> inside <field>: expected one of <audio>, <catch>,"
    )


def test_empty_element_with_a_child_says_no_children_expected() -> None:
    assert error('<var name="x"><value expr="1"/></var>') == (
        "t.vxml:2: found <value> inside <var>: expected no child elements"
    )


def test_single_allowed_child_is_named_alone() -> None:
    body = (
        '<form><field name="f"><grammar><rule id="r"><one-of><token>a</token></one-of>'
        "</rule></grammar></field></form>"
    )
    assert error(body) == "t.vxml:2: found <token> inside <one-of>: expected <item>"


def test_foreign_element_is_ignored_with_its_subtree() -> None:
    valid('<form><x:thing xmlns:x="urn:vendor"><bogus naem="1"/></x:thing><block/></form>')


def test_foreign_attribute_is_ignored() -> None:
    valid('<form><record name="r" v:recordcall="true" xmlns:v="urn:voxeo"/></form>')


def test_text_in_form_is_an_error_on_its_line() -> None:
    assert error("<form>\n<block/>\nstray words\n</form>") == (
        "t.vxml:3: found text 'stray words' inside <form>: expected only elements"
    )


def test_text_in_block_is_a_prompt() -> None:
    valid("<form><block>Welcome <value expr='name'/>.</block></form>")


# --- attributes -----------------------------------------------------------------------------


def test_unknown_attribute_lists_the_allowed_ones() -> None:
    assert error('<form><field naem="x"/></form>') == (
        "t.vxml:2: <field> has unknown attribute 'naem': expected one of 'cond', 'expr', "
        "'modal', 'name', 'slot', 'type'"
    )


def test_unknown_attribute_with_a_single_allowed_one() -> None:
    assert error("<form><block><if expr='a'/></block></form>") == (
        "t.vxml:2: <if> has unknown attribute 'expr': expected 'cond'"
    )


def test_unknown_attribute_on_element_without_attributes() -> None:
    assert error("<form><block><reprompt now='1'/></block></form>") == (
        "t.vxml:2: <reprompt> has unknown attribute 'now': expected no attributes"
    )


def test_voicexml_1_0_attribute_gets_a_hint() -> None:
    assert error('<form><block><goto next="a.vxml" caching="fast"/></block></form>') == (
        "t.vxml:2: <goto> has unknown attribute 'caching' ('caching' is VoiceXML 1.0; use "
        "maxage and maxstale): expected one of 'expr', 'expritem', 'fetchaudio', 'fetchhint', "
        "'fetchtimeout', 'maxage', 'maxstale', 'next', 'nextitem'"
    )


def test_xml_attributes_are_allowed_anywhere() -> None:
    valid('<form xml:base="http://x/"><field name="f" xml:lang="fr-FR" type="digits"/></form>')


def test_missing_required_attribute() -> None:
    assert error('<var expr="1"/>') == "t.vxml:2: <var> is missing required attribute 'name'"


def test_enumerated_value_names_the_choices() -> None:
    assert error('<menu dtmf="yes"><choice next="#a">a</choice></menu>') == (
        "t.vxml:2: <menu> has dtmf='yes': expected 'true' or 'false'"
    )


def test_enumerated_value_with_more_than_two_choices() -> None:
    assert error('<form><transfer name="t" dest="tel:1" type="warm"/></form>') == (
        "t.vxml:2: <transfer> has type='warm': expected one of 'blind', 'bridge', 'consultation'"
    )


def test_grammar_mode_must_be_dtmf_or_voice() -> None:
    assert error('<form><field name="f"><grammar mode="touch" src="g.grxml"/></field></form>') == (
        "t.vxml:2: <grammar> has mode='touch': expected 'voice' or 'dtmf'"
    )


def test_filled_mode_must_be_any_or_all() -> None:
    assert error('<form><field name="f" type="digits"/><filled mode="some"/></form>') == (
        "t.vxml:2: <filled> has mode='some': expected 'all' or 'any'"
    )


def test_method_is_matched_without_case() -> None:
    valid('<form><block><submit next="s" method="POST" namelist="x"/></block></form>')


def test_method_other_than_get_or_post_is_an_error() -> None:
    assert error('<form><block><submit next="s" method="put"/></block></form>') == (
        "t.vxml:2: <submit> has method='put': expected 'get' or 'post'"
    )


def test_enctype_must_be_a_media_type() -> None:
    assert error('<form><block><submit next="s" enctype="multipart"/></block></form>') == (
        "t.vxml:2: <submit> has enctype='multipart': expected a media type such as "
        "'multipart/form-data'"
    )


def test_duration_needs_a_unit() -> None:
    assert error('<form><record name="r" maxtime="90"/></form>') == (
        "t.vxml:2: <record> has maxtime='90': expected a time such as '3s' or '500ms'"
    )


def test_cache_integer_must_be_non_negative() -> None:
    assert error('<form><block><goto next="a" maxage="-1"/></block></form>') == (
        "t.vxml:2: <goto> has maxage='-1': expected a non-negative integer"
    )


def test_prompt_bargeintype_is_speech_or_hotword() -> None:
    assert error('<form><block><prompt bargeintype="energy">hi</prompt></block></form>') == (
        "t.vxml:2: <prompt> has bargeintype='energy': expected 'speech' or 'hotword'"
    )


def test_fetchhint_is_safe_or_prefetch() -> None:
    assert error('<form><block><audio src="a.wav" fetchhint="stream"/></block></form>') == (
        "t.vxml:2: <audio> has fetchhint='stream': expected 'safe' or 'prefetch'"
    )


# --- attribute groups -----------------------------------------------------------------------


def test_goto_needs_a_target() -> None:
    assert error("<form><block><goto/></block></form>") == (
        "t.vxml:2: <goto> needs exactly one of 'next', 'expr', 'nextitem', 'expritem': found none"
    )


def test_goto_with_next_and_expr_is_an_error() -> None:
    assert error("<form><block><goto next='a' expr=\"'b'\"/></block></form>") == (
        "t.vxml:2: <goto> needs exactly one of 'next', 'expr', 'nextitem', 'expritem': "
        "found 'next' and 'expr'"
    )


def test_throw_needs_an_event() -> None:
    assert error("<form><block><throw message='m'/></block></form>") == (
        "t.vxml:2: <throw> needs exactly one of 'event', 'eventexpr': found none"
    )


def test_choice_needs_exactly_one_target() -> None:
    assert error("<menu><choice next='#a' event='x'>a</choice></menu>") == (
        "t.vxml:2: <choice> needs exactly one of 'next', 'expr', 'event', 'eventexpr': "
        "found 'next' and 'event'"
    )


def test_audio_needs_src_or_expr() -> None:
    assert error("<form><block><audio>fallback</audio></block></form>") == (
        "t.vxml:2: <audio> needs exactly one of 'src', 'expr': found none"
    )


def test_subdialog_needs_src_or_srcexpr() -> None:
    assert error("<form><subdialog name='s'/></form>") == (
        "t.vxml:2: <subdialog> needs exactly one of 'src', 'srcexpr': found none"
    )


def test_transfer_takes_at_most_one_destination() -> None:
    assert error("<form><transfer name='t' dest='tel:1' destexpr=\"'tel:2'\"/></form>") == (
        "t.vxml:2: <transfer> may have at most one of 'dest', 'destexpr': "
        "found 'dest' and 'destexpr'"
    )


def test_transfer_bridge_and_type_exclude_each_other() -> None:
    assert error("<form><transfer name='t' dest='tel:1' bridge='true' type='bridge'/></form>") == (
        "t.vxml:2: <transfer> may have at most one of 'bridge', 'type': found 'bridge' and 'type'"
    )


def test_exit_takes_expr_or_namelist_not_both() -> None:
    assert error("<var name='a'/><form><block><exit expr='1' namelist='a'/></block></form>") == (
        "t.vxml:2: <exit> may have at most one of 'expr', 'namelist': found 'expr' and 'namelist'"
    )


def test_param_needs_expr_or_value() -> None:
    assert error("<form><subdialog name='s' src='s.vxml'><param name='p'/></subdialog></form>") == (
        "t.vxml:2: <param> needs exactly one of 'expr', 'value': found none"
    )


def test_meta_needs_name_or_http_equiv() -> None:
    assert error("<meta content='me'/><form/>") == (
        "t.vxml:2: <meta> needs exactly one of 'name', 'http-equiv': found none"
    )


def test_mark_needs_name_or_nameexpr() -> None:
    assert error("<form><block><prompt><mark/>hi</prompt></block></form>") == (
        "t.vxml:2: <mark> needs exactly one of 'name', 'nameexpr': found none"
    )


def test_data_needs_src_or_srcexpr() -> None:
    assert error("<form><block><data name='d' src='a' srcexpr='b'/></block></form>") == (
        "t.vxml:2: <data> needs exactly one of 'src', 'srcexpr': found 'src' and 'srcexpr'"
    )


# --- grammars (§3.1; 2.1 §2) ----------------------------------------------------------------

INLINE = '<rule id="r"><one-of><item>yes</item><item>no</item></one-of></rule>'


def test_inline_grammar_is_valid() -> None:
    valid(
        f'<form><field name="f"><grammar root="r" version="1.0">{INLINE}</grammar></field></form>'
    )


def test_grammar_with_src_and_inline_rules_is_an_error() -> None:
    body = (
        f'<form><field name="f"><grammar src="g.grxml" root="r">{INLINE}</grammar></field></form>'
    )
    assert error(body) == (
        "t.vxml:2: <grammar> needs exactly one of 'src', 'srcexpr', inline content: "
        "found 'src' and inline content"
    )


def test_empty_grammar_is_an_error() -> None:
    assert error('<form><field name="f"><grammar/></field></form>') == (
        "t.vxml:2: <grammar> needs exactly one of 'src', 'srcexpr', inline content: found none"
    )


def test_inline_abnf_text_counts_as_content() -> None:
    valid(
        '<form><field name="f"><grammar type="application/srgs">#ABNF 1.0; $r = a;'
        "</grammar></field></form>"
    )


def test_grammar_in_srgs_namespace_is_validated() -> None:
    body = (
        '<form><field name="f"><grammar xmlns="http://www.w3.org/2001/06/grammar" root="r">'
        '<rule id="r"><item rpt="2">a</item></rule></grammar></field></form>'
    )
    assert error(body) == (
        "t.vxml:2: <item> has unknown attribute 'rpt': expected one of 'repeat', "
        "'repeat-prob', 'weight'"
    )


def test_ruleref_needs_uri_or_special() -> None:
    body = '<form><field name="f"><grammar root="r"><rule id="r"><ruleref/></rule></grammar></field></form>'
    assert error(body) == ("t.vxml:2: <ruleref> needs exactly one of 'uri', 'special': found none")


def test_script_with_src_and_inline_code_is_an_error() -> None:
    assert error('<script src="a.js">var i = 0;</script><form/>') == (
        "t.vxml:2: <script> needs exactly one of 'src', 'srcexpr', inline content: "
        "found 'src' and inline content"
    )


# --- prompts and SSML (§4.1; SSML 1.0) ------------------------------------------------------


def test_ssml_markup_inside_prompt_is_valid() -> None:
    valid(
        "<form><block><prompt bargein='false' xml:lang='en-US'><p><s>Your balance is "
        "<say-as interpret-as='currency'><value expr='b'/></say-as>"
        "<break time='300ms'/></s></p><emphasis level='strong'>now</emphasis>"
        "<prosody rate='slow'><voice gender='female'>bye</voice></prosody>"
        "<audio src='a.wav'><desc>chime</desc>chime</audio><sub alias='W3C'>w3c</sub>"
        "</prompt></block></form>"
    )


def test_break_directly_in_block_needs_a_prompt() -> None:
    assert error("<form><block>Hi<break time='1s'/></block></form>").startswith(
        "t.vxml:2: found <break> inside <block>: expected one of <assign>, <audio>, <clear>,"
    )


def test_foreach_in_executable_content_holds_executable_content() -> None:
    valid(
        "<var name='a' expr='[1]'/><form><block><foreach array='a' item='i'>"
        "<log expr='i'/><prompt><value expr='i'/></prompt></foreach></block></form>"
    )


def test_foreach_in_prompt_holds_only_speech_markup() -> None:
    """VoiceXML 2.1 §6: a <foreach> inside a <prompt> may not hold executable content."""
    body = (
        "<var name='a' expr='[1]'/><form><block><prompt><foreach array='a' item='i'>"
        "<log expr='i'/></foreach></prompt></block></form>"
    )
    assert error(body).startswith(
        "t.vxml:2: found <log> inside <foreach>: expected one of <audio>, <break>,"
    )


def test_foreach_item_is_a_variable_name() -> None:
    body = "<form><block><foreach array='a' item='_i'/></block></form>"
    assert error(body) == (
        "t.vxml:2: <foreach> has item='_i': names starting with '_' are reserved for the "
        "interpreter"
    )


# --- names (Appendix O datatypes; §2.1.2; §5.1.1) -------------------------------------------


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("_x", "names starting with '_' are reserved for the interpreter"),
        ("a.b", "a variable name must not contain '.'"),
        ("a$", "a variable name must not contain '$' (reserved for shadow variables)"),
        ("1st", "expected an ECMAScript identifier"),
        ("new", "an ECMAScript reserved word cannot be a variable name"),
        ("", "expected a variable name"),
        ("customer_id", None),
    ],
)
def test_restricted_variable_names(name: str, problem: str | None) -> None:
    assert restricted_name_problem(name) == problem


def test_non_ascii_letters_make_valid_names() -> None:
    """ECMA-262 §7.6: identifiers are Unicode letters, digits, '_' and '$'."""
    valid('<var name="año"/><form><field name="ciudad_ñ" type="digits"/></form>')


def test_var_name_must_be_an_identifier() -> None:
    assert error('<var name="my var"/>') == (
        "t.vxml:2: <var> has name='my var': expected an ECMAScript identifier"
    )


def test_form_item_name_cannot_be_a_reserved_word() -> None:
    assert error('<form><field name="continue" type="boolean"/></form>') == (
        "t.vxml:2: <field> has name='continue': an ECMAScript reserved word cannot be a "
        "variable name"
    )


def test_assign_name_may_have_a_scope_prefix_and_dollar() -> None:
    valid(
        "<form><block><assign name='application.x' expr='1'/>"
        "<assign name='a$b' expr='2'/></block></form>"
    )


def test_assign_name_must_be_a_variable() -> None:
    assert error("<form><block><assign name='a..b' expr='1'/></block></form>") == (
        "t.vxml:2: <assign> has name='a..b': expected an ECMAScript variable name such as 'x' "
        "or 'application.x'"
    )


def test_duplicate_form_item_names_are_an_error() -> None:
    body = '<form>\n<field name="a" type="digits"/>\n<block name="a"/>\n</form>'
    assert error(body) == (
        "t.vxml:4: duplicate form item name 'a' in <form> (first used by <field> at line 3)"
    )


def test_same_item_name_in_two_forms_is_fine() -> None:
    valid('<form id="f1"><block name="a"/></form><form id="f2"><block name="a"/></form>')


# --- rules beside the table -----------------------------------------------------------------


def test_filled_inside_field_may_not_have_mode() -> None:
    body = "<form><field name='f' type='digits'><filled mode='any'/></field></form>"
    assert error(body) == (
        "t.vxml:2: <filled> inside <field> has 'mode': only a form-level <filled> may have "
        "mode or namelist"
    )


def test_filled_namelist_may_not_name_a_control_item() -> None:
    body = "<form><block name='b'/><field name='f' type='digits'/><filled namelist='f b'/></form>"
    assert error(body) == (
        "t.vxml:2: <filled> namelist names 'b', a control item (<block>): expected input item names"
    )


def test_elseif_after_else_is_an_error() -> None:
    body = "<form><block><if cond='a'>\n<else/>\n<elseif cond='b'/>\n</if></block></form>"
    assert error(body) == (
        "t.vxml:4: found <elseif> after <else> (line 3) inside <if>: <else> must be the last branch"
    )


def test_if_with_elseif_and_else_in_order_is_valid() -> None:
    valid("<form><block><if cond='a'>1<elseif cond='b'/>2<else/>3</if></block></form>")


def test_metadata_may_hold_anything() -> None:
    valid(
        '<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        "<rdf:Description/></rdf:RDF></metadata><form/>"
    )


# --- the table itself -----------------------------------------------------------------------

VOICEXML_21_ELEMENTS = (
    "vxml meta metadata property var script catch error help noinput nomatch link form menu "
    "choice enumerate field option block initial subdialog object record transfer filled "
    "prompt audio value mark grammar rule item one-of ruleref token tag example lexicon if "
    "elseif else assign clear goto submit return exit disconnect reprompt throw log foreach "
    "data param break emphasis p s phoneme prosody say-as sub voice desc"
).split()


@pytest.mark.parametrize("tag", VOICEXML_21_ELEMENTS)
def test_every_element_has_a_row_citing_its_section(tag: str) -> None:
    assert ELEMENTS[tag].section


def test_every_child_reference_names_a_row() -> None:
    missing = {
        (tag, child_key)
        for tag, rule in ELEMENTS.items()
        for child_key in (rule.children or {}).values()
        if child_key not in ELEMENTS
    }
    assert missing == set()


def test_required_and_grouped_attributes_are_allowed_attributes() -> None:
    for tag, rule in ELEMENTS.items():
        names = set(rule.required)
        for group in rule.exactly_one + rule.at_most_one:
            names.update(n for n in group if not n.startswith("#"))
        assert names <= set(rule.attrs), tag
