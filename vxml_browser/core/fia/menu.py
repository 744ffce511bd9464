"""``<menu>`` (VoiceXML 2.0 §2.2): a dialog that offers choices and goes where one leads.

A menu is a form with one anonymous field whose grammars come from its ``<choice>``s
(explicit grammars, the choice's text with ``accept``, its ``dtmf`` key, or keys 1-9 when
``dtmf="true"``); ``<enumerate>`` lists the choices.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from ..events import Thrown
from ..outcomes import Outcome
from ..scripting import ScriptError
from .activation import Entry, grammars_of
from .catch import EventCounters, disconnect, handle_chain, transition_loop
from .collect import Matched, collect

if TYPE_CHECKING:
    from ..interpreter import Interpreter
    from ..model import Node


def menu_choices(menu: Node) -> list[tuple[Node, str, str | None]]:
    """(choice, text, dtmf) in document order; ``dtmf="true"`` numbers the first nine (§2.2.1)."""
    auto = menu.get("dtmf") == "true"
    out = []
    number = 0
    for choice in menu.elements("choice"):
        text = " ".join(choice.text_content().split())
        dtmf = choice.get("dtmf")
        if dtmf is None and auto and number < 9:
            number += 1
            dtmf = str(number)
        out.append((choice, text, dtmf))
    return out


def menu_entries(ctx: Interpreter, menu: Node, into: list[Entry]) -> Generator[Any, Any, Thrown | None]:
    """The choices' grammars: explicit ones, then text and DTMF grammars built from them."""
    from .items import _choice_entries

    menu_accept = menu.get("accept") or "exact"
    by_accept: dict[str, list[tuple[str | None, str | None, Any]]] = {"exact": [], "approximate": []}
    for index, (choice, text, dtmf) in enumerate(menu_choices(menu)):
        accept = choice.get("accept") or menu_accept  # §2.2.2: a choice's accept wins
        if choice.first("grammar") is not None:
            result = yield from grammars_of(ctx, choice, ctx.doc_scope, owner="choice", into=into)
            if result is not None:
                return result
            by_accept[accept].append((None, dtmf, index))
        else:
            by_accept[accept].append((text or None, dtmf, index))
    for accept, generated in by_accept.items():
        if generated:
            _choice_entries(ctx, menu, generated, "choice", accept, into, key=accept)
    return None


def choice_of(entry: Entry, result: Any) -> Node:
    """The ``<choice>`` a matched choice grammar stands for."""
    if entry.node.tag == "choice":
        return entry.node
    return menu_choices(entry.node)[int(result.interpretation)][0]


def follow_choice(ctx: Interpreter, choice: Node, scope: Any) -> Generator[Any, Any, Outcome]:
    """Go where a choice leads, or throw its event (§2.2.2)."""
    from .items import follow_link

    return (yield from follow_link(ctx, choice, scope))


class MenuRunner:
    """Runs one ``<menu>``: prompts by count, collect, follow the choice (§2.2)."""

    def __init__(self, ctx: Interpreter, node: Node) -> None:
        self.ctx = ctx
        self.node = node
        self.scope = ctx.engine.new_scope("dialog", ctx.doc_scope)
        self.counters = EventCounters()

    def enumeration(self) -> list[tuple[str, str | None, Node | None]]:
        return [(text, dtmf, choice) for choice, text, dtmf in menu_choices(self.node)]

    def run(self, item: str | None = None, pending: Matched | None = None) -> Generator[Any, Any, Outcome | None]:
        ctx = self.ctx
        prompt_count = 0
        skip = False
        while True:
            ctx.form = None
            ctx.enumeration = self.enumeration
            if (looping := transition_loop(ctx, self.node)) is not None:
                return looping
            queue = pending is None and (not skip or ctx.reprompt)
            if queue:
                prompt_count += 1
            skip = False
            ctx.reprompt = False
            try:
                outcome = yield from self._turn(pending, prompt_count if queue else 0)
            except ScriptError as exc:  # a prompt's or a choice's expression failed
                outcome = Thrown(exc.event, exc.message, self.node.where)
            pending = None
            outcome = yield from disconnect(ctx, outcome, self.node)
            if isinstance(outcome, Thrown):
                outcome, skip = yield from handle_chain(ctx, outcome, self.node, self.counters, self.scope)
            if outcome is None:
                continue
            return outcome

    def _turn(self, pending: Matched | None, prompt_count: int) -> Generator[Any, Any, Any]:
        """One iteration: queue the prompts (when ``prompt_count``), collect, follow the choice."""
        from .items import links_of, outer_entries, process_menu_input, queue_counted_prompts

        ctx = self.ctx
        if pending is not None:
            return (yield from process_menu_input(ctx, self.node, pending))
        if prompt_count:
            queue_counted_prompts(ctx, self.node, self.scope, prompt_count)
        entries: list[Entry] = []
        outcome = yield from menu_entries(ctx, self.node, entries)
        if outcome is None:
            outcome = yield from links_of(ctx, self.node, self.scope, entries)
        if outcome is None:
            outcome = yield from outer_entries(ctx, self.node, entries)
        if outcome is not None:
            return outcome
        matched = yield from collect(ctx, self.node, entries)
        if not isinstance(matched, Matched):
            return matched
        return (yield from process_menu_input(ctx, self.node, matched))
