"""``<if>``/``<elseif>``/``<else>``, ``<throw>`` and ``<reprompt>`` (VoiceXML 2.0 §5.3.4-5.3.6)."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from ..events import Thrown
from ..scripting import Scope

if TYPE_CHECKING:
    from ..interpreter import Interpreter
    from ..model import Node
    from ..outcomes import Outcome


def run_if(node: Node, ctx: Interpreter, scope: Scope) -> Generator[Any, Any, Outcome | None]:
    """Run the first branch whose cond holds; ``<elseif>``/``<else>`` split the children."""
    from . import run_content

    taken = ctx.engine.eval_bool(scope, node.get("cond") or "false")
    branch: list[Node] = []
    text_first = node.text if taken else ""
    for child in node.children:
        if not child.foreign and child.tag in ("elseif", "else"):
            if taken:
                break
            taken = child.tag == "else" or ctx.engine.eval_bool(scope, child.get("cond") or "false")
            text_first = child.tail if taken else ""
            continue
        if taken:
            branch.append(child)
    if not taken:
        return None
    return (yield from run_content(branch, ctx, scope, text=text_first))


def run_throw(node: Node, ctx: Interpreter, scope: Scope) -> Thrown:
    """Throw an event by name or expression, with an optional message (§5.2.1)."""
    name = node.get("event")
    if name is None:
        name = ctx.engine.to_string(ctx.engine.eval(scope, node.get("eventexpr") or "undefined"))
    message = node.get("message")
    if message is None and node.has("messageexpr"):
        value = ctx.engine.eval(scope, node.get("messageexpr") or "undefined")
        message = ctx.engine.to_string(value) if isinstance(value, str) else value
    return Thrown(name, message, node.where)


def run_reprompt(node: Node, ctx: Interpreter, scope: Scope) -> None:
    """Ask the FIA to queue the item's prompts on its next iteration (§5.3.6)."""
    ctx.reprompt = True
    return None
