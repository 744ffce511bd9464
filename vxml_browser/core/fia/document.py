"""Documents, applications and subdialogs (VoiceXML 2.0 §1.5.2, §2.3.4, Appendix C).

A session runs documents one after another. Entering a document sets up its application:
a leaf names its root document with ``application``; the application scope (and the root's
variables) survive transitions between documents of the same application and are renewed
when the application changes. Then the document's ``<var>``s and ``<script>``s run, and a
dialog is entered: the one a transition named, or the first.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag

from ..elements import run_content
from ..events import Thrown
from ..interpreter import resolve_reference
from ..outcomes import ExitCall, Goto, Outcome
from ..scripting import UNDEFINED, ScriptError
from .catch import EventCounters, Uncaught, handle_chain, transition_loop
from .collect import Matched

if TYPE_CHECKING:
    from ..interpreter import Interpreter
    from ..model import Document, Node


def initialize_variables(ctx: Interpreter, root: Node, scope: Any) -> Generator[Any, Any, Outcome | None]:
    """Run a document's ``<var>``s, ``<script>``s and ``<data>``s in document order (§5.1.2;
    VoiceXML 2.1 §5)."""
    counters = EventCounters()
    for child in root.children:
        if child.foreign or child.tag not in ("var", "script", "data"):
            continue
        outcome = yield from run_content([child], ctx, scope)
        if isinstance(outcome, Thrown):
            outcome, _ = yield from handle_chain(ctx, outcome, root, counters, scope)
        if outcome is not None:
            return outcome
    return None


def enter_document(ctx: Interpreter, doc: Document, submitted: bool = False) -> Generator[Any, Any, Outcome | None]:
    """Make ``doc`` current: its application root and scopes, then its variables (§1.5.2).

    The application scope survives a transition between documents of the same application,
    and a ``<goto>`` from a leaf to its root; a root that transitions to itself, and a
    ``<submit>`` from a leaf to its root, initialize the root again (IR assertions 72-76).
    """
    engine = ctx.engine
    app_uri = None
    if doc.application:
        app_uri = urldefrag(resolve_reference(doc.base, doc.application))[0]
    root_uri = app_uri or doc.uri
    previous = ctx.doc
    ctx.doc = doc
    leaf_to_root = (
        app_uri is None and previous is not None and previous.uri != doc.uri
        and previous.application is not None and not submitted
    )
    if ctx.app_uri == root_uri and (app_uri is not None or leaf_to_root):
        if app_uri is None:
            # A leaf went to its root with <goto>: the root's variables live on (§1.5.2).
            ctx.doc_scope = ctx.app_scope
            return None
        ctx.doc_scope = engine.new_scope("document", ctx.app_scope)
        return (yield from initialize_variables(ctx, doc.root, ctx.doc_scope))
    # A new application (or a root initialized again).
    ctx.app_scope = engine.new_scope("application", ctx.session.scope)
    engine.declare_value(ctx.app_scope, "lastresult$", UNDEFINED)  # §5.1.5: none yet
    ctx.app_uri = root_uri
    ctx.app_doc = None
    ctx.reset_properties()
    if app_uri is None:
        # The document is its own application root: its variables are both document and
        # application variables, so one scope object answers to both names (§5.1.2).
        ctx.app_doc = doc
        ctx.doc_scope = ctx.app_scope
        engine.declare_value(ctx.app_scope, "document", ctx.app_scope.obj)
        return (yield from initialize_variables(ctx, doc.root, ctx.app_scope))
    root = yield from ctx.load_document(app_uri, doc.root, None)
    ctx.doc_scope = engine.new_scope("document", ctx.app_scope)
    if isinstance(root, Thrown):
        return root
    ctx.app_doc = root
    ctx.doc = root
    outcome = yield from initialize_variables(ctx, root.root, ctx.app_scope)
    ctx.doc = doc
    if outcome is not None:
        return outcome
    return (yield from initialize_variables(ctx, doc.root, ctx.doc_scope))


def run_documents(
    ctx: Interpreter, doc: Document, dialog: str | None, *, params: dict[str, Any] | None = None
) -> Generator[Any, Any, Outcome]:
    """Run dialogs and follow transitions until the session (or subdialog) ends."""
    from .form import FormRunner
    from .menu import MenuRunner

    pending: Matched | None = None
    item: str | None = None
    enter = True
    submitted = False
    while True:
        if (looping := transition_loop(ctx, doc.root)) is not None:
            return looping  # documents that only lead to documents (an error handler's reload)
        if enter:
            outcome = yield from enter_document(ctx, doc, submitted)
            enter = False
            if outcome is not None:
                if isinstance(outcome, Thrown):
                    outcome, _ = yield from handle_chain(ctx, outcome, doc.root, EventCounters(), ctx.doc_scope)
                if outcome is not None:
                    goto = _as_goto(outcome)
                    if goto is None:
                        return outcome
                    doc, dialog, item, enter, pending = _follow(ctx, goto, doc)
                    submitted = getattr(goto, "submitted", False)
                    continue
        node = doc.dialogs.get(dialog) if dialog else (doc.dialog_order[0] if doc.dialog_order else None)
        if node is None:
            where = doc.root.where
            message = f"no dialog '{dialog}' in {doc.uri}" if dialog else f"{doc.uri} has no dialog"
            outcome, _ = yield from handle_chain(
                ctx, Thrown("error.badfetch", message, where), doc.root, EventCounters(), ctx.doc_scope
            )
            if outcome is None:
                return ExitCall(None)
        else:
            ctx.trace(node, f"enter <{node.tag}> {node.get('id') or ''}".rstrip())
            try:
                if node.tag == "menu":
                    outcome = yield from MenuRunner(ctx, node).run(item, pending)
                else:
                    outcome = yield from FormRunner(ctx, node, params).run(item, pending)
            except ScriptError as exc:  # a script failure outside any form item
                outcome = Uncaught(exc.event, exc.message, node.where)
            params = None
            if outcome is None:
                return ExitCall(None)  # the dialog ended without a transition (§2.1.6)
        goto = _as_goto(outcome)
        if goto is None:
            return outcome  # type: ignore[return-value]
        doc, dialog, item, enter, pending = _follow(ctx, goto, doc)
        submitted = getattr(goto, "submitted", False)


def _as_goto(outcome: Any) -> Any:
    from .items import DialogEntry

    if isinstance(outcome, Goto | DialogEntry):
        return outcome
    return None


def _follow(ctx: Interpreter, goto: Any, doc: Document) -> tuple[Document, str | None, str | None, bool, Matched | None]:
    from .items import DialogEntry

    pending = None
    if isinstance(goto, DialogEntry):
        pending = goto.matched
        goto = goto.goto
    if goto.document is None:
        return doc, goto.dialog, goto.item, False, pending
    return goto.document, goto.dialog, goto.item, True, pending


def run_subdialog_context(
    ctx: Interpreter, src: str, item: Node, scope: Any, *, params: dict[str, Any], method: str,
    submit: tuple[tuple[str, Any], ...], enctype: str,
) -> Generator[Any, Any, Outcome]:
    """Run a subdialog in a new execution context that shares the session (§2.3.4)."""
    from ..interpreter import Interpreter

    absolute = ctx.resolve_uri(src, item)
    doc_uri, fragment = urldefrag(absolute)
    if src.strip().startswith("#") and ctx.doc is not None:
        doc = ctx.doc
    else:
        loaded = yield from ctx.load_document(doc_uri, item, scope, method=method, params=submit, enctype=enctype)
        if isinstance(loaded, Thrown):
            return loaded
        doc = loaded
    if fragment and fragment not in doc.dialogs:
        return Thrown("error.badfetch", f"no dialog '{fragment}' in {doc.uri}", item.where)
    dialog = doc.dialogs[fragment] if fragment else (doc.dialog_order[0] if doc.dialog_order else None)
    if dialog is not None:
        declared = {v.get("name") for v in dialog.elements("var")}
        for name in params:
            if name not in declared:
                # §2.3.4: each <param> must match a <var> of the subdialog's form.
                return Thrown("error.semantic", f"<param> '{name}' has no <var> in the subdialog "
                              f"{doc.uri}#{dialog.get('id') or ''}", item.where)
    child = Interpreter(ctx.session, in_subdialog=True)
    ctx.trace(item, f"subdialog {doc.uri}#{fragment}")
    outcome = yield from run_documents(child, doc, fragment or None, params=params)
    return outcome


def run_session(ctx: Interpreter, uri: str) -> Generator[Any, Any, Outcome]:
    """Fetch the first document and run the session (Appendix C, the whole)."""
    doc_uri, fragment = urldefrag(uri)
    doc = yield from ctx.load_document(doc_uri, None, None)
    if isinstance(doc, Thrown):
        return Uncaught(doc.name, doc.message, doc.where)
    return (yield from run_documents(ctx, doc, fragment or None))
