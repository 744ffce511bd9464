"""Form items (VoiceXML 2.0 §2.3): what the FIA's collect and process phases do for each.

``<block>`` runs its content; ``<field>`` and ``<initial>`` wait for input against the active
grammars; ``<record>``, ``<transfer>``, ``<object>`` and ``<subdialog>`` ask the platform (or a
new execution context) and fill their variables from the answer. Input is processed here
too: filling variables and shadow variables (§2.3.1, §3.1.6), ``application.lastresult$``
(§5.1.5), ``<filled>`` (§2.4), and input that belongs to a link, a menu choice or another
dialog.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..actions import GrammarRef, ObjectCall, Record, Transfer
from ..elements import run_content
from ..events import Thrown
from ..inputs import Hangup, NoInput, ObjectDone, Recorded, TransferDone
from ..model import Node
from ..outcomes import ExitCall, Goto, Outcome
from ..properties import parse_bool, parse_time
from .activation import UNIVERSALS, Entry, grammars_of
from .collect import Matched, collect

if TYPE_CHECKING:
    from .form import FormRunner


@dataclass(frozen=True, slots=True)
class At:
    """An event to handle at a particular node (a ``<filled>``'s owner)."""

    thrown: Thrown
    node: Node


@dataclass(frozen=True, slots=True)
class DialogEntry:
    """Input matched a grammar of another dialog: go there and process it (Appendix C)."""

    goto: Goto
    matched: Matched


# --- prompts --------------------------------------------------------------------------------
def queue_item_prompts(runner: FormRunner, item: Node) -> None:
    """Select and queue an item's prompts by its prompt counter (§4.1.6)."""
    if item.tag == "block":
        return
    state = runner.state
    name = state.var(item)
    count = state.prompt_counts.get(name, 0) + 1
    state.prompt_counts[name] = count
    queue_counted_prompts(runner.ctx, item, state.scope, count)


def queue_counted_prompts(ctx: Any, item: Node, scope: Any, count: int) -> None:
    """Queue the prompts with the highest ``count`` not above ``count`` whose cond holds."""
    candidates: list[tuple[int, Node]] = []
    for prompt in item.elements("prompt"):
        if prompt.has("cond") and not ctx.engine.eval_bool(scope, prompt.get("cond") or "false"):
            continue
        try:
            pc = int(prompt.get("count") or "1")
        except ValueError:
            pc = 1
        candidates.append((pc, prompt))
    eligible = [pc for pc, _ in candidates if pc <= count]
    if not eligible:
        return
    chosen = max(eligible)
    for pc, prompt in candidates:
        if pc == chosen:
            ctx.queue_prompt_node(prompt, scope)


# --- grammars --------------------------------------------------------------------------------
def option_choices(item: Node) -> list[tuple[Node, str, str | None, str]]:
    """(option, spoken text, dtmf, value) for each ``<option>`` of a field (§2.3.1.3)."""
    out = []
    for option in item.elements("option"):
        text = " ".join(option.text_content().split())
        value = option.get("value")
        out.append((option, text, option.get("dtmf"), value if value is not None else text))
    return out


def _choice_entries(ctx: Any, node: Node, choices: list[tuple[str | None, str | None, Any]],
                    owner: str, accept: str, into: list[Entry], key: str = "") -> None:
    from .. import grammars as g

    cache = ctx.session_grammars()
    for mode in ("dtmf", "voice"):
        usable = [c for c in choices if (c[1] if mode == "dtmf" else c[0])]
        if not usable:
            continue
        cache_key = (id(node), mode, "choices", key)
        hit = cache.get(cache_key)
        if hit is None:
            grammar = g.choice_grammar(usable, mode=mode, accept=accept)
            cache[cache_key] = (node, grammar)
        else:
            grammar = hit[1]
        into.append(Entry(grammar, owner, node, mode))  # type: ignore[arg-type]


def links_of(runner_ctx: Any, node: Node, scope: Any, into: list[Entry]) -> Generator[Any, Any, Thrown | None]:
    """Grammars of the ``<link>`` children of ``node`` (§2.5)."""
    for link in node.elements("link"):
        result = yield from grammars_of(runner_ctx, link, scope, owner="link", into=into)
        if result is not None:
            return result
        if link.has("dtmf"):
            _choice_entries(runner_ctx, link, [(None, link.get("dtmf"), True)], "link", "exact", into)
    return None


def _builtin_entries(ctx: Any, item: Node, into: list[Entry]) -> Thrown | None:
    from .. import grammars as g

    type_ = item.get("type")
    if not type_:
        return None
    cache = ctx.session_grammars()
    for mode in ("dtmf", "voice"):
        key = (id(item), mode, "type")
        hit = cache.get(key)
        if hit is None:
            try:
                grammar = g.builtin_grammar(type_, mode)
            except g.GrammarError as exc:
                return Thrown("error.unsupported.builtin", str(exc), item.where)
            cache[key] = (item, grammar)
        else:
            grammar = hit[1]
        into.append(Entry(grammar, "item", item, mode))
    return None


def document_entries(ctx: Any, doc: Any, scope: Any, exclude: Node | None,
                     into: list[Entry]) -> Generator[Any, Any, Thrown | None]:
    """Document-scoped grammars of other dialogs and the document's links (§3.1.3)."""
    from .menu import menu_entries

    for dialog in doc.dialog_order:
        if dialog is exclude:
            continue
        doc_scoped = dialog.get("scope") == "document"
        if dialog.tag == "menu":
            if doc_scoped:
                result = yield from menu_entries(ctx, dialog, into)
                if result is not None:
                    return result
            continue
        result = yield from grammars_of(ctx, dialog, scope, owner="dialog", into=into,
                                        document_scoped_only=not doc_scoped)
        if result is not None:
            return result
    return (yield from links_of(ctx, doc.root, scope, into))


def active_entries(runner: FormRunner, item: Node | None) -> Generator[Any, Any, list[Entry] | Thrown]:
    """The active grammars while visiting ``item``, in precedence order (§3.1.4)."""
    ctx, state = runner.ctx, runner.state
    scope = state.scope
    entries: list[Entry] = []
    if item is not None:
        if item.tag == "field":
            result = yield from grammars_of(ctx, item, scope, owner="item", into=entries)
            if result is not None:
                return result
            thrown = _builtin_entries(ctx, item, entries)
            if thrown is not None:
                return thrown
            options = option_choices(item)
            for accept in ("exact", "approximate"):  # §2.3.1.3: each <option> has its own accept
                group = [(t, d, v) for o, t, d, v in options if (o.get("accept") or "exact") == accept]
                if group:
                    _choice_entries(ctx, item, group, "item", accept, entries, key=accept)
        result = yield from links_of(ctx, item, scope, entries)
        if result is not None:
            return result
        if item.get("modal") == "true":
            return entries
    result = yield from grammars_of(ctx, runner.node, scope, owner="form", into=entries)
    if result is not None:
        return result
    result = yield from links_of(ctx, runner.node, scope, entries)
    if result is not None:
        return result
    result = yield from outer_entries(ctx, runner.node, entries)
    if result is not None:
        return result
    return entries


def outer_entries(ctx: Any, dialog: Node, entries: list[Entry]) -> Generator[Any, Any, Thrown | None]:
    """Document, application root and universal grammars (precedence 3-5 of §3.1.4)."""
    result = yield from document_entries(ctx, ctx.doc, ctx.doc_scope, dialog, entries)
    if result is not None:
        return result
    if ctx.app_doc is not None and ctx.app_doc is not ctx.doc:
        result = yield from document_entries(ctx, ctx.app_doc, ctx.app_scope, None, entries)
        if result is not None:
            return result
    universals = ctx.prop("universals", dialog)
    names = UNIVERSALS if universals == "all" else tuple(n for n in universals.split() if n in UNIVERSALS)
    if names:
        _choice_entries(ctx, ctx.doc.root, [(n, None, n) for n in names], "universal", "exact", entries)
    return None


# --- results ---------------------------------------------------------------------------------
def _result_dict(r: Any) -> dict[str, Any]:
    return {
        "utterance": r.utterance,
        "confidence": r.confidence,
        "inputmode": r.inputmode,
        "interpretation": r.interpretation,
    }


def set_lastresult(ctx: Any, matched: Matched) -> None:
    """``application.lastresult$`` (§5.1.5): the n-best array, its [0] fields on the array."""
    results = [_result_dict(r) for r in matched.nbest] or [_result_dict(matched.result)]
    array = ctx.engine.to_js(results)
    for key, value in results[0].items():
        ctx.engine.set_property(array, key, value)
    if matched.recording is not None:
        rec = ctx.recording_value(matched.recording)
        ctx.engine.set_property(array, "recording", rec)
        ctx.engine.set_property(array, "recordingsize", len(matched.recording.data))
        ctx.engine.set_property(array, "recordingduration", matched.recording.duration_ms)
    ctx.engine.declare_value(ctx.app_scope, "lastresult$", array)


def _slot_value(value: Any, slot: str) -> tuple[bool, Any]:
    current = value
    for part in slot.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        else:
            return False, None
    return True, current


def _fill(runner: FormRunner, item: Node, value: Any, matched: Matched, result: Any = None) -> None:
    """Set an input item's variable and its shadow variables (§2.3.1; 2.1 §8 recordutterance)."""
    ctx, state = runner.ctx, runner.state
    engine = ctx.engine
    name = state.var(item)
    engine.declare_value(state.scope, name, value)
    shadow = engine.to_js(_result_dict(result if result is not None else matched.result))
    if matched.recording is not None:
        engine.set_property(shadow, "recording", ctx.recording_value(matched.recording))
        engine.set_property(shadow, "recordingsize", len(matched.recording.data))
        engine.set_property(shadow, "recordingduration", matched.recording.duration_ms)
    engine.declare_value(state.scope, f"{name}$", shadow)


def process_input(runner: FormRunner, item: Node | None, matched: Matched) -> Generator[Any, Any, Any]:
    """The process phase for input collected at ``item`` of a form (Appendix C)."""
    ctx, state = runner.ctx, runner.state
    entry, result = matched.entry, matched.result
    set_lastresult(ctx, matched)
    ctx.trace(entry.node, f"input '{result.utterance}' matched a {entry.owner} grammar")
    if entry.owner == "item" and item is not None and entry.node is item:
        value = result.interpretation
        if isinstance(value, dict):
            found, slot_value = _slot_value(value, item.get("slot") or state.var(item))
            if found:
                value = slot_value
        _fill(runner, item, value, matched)
        return (yield from run_filled(runner, {state.var(item)}))
    if entry.owner in ("form", "dialog") and entry.node is runner.node:
        return (yield from fill_form(runner, matched))
    return (yield from route_input(ctx, matched, state.scope))


def process_menu_input(ctx: Any, menu: Node, matched: Matched) -> Generator[Any, Any, Any]:
    """The process phase of a menu (§2.2)."""
    set_lastresult(ctx, matched)
    ctx.trace(matched.entry.node, f"input '{matched.result.utterance}' matched a {matched.entry.owner} grammar")
    return (yield from route_input(ctx, matched, ctx.doc_scope))


def route_input(ctx: Any, matched: Matched, scope: Any) -> Generator[Any, Any, Any]:
    """Input for a link, a universal, a menu choice or another dialog (§2.5, §3.1.4)."""
    entry, result = matched.entry, matched.result
    if entry.owner == "link":
        return (yield from follow_link(ctx, entry.node, scope))
    if entry.owner == "universal":
        return Thrown(str(result.interpretation), None, entry.node.where)
    if entry.owner == "choice":
        from .menu import choice_of, follow_choice

        return (yield from follow_choice(ctx, choice_of(entry, result), ctx.doc_scope))
    # another dialog's document-scoped grammar: go there and process the input in it
    dialog = entry.node
    same = ctx.doc is not None and dialog.uri == ctx.doc.uri
    target = None if same else ctx.app_doc
    return DialogEntry(Goto(document=target, dialog=dialog.get("id")), matched)


def fill_form(runner: FormRunner, matched: Matched) -> Generator[Any, Any, Any]:
    """A form-level grammar fills every field whose slot the result names (§3.1.6.2)."""
    state = runner.state
    value = matched.result.interpretation
    filled: set[str] = set()
    for item in state.items:
        if item.tag != "field":
            continue
        slot = item.get("slot") or item.get("name") or ""
        found, slot_value = _slot_value(value, slot) if isinstance(value, dict) else (False, None)
        if found:
            _fill(runner, item, slot_value, matched)
            filled.add(state.var(item))
    if not filled:
        return Thrown("nomatch", None, runner.node.where)
    return (yield from run_filled(runner, filled))


def run_filled(runner: FormRunner, just_filled: set[str]) -> Generator[Any, Any, Any]:
    """Run the ``<filled>`` elements that the new values trigger, in document order (§2.4)."""
    ctx, state = runner.ctx, runner.state
    engine = ctx.engine
    for item in state.items:
        if item.tag == "initial":
            engine.declare_value(state.scope, state.var(item), True)
    for filled, owner in state.filled_order:
        if owner is runner.node:
            names = (filled.get("namelist") or "").split() or state.input_item_names()
            if not any(n in just_filled for n in names):
                continue
            if (filled.get("mode") or "all") == "all" and not all(state.is_filled(n) for n in names):
                continue
        elif state.var(owner) not in just_filled:
            continue
        scope = ctx.new_anonymous(state.scope)
        outcome = yield from run_content(filled.children, ctx, scope, text=filled.text)
        if isinstance(outcome, Thrown):
            return At(outcome, owner)
        if outcome is not None:
            return outcome
    return None


def follow_link(ctx: Any, link: Node, scope: Any) -> Generator[Any, Any, Outcome]:
    """A matched ``<link>``: throw its event or go to its target (§2.5)."""
    if link.has("event") or link.has("eventexpr"):
        name = link.get("event") or ctx.engine.eval_str(scope, link.get("eventexpr") or "undefined")
        message = link.get("message")
        if message is None and link.has("messageexpr"):
            message = ctx.engine.eval_str(scope, link.get("messageexpr") or "undefined")
        return Thrown(name, message, link.where)
    uri = link.get("next")
    if uri is None:
        uri = ctx.engine.eval_str(scope, link.get("expr") or "undefined")
    return (yield from ctx.transition(uri, link, scope))


# --- executing form items -------------------------------------------------------------------
def execute(runner: FormRunner, item: Node) -> Generator[Any, Any, Any]:
    """The collect phase for one form item (Appendix C), dispatched by element."""
    return (yield from ITEM_HANDLERS[item.tag](runner, item))


def run_block(runner: FormRunner, item: Node) -> Generator[Any, Any, Any]:
    """``<block>`` (§2.3.2): mark it visited, run its content."""
    ctx, state = runner.ctx, runner.state
    ctx.engine.declare_value(state.scope, state.var(item), True)
    scope = ctx.new_anonymous(state.scope)
    return (yield from run_content(item.children, ctx, scope, text=item.text))


def run_field(runner: FormRunner, item: Node) -> Generator[Any, Any, Any]:
    """``<field>`` (§2.3.1) and ``<initial>`` (§2.3.3): collect input and process it."""
    entries = yield from active_entries(runner, item)
    if isinstance(entries, Thrown):
        return entries
    matched = yield from collect(runner.ctx, item, entries)
    if not isinstance(matched, Matched):
        return matched
    return (yield from process_input(runner, item, matched))


def _gone(ctx: Any) -> ExitCall | None:
    """§1.5.4: a wait after the caller hung up ends the session."""
    return ExitCall(None) if ctx.session.hung_up else None


def _wait_outcome(ctx: Any, received: Any, where: str) -> Thrown | None:
    if isinstance(received, Hangup):
        ctx.session.hung_up = True
        return Thrown("connection.disconnect.hangup", "the caller hung up", where)
    return None


def run_record(runner: FormRunner, item: Node) -> Generator[Any, Any, Any]:
    """``<record>`` (§2.3.6): record the caller; the variable holds the recording."""
    ctx, state = runner.ctx, runner.state
    if (gone := _gone(ctx)) is not None:
        return gone
    try:
        maxtime = parse_time(item.get("maxtime"), 30.0) if item.has("maxtime") else 30.0
        finalsilence = parse_time(item.get("finalsilence"), 2.0) if item.has("finalsilence") else 2.0
        timeout = parse_time(item.get("timeout") or ctx.prop("timeout", item), 5.0)
    except ValueError as exc:
        return Thrown("error.badfetch", str(exc), item.where)
    media_type = item.get("type") or "audio/x-wav"
    if media_type not in ("audio/x-wav", "audio/wav", "audio/basic", "audio/x-alaw-basic", "audio/L16"):
        return Thrown("error.unsupported.format", f"cannot record {media_type}", item.where)
    received = yield Record(
        prompts=ctx.session.queue.flush(), beep=parse_bool(item.get("beep"), False),
        maxtime_s=maxtime, finalsilence_s=finalsilence,
        dtmfterm=parse_bool(item.get("dtmfterm"), True), media_type=media_type, timeout_s=timeout,
    )
    thrown = _wait_outcome(ctx, received, item.where)
    if thrown is not None:
        return thrown
    if isinstance(received, NoInput):
        return Thrown("noinput", None, item.where)
    assert isinstance(received, Recorded), received
    name = state.var(item)
    rec = received.recording
    ctx.engine.declare_value(state.scope, name, ctx.recording_value(rec))
    ctx.engine.declare_value(state.scope, f"{name}$", {
        "duration": rec.duration_ms, "size": len(rec.data),
        "termchar": received.termchar, "maxtime": received.maxtime,
        "utterance": received.utterance.text if received.utterance else None,
        "confidence": received.utterance.confidence if received.utterance else None,
        "inputmode": "dtmf" if received.termchar else None,
    })
    return (yield from run_filled(runner, {name}))


def run_transfer(runner: FormRunner, item: Node) -> Generator[Any, Any, Any]:
    """``<transfer>`` (§2.3.7; 2.1 §9 adds ``type``): the variable gets the outcome."""
    ctx, state = runner.ctx, runner.state
    if (gone := _gone(ctx)) is not None:
        return gone
    engine, scope = ctx.engine, state.scope
    dest = item.get("dest")
    if dest is None and item.has("destexpr"):
        dest = engine.eval_str(scope, item.get("destexpr") or "undefined")
    aai = item.get("aai")
    if aai is None and item.has("aaiexpr"):
        aai = engine.eval_str(scope, item.get("aaiexpr") or "undefined")
    type_ = item.get("type") or ("bridge" if item.get("bridge") == "true" else "blind")
    try:
        connecttimeout = parse_time(item.get("connecttimeout"), 30.0)
        maxtime = parse_time(item.get("maxtime"), 0.0)
    except ValueError as exc:
        return Thrown("error.badfetch", str(exc), item.where)
    audio = item.get("transferaudio")
    entries: list[Entry] = []
    loaded = yield from grammars_of(ctx, item, scope, owner="item", into=entries)
    if loaded is not None:
        return loaded
    received = yield Transfer(
        prompts=ctx.session.queue.flush(), dest=dest or "", type=type_,  # type: ignore[arg-type]
        connecttimeout_s=connecttimeout, maxtime_s=maxtime,
        transferaudio=ctx.resolve_uri(audio, item) if audio else None, aai=aai,
        grammars=tuple(GrammarRef(e.mode if e.mode == "dtmf" else "voice", e.grammar, "item") for e in entries),
    )
    thrown = _wait_outcome(ctx, received, item.where)
    if thrown is not None:
        return thrown
    assert isinstance(received, TransferDone), received
    if received.error:
        return Thrown(received.error, f"transfer to {dest} failed", item.where)
    if type_ == "blind" and received.outcome in (None, "transferred", "unknown"):
        ctx.session.hung_up = True
        return Thrown("connection.disconnect.transfer", f"transferred to {dest}", item.where)
    name = state.var(item)
    engine.declare_value(scope, name, received.outcome or "unknown")
    shadow: dict[str, Any] = {"duration": received.duration_s}
    if received.input is not None:
        shadow.update(utterance=received.input.text, inputmode=received.inputmode)
    engine.declare_value(scope, f"{name}$", shadow)
    return (yield from run_filled(runner, {name}))


def run_object(runner: FormRunner, item: Node) -> Generator[Any, Any, Any]:
    """``<object>`` (§2.3.5): a platform object; unknown ones are error.unsupported.objectname."""
    ctx, state = runner.ctx, runner.state
    if (gone := _gone(ctx)) is not None:
        return gone
    params = []
    for param in item.elements("param"):
        value = param.get("value")
        if value is None:
            value = ctx.engine.eval_py(state.scope, param.get("expr") or "undefined")
        params.append((param.get("name") or "", value))
    received = yield ObjectCall(
        prompts=ctx.session.queue.flush(), classid=item.get("classid") or "",
        data=item.get("data"), params=tuple(params),
    )
    thrown = _wait_outcome(ctx, received, item.where)
    if thrown is not None:
        return thrown
    assert isinstance(received, ObjectDone), received
    if received.error:
        return Thrown(received.error, received.message or None, item.where)
    name = state.var(item)
    ctx.engine.declare_value(state.scope, name, received.result if received.result is not None else {})
    return (yield from run_filled(runner, {name}))


def run_subdialog(runner: FormRunner, item: Node) -> Generator[Any, Any, Any]:
    """``<subdialog>`` (§2.3.4): run a dialog in a new execution context, keep what it returns."""
    from ..outcomes import Return
    from .document import run_subdialog_context

    ctx, state = runner.ctx, runner.state
    engine, scope = ctx.engine, state.scope
    src = item.get("src")
    if src is None and item.has("srcexpr"):
        src = engine.eval_str(scope, item.get("srcexpr") or "undefined")
    if src is None:
        return Thrown("error.badfetch", "<subdialog> without src", item.where)
    params: dict[str, Any] = {}
    for param in item.elements("param"):
        value: Any = param.get("value")
        if value is None:
            value = engine.eval(scope, param.get("expr") or "undefined")
        params[param.get("name") or ""] = value
    submit: list[tuple[str, Any]] = []
    for name in (item.get("namelist") or "").split():
        submit.extend(ctx.submit_values(name, engine.eval(scope, name)))
    method = (item.get("method") or "get").upper()
    outcome = yield from run_subdialog_context(
        ctx, src, item, scope, params=params, method=method, submit=tuple(submit),
        enctype=item.get("enctype") or "application/x-www-form-urlencoded",
    )
    if not isinstance(outcome, Return):
        return outcome
    if outcome.event is not None:
        return Thrown(outcome.event.name, outcome.event.message, item.where)
    name = state.var(item)
    result = engine.new_object()
    for key, value in outcome.values.items():
        engine.set_property(result, key, value)
    engine.declare_value(scope, name, result)
    return (yield from run_filled(runner, {name}))


ITEM_HANDLERS = {
    "block": run_block,
    "field": run_field,
    "initial": run_field,
    "record": run_record,
    "transfer": run_transfer,
    "object": run_object,
    "subdialog": run_subdialog,
}
