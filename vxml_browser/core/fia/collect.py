"""The input loop of a wait point (VoiceXML 2.0 §4.1.8, §6.3.2-6.3.3, Appendix C "collect").

DTMF arrives one key at a time; after each key the active DTMF grammars say whether the
digits are a dead end (nomatch), a prefix (wait ``interdigittimeout``), a match that could
grow (wait ``interdigittimeout``, then accept) or a match that cannot grow (accept, or wait
``termtimeout`` for the termchar when one is set). The termchar ends input at once. Speech
arrives as recognizer hypotheses, interpreted by the voice grammars.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..actions import Collect, GrammarRef, Prompt
from ..events import Thrown
from ..inputs import DtmfKey, Hangup, MaxSpeechTimeout, NoInput, Recording, Speech
from ..outcomes import ExitCall
from ..properties import parse_bool, parse_float, parse_time
from ..scripting import ScriptError
from .activation import Entry

if TYPE_CHECKING:
    from ..interpreter import Interpreter
    from ..model import Node


@dataclass(frozen=True, slots=True)
class Matched:
    """Input that matched an active grammar: the best result and the n-best list."""

    entry: Entry
    result: Any  # grammars.Interpretation
    nbest: tuple[Any, ...]
    recording: Recording | None = None


@dataclass(frozen=True, slots=True)
class CollectSettings:
    """The properties in force at a wait point (§6.3)."""

    timeout_s: float
    interdigittimeout_s: float
    termtimeout_s: float
    termchar: str
    inputmodes: frozenset[str]
    bargein: bool
    completetimeout_s: float
    incompletetimeout_s: float
    maxspeechtimeout_s: float
    confidencelevel: float
    sensitivity: float
    speedvsaccuracy: float
    maxnbest: int
    recordutterance: bool


def settings(ctx: Interpreter, node: Node | None, prompts: tuple[Prompt, ...]) -> CollectSettings:
    """The collect properties for ``node``; a queued prompt's ``timeout`` wins (§4.1)."""
    base = ctx.collect_memo.get(id(node))
    if base is None:
        base = ctx.collect_memo[id(node)] = _read_settings(ctx, node)
    timeouts = [p.timeout_s for p in prompts if p.timeout_s is not None]
    return replace(base, timeout_s=timeouts[-1]) if timeouts else base


def _read_settings(ctx: Interpreter, node: Node | None) -> CollectSettings:
    p = ctx.prop

    def t(name: str) -> float:
        try:
            return parse_time(p(name, node))
        except ValueError as exc:
            # §6.3: an invalid property value is error.semantic.
            raise ScriptError(f"property {name}: {exc}") from None

    timeout = t("timeout")
    modes = frozenset(p("inputmodes", node).split()) or frozenset({"dtmf", "voice"})
    try:
        maxnbest = max(1, int(p("maxnbest", node)))
    except ValueError:
        maxnbest = 1
    return CollectSettings(
        timeout_s=timeout,
        interdigittimeout_s=t("interdigittimeout"),
        termtimeout_s=t("termtimeout"),
        termchar=p("termchar", node)[:1],
        inputmodes=modes,
        bargein=parse_bool(p("bargein", node), True),
        completetimeout_s=t("completetimeout"),
        incompletetimeout_s=t("incompletetimeout"),
        maxspeechtimeout_s=t("maxspeechtimeout"),
        confidencelevel=parse_float(p("confidencelevel", node), 0.5),
        sensitivity=parse_float(p("sensitivity", node), 0.5),
        speedvsaccuracy=parse_float(p("speedvsaccuracy", node), 0.5),
        maxnbest=maxnbest,
        recordutterance=parse_bool(p("recordutterance", node), False),
    )


def _entry_for(entries: list[Entry], grammar: Any) -> Entry:
    for entry in entries:
        if entry.grammar is grammar:
            return entry
    raise LookupError("matched grammar is not active")  # a bug: the engine returned a stranger


def collect(
    ctx: Interpreter, node: Node | None, entries: list[Entry]
) -> Generator[Any, Any, Matched | Thrown | ExitCall]:
    """Flush the prompt queue, wait for input and interpret it against ``entries``.

    A grammar whose semantic tags fail while interpreting the input throws error.semantic
    (SISR §7: the interpretation cannot be computed).
    """
    from .. import grammars as g

    if ctx.session.hung_up:
        # §1.5.4: entering the waiting state after the call is gone ends the session.
        return ExitCall(None)
    try:
        return (yield from _collect(ctx, node, entries))
    except g.GrammarError as exc:
        return Thrown("error.semantic", str(exc), node.where if node is not None else "")


def _collect(
    ctx: Interpreter, node: Node | None, entries: list[Entry]
) -> Generator[Any, Any, Matched | Thrown]:
    from .. import grammars as g

    prompts = ctx.session.queue.flush()
    s = settings(ctx, node, prompts)
    dtmf_entries = [e for e in entries if e.mode == "dtmf"] if "dtmf" in s.inputmodes else []
    voice_entries = [e for e in entries if e.mode != "dtmf"] if "voice" in s.inputmodes else []
    dtmf_grammars = [e.grammar for e in dtmf_entries]
    voice_grammars = [e.grammar for e in voice_entries]
    refs = tuple(GrammarRef("dtmf" if e.mode == "dtmf" else "voice", e.grammar, e.owner) for e in entries)
    where = node.where if node is not None else ""

    def action(phase: str, first: tuple[Prompt, ...], digits: str) -> Collect:
        return Collect(
            prompts=first, phase=phase,  # type: ignore[arg-type]
            timeout_s=s.timeout_s, interdigittimeout_s=s.interdigittimeout_s,
            termtimeout_s=s.termtimeout_s, termchar=s.termchar, inputmodes=s.inputmodes,
            bargein=s.bargein, grammars=refs, completetimeout_s=s.completetimeout_s,
            incompletetimeout_s=s.incompletetimeout_s, maxspeechtimeout_s=s.maxspeechtimeout_s,
            confidencelevel=s.confidencelevel, sensitivity=s.sensitivity,
            speedvsaccuracy=s.speedvsaccuracy, maxnbest=s.maxnbest,
            recordutterance=s.recordutterance, digits_so_far=digits,
        )

    digits = ""
    state: Any = None
    next_action = action("start", prompts, "")
    while True:
        received = yield next_action
        if isinstance(received, Hangup):
            ctx.session.hung_up = True
            return Thrown("connection.disconnect.hangup", "the caller hung up", where)
        if isinstance(received, MaxSpeechTimeout):
            return Thrown("maxspeechtimeout", None, where)
        if isinstance(received, NoInput):
            if not digits:
                return Thrown("noinput", None, where)
            if state is not None and state.status in ("complete", "final"):
                return Matched(_entry_for(dtmf_entries, state.result.grammar), state.result, (state.result,))
            return Thrown("nomatch", None, where)
        if isinstance(received, Speech):
            if not voice_entries:
                if "voice" not in s.inputmodes:
                    next_action = action("start", (), "")
                    continue
                return Thrown("nomatch", None, where)
            results: list[Any] = []
            for alt in received.alternatives:
                if alt.confidence < s.confidencelevel:
                    continue
                found = g.match_text(voice_grammars, alt.text, s.maxnbest)
                for r in found:
                    if alt.confidence < 1.0:
                        r = _with_confidence(r, alt.confidence)
                    results.append(r)
                if len(results) >= s.maxnbest:
                    break
            if not results:
                return Thrown("nomatch", None, where)
            best = results[0]
            return Matched(_entry_for(voice_entries, best.grammar), best, tuple(results[: s.maxnbest]),
                           received.recording)
        if isinstance(received, DtmfKey):
            key = received.key
            if not dtmf_entries:
                if "dtmf" not in s.inputmodes:
                    next_action = action("start", (), "")
                    continue
                return Thrown("nomatch", None, where)
            if key == s.termchar and digits:
                trial = g.match_dtmf(dtmf_grammars, digits + key)
                if trial.status == "nomatch":
                    if state is not None and state.status in ("complete", "final"):
                        return Matched(_entry_for(dtmf_entries, state.result.grammar), state.result, (state.result,))
                    return Thrown("nomatch", None, where)
            digits += key
            state = g.match_dtmf(dtmf_grammars, digits)
            if state.status == "nomatch":
                return Thrown("nomatch", None, where)
            if state.status == "final":
                if s.termchar and s.termtimeout_s > 0:
                    next_action = action("term", (), digits)
                    continue
                return Matched(_entry_for(dtmf_entries, state.result.grammar), state.result, (state.result,))
            next_action = action("interdigit", (), digits)
            continue
        raise TypeError(f"collect cannot take {received!r}")  # a platform bug


def _with_confidence(result: Any, confidence: float) -> Any:
    from dataclasses import replace

    try:
        return replace(result, confidence=min(result.confidence, confidence))
    except TypeError:
        return result
