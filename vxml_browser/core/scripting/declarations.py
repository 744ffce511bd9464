"""Top-level declarations of a ``<script>`` body.

VoiceXML 2.0 §5.3.12 puts the variables and functions a script declares into the scope of the
element that holds the script. Scripts run inside a function (so that they can see the scope
chain through ``with``), where ``var`` and ``function`` declarations would stay local; the
engine therefore needs the names declared at the script's top level, which this small
tokenizer finds without a full ECMAScript parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)
  | (?P<name>[A-Za-z_$][\w$]*)
  | (?P<number>\d[\w.]*)
  | (?P<punct>[{}()\[\],;=/]|[^\s\w])
    """,
    re.VERBOSE | re.DOTALL,
)
_REGEX_LITERAL = re.compile(r"/(?:[^/\\\n\[]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[a-z]*")
# After these tokens a '/' starts a regular expression literal, not a division.
_REGEX_AFTER = {"(", ",", "=", ":", "[", "!", "&", "|", "?", "{", "}", ";", "return", "typeof", ""}


@dataclass(frozen=True, slots=True)
class Declarations:
    variables: tuple[str, ...]
    functions: tuple[str, ...]


def _tokens(code: str) -> list[tuple[str, str, bool]]:
    """(kind, text, newline_before) for each significant token."""
    out: list[tuple[str, str, bool]] = []
    pos = 0
    newline = False
    last = ""
    while pos < len(code):
        if code[pos] == "/" and last in _REGEX_AFTER:
            m = _REGEX_LITERAL.match(code, pos)
            if m and not code.startswith(("//", "/*"), pos):
                out.append(("regex", m.group(), newline))
                newline = False
                last = "regex"
                pos = m.end()
                continue
        m = _TOKEN.match(code, pos)
        if m is None:  # an unterminated string or comment: the engine reports the syntax error
            break
        kind = m.lastgroup or ""
        text = m.group()
        pos = m.end()
        if kind in ("ws", "comment"):
            newline = newline or "\n" in text
            continue
        out.append((kind, text, newline))
        newline = False
        last = text if kind in ("punct", "name") else kind
    return out


def find_declarations(code: str) -> Declarations:
    """Names declared by ``var`` and ``function`` at the top level of ``code``."""
    tokens = _tokens(code)
    variables: list[str] = []
    functions: list[str] = []
    depth = 0
    i = 0
    n = len(tokens)
    while i < n:
        kind, text, _ = tokens[i]
        if kind == "punct" and text in "{([":
            depth += 1
        elif kind == "punct" and text in "})]":
            depth -= 1
        elif kind == "name" and text == "function" and depth == 0:
            if i + 1 < n and tokens[i + 1][0] == "name":
                prev = tokens[i - 1][1] if i else ";"
                if prev in (";", "}", ")", "") or tokens[i][2] or i == 0:
                    functions.append(tokens[i + 1][1])
        elif kind == "name" and text == "var" and depth <= 1:
            # depth 1 covers `for (var i = 0; ...)` at the top level.
            i = _read_var_names(tokens, i + 1, variables)
            continue
        i += 1
    return Declarations(tuple(dict.fromkeys(variables)), tuple(dict.fromkeys(functions)))


def _read_var_names(tokens: list[tuple[str, str, bool]], i: int, names: list[str]) -> int:
    """Read ``a = 1, b, c = f(x)`` after ``var``; return the index after the declaration list."""
    n = len(tokens)
    while i < n and tokens[i][0] == "name":
        names.append(tokens[i][1])
        i += 1
        if i < n and tokens[i][1] == "=":
            i += 1
            depth = 0
            while i < n:
                kind, text, newline = tokens[i]
                if depth == 0 and (text in (",", ";", ")") or (newline and kind == "name" and tokens[i - 1][1] not in "=+-*/%&|^!?:<>.,(")):
                    break
                if kind == "punct" and text in "{([":
                    depth += 1
                elif kind == "punct" and text in "})]":
                    if depth == 0:
                        break
                    depth -= 1
                i += 1
        if i < n and tokens[i][1] == ",":
            i += 1
            continue
        break
    return i
