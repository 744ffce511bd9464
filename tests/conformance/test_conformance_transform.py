"""txml -> VoiceXML with the suite's own stylesheet (conformance/transform.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from conformance.suite import XSLT_PATH
from conformance.transform import Transformer

V = "{http://www.w3.org/2001/vxml}"
HEAD = (b'<vxml version="2.0" xmlns="http://www.w3.org/2001/vxml" '
        b'xmlns:conf="http://www.w3.org/2002/vxml-conformance">')


def _transform(suite_dir: Path, body: bytes) -> etree._Element:
    return etree.fromstring(Transformer(suite_dir / XSLT_PATH).transform_bytes(HEAD + body + b"</vxml>"))


def test_conf_pass_becomes_a_pass_prompt_and_an_exit(suite_dir: Path) -> None:
    block = _transform(suite_dir, b"<form><block><conf:pass/></block></form>").find(f"{V}form/{V}block")
    assert [child.tag for child in block] == [f"{V}log", f"{V}prompt", f"{V}exit"]
    assert block[1].text == "pass"  # after the pass probe


def test_conf_fail_says_fail_then_logs_its_reason(suite_dir: Path) -> None:
    block = _transform(suite_dir, b'<form><block><conf:fail reason="why"/></block></form>').find(
        f"{V}form/{V}block")
    assert [child.tag.removeprefix(V) for child in block] == ["prompt", "log", "prompt", "exit"]
    assert block[0].text == "fail"
    assert block[1].text == "failure reason: why"


def test_conf_speech_becomes_tapered_prompts_and_conf_grammar_a_srgs_rule(suite_dir: Path) -> None:
    field = _transform(suite_dir, b'<form><field name="f"><conf:grammar utterance="alpha"/>'
                       b'<conf:speech value="alpha"/></field></form>').find(f"{V}form/{V}field")
    prompts = field.findall(f"{V}prompt")
    assert [p.get("count") for p in prompts] == ["1", "2", "3"]
    assert "Say 'Chicago'." in prompts[0].text
    item = field.find(f"{V}grammar/{V}rule/{V}one-of/{V}item")
    assert item.text == "chicago"


def test_comments_are_stripped_and_conf_comment_becomes_a_log(suite_dir: Path) -> None:
    root = _transform(suite_dir, b"<!-- hidden --><form><block><conf:comment>note</conf:comment>"
                      b"</block></form>")
    assert b"hidden" not in etree.tostring(root)
    assert root.find(f"{V}form/{V}block/{V}log").text == "note"


def test_transform_caches_by_file_and_notices_changes(suite_dir: Path, tmp_path: Path) -> None:
    t = Transformer(suite_dir / XSLT_PATH)
    doc = tmp_path / "x.txml"
    doc.write_bytes(HEAD + b"<form><block><conf:pass/></block></form></vxml>")
    first = t.transform(doc)
    assert t.transform(doc) is first
    doc.write_bytes(HEAD + b"<form><block><conf:fail/></block></form></vxml>")
    import os
    os.utime(doc, ns=(1, 1))
    assert b"fail" in t.transform(doc)


def test_a_malformed_test_raises(suite_dir: Path) -> None:
    with pytest.raises(etree.XMLSyntaxError):
        Transformer(suite_dir / XSLT_PATH).transform_bytes(b"<vxml>")


def test_a_pass_probe_logs_each_pass_before_its_prompt(suite_dir: Path) -> None:
    root = _transform(suite_dir, b'<catch event="connection.disconnect.hangup"><conf:pass/></catch>'
                      b"<form><block><prompt>pass</prompt><conf:fail/></block></form>")
    catch = root.find(f"{V}catch")
    assert [c.tag.removeprefix(V) for c in catch] == ["log", "prompt", "exit"]
    assert (catch[0].get("label"), catch[0].text) == ("conformance", "pass")
    block = root.find(f"{V}form/{V}block")  # a "pass" prompt not followed by <exit/> is no pass
    assert [c.tag.removeprefix(V) for c in block][:2] == ["prompt", "prompt"]
