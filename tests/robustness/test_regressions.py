"""Every finding of the fuzzers (fuzz/findings.py), smallest input first, as a test.

Open findings are strict xfails that name the fix (the code is its owner's to change); once
the fix lands the xfail, now passing, fails the suite until its marker goes. The two process crashes run in a subprocess, so that they
cannot take pytest down with them."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest

from vxml_browser.core.grammars import GrammarError, parse_grammar
from vxml_browser.core.scripting import ScriptEngine
from vxml_browser.testing.call import Call, CallError, vxml

ROOT = __file__.rsplit("/tests/", 1)[0]


def survives(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter; the platform must survive it (exit 0)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def no_internal_errors(call: Call) -> None:
    internal = [e for e in call.errors if e.message.startswith("internal error")]
    assert not internal, internal


def test_a_lone_surrogate_from_python_does_not_kill_the_process() -> None:
    proc = survives("""
        from vxml_browser.testing.call import Call, CallError, vxml
        call = Call({"main.vxml": vxml('<form><object name="o" classid="k"/>'
                                       '<block><log expr="o.length"/></block></form>')},
                    objects={"k": "a\\ud800"})
        assert call.log_texts == ["2"], call.log_texts
    """)
    assert proc.returncode == 0, proc.stderr[-500:]


def test_an_int_beyond_the_float_range_does_not_kill_the_process() -> None:
    proc = survives("""
        from vxml_browser.core.scripting import ScriptEngine
        engine = ScriptEngine()
        scope = engine.new_scope("s", None)
        engine.declare_value(scope, "v", 2**1100)
        assert engine.eval_str(scope, "String(v)") == "Infinity"
    """)
    assert proc.returncode == 0, proc.stderr[-500:]


@pytest.mark.parametrize("value", [2**31, 4294967296, 2**53, -2**31 - 1, 9_876_543_210])
def test_ints_beyond_32_bits_cross_into_ecmascript_intact(value: int) -> None:
    engine = ScriptEngine()
    scope = engine.new_scope("s", None)
    engine.declare_value(scope, "v", value)
    assert engine.get_py(scope, "v") == value


@pytest.mark.parametrize("body", [
    "<form><block><log expr=\"'\\uD800'\"/></block></form>",
    "<form><block><prompt><value expr=\"'a\\uDC00'\"/></prompt></block></form>",
    "<form><block><script srcexpr=\"'\\uD800'\"/></block></form>",
])
def test_a_lone_surrogate_from_ecmascript_is_a_value_not_an_internal_error(body: str) -> None:
    call = Call({"main.vxml": vxml(body)})
    no_internal_errors(call)


@pytest.mark.parametrize("body", [
    "<form><block><exit expr=\"''\"/></block></form>",
    "<form><var name=\"x\" expr=\"''\"/><block><exit namelist=\"x\"/></block></form>",
])
def test_exit_with_an_empty_string_exits_with_it(body: str) -> None:
    call = Call({"main.vxml": vxml(body)})
    end = call.exits()
    assert end.value in ("", {"x": ""})


def test_a_script_with_a_nul_byte_is_error_semantic() -> None:
    call = Call({"main.vxml": vxml('<form><block><script src="s.js"/></block></form>'), "s.js": b"var a = 1;\x00"})
    call.error("error.semantic")


def test_a_string_with_nul_crosses_whole() -> None:
    call = Call({"main.vxml": vxml('<form><object name="o" classid="k"/><block><log expr="o.length"/>'
                                   "<log expr=\"'x\\u0000y'\"/></block></form>")}, objects={"k": "a\x00bc"})
    assert call.log_texts == ["4", "x\x00y"]


@pytest.mark.parametrize("body", [
    '<form><block><goto next="http://[x/a"/></block></form>',
    "<form><block><goto expr=\"'http://[::1/'\"/></block></form>",
    '<form><block><submit next="http://[x"/></block></form>',
    '<form><field name="f"><grammar src="http://[x/g"/></field></form>',
    '<form><block><data name="d" src="//[and]"/></block></form>',
])
def test_a_malformed_ipv6_uri_is_error_badfetch(body: str) -> None:
    call = Call({"main.vxml": vxml(body)})
    call.error("error.badfetch")


def test_an_abnf_base_with_a_malformed_host_is_a_grammar_error() -> None:
    with pytest.raises(GrammarError):
        parse_grammar(b"#ABNF 0;base<//[[and]>", uri="http://t/g", media_type="application/srgs")


def test_a_sisr_tag_with_nul_is_a_grammar_error() -> None:
    with pytest.raises(GrammarError):
        parse_grammar(b"#ABNF 1.0; root $r; tag-format <semantics/1.0>; $r = a {\x00};",
                      uri="http://t/g2", media_type="application/srgs")


@pytest.mark.parametrize("documents", [
    {"main.vxml": vxml('<catch event="error"><goto next="#f"/></catch>'
                       '<form id="f"><block><goto next="nosuch.vxml"/></block></form>')},
    {"main.vxml": vxml('<form><catch event="error"><goto next="b.vxml"/></catch><block><goto next="nosuch.vxml"/>'
                       "</block></form>"),
     "b.vxml": vxml('<form><catch event="error"><goto next="main.vxml"/></catch><block><goto next="nosuch.vxml"/>'
                    "</block></form>")},
], ids=["one document", "two documents"])
def test_an_error_handler_that_loops_through_dialogs_ends(documents: dict[str, str]) -> None:
    call = Call(documents, max_steps=50, max_auto=2000)
    call.error("error.semantic", re.compile("a transition loop"))


@pytest.mark.parametrize("handler", ['<error><goto next=""/></error>',
                                     '<catch event="error.badfetch"><goto next="main.vxml"/></catch>'])
def test_an_error_handler_that_loops_through_fetches_ends(handler: str) -> None:
    try:
        call = Call({"main.vxml": vxml(handler)}, max_steps=50, max_auto=2000)
    except CallError as exc:
        pytest.fail(str(exc))
    call.error("error.semantic")


def test_the_findings_table_names_only_tests_that_exist() -> None:
    from pathlib import Path

    from fuzz.findings import FINDINGS

    text = "".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
    missing = [f.test for f in FINDINGS if f"def {f.test}(" not in text]
    assert missing == []
