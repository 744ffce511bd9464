"""SSML 1.0 as the prompt queue builds it, made ready for espeak-ng (SSML 1.0 §3; VoiceXML 2.0 §4.1).

espeak-ng's ``-m`` mode reads ``speak``, ``voice``, ``prosody``, ``break``, ``emphasis``, ``p``,
``s`` and ``say-as interpret-as="characters"``, but not ``sub``, most ``say-as`` types or
``<audio>`` (it cannot play files). ``split`` therefore rewrites a ``<speak>`` document into a list
of segments: SSML documents espeak-ng can read, with ``sub`` and ``say-as`` already expanded to
words, and ``Audio`` for each ``<audio>`` whose source could be loaded (its fallback content is
spoken otherwise, §4.1.3). Wrapping ``voice``/``prosody``/``emphasis`` elements are closed
before an audio clip and reopened after it, so the speech either side keeps its style.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from ..speech import Audio

SSML_NS = "http://www.w3.org/2001/10/synthesis"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

AudioLoader = Callable[[str], "Audio | None"]

# Elements passed to espeak-ng with the attributes it understands.
_PASS = {
    "voice": ("gender", "age", "variant", "name"),
    "prosody": ("rate", "pitch", "volume", "range", "duration"),
    "emphasis": ("level",),
    "p": (),
    "s": (),
    "paragraph": (),
    "sentence": (),
}
_DROP = {"desc", "lexicon", "meta", "metadata", "mark"}


@dataclass(frozen=True, slots=True)
class Speech:
    """One stretch of speech: an SSML document for espeak-ng and its language."""

    ssml: str
    lang: str

    @property
    def empty(self) -> bool:
        return not re.sub(r"<[^>]*>", "", self.ssml).strip() and "<break" not in self.ssml


Segment = Speech | Audio


def split(ssml: str, *, lang: str, load_audio: AudioLoader, voice_for: Callable[[str], str]) -> list[Segment]:
    """The segments of ``ssml`` in order (see the module docstring).

    ``voice_for`` maps an ``xml:lang`` to an espeak-ng voice name (a ``voice`` element with
    ``xml:lang`` becomes ``<voice name="...">``). Plain text that is not XML is spoken as is.
    """
    try:
        root = etree.fromstring(ssml.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return [Speech(f"<speak>{escape(ssml)}</speak>", lang)]
    writer = _Writer(root.get(XML_LANG) or lang, load_audio, voice_for)
    writer.element(root, top=True)
    writer.flush()
    return [s for s in writer.segments if not (isinstance(s, Speech) and s.empty)]


class _Writer:
    def __init__(self, lang: str, load_audio: AudioLoader, voice_for: Callable[[str], str]) -> None:
        self.lang = lang
        self.load_audio = load_audio
        self.voice_for = voice_for
        self.open: list[tuple[str, str]] = []  # (open tag, close tag) of wrappers in force
        self.buf: list[str] = []
        self.segments: list[Segment] = []

    def flush(self) -> None:
        if self.buf:
            closes = "".join(close for _, close in reversed(self.open))
            body = "".join(self.buf) + closes
            self.segments.append(Speech(f"<speak>{body}</speak>", self.lang))
        self.buf = [tag for tag, _ in self.open]

    def text(self, s: str | None) -> None:
        if s:
            self.buf.append(escape(s))

    def children(self, node: etree._Element) -> None:
        self.text(node.text)
        for child in node:
            if isinstance(child.tag, str):
                self.element(child)
            self.text(child.tail)

    def element(self, node: etree._Element, top: bool = False) -> None:
        tag = etree.QName(node).localname
        if top or tag == "speak":
            self.children(node)
        elif tag in _DROP:
            return
        elif tag == "break":
            attrs = "".join(f" {a}={quoteattr(node.get(a))}" for a in ("time", "strength") if node.get(a))
            self.buf.append(f"<break{attrs}/>")
        elif tag == "sub":
            self.text(node.get("alias") or "".join(node.itertext()))
        elif tag == "say-as":
            interpret = (node.get("interpret-as") or "").lower()
            content = "".join(node.itertext())
            if interpret in ("characters", "letters", "spell-out", "tts:char"):
                self.buf.append(f'<say-as interpret-as="characters">{escape(content)}</say-as>')
            else:
                self.text(say_as(content, interpret, node.get("format") or node.get("detail") or ""))
        elif tag == "audio":
            audio = self.load_audio(node.get("src") or "")
            if audio is None or not audio.pcm:
                self.children(node)  # §4.1.3: the fallback content
            else:
                self.flush()
                self.segments.append(audio)
        elif tag in _PASS:
            attrs = "".join(f" {a}={quoteattr(node.get(a))}" for a in _PASS[tag] if node.get(a))
            lang = node.get(XML_LANG)
            if tag == "voice" and lang:
                attrs += f" name={quoteattr(self.voice_for(lang))}"
            open_, close = f"<{tag}{attrs}>", f"</{tag}>"
            self.buf.append(open_)
            self.open.append((open_, close))
            self.children(node)
            self.open.pop()
            self.buf.append(close)
        else:
            self.children(node)  # unknown markup: speak its text


# --- say-as (SSML 1.0 §3.1.8; the W3C say-as note's common types) -----------------------
_DIGIT_WORDS = "zero one two three four five six seven eight nine".split()
_MONTHS = ("January February March April May June July August September October November "
           "December").split()
_CURRENCY = {"$": "dollars", "USD": "dollars", "€": "euros", "EUR": "euros", "£": "pounds",
             "GBP": "pounds", "¥": "yen", "JPY": "yen", "CNY": "yuan", "RMB": "yuan", "KRW": "won", "₩": "won"}
_CENTS = {"dollars": "cents", "euros": "cents", "pounds": "pence"}


def _digits(s: str) -> str:
    return " ".join(_DIGIT_WORDS[int(c)] if c.isdigit() else c for c in s if not c.isspace())


def ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }".replace(" ", "")


def say_as(content: str, interpret: str, fmt: str = "") -> str:
    """Words for ``content`` read as ``interpret`` (digits, telephone, date, currency, ...)."""
    s = content.strip()
    if interpret in ("digits", "number:digits", "vxml:digits"):
        return _digits(re.sub(r"\D", "", s) or s)
    if interpret in ("telephone", "phone", "vxml:phone"):
        groups = [g for g in re.split(r"[^0-9A-Za-z+]+", s) if g]
        if len(groups) == 1 and len(groups[0]) == 10 and groups[0].isdigit():
            g = groups[0]
            groups = [g[:3], g[3:6], g[6:]]
        return ", ".join(_digits(g.replace("+", "plus ")) if g.isdigit() else g for g in groups)
    if interpret in ("ordinal", "number:ordinal"):
        return ordinal(int(re.sub(r"\D", "", s) or 0))
    if interpret in ("cardinal", "number", "number:cardinal", "vxml:number"):
        return s.replace(",", "")
    if interpret in ("currency", "vxml:currency"):
        return _currency(s)
    if interpret in ("date", "vxml:date"):
        return _date(s, fmt)
    if interpret in ("time", "vxml:time"):
        m = re.fullmatch(r"(\d{1,2}):?(\d{2})(?::\d{2})?\s*([aApP][mM])?", s)
        if m:
            h, mi = int(m.group(1)), int(m.group(2))
            suffix = f" {m.group(3).upper()}" if m.group(3) else ""
            return f"{h} {'o clock' if mi == 0 else ('oh ' + str(mi) if mi < 10 else mi)}{suffix}"
    return s


def _currency(s: str) -> str:
    m = re.fullmatch(r"([A-Z]{3}|[$€£¥₩])?\s*(-?)([\d,]*)(?:\.(\d{1,2}))?\s*([A-Z]{3}|[$€£¥₩])?", s)
    if not m or not (m.group(3) or m.group(4)):
        return s
    unit = _CURRENCY.get(m.group(1) or m.group(5) or "USD", m.group(1) or m.group(5) or "")
    whole = int((m.group(3) or "0").replace(",", "") or 0)
    cents = int((m.group(4) or "0").ljust(2, "0"))
    words = f"{'minus ' if m.group(2) else ''}{whole} {unit}"
    if whole == 1 and unit.endswith("s"):
        words = words[:-1]
    if cents:
        sub = _CENTS.get(unit, "cents")
        words += f" and {cents} {sub[:-1] if cents == 1 and sub == 'cents' else sub}"
    return words


def _date(s: str, fmt: str) -> str:
    parts = [p for p in re.split(r"[-/.\s]+", s) if p]
    fmt = (fmt or ("ymd" if len(parts) == 3 and len(parts[0]) == 4 else "mdy")).lower()
    if len(parts) != len(fmt) or not all(p.isdigit() for p in parts):
        return s
    values = dict(zip(fmt, (int(p) for p in parts), strict=True))
    words = []
    if "m" in values and 1 <= values["m"] <= 12:
        words.append(_MONTHS[values["m"] - 1])
    if "d" in values:
        words.append(ordinal(values["d"]))
    if "y" in values:
        words.append(str(values["y"]))
    return " ".join(words)
