"""The prompt queue (VoiceXML 2.0 §4.1.8) and the rendering of prompt content to SSML.

Prompts are queued as executable content runs and played at the next wait point (a collect,
record or transfer) or when the interpreter must flush them (exit, disconnect, a fetch with
fetchaudio). Rendering evaluates ``<value>``, ``<audio expr>``, ``<enumerate>`` and
``<foreach>`` in the current scope and produces SSML for a synthesizer, plain text for a
console, and the ordered parts (text and ``AudioRef``) for a player.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .actions import AudioRef, Prompt
from .scripting import UNDEFINED, JSObject, Scope

if TYPE_CHECKING:
    from .interpreter import Interpreter
    from .model import Node

# SSML elements copied through with these attributes (SSML 1.0 §3).
SSML_ELEMENTS: dict[str, tuple[str, ...]] = {
    "break": ("time", "strength", "size"),
    "emphasis": ("level",),
    "p": ("xml:lang",),
    "paragraph": ("xml:lang",),
    "s": ("xml:lang",),
    "sentence": ("xml:lang",),
    "phoneme": ("ph", "alphabet"),
    "prosody": ("pitch", "contour", "range", "rate", "duration", "volume"),
    "say-as": ("interpret-as", "format", "detail", "type"),
    "sub": ("alias",),
    "voice": ("xml:lang", "gender", "age", "variant", "name"),
    "mark": ("name", "nameexpr"),
    "lexicon": ("uri", "type"),
    "desc": (),
}


def escape(text: str) -> str:
    """XML character data (xml.sax.saxutils would pull urllib and sockets into the core)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    """A double-quoted XML attribute value."""
    return '"' + escape(text).replace('"', "&quot;") + '"'


@dataclass(slots=True)
class _Render:
    """Accumulates one prompt's SSML, plain text and parts."""

    ssml: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    parts: list[str | AudioRef] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)

    def add_text(self, raw: str) -> None:
        if not raw:
            return
        self.ssml.append(escape(raw))
        self.text.append(raw)
        self.parts.append(raw)


@dataclass(slots=True)
class PromptQueue:
    """Prompts waiting to be played (§4.1.8)."""

    prompts: list[Prompt] = field(default_factory=list)

    def add(self, prompt: Prompt) -> None:
        self.prompts.append(prompt)

    def flush(self) -> tuple[Prompt, ...]:
        out = tuple(self.prompts)
        self.prompts.clear()
        return out

    def __bool__(self) -> bool:
        return bool(self.prompts)


def normalize(text: str) -> str:
    return " ".join(text.split())


class PromptRenderer:
    """Renders prompt content in a scope; ``choices`` gives ``<enumerate>`` its items."""

    def __init__(self, ctx: Interpreter, scope: Scope,
                 choices: Callable[[], list[tuple[str, str | None, Node | None]]] | None = None) -> None:
        self.ctx = ctx
        self.scope = scope
        self.choices = choices

    def prompt(self, node: Node, *, bargein: bool, bargeintype: str, lang: str) -> Prompt:
        """A ``<prompt>`` element as a queued ``Prompt``."""
        r = _Render()
        self.content(node, r)
        if node.has("bargein"):
            bargein = (node.get("bargein") or "true") == "true"
        bargeintype = node.get("bargeintype") or bargeintype
        timeout = None
        if node.has("timeout"):
            from .properties import parse_time

            try:
                timeout = parse_time(node.get("timeout"))
            except ValueError:
                timeout = None
        lang = node.get("xml:lang") or lang
        return self._finish(r, bargein, bargeintype, timeout, lang)

    def fragment(self, nodes: list[Node] | None, text: str | None, *, bargein: bool,
                 bargeintype: str, lang: str) -> Prompt | None:
        """Bare text or SSML/audio/value elements outside a ``<prompt>``, as one prompt."""
        r = _Render()
        if text:
            r.add_text(text)
        for node in nodes or ():
            self.element(node, r)
        if not r.parts and not r.marks:
            return None
        return self._finish(r, bargein, bargeintype, None, lang)

    def _finish(self, r: _Render, bargein: bool, bargeintype: str, timeout: float | None,
                lang: str) -> Prompt:
        body = "".join(r.ssml)
        ssml = (
            f'<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" '
            f"xml:lang={quoteattr(lang)}>{body}</speak>"
        )
        return Prompt(
            ssml=ssml,
            text=normalize("".join(r.text)),
            parts=tuple(_merge_text(r.parts)),
            bargein=bargein,
            bargeintype="hotword" if bargeintype == "hotword" else "speech",
            timeout_s=timeout,
            lang=lang,
            marks=tuple(r.marks),
        )

    # --- content ---------------------------------------------------------------------
    def content(self, node: Node, r: _Render) -> None:
        r.add_text(node.text)
        for child in node.children:
            self.element(child, r)
            r.add_text(child.tail)

    def element(self, node: Node, r: _Render) -> None:
        if node.foreign:
            self.content(node, r)  # foreign markup: speak its text
            return
        tag = node.tag
        engine = self.ctx.engine
        if tag == "value":
            # ToString in Python: QuickJS's dtoa is not always the shortest round trip.
            r.add_text(engine.to_string(engine.eval(self.scope, node.get("expr") or "undefined")))
        elif tag == "audio":
            self.audio(node, r)
        elif tag == "enumerate":
            self.enumerate(node, r)
        elif tag == "foreach":
            self.foreach(node, r)
        elif tag == "mark":
            name = node.get("name")
            if name is None and node.has("nameexpr"):
                name = engine.eval_str(self.scope, node.get("nameexpr") or "undefined")
            r.marks.append(name or "")
            r.ssml.append(f"<mark name={quoteattr(name or '')}/>")
        elif tag == "sub":
            alias = node.get("alias") or ""
            r.ssml.append(f"<sub alias={quoteattr(alias)}>{escape(node.text_content())}</sub>")
            r.text.append(alias)
            r.parts.append(alias)
        elif tag in ("desc", "lexicon", "metadata", "meta"):
            return
        elif tag in SSML_ELEMENTS:
            attrs = "".join(
                f" {a}={quoteattr(node.get(a) or '')}" for a in SSML_ELEMENTS[tag] if node.has(a)
            )
            if not node.children and not node.text:
                r.ssml.append(f"<{tag}{attrs}/>")
                if tag == "break":  # a pause separates the words around it
                    r.text.append(" ")
                    r.parts.append(" ")
                return
            r.ssml.append(f"<{tag}{attrs}>")
            self.content(node, r)
            r.ssml.append(f"</{tag}>")
        else:
            self.content(node, r)

    def audio(self, node: Node, r: _Render) -> None:
        """``<audio src|expr>`` with fallback content (§4.1.3)."""
        engine = self.ctx.engine
        src = node.get("src")
        if src is None and node.has("expr"):
            value = engine.eval(self.scope, node.get("expr") or "undefined")
            if value is UNDEFINED or value is None:
                # §4.1.3: an expr that is null/undefined plays nothing and its fallback is ignored.
                return
            if isinstance(value, JSObject):
                rec = self.ctx.recording_uri(value)
                src = rec if rec else engine.to_string(value)
            else:
                src = engine.to_string(value)
        fallback = _Render()
        self.content(node, fallback)
        fallback_text = normalize("".join(fallback.text))
        if src:
            uri = self.ctx.resolve_uri(src, node)
            r.ssml.append(f"<audio src={quoteattr(uri)}>{''.join(fallback.ssml)}</audio>")
            r.parts.append(AudioRef(uri, fallback_text))
        else:
            r.ssml.extend(fallback.ssml)
            r.text.extend(fallback.text)
            r.parts.extend(fallback.parts)

    def enumerate(self, node: Node, r: _Render) -> None:
        """``<enumerate>``: each choice or option, through the element's content if any (§2.2.4)."""
        items = self.choices() if self.choices else []
        engine = self.ctx.engine
        has_content = bool(node.children) or bool(node.text.strip())
        for i, (prompt_text, dtmf, _choice) in enumerate(items):
            if not has_content:
                if i:
                    r.add_text(", ")
                r.add_text(prompt_text)
                continue
            scope = engine.new_scope("anonymous", self.scope, self_named=False)
            engine.declare_value(scope, "_prompt", prompt_text)
            engine.declare_value(scope, "_dtmf", dtmf if dtmf is not None else UNDEFINED)
            inner = PromptRenderer(self.ctx, scope, self.choices)
            inner.content(node, r)
            r.add_text(" ")

    def foreach(self, node: Node, r: _Render) -> None:
        """``<foreach>`` inside a prompt (2.1 §6): the content once per array element."""
        from .elements.foreach import array_items
        from .events import Thrown

        items = array_items(node, self.ctx, self.scope)
        if isinstance(items, Thrown):
            from .scripting import ScriptError

            raise ScriptError(items.message or "bad <foreach>", items.name)
        engine = self.ctx.engine
        name = node.get("item") or ""
        scope = engine.new_scope("anonymous", self.scope, self_named=False)
        engine.declare_value(scope, name, None)
        inner = PromptRenderer(self.ctx, scope, self.choices)
        for value in items:
            engine.declare_value(scope, name, value)
            inner.content(node, r)


def _merge_text(parts: list[Any]) -> list[Any]:
    """Adjacent text pieces joined as written, then whitespace-normalized; audio kept apart."""
    out: list[Any] = []
    for part in parts:
        if isinstance(part, str) and out and isinstance(out[-1], str):
            out[-1] = out[-1] + part
        else:
            out.append(part)
    return [normalize(p) if isinstance(p, str) else p for p in out if not (isinstance(p, str) and not p.strip())]
