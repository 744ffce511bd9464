"""The ECMAScript scope chain on QuickJS (VoiceXML 2.0 §5.1).

Each call gets its own QuickJS context with a time and memory limit. Scopes (session,
application, document, dialog and anonymous, §5.1.2) are JavaScript objects without a
prototype; an expression is compiled once per (source, chain depth) into a function that
evaluates it inside ``with`` statements over the chain, innermost last, so name lookup walks
anonymous → dialog → document → application → session → ECMAScript globals. Each scope
object holds a property named after the scope that points to itself (``application.x``).

Scripts run inside a ``with`` over a proxy of the chain, so that assignments land in the scope
that declares the name; the names a script declares at its top level go into the scope of
the element that holds it (§5.3.12).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import quickjs

from .declarations import find_declarations
from .numbers import number_to_string

_UNDEF_MARK = "\ue000undefined\ue000"

_PRELUDE = r"""
(function(g) {
  var UNDEF = "\uE000undefined\uE000";
  var SURR = /[\uD800-\uDFFF]/, LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
  // Strings that reach Python must be well-formed UTF-16: a lone surrogate becomes U+FFFD.
  // and one with NUL crosses as JSON behind a marker (the binding passes C strings).
  function wf(v) {
    if (typeof v !== "string") return v;
    if (SURR.test(v)) v = v.replace(LONE, function(m, p) { return (p || "") + "\uFFFD"; });
    return v.indexOf("\u0000") >= 0 ? "\uE001" + JSON.stringify(v) : v;
  }
  g.__newScope = function(name) {
    var s = Object.create(null);
    if (name) s[name] = s;
    return s;
  };
  g.__chain = function() { return Array.prototype.slice.call(arguments); };
  g.__out = function(v) { return v === undefined ? UNDEF : wf(v); };
  g.__evalOut = function(f, a) { var v = f(a); return v === undefined ? UNDEF : wf(v); };
  g.__evalStr = function(f, a) { var v = f(a); return v === undefined ? "undefined" : wf(String(v)); };
  g.__evalBool = function(f, a) { return !!f(a); };
  g.__evalJson = function(f, a) {
    var v = f(a);
    if (v === undefined) return UNDEF;
    if (typeof v === "function") return UNDEF;
    if (v !== null && typeof v === "object") return JSON.stringify(v);
    return wf(v);
  };
  g.__declare = function(leaf, name, f, a) { leaf[name] = f ? f(a) : undefined; };
  g.__setName = function(obj, name, v) { obj[name] = v; };
  g.__setJson = function(obj, name, s) { obj[name] = JSON.parse(s); };
  g.__setUndef = function(obj, name) { obj[name] = undefined; };
  g.__setNumber = function(obj, name, s) { obj[name] = Number(s); };
  g.__has = function(obj, name) { return name in obj; };
  g.__isUndef = function(obj, name) { return obj[name] === undefined; };
  g.__get = function(obj, name) { var v = obj[name]; return v === undefined ? UNDEF : wf(v); };
  g.__getJson = function(obj, name) { return g.__evalJson(function() { return obj[name]; }, null); };
  g.__keys = function(obj) { return JSON.stringify(Object.keys(obj)); };
  g.__json = function(v) { return JSON.stringify(v); };
  g.__str = function(v) { return wf(String(v)); };
  g.__typeof = function(v) { return typeof v; };
  g.__isArray = function(v) { return Array.isArray(v); };
  g.__len = function(v) { return v.length; };
  g.__at = function(v, i) { return v[i]; };
  g.__proxy = function(scopes) {
    var leaf = scopes[scopes.length - 1];
    return new Proxy(Object.create(null), {
      has: function(t, k) {
        if (typeof k !== "string") return false;
        for (var i = scopes.length - 1; i >= 0; i--) if (k in scopes[i]) return true;
        return !(k in g);
      },
      get: function(t, k) {
        if (typeof k !== "string") return undefined;
        for (var i = scopes.length - 1; i >= 0; i--) if (k in scopes[i]) return scopes[i][k];
        return undefined;
      },
      set: function(t, k, v) {
        for (var i = scopes.length - 1; i >= 0; i--) {
          if (k in scopes[i]) { scopes[i][k] = v; return true; }
        }
        leaf[k] = v;
        return true;
      },
      deleteProperty: function(t, k) {
        for (var i = scopes.length - 1; i >= 0; i--) {
          if (k in scopes[i]) return delete scopes[i][k];
        }
        return true;
      }
    });
  };
})(globalThis);
"""


_CLOCK_AND_RANDOM = r"""
(function(g) {
  var RealDate = g.Date, now = function() { return g.__vxml_now_ms; };
  function D() {
    if (!(this instanceof D)) return new RealDate(now()).toString();
    if (arguments.length === 0) return new RealDate(now());
    var args = [null];
    for (var i = 0; i < arguments.length; i++) args.push(arguments[i]);
    return new (Function.prototype.bind.apply(RealDate, args))();
  }
  D.prototype = RealDate.prototype;
  D.now = function() { return now(); };
  D.UTC = RealDate.UTC;
  D.parse = RealDate.parse;
  g.Date = D;
  var a = %(a)d >>> 0, b = %(b)d >>> 0;  // xorshift64 over two 32-bit halves
  Math.random = function() {
    var t = a ^ (a << 11); a = b; b = (b ^ (b >>> 19)) ^ (t ^ (t >>> 8));
    return (b >>> 0) / 4294967296;
  };
})(globalThis);
"""


class ScriptError(Exception):
    """An ECMAScript failure, carrying the VoiceXML event it becomes (error.semantic by default)."""

    def __init__(self, message: str, event: str = "error.semantic") -> None:
        super().__init__(message)
        self.event = event
        self.message = message


class _Undefined:
    __slots__ = ()

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False


UNDEFINED: Any = _Undefined()
"""ECMAScript ``undefined`` on the Python side (``None`` stands for ``null``)."""

JSObject = quickjs.Object


@dataclass(eq=False, slots=True)
class Scope:
    """One ECMAScript scope: a JavaScript object and the chain of scopes it sees."""

    engine: ScriptEngine
    name: str
    obj: Any
    parent: Scope | None
    depth: int = 0
    chain: Any = None
    _proxy: Any = field(default=None, repr=False)

    # --- conveniences that forward to the engine -------------------------------------
    def eval(self, expr: str) -> Any:
        return self.engine.eval(self, expr)

    def declare(self, name: str, value: Any = UNDEFINED) -> None:
        self.engine.declare_value(self, name, value)

    def has_own(self, name: str) -> bool:
        return self.engine.has_own(self, name)

    def get(self, name: str) -> Any:
        return self.engine.get(self, name)


class ScriptEngine:
    """One call's ECMAScript context (VoiceXML 2.0 §5.1) with limits."""

    def __init__(
        self, *, time_limit_s: float = 5.0, memory_limit_bytes: int = 64 * 1024 * 1024,
        seed: int = 0,
    ) -> None:
        """``seed`` drives ``Math.random`` and ``set_now`` sets what ``Date`` sees: the core
        reads no wall clock or randomness of its own (STYLE.md habit 1). Until ``set_now``,
        time stands at the epoch."""
        self.ctx = quickjs.Context()
        self.ctx.eval(_PRELUDE)
        self.ctx.set("__vxml_now_ms", 0.0)
        self.ctx.eval(_CLOCK_AND_RANDOM % {"a": (seed & 0xFFFFFFFF) or 0x9E3779B9,
                                             "b": ((seed >> 32) & 0xFFFFFFFF) or 0x7F4A7C15})
        self.time_limit_s = time_limit_s
        self.ctx.set_time_limit(time_limit_s)
        self.ctx.set_memory_limit(memory_limit_bytes)
        self.ctx.set_max_stack_size(1024 * 1024)
        g = self.ctx.get
        self._new_scope = g("__newScope")
        self._chain = g("__chain")
        self._eval_out = g("__evalOut")
        self._eval_str = g("__evalStr")
        self._eval_bool = g("__evalBool")
        self._eval_json = g("__evalJson")
        self._declare = g("__declare")
        self._set_name = g("__setName")
        self._set_json = g("__setJson")
        self._set_undef = g("__setUndef")
        self._set_number = g("__setNumber")
        self._has = g("__has")
        self._is_undef = g("__isUndef")
        self._get = g("__get")
        self._get_json = g("__getJson")
        self._keys = g("__keys")
        self._json = g("__json")
        self._str = g("__str")
        self._typeof = g("__typeof")
        self._is_array = g("__isArray")
        self._proxy_of = g("__proxy")
        self._compiled: dict[tuple[str, int, str], Any] = {}
        self._objects: dict[int, Any] = {}
        self._next_object = 0

    def set_now(self, seconds: float) -> None:
        """The time ECMAScript ``Date`` sees from now on (seconds since the epoch)."""
        self.ctx.set("__vxml_now_ms", float(seconds) * 1000.0)

    # --- scopes ----------------------------------------------------------------------
    def new_scope(self, name: str, parent: Scope | None, *, self_named: bool = True) -> Scope:
        """A new scope under ``parent``; ``self_named`` adds the ``name.x`` self reference."""
        obj = self._new_scope(name if self_named else "")
        depth = parent.depth + 1 if parent else 0
        scope = Scope(self, name, obj, parent, depth)
        chain = [obj]
        p = parent
        while p is not None:
            chain.append(p.obj)
            p = p.parent
        chain.reverse()
        scope.chain = self._chain(*chain)
        return scope

    def scope_objects(self, scope: Scope) -> list[Any]:
        out = []
        s: Scope | None = scope
        while s is not None:
            out.append(s.obj)
            s = s.parent
        return out

    # --- compiling -------------------------------------------------------------------
    def _compile(self, source: str, depth: int, kind: str) -> Any:
        key = (source, depth, kind)
        fn = self._compiled.get(key)
        if fn is not None:
            return fn
        # The chain parameter has a name no document would use: each ``with`` is evaluated
        # inside the previous one, where a variable named like it would shadow it.
        withs = "".join(f"with(__vxml$c[{i}])" for i in range(depth + 1))
        if kind == "expr":
            body = f"{withs}{{return ({source}\n);}}"
        elif kind == "assign":
            body = f"{withs}{{{source};}}"
        else:  # script: runs over the chain proxy passed as a[0]
            body = f"with(__vxml$c){{{source}\n}}"
        try:
            fn = self._run(self.ctx.eval, f"(function(__vxml$c){{{body}}})")
        except ScriptError as exc:
            raise ScriptError(f"{exc.message} in '{_short(source)}'", exc.event) from None
        if len(self._compiled) > 20000:
            self._compiled.clear()
        self._compiled[key] = fn
        return fn

    def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except quickjs.JSException as exc:
            raise _script_error(exc) from None
        except (MemoryError, OverflowError) as exc:
            raise ScriptError(f"ECMAScript ran out of resources: {exc}", "error.noresource") from None
        except ValueError as exc:  # the binding refuses text with NUL characters
            raise ScriptError(f"ECMAScript source or value not accepted: {exc}") from None
        except UnicodeError as exc:
            raise ScriptError(f"ECMAScript string is not valid Unicode: {exc}") from None

    # --- evaluation ------------------------------------------------------------------
    def eval(self, scope: Scope, expr: str) -> Any:
        """Evaluate an expression: primitives come back as Python values, objects as handles,
        ``undefined`` as ``UNDEFINED``."""
        fn = self._compile(expr, scope.depth, "expr")
        v = self._run(self._eval_out, fn, scope.chain)
        return UNDEFINED if v == _UNDEF_MARK else _arrived(v)

    def eval_str(self, scope: Scope, expr: str) -> str:
        """Evaluate and convert with ECMAScript ``String()`` (``<value>``, ``<log>``)."""
        fn = self._compile(expr, scope.depth, "expr")
        return _arrived(self._run(self._eval_str, fn, scope.chain))

    def eval_bool(self, scope: Scope, expr: str) -> bool:
        """Evaluate a ``cond`` with ECMAScript truthiness."""
        fn = self._compile(expr, scope.depth, "expr")
        return bool(self._run(self._eval_bool, fn, scope.chain))

    def eval_py(self, scope: Scope, expr: str) -> Any:
        """Evaluate into plain Python data (objects through JSON)."""
        fn = self._compile(expr, scope.depth, "expr")
        v = self._run(self._eval_json, fn, scope.chain)
        return self._from_json_result(v)

    def _from_json_result(self, v: Any) -> Any:
        if v == _UNDEF_MARK:
            return UNDEFINED
        v = _arrived(v)
        if isinstance(v, str) and v and v[0] in "{[" and _looks_json(v):
            try:
                return json.loads(v)
            except ValueError:
                return v
        return v

    def to_py(self, value: Any) -> Any:
        """A value from ``eval`` as plain Python data (objects and arrays through JSON)."""
        if isinstance(value, JSObject):
            text = self._run(self._json, value)
            return None if text is None else json.loads(text)
        return value

    def to_string(self, value: Any) -> str:
        """ECMAScript ``String(value)``."""
        if value is UNDEFINED:
            return "undefined"
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return value
        if isinstance(value, int | float):
            return number_to_string(value)
        return _arrived(self._run(self._str, value))

    def typeof(self, value: Any) -> str:
        if value is UNDEFINED:
            return "undefined"
        if isinstance(value, JSObject):
            return self._run(self._typeof, value)
        if value is None:
            return "object"
        if isinstance(value, bool):
            return "boolean"
        if isinstance(value, int | float):
            return "number"
        return "string"

    def execute(self, scope: Scope, code: str) -> None:
        """Run a ``<script>`` body in ``scope`` (VoiceXML 2.0 §5.3.12)."""
        decls = find_declarations(code)
        for name in decls.variables:
            if not self._has(scope.obj, name):
                self._set_undef(scope.obj, name)
        exports = "".join(f";__setName(__leaf,{json.dumps(n)},{n})" for n in decls.functions)
        source = code
        if exports:
            source = f"{code}\n{exports}"
        fn = self._compile(source, 0, "script")
        if scope._proxy is None:
            scope._proxy = self._proxy_of(scope.chain)
        self.ctx.set("__leaf", scope.obj)
        self._run(fn, scope._proxy)

    # --- variables -------------------------------------------------------------------
    def declare(self, scope: Scope, name: str, expr: str | None) -> None:
        """``<var name expr>``: declare ``name`` in ``scope``, initialised from ``expr``."""
        fn = self._compile(expr, scope.depth, "expr") if expr else None
        self._run(self._declare, scope.obj, name, fn, scope.chain)

    def declare_value(self, scope: Scope, name: str, value: Any) -> None:
        """Declare (or overwrite) ``name`` in ``scope`` with a Python or JS value."""
        self.set_value(scope.obj, name, value)

    def set_value(self, obj: Any, name: str, value: Any) -> None:
        """Store a Python value in a JS object. The binding passes strings as C strings and
        integers as 32 bits, so strings with NUL or lone surrogates go through JSON, and
        larger integers as doubles (ECMAScript has no other numbers)."""
        if value is UNDEFINED:
            self._set_undef(obj, name)
        elif value is None or isinstance(value, bool | JSObject):
            self._run(self._set_name, obj, name, value)
        elif isinstance(value, str):
            if _c_safe(value):
                self._run(self._set_name, obj, name, value)
            else:
                self._run(self._set_json, obj, name, json.dumps(value))
        elif isinstance(value, int):
            if -(2**31) <= value < 2**31:
                self._run(self._set_name, obj, name, value)
            else:
                self.set_value(obj, name, _to_float(value))
        elif isinstance(value, float):
            if math.isfinite(value):
                self._run(self._set_name, obj, name, value)
            else:
                self._run(self._set_number, obj, name, repr(value).replace("inf", "Infinity").replace("nan", "NaN"))
        else:
            self._run(self._set_json, obj, name, json.dumps(_jsonable(value)))

    def to_js(self, value: Any) -> Any:
        """A Python value as something that can be stored in a scope."""
        if isinstance(value, dict | list | tuple):
            return self._run(self.ctx.parse_json, json.dumps(_jsonable(value)))
        return value

    def assign(self, scope: Scope, name: str, expr: str) -> None:
        """``<assign name expr>`` (§5.3.2): the variable must already be declared."""
        self.check_declared(scope, name)
        fn = self._compile(f"{name} = ({expr}\n)", scope.depth, "assign")
        self._run(fn, scope.chain)

    def assign_value(self, scope: Scope, name: str, value: Any) -> None:
        """Set a declared variable (a dotted name allowed) to a Python or JS value."""
        target = self.resolve(scope, name)
        if target is None:
            raise ScriptError(f"assignment to undeclared variable '{name}'")
        obj, prop = target
        self.set_value(obj, prop, value)

    def resolve(self, scope: Scope, name: str) -> tuple[Any, str] | None:
        """The (object, property) that a dotted variable name denotes, or None if undeclared.

        Session variables are read-only (§5.1.2): naming one raises error.semantic.
        """
        head, *rest = name.split(".")
        holder_scope = self._holder_scope(scope, head)
        if holder_scope is None:
            return None
        if holder_scope.name == "session" and holder_scope.parent is None:
            raise ScriptError(f"session variable '{name}' is read-only")
        holder = holder_scope.obj
        if not rest:
            return holder, head
        base = self.eval(scope, ".".join([head, *rest[:-1]]))
        if not isinstance(base, JSObject):
            return None
        if rest and len(rest) == 1 and head in _SCOPE_NAMES and not self._has(base, rest[-1]):
            return None
        return base, rest[-1]

    def check_declared(self, scope: Scope, name: str) -> None:
        if self.resolve(scope, name) is None:
            raise ScriptError(f"assignment to undeclared variable '{name}'")

    def _holder_scope(self, scope: Scope, name: str) -> Scope | None:
        s: Scope | None = scope
        while s is not None:
            if self._has(s.obj, name):
                return s
            s = s.parent
        return None

    def is_declared(self, scope: Scope, name: str) -> bool:
        return self._holder_scope(scope, name) is not None

    def has_own(self, scope: Scope, name: str) -> bool:
        return bool(self._has(scope.obj, name))

    def is_undefined(self, scope: Scope, name: str) -> bool:
        return bool(self._is_undef(scope.obj, name))

    def get(self, scope: Scope, name: str) -> Any:
        v = self._get(scope.obj, name)
        return UNDEFINED if v == _UNDEF_MARK else _arrived(v)

    def get_py(self, scope: Scope, name: str) -> Any:
        return self._from_json_result(self._get_json(scope.obj, name))

    def clear(self, scope: Scope, name: str) -> None:
        """``<clear>``: set a variable to undefined (§5.3.3)."""
        target = self.resolve(scope, name)
        if target is None:
            raise ScriptError(f"<clear> of undeclared variable '{name}'")
        self._set_undef(*target)

    def keys(self, obj: Any) -> list[str]:
        return json.loads(self._keys(obj))

    def new_object(self, value: dict[str, Any] | None = None) -> Any:
        return self._run(self.ctx.parse_json, json.dumps(_jsonable(value or {})))

    def set_property(self, obj: Any, name: str, value: Any) -> None:
        self.set_value(obj, name, value)


_SCOPE_NAMES = frozenset({"session", "application", "document", "dialog"})


def _short(source: str) -> str:
    source = " ".join(source.split())
    return source if len(source) <= 60 else source[:57] + "..."


def _arrived(v: Any) -> Any:
    """A value from JS: a string with NUL came as JSON behind U+E001."""
    if isinstance(v, str) and v[:1] == "\ue001":
        return json.loads(v[1:])
    return v


def _c_safe(text: str) -> bool:
    """Whether a string can cross as a C string: no NUL, no lone surrogate."""
    if text.isascii():
        return "\x00" not in text
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _to_float(value: int) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _looks_json(v: str) -> bool:
    return (v[0] == "{" and v[-1] == "}") or (v[0] == "[" and v[-1] == "]")


def _script_error(exc: quickjs.JSException) -> ScriptError:
    text = str(exc).strip()
    first = text.splitlines()[0] if text else "ECMAScript error"
    if "interrupted" in first:
        return ScriptError("ECMAScript ran over its time limit", "error.semantic.timeout")
    if "out of memory" in first:
        return ScriptError("ECMAScript ran out of memory", "error.noresource")
    if "stack overflow" in first:
        return ScriptError("ECMAScript stack overflow", "error.semantic")
    return ScriptError(first)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is UNDEFINED:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value
