"""``<log>``, ``<prompt>`` and the prompt content that may stand alone in executable content:
``<audio>``, ``<value>``, ``<enumerate>`` (VoiceXML 2.0 §4.1, §5.3.13)."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from ..actions import Log
from ..scripting import Scope

if TYPE_CHECKING:
    from ..interpreter import Interpreter
    from ..model import Node


def run_log(node: Node, ctx: Interpreter, scope: Scope) -> Generator[Any, Any, None]:
    """Send a debug message to the platform log (§5.3.13); text and ``<value>``s, or ``expr``."""
    parts = [node.text]
    for child in node.children:
        if child.tag == "value" and not child.foreign:
            parts.append(ctx.engine.eval_str(scope, child.get("expr") or "undefined"))
        parts.append(child.tail)
    if node.has("expr"):
        parts.append(ctx.engine.eval_str(scope, node.get("expr") or "undefined"))
    label = node.get("label")
    if label is None and node.has("labelexpr"):
        label = ctx.engine.eval_str(scope, node.get("labelexpr") or "undefined")
    dest = node.get("dest")
    if dest is None and node.has("destexpr"):
        dest = ctx.engine.eval_str(scope, node.get("destexpr") or "undefined")
    text = " ".join("".join(parts).split())
    yield Log(text=text, label=label, dest=dest)
    return None


def run_prompt(node: Node, ctx: Interpreter, scope: Scope) -> None:
    """Queue a prompt whose cond holds (§4.1)."""
    if node.has("cond") and not ctx.engine.eval_bool(scope, node.get("cond") or "false"):
        return None
    ctx.queue_prompt_node(node, scope)
    return None


def run_audio(node: Node, ctx: Interpreter, scope: Scope) -> None:
    """An ``<audio>`` outside ``<prompt>`` is queued as a prompt of its own (§4.1.3)."""
    ctx.queue_ssml_node(node, scope)
    return None


def run_value(node: Node, ctx: Interpreter, scope: Scope) -> None:
    """A ``<value>`` outside ``<prompt>`` speaks its value (§4.1.4)."""
    ctx.queue_ssml_node(node, scope)
    return None


def run_enumerate(node: Node, ctx: Interpreter, scope: Scope) -> None:
    """An ``<enumerate>`` outside ``<prompt>`` lists the current choices or options (§2.2.4)."""
    ctx.queue_ssml_node(node, scope)
    return None
