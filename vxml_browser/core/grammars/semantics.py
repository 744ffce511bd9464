"""Semantic Interpretation for Speech Recognition (SISR 1.0) over a parse's events.

Each rule invocation gets a rule variable ``out``; tags run in order with ``out``, ``rules``
and ``meta`` in scope (SISR §6.1-§6.4); a ``var`` declared in a tag lives in the rule
invocation's scope, seen by the rule's later tags only. A rule in which no tag ran takes ``rules.latest()``
if it referenced rules, else the text it matched (SISR §6.3, default assignment). The root
rule's ``out`` is the interpretation. Rule text joins tokens with spaces, DTMF keys with nothing
("123", like the utterance). ``semantics/1.0-literals`` tags (SISR §7) and the
Python values of generated grammars are evaluated in Python; script tags run in QuickJS
with a time limit, and a runaway or failing script is a ``GrammarError``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import quickjs

from .matcher import EV_ENTER, EV_EXIT, EV_TAG, EV_TOKEN, Program
from .nodes import LITERAL_FORMAT, GrammarError

SCRIPT_TIME_LIMIT = 0.5  # QuickJS stops a script after about twice this (measured ~1 s)
SCRIPT_MEMORY_LIMIT = 16 * 1024 * 1024
_UNSET = object()
_SWI_RULE = re.compile(r"\$([A-Za-z_]\w*)")
_VAR = re.compile(r"\bvar\s+([A-Za-z_$][\w$]*)")
_VAR_KEYWORD = re.compile(r"\bvar\s+(?=[A-Za-z_$])")
_RESERVED = {"out", "rules", "meta"}
_SWI_USE = re.compile(r"(?:^|[^\w.$])\$(?:\s*=[^=]|\.|\$|[A-Za-z_])")


def literal_value(text: str) -> str:
    """The value of a ``semantics/1.0-literals`` tag: its text, trimmed (SISR §7)."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    return text


def swi_to_sisr(script: str) -> str:
    """Rewrite older ``$ = ...`` / ``$x`` tag scripts to SISR ``out`` / ``rules.x`` (cheap subset)."""
    script = script.replace("$$", "rules.latest()")
    script = _SWI_RULE.sub(r"rules.\1", script)
    return re.sub(r"\$(?![\w{])", "out", script)


def _python_eval(prog: Program, events: list[tuple[int, Any]], tokens: list[str]) -> Any:
    frames: list[list[Any]] = []  # [start, out, latest, tagged]
    pos = 0
    result: Any = None
    tags = prog.tags
    for kind, arg in events:
        if kind == EV_TOKEN:
            pos += 1
        elif kind == EV_ENTER:
            frames.append([pos, _UNSET, _UNSET, False])
        elif kind == EV_TAG:
            tag = tags[arg]
            frame = frames[-1]
            frame[1] = tag.value if tag.native else literal_value(tag.text)
            frame[3] = True
        else:
            start, out, latest, tagged = frames.pop()
            if not tagged:
                out = latest if latest is not _UNSET else prog.separator.join(tokens[start:pos])
            if frames:
                frames[-1][2] = out
            else:
                result = out
    return result


_DRIVER = r"""
var __labels = %(labels)s, __sep = %(sep)s, __vars = %(vars)s;
var __L = Symbol('latest'), __F = Symbol('frame');
var __toks = [], __pos = 0;
function __Rules() {}
Object.defineProperty(__Rules.prototype, 'latest', {value: function () { return this[__L]; }});
function __Meta(f) { this[__F] = f; }
Object.defineProperty(__Meta.prototype, 'current', {value: function () {
  return {text: __toks.slice(this[__F].start, __pos).join(__sep), score: 1.0}; }});
Object.defineProperty(__Meta.prototype, 'latest', {value: function () { return this[__L]; }});
function __put(s, k) {
  var m = {text: __toks.slice(k[2], k[3]).join(__sep), score: 1.0};
  s.rules[k[0]] = k[1]; s.rules[__L] = k[1]; s.meta[k[0]] = m; s.meta[__L] = m;
}
function __scope(f) {
  var s = {out: {}, rules: new __Rules(), meta: new __Meta(f)}, names = __vars[f.label];
  for (var j = 0; j < names.length; j++) s[names[j]] = undefined;
  for (var i = 0; i < f.kids.length; i++) __put(s, f.kids[i]);
  f.kids = null; f.scope = s;
  return s;
}
function __empty(o) { return o !== null && typeof o === 'object' && Object.keys(o).length === 0; }
function __compat(f) {
  // Tags without a tag-format, in the pre-SISR style: an object of the variables the rule's
  // tags declared (<tag>var a='x'</tag>), else the value of the last tag (<tag>'foo'</tag>).
  var s = f.scope, names = __vars[f.label], o = {}, any = false;
  for (var j = 0; j < names.length; j++) {
    if (s[names[j]] !== undefined) { o[names[j]] = s[names[j]]; any = true; }
  }
  if (any) return o;
  return s.__cv !== undefined ? s.__cv : s.out;
}
function __run(evs, toks) {
  var ev = JSON.parse(evs);
  __toks = JSON.parse(toks); __pos = 0;
  var frames = [], result, f;
  for (var i = 0; i < ev.length; i += 2) {
    var kind = ev[i], arg = ev[i + 1];
    if (kind === 0) { __pos++; }
    else if (kind === 1) { frames.push({start: __pos, label: arg, has: false, latest: undefined, kids: [], scope: null}); }
    else if (kind === 3) { f = frames[frames.length - 1]; __tags[arg](f.scope || __scope(f)); }
    else {
      f = frames.pop();
      var out = f.scope ? f.scope.out : (f.has ? f.latest : __toks.slice(f.start, __pos).join(__sep));
      if (f.scope && f.scope.__compat && __empty(out)) out = __compat(f);
      if (frames.length) {
        var p = frames[frames.length - 1], k = [__labels[f.label], out, f.start, __pos];
        p.has = true; p.latest = out;
        if (p.scope) { __put(p.scope, k); } else { p.kids.push(k); }
      } else { result = out; }
    }
  }
  return JSON.stringify({v: result});
}
"""


class Semantics:
    """Evaluates parses of one program; owns the program's QuickJS context when it has scripts."""

    def __init__(self, prog: Program) -> None:
        self.prog = prog
        self.ctx: Any = None
        self.run_js: Any = None
        if prog.scripted:
            self._setup()

    def _setup(self) -> None:
        prog = self.prog
        ctx = quickjs.Context()
        ctx.set_time_limit(SCRIPT_TIME_LIMIT)
        ctx.set_memory_limit(SCRIPT_MEMORY_LIMIT)
        # rule scope (SISR §6.2.3): a ``var`` of one tag is seen by the rule's later tags, so
        # declarations become properties of the rule invocation's scope object
        rule_vars: dict[Any, list[str]] = {}
        for tag in prog.tags:
            if not tag.native and tag.fmt != LITERAL_FORMAT:
                names = rule_vars.setdefault(tag.rule, [])
                for name in _VAR.findall(tag.text):
                    if name not in names and name not in _RESERVED:
                        names.append(name)
        fns = []
        for tag in prog.tags:
            if tag.native:
                body = f"__s.out = {json.dumps(tag.value)};"
            elif tag.fmt == LITERAL_FORMAT:
                body = f"__s.out = {json.dumps(literal_value(tag.text))};"
            else:
                swi = tag.fmt.startswith("swi") or (not tag.fmt and _SWI_USE.search(tag.text))
                script = swi_to_sisr(tag.text) if swi else tag.text
                if rule_vars.get(tag.rule):
                    script = _VAR_KEYWORD.sub("", script)
                if not tag.fmt and not swi:
                    # No tag-format: keep the completion value for the pre-SISR reading.
                    body = f"__s.__compat = true; with (__s) {{ __s.__cv = eval({json.dumps(script)}); }}"
                else:
                    body = f"with (__s) {{\n{script}\n}}"
            fns.append(f"function (__s) {{ {body} }}")
        labels = json.dumps([lab.name for lab in prog.labels])
        try:
            for script in prog.header_scripts:
                ctx.eval(script)
            scope_vars = json.dumps([rule_vars.get(lab.key, []) for lab in prog.labels])
            ctx.eval(_DRIVER % {"labels": labels, "sep": json.dumps(prog.separator), "vars": scope_vars})
        except (quickjs.JSException, ValueError) as exc:
            raise GrammarError(prog.tags[0].uri if prog.tags else "", None,
                               f"grammar script failed: {_first_line(exc)}") from None
        for i, src in enumerate(fns):
            try:
                ctx.eval(f"var __t{i} = {src};")
            except (quickjs.JSException, ValueError) as exc:
                tag = prog.tags[i]
                raise GrammarError(tag.uri, tag.line or None,
                                   f"invalid tag script: {_first_line(exc)}") from None
        ctx.eval(f"var __tags = [{', '.join(f'__t{i}' for i in range(len(fns)))}];")
        self.ctx = ctx
        self.run_js = ctx.get("__run")

    def evaluate(self, events: list[tuple[int, Any]], tokens: list[str]) -> Any:
        """The interpretation of one parse (the root rule's ``out``)."""
        if self.run_js is None:
            return _python_eval(self.prog, events, tokens)
        flat: list[Any] = []
        for kind, arg in events:
            flat.append(kind)
            flat.append(arg if kind != EV_TOKEN else 0)
        try:
            out = self.run_js(json.dumps(flat), json.dumps(tokens))
        except (quickjs.JSException, ValueError) as exc:
            tag = self.prog.tags[0] if self.prog.tags else None
            raise GrammarError(tag.uri if tag else "", None,
                               f"semantic interpretation failed: {_first_line(exc)}") from None
        return json.loads(out).get("v")


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


__all__ = ["EV_ENTER", "EV_EXIT", "Semantics", "literal_value", "swi_to_sisr"]
