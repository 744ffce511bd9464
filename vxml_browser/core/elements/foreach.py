"""``<foreach>`` (VoiceXML 2.1 §6): run content once per array element."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from ..events import Thrown
from ..scripting import JSObject, Scope

if TYPE_CHECKING:
    from ..interpreter import Interpreter
    from ..model import Node
    from ..outcomes import Outcome


def array_items(node: Node, ctx: Interpreter, scope: Scope) -> list[Any] | Thrown:
    """The elements of the ``array`` expression, or error.semantic if it is not an array."""
    array = ctx.engine.eval(scope, node.get("array") or "undefined")
    if not isinstance(array, JSObject) or not ctx.engine._is_array(array):
        return Thrown("error.semantic", f"<foreach> array '{node.get('array')}' is not an array", node.where)
    length = int(ctx.engine.ctx.get("__len")(array))
    at = ctx.engine.ctx.get("__at")
    return [at(array, i) for i in range(length)]


def run_foreach(node: Node, ctx: Interpreter, scope: Scope) -> Generator[Any, Any, Outcome | None]:
    """Bind ``item`` to each element in turn and run the children (2.1 §6)."""
    from . import run_content

    items = array_items(node, ctx, scope)
    if isinstance(items, Thrown):
        return items
    name = node.get("item") or ""
    if not ctx.engine.is_declared(scope, name):
        ctx.engine.declare_value(scope, name, None)
    for value in items:
        ctx.engine.assign_value(scope, name, value)
        result = yield from run_content(node.children, ctx, scope, text=node.text)
        if result is not None:
            return result
    return None
