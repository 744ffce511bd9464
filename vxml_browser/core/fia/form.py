"""The FIA main loop for a ``<form>`` (VoiceXML 2.0 Appendix C).

Initialization: declare form item variables and ``<var>``s, run ``<script>``s, reset counters.
Then loop: select the first form item whose guard holds (or the ``<goto nextitem>`` target);
collect (queue the item's prompts unless the last iteration ended in a catch without
``<reprompt>``, and execute the item); process the input (fill variables, run ``<filled>``);
events go to ``catch.handle_event``.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..elements import run_content
from ..events import Thrown
from ..outcomes import NextItem, Outcome
from ..scripting import UNDEFINED, Scope, ScriptError
from .catch import EventCounters, disconnect, handle_chain, transition_loop

if TYPE_CHECKING:
    from ..interpreter import Interpreter
    from ..model import Node
    from .collect import Matched

FORM_ITEMS = frozenset({"block", "field", "initial", "subdialog", "object", "record", "transfer"})
INPUT_ITEMS = frozenset({"field", "subdialog", "object", "record", "transfer"})


@dataclass(eq=False)
class FormState:
    """The state of the form being interpreted (one per visit of the form)."""

    node: Node
    scope: Scope
    ctx: Interpreter
    items: list[Node] = field(default_factory=list)
    names: dict[str, Node] = field(default_factory=dict)
    var_names: dict[int, str] = field(default_factory=dict)
    prompt_counts: dict[str, int] = field(default_factory=dict)
    item_counters: dict[str, EventCounters] = field(default_factory=dict)
    counters: EventCounters = field(default_factory=EventCounters)
    current: Node | None = None
    filled_order: list[tuple[Node, Node]] = field(default_factory=list)

    def var(self, item: Node) -> str:
        return self.var_names[id(item)]

    def item_names(self) -> list[str]:
        return [self.var(i) for i in self.items]

    def input_item_names(self) -> list[str]:
        return [self.var(i) for i in self.items if i.tag in INPUT_ITEMS and i.has("name")]

    def has_item(self, name: str) -> bool:
        return name in self.names

    def reset_item(self, name: str) -> None:
        """``<clear>`` of a form item: undefined, and its prompt and event counters reset (§5.3.3)."""
        self.ctx.engine.declare_value(self.scope, name, UNDEFINED)
        self.prompt_counts[name] = 0
        self.item_counters[name] = EventCounters()

    def is_filled(self, name: str) -> bool:
        return not self.ctx.engine.is_undefined(self.scope, name)

    def counters_for(self, node: Node | None) -> EventCounters:
        n = node
        while n is not None and n is not self.node:
            if id(n) in self.var_names:
                return self.item_counters[self.var(n)]
            n = n.parent
        return self.counters

    def enumeration(self) -> list[tuple[str, str | None, Node | None]]:
        """The options of the current field, for ``<enumerate>`` (§2.2.4)."""
        item = self.current
        if item is None:
            return []
        from .items import option_choices

        return [(text, dtmf, node) for node, text, dtmf, _ in option_choices(item)]


def new_form_state(ctx: Interpreter, node: Node, scope: Scope) -> FormState:
    state = FormState(node=node, scope=scope, ctx=ctx)
    for index, child in enumerate(node.children):
        if child.foreign:
            continue
        if child.tag in FORM_ITEMS:
            name = child.get("name") or f"_{child.tag}{index}"
            state.items.append(child)
            state.names[name] = child
            state.var_names[id(child)] = name
            state.prompt_counts[name] = 0
            state.item_counters[name] = EventCounters()
            if child.tag in INPUT_ITEMS:
                state.filled_order.extend((f, child) for f in child.elements("filled"))
        elif child.tag == "filled":
            state.filled_order.append((child, node))
    return state


class FormRunner:
    """Runs one ``<form>`` (Appendix C)."""

    def __init__(self, ctx: Interpreter, node: Node, params: dict[str, Any] | None = None) -> None:
        self.ctx = ctx
        self.node = node
        self.params = params or {}
        scope = ctx.engine.new_scope("dialog", ctx.doc_scope)
        self.state = new_form_state(ctx, node, scope)
        self.skip_prompts = False

    # --- events --------------------------------------------------------------------------
    def event(self, thrown: Thrown, node: Node | None) -> Generator[Any, Any, Outcome | None]:
        """Handle an event thrown at ``node`` with the item's or the form's counters."""
        outcome, skip = yield from handle_chain(
            self.ctx, thrown, node, self.state.counters_for(node), self.state.scope
        )
        if outcome is None:
            self.skip_prompts = skip
            self.ctx.reprompt = False
        return outcome

    # --- initialization ----------------------------------------------------------------
    def initialize(self) -> Generator[Any, Any, Outcome | None]:
        """Declare variables and run scripts in document order (Appendix C, initialization)."""
        ctx, state = self.ctx, self.state
        engine = ctx.engine
        for child in self.node.children:
            if child.foreign:
                continue
            outcome: Any = None
            try:
                if child.tag == "var":
                    name = child.get("name") or ""
                    if name in self.params:
                        engine.declare_value(state.scope, name, self.params[name])
                    else:
                        outcome = yield from run_content([child], ctx, state.scope)
                elif child.tag in ("script", "data"):
                    outcome = yield from run_content([child], ctx, state.scope)
                elif child.tag in FORM_ITEMS:
                    name = state.var(child)
                    expr = child.get("expr")
                    engine.declare(state.scope, name, expr)
                    if child.tag in INPUT_ITEMS or child.tag == "initial":
                        pass
            except ScriptError as exc:
                outcome = Thrown(exc.event, exc.message, child.where)
            if isinstance(outcome, Thrown):
                outcome = yield from self.event(outcome, self.node)
            if outcome is not None:
                return outcome
        return None

    # --- the main loop -----------------------------------------------------------------
    def select(self) -> Node | None:
        """The first form item whose guard condition holds (Appendix C, select)."""
        engine = self.ctx.engine
        for item in self.state.items:
            if not engine.is_undefined(self.state.scope, self.state.var(item)):
                continue
            if item.has("cond") and not engine.eval_bool(self.state.scope, item.get("cond") or "false"):
                continue
            return item
        return None

    def run(self, item: str | None = None, pending: Matched | None = None) -> Generator[Any, Any, Outcome | None]:
        from . import items

        ctx, state = self.ctx, self.state
        ctx.form = state
        outcome = yield from self.initialize()
        if outcome is not None:
            return outcome
        next_item = item
        if next_item is not None and next_item not in state.names:
            return Thrown("error.badfetch", f"no form item '{next_item}' in this form", self.node.where)
        while True:
            ctx.form = state
            ctx.enumeration = state.enumeration
            if (looping := transition_loop(ctx, self.node)) is not None:
                return looping
            if pending is not None:
                outcome = yield from items.process_input(self, None, pending)
                pending = None
            else:
                try:
                    selected = state.names[next_item] if next_item else self.select()
                except ScriptError as exc:
                    outcome = yield from self.event(Thrown(exc.event, exc.message, self.node.where), self.node)
                    if outcome is not None:
                        return outcome
                    continue
                next_item = None
                if selected is None:
                    return None  # no form item left: the form, and the document, are done
                state.current = selected
                ctx.trace(selected, f"select <{selected.tag}> {state.var(selected)}")
                try:
                    if not self.skip_prompts or ctx.reprompt:
                        items.queue_item_prompts(self, selected)
                    self.skip_prompts = False
                    ctx.reprompt = False
                    outcome = yield from items.execute(self, selected)
                except ScriptError as exc:
                    outcome = Thrown(exc.event, exc.message, selected.where)
            outcome = yield from disconnect(ctx, outcome, self.node)
            if isinstance(outcome, items.At):
                outcome = yield from self.event(outcome.thrown, outcome.node)
            elif isinstance(outcome, Thrown):
                outcome = yield from self.event(outcome, state.current or self.node)
            if outcome is None:
                continue
            if isinstance(outcome, NextItem):
                next_item = outcome.name
                continue
            return outcome
