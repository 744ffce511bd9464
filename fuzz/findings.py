"""Every finding of the fuzzers so far: what broke, the smallest input, where the fix goes and
the regression test that pins it (``tests/robustness/test_regressions.py``).

``status`` is ``fixed in COMMIT`` (the test passes; the core's owner applied the fix named
here) or ``pinned`` (a strict xfail naming the fix, for the owner of that code to apply). ``fuzz/run.py`` copies this table into fuzz/REPORT.md and adds what a run finds.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Known:
    id: str
    target: str
    what: str
    smallest: str
    status: str
    test: str
    fix: str


FINDINGS: tuple[Known, ...] = (
    Known(
        "py-str-lone-surrogate-segfault", "ecmascript",
        "A Python str holding a lone surrogate, set as a whole ECMAScript variable, kills the "
        "process (SIGSEGV in the quickjs binding): every call of the worker is lost. Reached by an "
        "<object> result, a top-level session variable or any adapter value that was decoded with "
        "surrogateescape.",
        "Call({'main.vxml': vxml('<form><object name=\"o\" classid=\"k\"/></form>')}, objects={'k': '\\ud800'})",
        "fixed in 51cba4a", "test_a_lone_surrogate_from_python_does_not_kill_the_process",
        "vxml_browser/core/scripting/engine.py ScriptEngine.set_value: send a str that does not "
        "encode as UTF-8 through JSON: `elif isinstance(value, str) and not _utf8_ok(value): "
        "self._run(self._set_json, obj, name, json.dumps(value))` (JSON escapes keep the surrogate "
        "exactly).",
    ),
    Known(
        "py-huge-int-segfault", "ecmascript",
        "A Python int beyond the float range (abs > ~1.8e308), set as a variable, kills the process "
        "(SIGSEGV).",
        "engine.declare_value(scope, 'v', 2**1100)",
        "fixed in 51cba4a", "test_an_int_beyond_the_float_range_does_not_kill_the_process",
        "ScriptEngine.set_value: convert ints outside int32 first (see py-int-wraps-at-32-bits); "
        "`float(value)` raises OverflowError there, which becomes Infinity: "
        "`self._run(self._set_json, obj, name, '1e999' if value > 0 else '-1e999')`.",
    ),
    Known(
        "py-int-wraps-at-32-bits", "ecmascript",
        "A Python int outside the int32 range, set as a variable, is stored modulo 2**32: "
        "4294967296 becomes 0, 2**31 becomes -2**31, 2**53 + 1 becomes 1. Silent corruption of an "
        "account number or amount an <object> or the platform hands over.",
        "engine.declare_value(scope, 'v', 4294967296); engine.get_py(scope, 'v') == 0",
        "fixed in 51cba4a", "test_ints_beyond_32_bits_cross_into_ecmascript_intact",
        "ScriptEngine.set_value: `elif isinstance(value, int) and not isinstance(value, bool) and "
        "not -2**31 <= value < 2**31: value = float(value)` (the ECMAScript number it denotes), "
        "before the int branch.",
    ),
    Known(
        "js-lone-surrogate-to-python", "ecmascript, vxml_call",
        "An ECMAScript string holding a lone surrogate (legal JS: '\\uD800') read by Python raises "
        "UnicodeDecodeError inside the session, which ends the call with error.platform 'internal "
        "error' instead of using the value.",
        "<form><block><log expr=\"'\\uD800'\"/></block></form>  (also srcexpr=\"'\\uD800'\")",
        "fixed in 51cba4a", "test_a_lone_surrogate_from_ecmascript_is_a_value_not_an_internal_error",
        "vxml_browser/core/scripting/engine.py: in the prelude's string exits (__evalStr, __str, "
        "__get, __evalOut for strings) replace unpaired surrogates with U+FFFD "
        "(s.replace(/[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]/g, "
        "'\\uFFFD')), or in ScriptEngine._run turn UnicodeDecodeError into "
        "ScriptError(..., 'error.semantic').",
    ),
    Known(
        "empty-string-indexerror", "ecmascript, vxml_call",
        "Reading an empty string as plain data (eval_py / get_py: <exit expr>, <exit namelist>, "
        "<return namelist>, <object> params) raises IndexError, which ends the call with "
        "error.platform 'internal error'.",
        "<form><block><exit expr=\"''\"/></block></form>",
        "fixed in 51cba4a", "test_exit_with_an_empty_string_exits_with_it",
        "vxml_browser/core/scripting/engine.py ScriptEngine._from_json_result: `\"\"[:1] in \"{[\"` is "
        "True; write `if isinstance(v, str) and v[:1] in (\"{\", \"[\") and ...`.",
    ),
    Known(
        "script-with-nul", "vxml_call",
        "A fetched <script src> (or any ECMAScript source) holding a NUL byte raises ValueError "
        "('embedded null character') inside the session: error.platform 'internal error' instead "
        "of error.semantic.",
        "<vxml ...><script src=\"s.js\"/></vxml> with s.js = b'\\x00'",
        "fixed in 51cba4a", "test_a_script_with_a_nul_byte_is_error_semantic",
        "ScriptEngine._run: `except ValueError as exc: raise ScriptError(f'ECMAScript source or value "
        "not accepted: {exc}') from None` (the quickjs binding takes C strings).",
    ),
    Known(
        "nul-truncates-strings", "ecmascript",
        "A string crossing between Python and QuickJS is cut at its first NUL: 'a\\x00bc' arrives as "
        "'a' (both directions). Silent loss; no crash.",
        "objects={'k': 'a\\x00bc'}; <log expr=\"o.length\"/> logs 1",
        "fixed in 51cba4a", "test_a_string_with_nul_crosses_whole",
        "ScriptEngine.set_value: strings holding '\\x00' through JSON (like lone surrogates); reading "
        "back, the prelude's string exits return JSON.stringify(s) for strings containing \\u0000.",
    ),
    Known(
        "invalid-ipv6-uri", "vxml_call, srgs_abnf",
        "A URI with a malformed bracketed host ('http://[x/', '//[and]') in next, src, expr, "
        "srcexpr, <data src>, <submit next> or an ABNF base / SRGS ruleref makes urljoin raise "
        "ValueError: the call ends with error.platform 'internal error' instead of error.badfetch "
        "(and an ABNF grammar raises ValueError instead of GrammarError). Reachable from ECMAScript "
        "(expr computed from what the caller said).",
        "<form><block><goto next=\"http://[x/a\"/></block></form>; ABNF: b'#ABNF 0;base<//[[and]>'",
        "fixed in 51cba4a", "test_a_malformed_ipv6_uri_is_error_badfetch",
        "vxml_browser/core/interpreter.py resolve_reference: `try: return urljoin(base, uri) except "
        "ValueError: return uri` (the fetch of the bad URI then fails: HttpFetcher answers "
        "FetchFailed 'invalid URI', which is error.badfetch); vxml_browser/core/grammars/xmlform.py "
        "resolve and model/document.py Document.base: the same, or raise GrammarError/DocumentError.",
    ),
    Known(
        "sisr-tag-with-nul", "srgs_abnf",
        "A SISR script tag holding a NUL character makes parse_grammar raise ValueError ('embedded "
        "null character', from the quickjs binding) instead of GrammarError.",
        "b'#ABNF 1.0; root $r; tag-format <semantics/1.0>; $r = a {\\x00};'",
        "fixed in 51cba4a", "test_a_sisr_tag_with_nul_is_a_grammar_error",
        "vxml_browser/core/grammars/semantics.py, where tag scripts are compiled and run: catch "
        "ValueError with the JSException and raise GrammarError.",
    ),
    Known(
        "abnf-quadratic-parse", "limits (tests/robustness/test_limits.py)",
        "Parsing ABNF is quadratic in the grammar's size: _AbnfParser.line() counts the newlines "
        "from the start (and strips the text) for every item. 20,000 alternatives (170 KB) take "
        "3 s, 40,000 (350 KB) 12 s, a few MB runs for many minutes, with the worker's event loop "
        "blocked (every call on it stalls). ABNF also has no size limit (XML grammars stop at "
        "MAX_DOCUMENT_BYTES, 4 MiB).",
        "'#ABNF 1.0; root $r; $r = ' + ' | '.join(f'w{i}' for i in range(40000)) + ';'",
        "fixed in 51cba4a", "test_a_large_abnf_grammar_parses_in_linear_time",
        "vxml_browser/core/grammars/abnf.py _AbnfParser: in __init__ keep `self._end = "
        "len(text.rstrip())` and `self._nl = [i for i, c in enumerate(text) if c == '\\n']`; in "
        "line() use `self._end` and `self.line0 + bisect.bisect_left(self._nl, pos)`. In "
        "parse_abnf refuse text over MAX_DOCUMENT_BYTES with GrammarError, as parse_xml does.",
    ),
    Known(
        "transition-loop-through-fetches", "vxml_call",
        "A document without dialogs whose document-level error handler reloads it (<goto next=\"\"/> or "
        "its own URI) loops for ever without waiting for the caller: the FIA's max_steps counts "
        "steps in forms and menus, and this loop never enters one. (Loops through dialogs, in one "
        "document or across several, are stopped by max_steps.) On a real platform each turn "
        "is a document transition, the call never ends and holds its worker slot.",
        "<vxml version=\"2.1\" xmlns=\"http://www.w3.org/2001/vxml\"><error><goto next=\"\"/></error></vxml>",
        "fixed in 0044ed9", "test_an_error_handler_that_loops_through_fetches_ends",
        "vxml_browser/core/fia/document.py run_documents: count each document entered with the "
        "same step counter the forms use (ctx.session.step()) and end with Uncaught("
        "'error.semantic', 'no input was asked for in N steps: a transition loop') when it runs "
        "out; Session._advance already resets it at each wait point.",
    ),
    Known(
        "console-runner-never-yields", "limits (tests/robustness/test_limits.py)",
        "run_session(timeout_s=) cannot end a call whose fetcher and platform answer at once "
        "(DictFetcher, file: documents, the console caller answering 'silence'): drive() never "
        "awaits anything, so asyncio.wait_for never gets control and a noinput/reprompt loop runs "
        "for ever (CPU-bound, the event loop blocked).",
        "run_session('http://t/main.vxml', caller answering 'silence', fetcher=DictFetcher(field "
        "with <noinput><reprompt/></noinput>), timeout_s=0.5) never returns",
        "fixed in 51cba4a", "test_a_console_call_that_never_waits_still_times_out",
        "vxml_browser/adapters/runner.py run_session.drive: `await asyncio.sleep(0)` after each "
        "platform.handle(action) (or every N actions), so the timeout can fire.",
    ),
    Known(
        "apology-loop", "faults (tests/robustness/test_faults.py)",
        "When the app server dies mid-call, the caller hears 'We are sorry, a technical problem "
        "ended this call.' 64 times: app_server/templates/root.vxml.j2's <catch event=\"error\"> "
        "submits the end record to the dead server, the submit's error.badfetch is caught by the "
        "same catch, until the interpreter's MAX_EVENT_CHAIN (64) stops it.",
        "kill the app server while the fund hotline's menu waits, then press 1",
        "fixed in 0044ed9", "test_an_app_server_crash_mid_call_apologises_once",
        "app_server/templates/root.vxml.j2: make the error catch run once, e.g. `<catch "
        "event=\"error\" cond=\"end_reason != 'error'\">` ... and a second `<catch event=\"error\">"
        "<exit/></catch>` after it (or <disconnect/> instead of the submit when the submit itself "
        "failed).",
    ),
    Known(
        "abnf-no-size-limit", "limits (tests/robustness/test_limits.py)",
        "An ABNF grammar of any size is parsed: XML documents and grammars stop at "
        "MAX_DOCUMENT_BYTES (4 MiB) before parsing, ABNF text does not.",
        "b'#ABNF 1.0; root $r; $r = yes;' + b' ' * (4 * 1024 * 1024)",
        "fixed in 0044ed9", "test_an_abnf_grammar_over_the_size_limit_is_refused",
        "vxml_browser/core/grammars/abnf.py parse_abnf: `if len(text) > MAX_DOCUMENT_BYTES: raise "
        "GrammarError(uri, None, f'grammar is {len(text)} bytes, over the limit of ...')` before "
        "decoding, as parse_xml does.",
    ),
)

KNOWN_PATTERNS = {
    "transition-loop-through-fetches": r"actions without waiting for the caller",
}
"""Open finding id -> pattern over "Type: message", so long fuzz runs count them and go on.
Fixed findings are not listed: if one comes back, the fuzzers stop on it."""
