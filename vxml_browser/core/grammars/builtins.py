"""Built-in grammar types (VoiceXML 2.0 Appendix P), generated as SRGS ABNF with SISR tags.

One table maps each type and mode to its rules; parameters (``digits?minlength=2;maxlength=5``,
``boolean?y=7;n=9``) are substituted into the text. The same text is written to ``grammars/``
(refreshed by the grammars tests with ``REFRESH_GRAMMARS=1``) where ``.cases`` files check it.
Values are those of Appendix P: boolean true/false; date "yyyymmdd" with '?' for unknown parts;
digits a digit string; currency "UUUmm.nn" (or "mm.nn" without a spoken currency, as DTMF);
number a string with optional sign and decimal point; phone digits with an 'x' before an
extension; time "hhmm" + 'a', 'p', 'h' (24-hour) or '?' (ambiguous).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import unquote

from .nodes import GrammarError

if TYPE_CHECKING:
    from .grammar import Grammar

TYPES = ("boolean", "date", "digits", "currency", "number", "phone", "time")
_HEAD = "#ABNF 1.0 UTF-8;\nlanguage en-US;\nmode {mode};\nroot ${root};\ntag-format <semantics/1.0>;\n"

# -- shared rules ------------------------------------------------------------------------------
_D = "(0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9)"  # a DTMF digit, inline: no rule frame per key
_TEXT = 'meta.current().text.replace(/ /g, "")'

_DIGIT_WORDS = """$digit = (zero | oh) {out = "0";} | one {out = "1";} | two {out = "2";} | three {out = "3";}
  | four {out = "4";} | five {out = "5";} | six {out = "6";} | seven {out = "7";}
  | eight {out = "8";} | nine {out = "9";};
"""
_NUMBERS = """$u1 = one {out = 1;} | two {out = 2;} | three {out = 3;} | four {out = 4;} | five {out = 5;}
  | six {out = 6;} | seven {out = 7;} | eight {out = 8;} | nine {out = 9;};
$teen = ten {out = 10;} | eleven {out = 11;} | twelve {out = 12;} | thirteen {out = 13;}
  | fourteen {out = 14;} | fifteen {out = 15;} | sixteen {out = 16;} | seventeen {out = 17;}
  | eighteen {out = 18;} | nineteen {out = 19;};
$ty = twenty {out = 20;} | thirty {out = 30;} | forty {out = 40;} | fifty {out = 50;} | sixty {out = 60;}
  | seventy {out = 70;} | eighty {out = 80;} | ninety {out = 90;};
$u99 = $u1 {out = rules.u1;} | $teen {out = rules.teen;} | $ty {out = rules.ty;} [$u1 {out += rules.u1;}];
$u999 = ($u1 {out = rules.u1 * 100;} | a {out = 100;}) hundred [[and] $u99 {out += rules.u99;}]
  | $u99 {out = rules.u99;};
$u999999 = ($u999 {out = rules.u999 * 1000;} | a {out = 1000;}) thousand [[and] $u999 {out += rules.u999;}]
  | $u999 {out = rules.u999;};
$whole = zero {out = 0;}
  | ($u999 {out = rules.u999 * 1000000;} | a {out = 1000000;}) million [$u999999 {out += rules.u999999;}]
  | $u999999 {out = rules.u999999;};
"""
_BOOLEAN_VOICE = """public $boolean = (yes | yeah | yep | yup | sure | correct | right | true | affirmative | okay | ok) {out = true;}
  | (no | nope | nah | incorrect | wrong | false | negative) {out = false;};
"""
_DATE_VOICE = """public $date = {out = {y: "????", d: "??"};} [on] [the]
  ($month [[the] $day {out.d = rules.day;}] | $day {out.d = rules.day;} of $month) [[of] $year {out.y = rules.year;}]
  {out = out.y + rules.month + out.d;};
$month = january {out = "01";} | february {out = "02";} | march {out = "03";} | april {out = "04";}
  | may {out = "05";} | june {out = "06";} | july {out = "07";} | august {out = "08";}
  | september {out = "09";} | october {out = "10";} | november {out = "11";} | december {out = "12";};
$ord = first {out = 1;} | second {out = 2;} | third {out = 3;} | fourth {out = 4;} | fifth {out = 5;}
  | sixth {out = 6;} | seventh {out = 7;} | eighth {out = 8;} | ninth {out = 9;};
$ordteen = tenth {out = 10;} | eleventh {out = 11;} | twelfth {out = 12;} | thirteenth {out = 13;}
  | fourteenth {out = 14;} | fifteenth {out = 15;} | sixteenth {out = 16;} | seventeenth {out = 17;}
  | eighteenth {out = 18;} | nineteenth {out = 19;};
$day = ($ord {out = rules.ord;} | $ordteen {out = rules.ordteen;} | twentieth {out = 20;}
    | twenty $ord {out = 20 + rules.ord;} | thirtieth {out = 30;} | thirty first {out = 31;}
    | $u1 {out = rules.u1;} | $teen {out = rules.teen;} | twenty {out = 20;} [$u1 {out += rules.u1;}]
    | thirty {out = 30;} [one {out = 31;}])
  {out = (out < 10 ? "0" : "") + out;};
$year = two thousand {out = 2000;} [[and] $u99 {out += rules.u99;}] {out = String(out);}
  | ($teen {out = rules.teen * 100;} | twenty {out = 2000;})
    ($teen {out += rules.teen;} | $ty {out += rules.ty;} [$u1 {out += rules.u1;}] | oh $u1 {out += rules.u1;} | hundred)
    {out = String(out);};
"""
_TIME_VOICE = """public $time = {out = {h: 0, m: 0, s: "?"};}
  ( [at] $hour {out.h = rules.hour;} [o'clock | $minute {out.m = rules.minute;}] [$ampm {out.s = rules.ampm;}]
  | half past $hour {out.h = rules.hour; out.m = 30;} [$ampm {out.s = rules.ampm;}]
  | quarter past $hour {out.h = rules.hour; out.m = 15;} [$ampm {out.s = rules.ampm;}]
  | quarter (to | of) $hour {out.h = rules.hour === 1 ? 12 : rules.hour - 1; out.m = 45;} [$ampm {out.s = rules.ampm;}]
  | noon {out.h = 12; out.s = "p";} | midnight {out.h = 12; out.s = "a";}
  | $hour24 {out.h = rules.hour24; out.s = "h";} (hundred [hours] | $minute {out.m = rules.minute;} [hours])
  | (zero | oh) {out.h = 0; out.s = "h";} [$u1 {out.h = rules.u1;}]
    (hundred [hours] | $minute {out.m = rules.minute;} [hours]))
  {out = (out.h < 10 ? "0" : "") + out.h + (out.m < 10 ? "0" : "") + out.m + out.s;};
$hour = $u1 {out = rules.u1;} | ten {out = 10;} | eleven {out = 11;} | twelve {out = 12;};
$hour24 = thirteen {out = 13;} | fourteen {out = 14;} | fifteen {out = 15;} | sixteen {out = 16;}
  | seventeen {out = 17;} | eighteen {out = 18;} | nineteen {out = 19;} | twenty {out = 20;}
  | twenty one {out = 21;} | twenty two {out = 22;} | twenty three {out = 23;};
$minute = (oh | zero) $u1 {out = rules.u1;} | $teen {out = rules.teen;}
  | (twenty {out = 20;} | thirty {out = 30;} | forty {out = 40;} | fifty {out = 50;}) [$u1 {out += rules.u1;}];
$ampm = (a m | am | in the morning) {out = "a";} | (p m | pm | in the afternoon | in the evening | at night) {out = "p";};
"""

_VOICE = {
    "boolean": lambda p: _BOOLEAN_VOICE,
    "digits": lambda p: 'public $digits = {out = "";} ($digit {out += rules.digit;})<' + _range(p) + ">;\n"
    + _DIGIT_WORDS,
    "number": lambda p: """public $number = {out = "";} [(minus | negative) {out = "-";}] $whole {out += rules.whole;}
  [point {out += ".";} ($digit {out += rules.digit;})<1->];
""" + _NUMBERS + _DIGIT_WORDS,
    "currency": lambda p: """public $currency = $whole $unit {out = rules.unit + rules.whole + ".00";}
    [[and] $u99 $cents {out = rules.unit + rules.whole + "." + ("0" + rules.u99).slice(-2);}]
  | $u99 $cents {out = "USD0." + ("0" + rules.u99).slice(-2);};
$unit = (dollars | dollar | bucks) {out = "USD";} | (euros | euro) {out = "EUR";} | (pounds | pound) {out = "GBP";};
$cents = cents | cent | pence | penny;
""" + _NUMBERS,
    "phone": lambda p: """public $phone = {out = "";} ($digit {out += rules.digit;})<7-15>
  [(extension | ext) {out += "x";} ($digit {out += rules.digit;})<1->];
""" + _DIGIT_WORDS,
    "date": lambda p: _DATE_VOICE + _NUMBERS,
    "time": lambda p: _TIME_VOICE + _NUMBERS,
}

_DTMF = {
    "boolean": lambda p: f'public $boolean = "{p["y"]}" {{out = true;}} | "{p["n"]}" {{out = false;}};\n',
    "digits": lambda p: f"public $digits = {_D}<{_range(p)}> {{out = {_TEXT};}};\n",
    "number": lambda p: f'public $number = {_D}<1-> ["*" {_D}<1->] {{out = {_TEXT}.replace("*", ".");}};\n',
    "currency": lambda p: f'public $currency = {_D}<1-> ["*" {_D}<1-2>]\n  {{var t = {_TEXT}.split("*"); '
    'out = t[0] + "." + ((t[1] || "") + "00").slice(0, 2);};\n',
    "phone": lambda p: f'public $phone = {_D}<1-> ["*" {_D}<1->] {{out = {_TEXT}.replace("*", "x");}};\n',
    "date": lambda p: f"public $date = {_D} {_D} {_D} {_D} $month $day {{out = {_TEXT};}};\n"
    "$month = 0 (1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9) | 1 (0 | 1 | 2);\n"
    f"$day = 0 (1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9) | (1 | 2) {_D} | 3 (0 | 1);\n",
    "time": lambda p: f"public $time = $hour $minute\n  {{var t = {_TEXT}; var h = parseInt(t.slice(0, 2), 10); "
    'out = t + ((h === 0 || h > 12) ? "h" : "?");};\n'
    f"$hour = (0 | 1) {_D} | 2 (0 | 1 | 2 | 3);\n$minute = (0 | 1 | 2 | 3 | 4 | 5) {_D};\n",
}


def _range(p: dict[str, str]) -> str:
    lo, hi = p.get("minlength"), p.get("maxlength")
    if "length" in p:
        return p["length"]
    return f"{lo or 1}-{hi or ''}"


def parse_spec(spec: str, mode: str) -> tuple[str, str, dict[str, str]]:
    """``(type, mode, params)`` of a field type or ``builtin:`` URI (VoiceXML 2.0 Appendix P)."""
    text = spec.strip()
    if text.startswith("builtin:"):
        text = text[len("builtin:"):]
        kind, _, rest = text.partition("/")
        if not rest:
            raise GrammarError(spec, None, f"invalid built-in grammar URI '{spec}': expected "
                               "builtin:dtmf/type, builtin:voice/type or builtin:grammar/type")
        if kind in ("dtmf", "voice"):
            mode = kind
        elif kind != "grammar":
            raise GrammarError(spec, None, f"unsupported built-in grammar '{spec}'")
        text = rest
    name, _, query = text.partition("?")
    name = name.strip()
    if name not in TYPES:
        raise GrammarError(spec, None, f"unsupported built-in grammar type '{name}'")
    if mode not in ("dtmf", "voice"):
        raise GrammarError(spec, None, f"invalid mode '{mode}': expected dtmf or voice")
    params: dict[str, str] = {}
    for part in query.replace("&", ";").split(";"):
        if not part.strip():
            continue
        key, eq, value = part.partition("=")
        if not eq:
            raise GrammarError(spec, None, f"invalid built-in parameter '{part}': expected name=value")
        params[key.strip()] = unquote(value.strip())
    return name, mode, _check_params(spec, name, params)


def _check_params(spec: str, name: str, params: dict[str, str]) -> dict[str, str]:
    allowed = {"digits": ("minlength", "maxlength", "length"), "boolean": ("y", "n")}.get(name, ())
    for key in params:
        if key not in allowed:
            raise GrammarError(spec, None, f"unknown parameter '{key}' for built-in grammar '{name}'")
    if name == "digits":
        nums = {}
        for key, value in params.items():
            if not value.isdigit():
                raise GrammarError(spec, None, f"invalid {key} '{value}': expected a non-negative integer")
            nums[key] = int(value)
        if "length" in nums and len(nums) > 1:
            raise GrammarError(spec, None, "length cannot be combined with minlength or maxlength")
        if nums.get("minlength", 1) > nums.get("maxlength", 10**9):
            raise GrammarError(spec, None, "minlength is greater than maxlength")
        if nums.get("length", 1) < 1 or nums.get("maxlength", 1) < 1:
            raise GrammarError(spec, None, "length and maxlength must be at least 1")
        return {k: str(v) for k, v in sorted(nums.items())}
    if name == "boolean":
        out = {"y": params.get("y", "1"), "n": params.get("n", "2")}
        for key, value in out.items():
            if len(value) != 1 or value not in "0123456789*#ABCD":
                raise GrammarError(spec, None, f"invalid {key} '{value}': expected one DTMF key")
        if out["y"] == out["n"]:
            raise GrammarError(spec, None, "y and n must be different keys")
        return out
    return params


def builtin_source(name: str, mode: str, params: dict[str, str] | None = None) -> str:
    """The ABNF text of a built-in grammar."""
    params = params if params is not None else parse_spec(name, mode)[2]
    table = _DTMF if mode == "dtmf" else _VOICE
    return _HEAD.format(mode=mode, root=name) + table[name](params)


_CACHE: dict[tuple[str, str, tuple[tuple[str, str], ...]], Grammar] = {}


def builtin_grammar(spec: str, mode: str) -> Grammar:
    """The grammar of a built-in type, e.g. ``digits?minlength=2;maxlength=5`` (VoiceXML 2.0 Appendix P)."""
    from .abnf import parse_abnf
    from .grammar import Grammar

    name, mode, params = parse_spec(spec, mode)
    key = (name, mode, tuple(sorted(params.items())))
    g = _CACHE.get(key)
    if g is None:
        query = ";".join(f"{k}={v}" for k, v in sorted(params.items()))
        uri = f"builtin:{mode}/{name}" + (f"?{query}" if query else "")
        doc = parse_abnf(builtin_source(name, mode, params), uri)
        g = Grammar(doc, mode=mode, root=name, form="abnf")
        _CACHE[key] = g
    return g
