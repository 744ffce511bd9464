"""The SRGS ABNF Form (SRGS 1.0 §2-§4, Appendix D): text -> ``GrammarDoc``.

A hand-written recursive-descent parser over characters. Errors name the line and what was
expected, e.g. ``g.gram:3: expected ';' after rule expansion``. The self-identifying header
(``#ABNF 1.0;``) is required in files and optional in inline VoiceXML grammars.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from vxml_browser.core.model.document import MAX_DOCUMENT_BYTES

from .nodes import (
    SPECIAL_RULES,
    GrammarDoc,
    GrammarError,
    Node,
    OneOf,
    Repeat,
    Rule,
    RuleRef,
    Tag,
    Token,
    seq,
)
from .xmlform import ref_of, resolve

_NAME = re.compile(r"[A-Za-z_\u00c0-\uffff][\w\-\u00c0-\uffff]*")
_HEADER = re.compile(r"#ABNF[ \t]+([0-9.]+)(?:[ \t]+([^\s;]+))?[ \t]*;")
_BYTES_HEADER = re.compile(rb"(?:\xef\xbb\xbf)?\s*#ABNF[ \t]+[0-9.]+[ \t]+([A-Za-z0-9_\-]+)[ \t]*;")
_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_LANG = re.compile(r"[A-Za-z0-9\-]+")
_TOKEN_STOP = set(' \t\r\n;|/()[]{}<>$"!=')
_KEYWORDS = ("language", "mode", "root", "tag-format", "base", "lexicon", "meta", "http-equiv")


class _AbnfParser:
    def __init__(self, text: str, uri: str, line: int) -> None:
        self.s = text
        self.i = 0
        self.uri = uri
        self.line0 = line
        self.doc = GrammarDoc(uri=uri)
        self.base = uri
        # newline offsets, so a line number costs a binary search, not a count from the start
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        self._end = len(text.rstrip())

    # -- low level -------------------------------------------------------------------------
    def line(self, at: int | None = None) -> int:
        pos = self.i if at is None else at
        if pos >= self._end:  # at the end: the line of the last character
            pos = max(self._end - 1, 0)
        return self.line0 + bisect_left(self._newlines, pos)

    def fail(self, message: str, at: int | None = None) -> GrammarError:
        return GrammarError(self.uri, self.line(at), message)

    def found(self) -> str:
        if self.i >= len(self.s):
            return "end of grammar"
        m = re.compile(r"\S+").match(self.s, self.i)
        word = m.group(0)[:20] if m else self.s[self.i]
        return f"'{word}'"

    def ws(self) -> None:
        s, n = self.s, len(self.s)
        while self.i < n:
            c = s[self.i]
            if c in " \t\r\n\ufeff":
                self.i += 1
            elif s.startswith("//", self.i):
                j = s.find("\n", self.i)
                self.i = n if j < 0 else j + 1
            elif s.startswith("/*", self.i):
                j = s.find("*/", self.i + 2)
                if j < 0:
                    raise self.fail("unterminated comment: expected '*/'")
                self.i = j + 2
            else:
                break

    def peek(self, text: str) -> bool:
        self.ws()
        return self.s.startswith(text, self.i)

    def take(self, text: str) -> bool:
        if self.peek(text):
            self.i += len(text)
            return True
        return False

    def expect(self, text: str, after: str) -> None:
        if not self.take(text):
            raise self.fail(f"expected '{text}' {after}, found {self.found()}")

    def regex(self, pattern: re.Pattern[str]) -> str | None:
        self.ws()
        m = pattern.match(self.s, self.i)
        if not m:
            return None
        self.i = m.end()
        return m.group(0)

    def word_is(self, keyword: str) -> bool:
        self.ws()
        if not self.s.startswith(keyword, self.i):
            return False
        j = self.i + len(keyword)
        return j >= len(self.s) or not (self.s[j].isalnum() or self.s[j] in "-_")

    def quoted(self, quotes: str = "\"'") -> str | None:
        self.ws()
        if self.i >= len(self.s) or self.s[self.i] not in quotes:
            return None
        q = self.s[self.i]
        j = self.i + 1
        out: list[str] = []
        while j < len(self.s) and self.s[j] != q:
            if self.s[j] == "\\" and j + 1 < len(self.s):
                j += 1
            out.append(self.s[j])
            j += 1
        if j >= len(self.s):
            raise self.fail(f"unterminated quoted string: expected {q}")
        self.i = j + 1
        return "".join(out)

    def angle(self, what: str) -> str:
        self.expect("<", f"before {what}")
        j = self.s.find(">", self.i)
        if j < 0:
            raise self.fail(f"expected '>' after {what}")
        value = self.s[self.i:j].strip()
        self.i = j + 1
        return value

    # -- document ----------------------------------------------------------------------------
    def grammar(self, need_header: bool) -> GrammarDoc:
        self.ws()
        m = _HEADER.match(self.s, self.i)
        if m:
            self.doc.version = m.group(1)
            self.i = m.end()
        elif need_header or self.s.startswith("#ABNF", self.i):
            raise self.fail(f"expected self-identifying header '#ABNF 1.0;', found {self.found()}")
        while True:
            self.ws()
            if self.i >= len(self.s):
                break
            if self.declaration():
                continue
            self.rule()
        if not self.doc.rules:
            raise self.fail("expected at least one rule definition")
        return self.doc

    def declaration(self) -> bool:
        doc = self.doc
        for kw in _KEYWORDS:
            if self.word_is(kw):
                start = self.i
                self.i += len(kw)
                if kw == "language":
                    lang = self.regex(_LANG)
                    if not lang:
                        raise self.fail(f"expected a language tag after 'language', found {self.found()}")
                    doc.lang = lang
                elif kw == "mode":
                    mode = self.regex(_NAME)
                    if mode not in ("voice", "dtmf"):
                        raise self.fail(f"expected 'voice' or 'dtmf' after 'mode', found '{mode}'", start)
                    doc.mode = mode
                elif kw == "root":
                    self.expect("$", "after 'root'")
                    name = self.regex(_NAME)
                    if not name:
                        raise self.fail(f"expected a rule name after 'root $', found {self.found()}")
                    doc.root = name
                    doc.root_line = self.line(start)
                elif kw == "tag-format":
                    doc.tag_format = self.angle("tag-format") if self.peek("<") else self.regex(re.compile(r"[^\s;]+"))
                elif kw == "base":
                    doc.base = self.angle("base URI")
                    self.base = resolve(doc.base, self.uri)
                elif kw == "lexicon":
                    doc.lexicons.append(resolve(self.angle("lexicon URI"), self.base))
                    if self.take("~"):
                        self.angle("media type")
                else:
                    name = self.quoted()
                    if name is None:
                        raise self.fail(f"expected a quoted name after '{kw}', found {self.found()}")
                    if not self.word_is("is"):
                        raise self.fail(f"expected 'is' after {kw} name, found {self.found()}")
                    self.i += 2
                    value = self.quoted()
                    if value is None:
                        raise self.fail(f"expected a quoted value after 'is', found {self.found()}")
                    doc.metas[name] = value
                self.expect(";", f"after {kw} declaration")
                return True
        if self.peek("{"):
            line = self.line()
            doc.header_tags.append(Tag(self.tag_body(), line))
            self.expect(";", "after header tag")
            return True
        return False

    def rule(self) -> None:
        start = self.i
        scope = "private"
        for kw in ("public", "private"):
            if self.word_is(kw):
                self.i += len(kw)
                scope = kw
        if not self.take("$"):
            raise self.fail(f"expected a rule definition '$name = ...;' or a declaration, found {self.found()}")
        name = self.regex(_NAME)
        if not name:
            raise self.fail(f"expected a rule name after '$', found {self.found()}")
        if name in SPECIAL_RULES:
            raise self.fail(f"cannot define special rule '${name}'", start)
        line = self.line(start)
        self.expect("=", f"after rule name '${name}'")
        body = self.alternatives(top=True)
        self.expect(";", "after rule expansion")
        if name in self.doc.rules:
            raise GrammarError(self.uri, line, f"duplicate rule '{name}'")
        self.doc.rules[name] = Rule(name, scope, body, line)

    # -- expansions ---------------------------------------------------------------------------
    def alternatives(self, top: bool = False) -> Node:
        alts: list[tuple[float, Node]] = []
        weighted = False
        while True:
            weight = 1.0
            if self.peek("/") and not self.peek("//") and not self.peek("/*"):
                self.i += 1
                num = self.regex(_NUMBER)
                if num is None:
                    raise self.fail(f"expected a weight after '/', found {self.found()}")
                weight = float(num)
                self.expect("/", "after weight")
                weighted = True
            alts.append((weight, self.sequence()))
            if not self.take("|"):
                break
        if len(alts) == 1 and not weighted:
            return alts[0][1]
        return OneOf(tuple(alts))

    def sequence(self) -> Node:
        items: list[Node] = []
        while True:
            item = self.item()
            if item is None:
                break
            items.append(item)
        if not items:
            raise self.fail(f"expected a rule expansion, found {self.found()}")
        return seq(items)

    def item(self) -> Node | None:
        self.ws()
        if self.i >= len(self.s):
            return None
        c = self.s[self.i]
        line = self.line()
        node: Node
        if c == "(":
            self.i += 1
            node = self.alternatives()
            self.expect(")", "to close '('")
        elif c == "[":
            self.i += 1
            node = Repeat(self.alternatives(), 0, 1)
            self.expect("]", "to close '['")
        elif c == "{":
            return Tag(self.tag_body(), line)
        elif c == "$":
            self.i += 1
            if self.s.startswith("<", self.i):
                uri = self.angle("rule reference URI")
                if self.take("~"):
                    self.angle("media type")
                node = ref_of(uri, self.base, self.uri, line)
            else:
                name = self.regex(_NAME)
                if not name:
                    raise self.fail(f"expected a rule name after '$', found {self.found()}")
                node = RuleRef(special=name, line=line) if name in SPECIAL_RULES else RuleRef(name=name, line=line)
        elif c == '"':
            text = self.quoted('"') or ""
            node = Token(" ".join(text.split()))
        elif c in _TOKEN_STOP:
            return None
        else:
            j = self.i
            while j < len(self.s) and self.s[j] not in _TOKEN_STOP:
                if self.s.startswith("//", j) or self.s.startswith("/*", j):
                    break
                j += 1
            node = Token(self.s[self.i:j])
            self.i = j
        # postfix: language attachment and repeat operator
        if self.s.startswith("!", self.i):
            self.i += 1
            if not self.regex(_LANG):
                raise self.fail(f"expected a language tag after '!', found {self.found()}")
        self.ws()
        if self.s.startswith("<", self.i):
            node = self.repeat(node)
        return node

    def repeat(self, node: Node) -> Node:
        self.i += 1
        lo_text = self.regex(re.compile(r"\d+"))
        if lo_text is None:
            raise self.fail(f"expected a repeat count after '<', found {self.found()}")
        lo, hi = int(lo_text), int(lo_text)
        if self.take("-"):
            hi_text = self.regex(re.compile(r"\d+"))
            hi = int(hi_text) if hi_text is not None else None
            if hi is not None and hi < lo:
                raise self.fail(f"invalid repeat <{lo}-{hi}>: maximum is less than minimum")
        prob = None
        if self.take("/"):
            num = self.regex(_NUMBER)
            if num is None:
                raise self.fail(f"expected a repeat probability after '/', found {self.found()}")
            prob = float(num)
            if prob > 1.0:
                raise self.fail(f"invalid repeat probability {num}: expected a number from 0.0 to 1.0")
            self.expect("/", "after repeat probability")
        self.expect(">", "to close repeat")
        return Repeat(node, lo, hi, prob)

    def tag_body(self) -> str:
        """``{ ... }`` or ``{!{ ... }!}`` (SRGS §2.6); braces inside JS strings are allowed."""
        self.ws()
        start = self.i
        if self.s.startswith("{!{", self.i):
            j = self.s.find("}!}", self.i + 3)
            if j < 0:
                raise self.fail("unterminated tag: expected '}!}'", start)
            self.i = j + 3
            return self.s[start + 3:j]
        j = self.i + 1
        depth = 1
        quote = ""
        while j < len(self.s):
            ch = self.s[j]
            if quote:
                if ch == "\\":
                    j += 1
                elif ch == quote:
                    quote = ""
            elif ch in "\"'":
                quote = ch
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j >= len(self.s):
            raise self.fail("unterminated tag: expected '}'", start)
        self.i = j + 1
        return self.s[start + 1:j]


def parse_abnf(text: str | bytes, uri: str, *, line: int = 1, need_header: bool = True,
               max_bytes: int = MAX_DOCUMENT_BYTES) -> GrammarDoc:
    """Parse an SRGS ABNF grammar (SRGS 1.0 §4, Appendix D) of at most ``max_bytes``."""
    if len(text) > max_bytes:
        raise GrammarError(uri, None, f"grammar is {len(text)} bytes, over the limit of {max_bytes}")
    if isinstance(text, bytes):
        m = _BYTES_HEADER.match(text)
        encoding = m.group(1).decode("ascii") if m else "utf-8-sig"
        try:
            text = text.decode("utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding)
        except LookupError:
            raise GrammarError(uri, 1, f"unknown character encoding '{encoding}' in the ABNF header") from None
        except UnicodeDecodeError as exc:
            raise GrammarError(uri, None, f"grammar is not {encoding}: {exc.reason}") from None
    return _AbnfParser(text, uri, line).grammar(need_header)
