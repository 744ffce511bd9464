"""Parsing documents: the hardened parser, nodes and their lines (VoiceXML 2.0 §1.5)."""

from __future__ import annotations

import select
import socket
import time
from pathlib import Path

import pytest

from vxml_browser.core.model import DocumentError, parse_document
from vxml_browser.core.model.document import MAX_DOCUMENT_BYTES

NS = 'xmlns="http://www.w3.org/2001/vxml"'


def error(content: bytes) -> str:
    with pytest.raises(DocumentError) as info:
        parse_document(content, "t.vxml")
    return str(info.value)


def test_malformed_xml_names_the_line() -> None:
    assert error(f'<vxml version="2.1" {NS}>\n<form>\n</vxml>'.encode()) == (
        "t.vxml:3: not well-formed XML: Opening and ending tag mismatch: form line 2 and vxml"
    )


def test_bare_ampersand_message_has_no_duplicate_position() -> None:
    assert error(
        f'<vxml version="2.1" {NS}>\n<form><block>a & b</block></form></vxml>'.encode()
    ) == ("t.vxml:2: not well-formed XML: xmlParseEntityRef: no name")


def test_empty_document() -> None:
    assert error(b"") == "t.vxml:1: not well-formed XML: Document is empty"


def test_oversized_document_is_refused_before_parsing() -> None:
    content = b" " * (MAX_DOCUMENT_BYTES + 1)
    assert error(content) == (
        f"t.vxml: document is {MAX_DOCUMENT_BYTES + 1} bytes, over the limit of "
        f"{MAX_DOCUMENT_BYTES}"
    )


def test_wrong_root_element() -> None:
    assert error(b"<html><body/></html>") == (
        "t.vxml:1: found <html>: expected <vxml> in namespace http://www.w3.org/2001/vxml"
    )


def test_wrong_namespace() -> None:
    content = b'<vxml version="2.1" xmlns="http://www.w3.org/2001/06/vxml"><form/></vxml>'
    assert error(content) == (
        "t.vxml:1: found <vxml> in namespace http://www.w3.org/2001/06/vxml: expected <vxml> in "
        "namespace http://www.w3.org/2001/vxml"
    )


def test_document_without_namespace_is_accepted() -> None:
    doc = parse_document(b'<vxml version="2.0"><form id="a"><block/></form></vxml>', "t.vxml")
    assert [n.tag for n in doc.root.elements()] == ["form"]


def test_nodes_know_their_lines() -> None:
    doc = parse_document(
        f'<vxml version="2.1" {NS}>\n\n<form id="a">\n<block/></form></vxml>'.encode(), "t.vxml"
    )
    form = doc.dialogs["a"]
    assert (form.where, form.children[0].line) == ("t.vxml:3", 4)


def test_blank_lines_before_the_xml_declaration_keep_line_numbers() -> None:
    content = f'\n\n<?xml version="1.0"?>\n<vxml version="2.1" {NS}>\n<form>\n</vxml>'.encode()
    assert error(content) == (
        "t.vxml:6: not well-formed XML: Opening and ending tag mismatch: form line 5 and vxml"
    )


def test_xml_attributes_use_the_xml_prefix() -> None:
    doc = parse_document(
        f'<vxml version="2.1" {NS} xml:lang="fr-FR"><form/></vxml>'.encode(), "t.vxml"
    )
    assert doc.root.attrs == {"version": "2.1", "xml:lang": "fr-FR"}


def test_foreign_elements_keep_their_clark_tag() -> None:
    doc = parse_document(
        f'<vxml version="2.1" {NS} xmlns:v="urn:v"><v:x/><form/></vxml>'.encode(), "t.vxml"
    )
    first = doc.root.children[0]
    assert (first.foreign, first.tag) == (True, "{urn:v}x")


def test_grammar_in_srgs_namespace_is_voicexml_content() -> None:
    doc = parse_document(
        f'<vxml version="2.1" {NS}><form><field name="f"><grammar root="r" '
        'xmlns="http://www.w3.org/2001/06/grammar"><rule id="r">yes</rule></grammar>'
        "</field></form></vxml>".encode(),
        "t.vxml",
    )
    field = doc.dialog_order[0].children[0]
    assert [g.tag for g in field.elements("grammar")] == ["grammar"]


def test_duplicate_dialog_ids() -> None:
    content = f'<vxml version="2.1" {NS}><form id="a"/>\n<menu id="a"/></vxml>'.encode()
    assert error(content) == "t.vxml:2: duplicate dialog id 'a'"


# --- hostile documents -----------------------------------------------------------------------


def test_external_entity_is_not_expanded(tmp_path: Path) -> None:
    """XXE: a SYSTEM entity naming a local file leaves the file unread."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    content = (
        f'<?xml version="1.0"?>\n<!DOCTYPE vxml [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>\n'
        f'<vxml version="2.1" {NS}><form><block>before &xxe; after</block></form></vxml>'
    ).encode()
    doc = parse_document(content, "t.vxml")
    block = doc.dialog_order[0].children[0]
    assert "TOP-SECRET" not in block.text_content()
    assert block.text_content() == "before  after"


def test_external_dtd_and_entities_never_touch_the_network() -> None:
    """A DTD and an entity on a local listening port: the parser never connects."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/x"
        content = (
            f'<?xml version="1.0"?>\n<!DOCTYPE vxml SYSTEM "{url}.dtd" '
            f'[<!ENTITY remote SYSTEM "{url}.txt">]>\n'
            f'<vxml version="2.1" {NS}><form><block>&remote;</block></form></vxml>'
        ).encode()
        parse_document(content, "t.vxml")
        ready, _, _ = select.select([listener], [], [], 0)
    assert ready == []


def laughs(levels: int) -> bytes:
    """The billion-laughs document: each entity is ten of the one before."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)
    )
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE vxml [{entities}]>\n'
        f'<vxml version="2.1" {NS}><form><block>&lol{levels};</block></form></vxml>'
    ).encode()


def test_nested_internal_entities_are_left_unexpanded() -> None:
    doc = parse_document(laughs(3), "t.vxml")
    assert doc.dialog_order[0].children[0].text_content() == ""


def test_billion_laughs_is_refused_quickly() -> None:
    """libxml2 refuses the declarations themselves (its amplification limit): badfetch."""
    start = time.perf_counter()
    with pytest.raises(DocumentError) as info:
        parse_document(laughs(9), "t.vxml")
    assert time.perf_counter() - start < 1.0
    assert "not well-formed XML: Maximum entity amplification factor exceeded" in str(info.value)
