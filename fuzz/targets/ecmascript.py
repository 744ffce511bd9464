"""Target ``ecmascript``: values crossing between Python and QuickJS (the scope chain's bridge).

The bytes build a Python value (nested dicts and lists of strings, ints of every size, floats
including NaN and infinities, booleans, None, undefined, tuples and bytes), declare it in a
scope, read it back, and evaluate expressions over it from a pool of hostile snippets
(getters that throw, proxies, symbols, BigInts, cycles, lone surrogates, runaway loops).

Rules: Python -> JS -> Python gives back the value as ECMAScript would hold it (ints beyond
2**53 as floats, beyond the double range as infinities; NaN and infinities themselves at the top,
null inside objects as JSON has it; tuples as lists, keys as strings; strings exactly, NUL and
lone surrogates included); evaluation returns a value or raises ``ScriptError``
(error.semantic, error.semantic.timeout or error.noresource), within the time limit. Nothing
else escapes. (Before 51cba4a a lone surrogate or an int beyond the double range killed the
process: atheris runs each target in its own process, so such a crash is caught too.)"""

from __future__ import annotations

import math
from typing import Any

from vxml_browser.core.scripting import ScriptEngine
from vxml_browser.core.scripting.engine import UNDEFINED, ScriptError

try:
    from ._base import Chooser, Finding, atheris_main
except ImportError:
    from _base import Chooser, Finding, atheris_main  # type: ignore[no-redef]

NAME = "ecmascript"
DESCRIPTION = "values crossing Python <-> QuickJS, and hostile expressions over them"

STRINGS = ("", "a", "héllo", "日本", "😀", "a\x00b", "\ud800", "x\udfffy", "\u2028", "'", '"', "\\",
           "</script>", "undefined", "null", "0", "-0", "1e309", "__proto__", "constructor", "toString")
INTS = (0, 1, -1, 2**31, 2**53, 2**53 + 1, 2**63, -2**63 - 1, 2**64, 10**300, 2**1023)
FLOATS = (0.5, -0.0, 1e308, math.nan, math.inf, -math.inf, 5e-324)
EXPRESSIONS = (
    "v", "typeof v", "String(v)", "JSON.stringify(v)", "v + 1", "v.length", "v[0]", "v.a",
    "Object.keys(v||{})", "[v, v]", "({a: v})", "v === v", "Symbol()", "[Symbol()]", "10n", "({a: 10n})",
    "(function(){})", "new Proxy({}, {get(){throw 1}})", "({toString(){throw 1}})", "({get x(){throw 2}})",
    "({toJSON(){throw 3}})", "(()=>{var a=[];a[0]=a;return a})()", "'\\uD800'", "['\\uDC00']",
    "'a\\u0000b'", "new Date(8.64e15+1)", "new Array(1e6).join('x').length", "(function f(){return f()})()",
    "while(true){}", "'x'.repeat(1<<28)", "undefined", "null", "NaN", "-0", "Object.create(null)",
    "new Error('e')", "/re/g", "new Map([[1,2]])", "Promise.resolve(1)", "(function*(){})()",
    "new Uint8Array(4)", "globalThis", "this", "arguments", "eval('1+')", "x.y.z", "v.__proto__",
)
EXPECTED_EVENTS = ("error.semantic", "error.semantic.timeout", "error.noresource")


def value_from(c: Chooser, depth: int = 0) -> Any:
    kind = c.pick(12 if depth < 4 else 8)
    match kind:
        case 0:
            return c.choice(STRINGS)
        case 1:
            return c.text(16)
        case 2:
            return c.choice(INTS)
        case 3:
            return c.choice(FLOATS)
        case 4:
            return c.flag()
        case 5:
            return None
        case 6:
            return UNDEFINED
        case 7:
            return c.text(8).encode("latin-1")
        case 8 | 9:
            return {c.choice(STRINGS + ("k", "l")): value_from(c, depth + 1) for _ in range(c.pick(4))}
        case 10:
            return [value_from(c, depth + 1) for _ in range(c.pick(4))]
        case _:
            return tuple(value_from(c, depth + 1) for _ in range(c.pick(3)))


def as_js(value: Any, top: bool = True) -> Any:
    """What ``value`` becomes once stored in ECMAScript and read back as plain data."""
    if value is UNDEFINED:
        return UNDEFINED if top else None
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if abs(value) <= 2**53:
            return value
        try:
            f = float(value)
        except OverflowError:
            f = math.inf if value > 0 else -math.inf
        return f if top or math.isfinite(f) else None
    if isinstance(value, float):
        if not math.isfinite(value):
            return value if top else None
        return value
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, str):
        return well_formed(value) if top else value
    if isinstance(value, dict):
        return {str(k): as_js(v, False) for k, v in value.items()}
    return [as_js(v, False) for v in value]


def well_formed(text: str) -> str:
    """A string as it comes back from ECMAScript: lone surrogates as U+FFFD (51cba4a)."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _same(a: Any, b: Any) -> bool:
    if _number(a) and _number(b) and (isinstance(a, float) or isinstance(b, float) or abs(a) > 2**53):
        # a double read back through JSON prints its shortest digits: 2**64 -> 18446744073709552000
        fa, fb = float(a), float(b)
        return fa == fb or (math.isnan(fa) and math.isnan(fb))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b and type(a) is type(b) or (a is UNDEFINED and b is UNDEFINED)


def check(data: bytes, engine: ScriptEngine | None = None) -> None:
    c = Chooser(data)
    engine = engine or ScriptEngine(time_limit_s=0.2, memory_limit_bytes=32 * 1024 * 1024)
    scope = engine.new_scope("fuzz", None)
    value = value_from(c)
    try:
        engine.declare_value(scope, "v", value)
    except ScriptError as exc:
        raise Finding(f"declaring a plain Python value failed: {value!r}: {exc}") from None
    back = engine.get_py(scope, "v")
    expected = as_js(value)
    if not _same(expected, back):
        raise Finding(f"round trip changed the value: {value!r} -> {back!r}, expected {expected!r}")
    for _ in range(1 + c.pick(3)):
        expr = c.choice(EXPRESSIONS)
        try:
            result = engine.eval(scope, expr)
            engine.to_py(result)
            engine.to_string(result)
            engine.typeof(result)
        except ScriptError as exc:
            if exc.event not in EXPECTED_EVENTS:
                raise Finding(f"{expr!r}: unexpected event {exc.event}") from None


def seeds() -> list[bytes]:
    return [bytes([k, i, j]) for k in range(12) for i in (0, 3, 7) for j in (0, 5)]


if __name__ == "__main__":
    atheris_main(check)
