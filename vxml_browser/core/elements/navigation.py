"""``<goto>``, ``<submit>``, ``<return>``, ``<exit>`` and ``<disconnect>``
(VoiceXML 2.0 §5.3.7-5.3.11): each returns an outcome for the FIA."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from ..events import Thrown
from ..outcomes import DisconnectCall, ExitCall, NextItem, Outcome, Return
from ..scripting import UNDEFINED, Scope

if TYPE_CHECKING:
    from ..interpreter import Interpreter
    from ..model import Node


# Each static attribute and its ECMAScript twin.
EXPR_TWINS = {"next": "expr", "nextitem": "expritem", "event": "eventexpr", "message": "messageexpr"}


def _target(node: Node, ctx: Interpreter, scope: Scope, attr: str) -> str | None:
    """The value of ``attr`` or of its expression twin (``next``/``expr``, ``nextitem``/``expritem``)."""
    if node.has(attr):
        return node.get(attr)
    expr_attr = EXPR_TWINS[attr]
    if node.has(expr_attr):
        return ctx.engine.eval_str(scope, node.get(expr_attr) or "undefined")
    return None


def run_goto(node: Node, ctx: Interpreter, scope: Scope) -> Generator[Any, Any, Outcome]:
    """Transition to a form item, a dialog or a document (§5.3.7)."""
    item = _target(node, ctx, scope, "nextitem")
    if item is not None:
        form = ctx.form
        if form is None or not form.has_item(item):
            return Thrown("error.badfetch", f"<goto> to unknown form item '{item}'", node.where)
        return NextItem(item)
    uri = _target(node, ctx, scope, "next")
    if uri is None:
        return Thrown("error.badfetch", "<goto> without a target", node.where)
    return (yield from ctx.transition(uri, node, scope))


def run_submit(node: Node, ctx: Interpreter, scope: Scope) -> Generator[Any, Any, Outcome]:
    """Submit variables to a server and go to the document it returns (§5.3.8)."""
    uri = _target(node, ctx, scope, "next")
    if uri is None:
        return Thrown("error.badfetch", "<submit> without a target", node.where)
    names = (node.get("namelist") or "").split()
    if not node.has("namelist") and ctx.form is not None:
        names = ctx.form.input_item_names()
    params: list[tuple[str, Any]] = []
    for name in names:
        value = ctx.engine.eval(scope, name)
        params.extend(ctx.submit_values(name, value))
    method = (node.get("method") or "get").upper()
    if method not in ("GET", "POST"):
        return Thrown("error.badfetch", f"<submit> method '{method.lower()}' is not get or post", node.where)
    enctype = node.get("enctype") or "application/x-www-form-urlencoded"
    return (yield from ctx.transition(uri, node, scope, method=method, params=tuple(params), enctype=enctype,
                                         submit=True))


def namelist_values(node: Node, ctx: Interpreter, scope: Scope) -> dict[str, Any]:
    """Evaluate a namelist into {name: value} (values stay ECMAScript values)."""
    out: dict[str, Any] = {}
    for name in (node.get("namelist") or "").split():
        out[name] = ctx.engine.eval(scope, name)
    return out


def run_return(node: Node, ctx: Interpreter, scope: Scope) -> Return | Thrown:
    """Return from a subdialog with a namelist or an event (§5.3.10)."""
    if not ctx.in_subdialog:
        return Thrown("error.semantic", "<return> outside a subdialog", node.where)
    name = _target(node, ctx, scope, "event")
    if name is not None:
        message = node.get("message")
        if message is None and node.has("messageexpr"):
            message = ctx.engine.eval_str(scope, node.get("messageexpr") or "undefined")
        return Return(event=Thrown(name, message, node.where))
    return Return(values=namelist_values(node, ctx, scope))


def run_exit(node: Node, ctx: Interpreter, scope: Scope) -> ExitCall:
    """End the session, returning ``expr`` or the namelist to the platform (§5.3.9)."""
    if node.has("expr"):
        value = ctx.engine.eval_py(scope, node.get("expr") or "undefined")
        return ExitCall(None if value is UNDEFINED else value)
    if node.has("namelist"):
        values = {n: ctx.engine.eval_py(scope, n) for n in (node.get("namelist") or "").split()}
        return ExitCall({k: (None if v is UNDEFINED else v) for k, v in values.items()})
    return ExitCall(None)


def run_disconnect(node: Node, ctx: Interpreter, scope: Scope) -> DisconnectCall:
    """Hang up the call (§5.3.11); the namelist (2.1) goes to the platform."""
    if node.has("namelist"):
        values = {n: ctx.engine.eval_py(scope, n) for n in (node.get("namelist") or "").split()}
        return DisconnectCall(values)
    return DisconnectCall(None)
