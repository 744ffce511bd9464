"""Catch selection and execution (VoiceXML 2.0 §5.2.2-5.2.5)."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from ..elements import run_content
from ..events import CATCH_SHORTHANDS, Thrown, default_handler, event_prefixes, matches
from ..outcomes import ExitCall, Outcome
from ..scripting import UNDEFINED, Scope

if TYPE_CHECKING:
    from ..interpreter import Interpreter
    from ..model import Node

CATCH_TAGS = frozenset({"catch", *CATCH_SHORTHANDS})


class EventCounters:
    """Counts of each event name and its prefixes (§5.2.2)."""

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def bump(self, name: str) -> None:
        for prefix in event_prefixes(name):
            self.counts[prefix] = self.counts.get(prefix, 0) + 1

    def get(self, name: str) -> int:
        return self.counts.get(name, 0)

    def reset(self) -> None:
        self.counts.clear()


def _catch_events(node: Node) -> list[str]:
    if node.tag == "catch":
        events = (node.get("event") or "").split()
        return events or [""]
    return [CATCH_SHORTHANDS[node.tag]]


def candidate_catches(ctx: Interpreter, node: Node | None) -> list[Node]:
    """Catches in scope, innermost element first, then the application root (§5.2.4)."""
    out: list[Node] = []
    n = node
    while n is not None:
        out.extend(c for c in n.children if not c.foreign and c.tag in CATCH_TAGS)
        n = n.parent
    if ctx.app_doc is not None and (ctx.doc is None or ctx.app_doc.root is not ctx.doc.root):
        out.extend(c for c in ctx.app_doc.root.children if not c.foreign and c.tag in CATCH_TAGS)
    return out


def select_catch(ctx: Interpreter, thrown: Thrown, node: Node | None, counters: EventCounters,
                 scope: Scope) -> Node | None:
    """The catch for ``thrown``: matching name and cond, then the highest count <= the
    event's count, first in scope order (§5.2.4)."""
    best: Node | None = None
    best_count = -1
    for catch in candidate_catches(ctx, node):
        matched = [e for e in _catch_events(catch) if matches(e, thrown.name)]
        if not matched:
            continue
        if catch.has("cond"):
            if not ctx.engine.eval_bool(scope, catch.get("cond") or "false"):
                continue
        try:
            count = int(catch.get("count") or "1")
        except ValueError:
            count = 1
        occurred = max(counters.get(e.rstrip(".")) if e not in ("", ".") else counters.get(thrown.name) for e in matched)
        if count > occurred:
            continue
        if count > best_count:
            best, best_count = catch, count
    return best


def handle_event(
    ctx: Interpreter, thrown: Thrown, node: Node | None, counters: EventCounters, scope: Scope
) -> Generator[Any, Any, Outcome | None]:
    """Run the catch for ``thrown`` (or the default handler); ``None`` means carry on."""
    from ..scripting import ScriptError

    counters.bump(thrown.name)
    ctx.trace(node, f"event {thrown.name}" + (f": {thrown.message}" if thrown.message else ""))
    try:
        catch = select_catch(ctx, thrown, node, counters, scope)
    except ScriptError as exc:
        return Thrown(exc.event, exc.message, node.where if node is not None else "")
    if catch is None:
        return default_action(ctx, thrown, scope)
    ctx.trace(catch, f"catch {thrown.name}")
    anon = ctx.new_anonymous(scope)
    ctx.engine.declare_value(anon, "_event", thrown.name)
    ctx.engine.declare_value(anon, "_message", thrown.message if thrown.message is not None else UNDEFINED)
    return (yield from run_content(catch.children, ctx, anon, text=catch.text))


class Uncaught(Thrown):
    """An event no catch handled whose default handler ends the session."""


def default_action(ctx: Interpreter, thrown: Thrown, scope: Scope) -> Outcome | None:
    """The platform's default handler (§5.2.5)."""
    handler = default_handler(thrown.name)
    if handler.prompt and handler.action == "reprompt":
        ctx.queue_text(handler.prompt, scope)
    if handler.action == "reprompt":
        ctx.reprompt = True
        return None
    if handler.action == "ignore":
        return None
    if thrown.name.startswith(("connection.disconnect", "telephone.disconnect", "exit")) and not thrown.name.startswith("error"):
        return ExitCall(None)
    return Uncaught(thrown.name, thrown.message, thrown.where)


MAX_EVENT_CHAIN = 64


def handle_chain(
    ctx: Interpreter, thrown: Thrown, node: Node | None, counters: EventCounters, scope: Scope
) -> Generator[Any, Any, tuple[Outcome | None, bool]]:
    """Handle ``thrown`` and any event its catch throws in turn (bounded).

    Returns the outcome and whether the FIA should skip queuing prompts on its next iteration
    (the catch ended without ``<reprompt>``, Appendix C).
    """
    for _ in range(MAX_EVENT_CHAIN):
        if isinstance(thrown, Uncaught):
            return thrown, False
        if thrown.name == "connection.disconnect.hangup":
            ctx.session.hangups += 1
            if ctx.session.hangups > 3:  # the document keeps waiting on a call that is gone
                return ExitCall(None), False
        ctx.reprompt = False
        outcome = yield from handle_event(ctx, thrown, node, counters, scope)
        if isinstance(outcome, Thrown) and not isinstance(outcome, Uncaught):
            thrown = outcome
            continue
        if outcome is None:
            skip = not ctx.reprompt
            return None, skip
        return outcome, False
    return Uncaught("error.semantic", f"event handlers kept throwing events: {thrown.name}", thrown.where), False


def transition_loop(ctx: Interpreter, node: Node) -> Uncaught | None:
    """Count one FIA iteration; the error that ends a document which never waits (a loop)."""
    if ctx.session.step():
        return None
    return Uncaught("error.semantic", f"no input was asked for in {ctx.session.max_steps} "
                    "steps of the FIA: a transition loop", node.where)


def disconnect(ctx: Interpreter, outcome: Any, node: Node) -> Generator[Any, Any, Any]:
    """``<disconnect>`` (§5.3.11): hang up, then connection.disconnect.hangup is thrown where
    the dialog is, so the document can still submit what it has. Other outcomes pass."""
    from ..actions import Disconnect
    from ..outcomes import DisconnectCall

    if not isinstance(outcome, DisconnectCall):
        return outcome
    yield Disconnect(ctx.session.queue.flush(), outcome.namelist)
    ctx.session.hung_up = True
    return Thrown("connection.disconnect.hangup", "the interpreter disconnected", node.where)
