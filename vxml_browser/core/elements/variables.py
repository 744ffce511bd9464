"""``<var>``, ``<assign>`` and ``<clear>`` (VoiceXML 2.0 §5.3.1-5.3.3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..events import Thrown
from ..scripting import Scope

if TYPE_CHECKING:
    from ..interpreter import Interpreter
    from ..model import Node


def run_var(node: Node, ctx: Interpreter, scope: Scope) -> Thrown | None:
    """Declare a variable in the scope of the element holding the ``<var>`` (§5.3.1)."""
    name = node.get("name") or ""
    if "." in name:
        return Thrown("error.semantic", f"<var> name '{name}' may not contain '.'", node.where)
    ctx.engine.declare(scope, name, node.get("expr"))
    return None


def run_assign(node: Node, ctx: Interpreter, scope: Scope) -> None:
    """Assign to a declared variable; undeclared is error.semantic (§5.3.2)."""
    ctx.engine.assign(scope, node.get("name") or "", node.get("expr") or "undefined")
    return None


def run_clear(node: Node, ctx: Interpreter, scope: Scope) -> None:
    """Reset variables to undefined; form items also get their counters reset (§5.3.3)."""
    namelist = (node.get("namelist") or "").split()
    form = ctx.form
    if not namelist:
        if form is not None:
            for name in form.item_names():
                form.reset_item(name)
        return None
    for name in namelist:
        if form is not None and form.has_item(name):
            form.reset_item(name)
        else:
            ctx.engine.clear(scope, name)
    return None
