"""Target ``vxml_call``: whole calls on generated VoiceXML documents with a scripted caller.

The bytes drive a generator that walks the validator's own table (``schema.ELEMENTS``): each
element gets attributes it allows, with values from pools of plausible and hostile values
(expressions that throw, targets that are missing, durations, event names, grammar types),
and children it allows. The document is served with a second generated document, a grammar,
a script, ``<data>`` XML and audio; then the bytes play the caller (keys, words, silence,
hangup, recordings, transfer outcomes) for up to a dozen wait points, and hang up.

Rules: the session never raises; an uncaught event ends the call with an ``Error`` carrying
the event's name; no "internal error" (a Python exception the session contained as
error.platform); the call asks for input or ends within the harness's action budget; after
a hangup the call ends."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

from vxml_browser.core.model.schema import CONTENT, ELEMENTS
from vxml_browser.testing.call import Call, CallError, grammar

try:
    from ._base import Chooser, Finding, atheris_main
except ImportError:
    from _base import Chooser, Finding, atheris_main  # type: ignore[no-redef]

NAME = "vxml_call"
DESCRIPTION = "whole calls: schema-generated documents, a scripted caller, then hangup"

EXPR = ("1", "x", "'a'", "undefined", "null", "{}", "[1,2]", "x.y", "1/0", "''", "true", "0",
        "session.connection.remote.uri", "application.lastresult$", "lastresult$[0].utterance",
        "(function(){throw 1})()", "nosuch", "x=", "new Date()", "'#f2'", "'other.vxml'",
        "'x'.repeat(100000)", "Math.random()", "dialog.x", "document.x", "x$.confidence", "'\\uD800'")
VALUES: dict[str, tuple[str, ...]] = {
    "name": ("x", "y", "z"), "id": ("f1", "f2", "m1"),
    "next": ("#f1", "#f2", "other.vxml", "other.vxml#f1", "missing.vxml", "#nowhere", "data:,x", "bad://x"),
    "src": ("g.grxml", "s.js", "data.xml", "a.wav", "missing.x", "other.vxml", "#r", "g.grxml#r"),
    "event": ("error", "error.semantic", "nomatch", "noinput", "help", "x.y", "cancel", "exit",
              "connection.disconnect.hangup", "error.badfetch", "telephone.disconnect"),
    "type": ("digits", "boolean", "number", "currency", "date", "time", "phone",
             "digits?minlength=2;maxlength=3", "application/srgs+xml", "application/srgs",
             "audio/x-wav", "text/plain", "bridge", "blind", "consultation"),
    "namelist": ("x", "x y", "x.y", "nosuch", "x x"), "scope": ("document", "dialog"),
    "mode": ("voice", "dtmf"), "method": ("get", "post", "PUT"), "count": ("1", "2", "0"),
    "dtmf": ("1", "2", "*", "#", "12"), "accept": ("exact", "approximate"),
    "value": ("1", "0", "true", "2s", "x"), "version": ("2.0", "2.1", "1.0"),
    "label": ("l",), "message": ("m",), "root": ("r",), "maxtime": ("1s", "0s"),
    "finalsilence": ("1s",), "dest": ("tel:+1555", "sip:a@b", ""), "classid": ("k", "nosuch"),
    "bargein": ("true", "false"), "fetchhint": ("safe", "prefetch"), "choices": ("1",),
    "charset": ("utf-8", "x"), "enctype": ("multipart/form-data", "x/y"),
}
DURATIONS = ("0s", "1s", "100ms", "3s", "x", "-1s")
TEXTS = ("hello", "", "say yes", "1 2 3", "&amp;")
SCRIPTS = ("var x = 1;", "x = {y: 2};", "throw new Error('s');", "function f(){return f()} f();",
           "while(true){}", "var x = 'a'.repeat(1<<20);", "x =", "var z = [];")
INLINE_GRAMMARS = (
    grammar("yes", "no", ("one", "out = 1;")),
    grammar("1", "2", mode="dtmf"),
    '<grammar mode="dtmf" version="1.0" root="r" xmlns="http://www.w3.org/2001/06/grammar">'
    '<rule id="r"><item repeat="1-"><one-of><item>1</item><item>2</item></one-of></item></rule></grammar>',
    '<grammar type="application/srgs">#ABNF 1.0; root $r; $r = yes | no {out="n"};</grammar>',
    grammar(("yes", "throw 1;"), ("no", "while(true){}"), ("one", "out = '\\uD800';")),
    '<grammar src="missing.grxml"/>', '<grammar src="g.grxml"/>', '<grammar src="g.grxml#nosuch"/>',
)
CALLER_WORDS = ("yes", "no", "one", "help", "hello", "")
OTHER = ('<?xml version="1.0"?><vxml version="2.1" xmlns="http://www.w3.org/2001/vxml">'
         '<var name="x" expr="2"/><form id="f1"><field name="y" type="digits"><prompt>other</prompt>'
         '<filled><return namelist="y"/></filled></field></form></vxml>')
DOCS: dict[str, Any] = {
    "g.grxml": grammar("yes", "no", ("one", "out = {n: 1};")).encode(),
    "s.js": b"var x = 1; function g(a) { return a + 1; }",
    "data.xml": b'<?xml version="1.0"?><r a="1"><i>one</i><i>two</i></r>',
    "a.wav": b"RIFF\x00\x00\x00\x00WAVE",
    "missing.vxml": (404,), "missing.x": (404,), "missing.grxml": (404,),
}


def _value(c: Chooser, attr: str) -> str:
    if c.flag(16):
        return c.text(12)
    if attr in VALUES:
        return c.choice(VALUES[attr])
    if attr.endswith("timeout") or attr in ("interdigittimeout", "termtimeout", "maxtime", "connecttimeout"):
        return c.choice(DURATIONS)
    if attr.endswith("expr") or attr == "cond" or attr in ("expr", "item", "array"):
        return c.choice(EXPR)
    return c.choice(("1", "x", "true", "f1"))


def element(c: Chooser, tag: str, key: str, depth: int) -> str:
    if tag == "grammar" and c.flag():
        return c.choice(INLINE_GRAMMARS)
    rule = ELEMENTS.get(key) or ELEMENTS.get(tag)
    if rule is None:
        return ""
    attrs: dict[str, str] = {}
    for name in rule.required:
        attrs[name] = _value(c, name)
    names = [a for a in rule.attrs if a not in attrs]
    for _ in range(c.pick(3)):
        if names:
            name = c.choice(names)
            attrs[name] = _value(c, name)
    content = ""
    if tag == "script":
        if "src" not in attrs and "srcexpr" not in attrs:
            content = escape(c.choice(SCRIPTS))
    elif rule.text and c.flag(3):
        content = escape(c.choice(TEXTS))
    if rule.children and depth < 6 and tag != "script":
        kids = list(rule.children.items())
        for _ in range(c.pick(4)):
            child_tag, child_key = c.choice(kids)
            content += element(c, child_tag, child_key, depth + 1)
    attr_text = "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items() if k != CONTENT)
    return f"<{tag}{attr_text}>{content}</{tag}>"


def document(c: Chooser) -> str:
    body = ""
    kids = ("form", "form", "menu", "var", "script", "catch", "error", "link", "property", "data", "noinput")
    for _ in range(1 + c.pick(3)):
        tag = c.choice(kids)
        body += element(c, tag, tag, 1)
    app = ' application="other.vxml"' if c.flag(8) else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<vxml version="2.1" xmlns="http://www.w3.org/2001/vxml"{app}>{body}</vxml>')


def play_caller(c: Chooser, call: Call) -> None:
    for _ in range(12):
        if call.over:
            return
        waiting = call.waiting
        kind = type(waiting).__name__
        move = c.pick(6)
        if move == 0:
            call.hangup()
        elif kind == "Collect":
            if move in (1, 2):
                call.press(c.choice(("1", "2", "12#", "*", "0", "9", "#")))
            elif move in (3, 4):
                call.say(c.choice(CALLER_WORDS), c.choice((1.0, 0.2)))
            else:
                call.silence()
        elif kind == "Record":
            if move < 4:
                call.records(c.choice((0.0, 1.0, 30.0)), termchar=c.choice((None, "#")),
                             maxtime=c.flag(4), utterance=c.choice((None, "yes")))
            else:
                call.silence()
        elif kind == "Transfer":
            call.transfer_ends(c.choice(("busy", "noanswer", "far_end_disconnect", None, "unknown")),
                               error=c.choice((None, None, "error.connection.noroute")))
        else:
            raise Finding(f"the call waits on {waiting!r}")


def check(data: bytes) -> None:
    c = Chooser(data)
    docs: dict[str, Any] = dict(DOCS)
    docs["main.vxml"] = document(c)
    docs["other.vxml"] = document(c) if c.flag(3) else OTHER
    try:
        call = Call(docs, objects={"k": {"r": 1}}, script_time_limit_s=0.1, max_auto=5000)
        play_caller(c, call)
        for _ in range(3):
            if call.over:
                break
            call.hangup()
    except CallError as exc:
        raise Finding(f"the harness: {exc}") from None
    if not call.over:
        raise Finding(f"the call goes on after three hangups: {call!r}")
    for err in call.errors:
        if not isinstance(err.message, str):
            raise Finding(f"an error message that is not a string: {err!r}")
        if err.message.startswith("internal error"):
            raise Finding(f"{err.message} at {err.where}")


def seeds() -> list[bytes]:
    return [bytes([i, 1, 2, 3, 0, i, 5, 1, 0, 0, 2]) for i in range(0, 60, 2)]


if __name__ == "__main__":
    atheris_main(check)
