"""``<script>`` (VoiceXML 2.0 §5.3.12) and ``<data>`` (VoiceXML 2.1 §5)."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from ..events import Thrown
from ..scripting import Scope

if TYPE_CHECKING:
    from ..interpreter import Interpreter
    from ..model import Node


def run_script(node: Node, ctx: Interpreter, scope: Scope) -> Generator[Any, Any, Thrown | None]:
    """Run inline code or code fetched from ``src``/``srcexpr`` in the element's scope."""
    src = node.get("src")
    if src is None and node.has("srcexpr"):
        src = ctx.engine.eval_str(scope, node.get("srcexpr") or "undefined")
    if src is not None:
        fetched = yield from ctx.fetch_resource(src, node, scope, kind="script")
        if isinstance(fetched, Thrown):
            return fetched
        code = ctx.decode(fetched.content, node.get("charset"))
    else:
        code = node.text_content()
    ctx.engine.execute(scope, code)
    return None


def run_data(node: Node, ctx: Interpreter, scope: Scope) -> Generator[Any, Any, Thrown | None]:
    """Fetch XML and expose it as a read-only DOM in the variable ``name`` (2.1 §5)."""
    from ..data import xml_to_dom

    src = node.get("src")
    if src is None:
        src = ctx.engine.eval_str(scope, node.get("srcexpr") or "undefined")
    names = (node.get("namelist") or "").split()
    params = []
    for name in names:
        params.extend(ctx.submit_values(name, ctx.engine.eval(scope, name)))
    method = (node.get("method") or "get").upper()
    fetched = yield from ctx.fetch_resource(
        src, node, scope, kind="data", method=method, params=tuple(params),
        enctype=node.get("enctype") or "application/x-www-form-urlencoded",
    )
    if isinstance(fetched, Thrown):
        return fetched
    dom = xml_to_dom(ctx.engine, fetched.content, fetched.uri, ctx.session.max_document_bytes)
    if isinstance(dom, Thrown):
        return dom
    name = node.get("name")
    if name:
        ctx.engine.declare_value(scope, name, dom)
    return None
