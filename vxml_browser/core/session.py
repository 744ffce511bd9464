"""A call's interpreter, sans-I/O: fed inputs, it hands back actions (ARCHITECTURE.md).

    session = new_session(documents, trace, limits)   # adapters/telephony.py
    action = session.start(Start("http://app/main.vxml", {...session variables...}))
    while not isinstance(action, Exit):
        action = session.send(await platform.do(action))

A platform does not write that loop: ``telephony.drive(session, start, telephony, fetcher)``
is the one loop, and the one ``match`` over actions, for every platform.

Inside, the FIA is a generator that yields an action wherever it must wait and receives the
input that answers it. Uncaught events end the session with an ``Error`` action then ``Exit``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from .actions import Action, Collect, Error, Exit, Play, Record, Transfer
from .events import Thrown
from .fia.catch import Uncaught
from .fia.document import run_session
from .inputs import Input, Start
from .interpreter import DocumentCache, Interpreter, SessionState
from .model.document import MAX_DOCUMENT_BYTES
from .outcomes import DisconnectCall, ExitCall, Return
from .scripting import ScriptEngine

DEFAULT_SESSION: dict[str, Any] = {
    "connection": {
        "local": {"uri": ""},
        "remote": {"uri": ""},
        "protocol": {"name": "", "version": ""},
        "redirect": [],
        "aai": None,
        "originator": None,
    }
}


WAITS = (Collect, Record, Transfer)
"""Actions that wait for the caller: the FIA's step count starts again after each."""


class SessionOver(Exception):
    """``send`` was called after ``Exit``: a platform bug."""


def _ended(exc: Exception) -> Generator[Action, Input, None]:
    where = ""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        where = f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}"
    yield Error("error.platform", f"internal error: {type(exc).__name__}: {exc}", where)
    yield Exit(None, "error")


class Session:
    """One call's interpreter."""

    def __init__(
        self,
        *,
        documents: DocumentCache | None = None,
        trace: Callable[[str, str], None] | None = None,
        script_time_limit_s: float = 5.0,
        script_memory_limit: int = 64 * 1024 * 1024,
        max_steps: int = 10_000,
        max_document_bytes: int = MAX_DOCUMENT_BYTES,
        max_grammar_bytes: int = MAX_DOCUMENT_BYTES,
        clock: Callable[[], float] | None = None,
        seed: int = 0,
    ) -> None:
        """``clock`` and ``seed`` are what ECMAScript ``Date`` and ``Math.random`` see; a
        platform passes the real ones, tests fixed ones (the core reads neither itself).

        The limits: ``script_time_limit_s`` per ECMAScript evaluation (error.semantic.timeout),
        ``script_memory_limit`` bytes per call (error.noresource), ``max_steps`` FIA iterations
        without waiting for the caller (error.semantic), ``max_document_bytes`` and
        ``max_grammar_bytes`` per fetched document or grammar (error.badfetch). A platform sets
        them from its configuration (``adapters/limits.py``)."""
        self.documents = documents if documents is not None else DocumentCache()
        self.trace = trace
        self.script_time_limit_s = script_time_limit_s
        self.script_memory_limit = script_memory_limit
        self.max_steps = max_steps
        self.max_document_bytes = max_document_bytes
        self.max_grammar_bytes = max_grammar_bytes
        self.clock = clock
        self.seed = seed
        self._engine: ScriptEngine | None = None
        self._gen: Generator[Action, Input, None] | None = None
        self.done = False
        self.state: SessionState | None = None

    def start(self, start: Start) -> Action:
        self._gen = self._main(start)
        return self._advance(None)

    def send(self, received: Input) -> Action:
        if self._gen is None or self.done:
            raise SessionOver("the session is over")
        return self._advance(received)

    def _tick(self) -> None:
        """Time enters with each input: scripts see the clock as of the latest one."""
        if self.clock is not None and self._engine is not None:
            self._engine.set_now(self.clock())

    def _advance(self, received: Input | None) -> Action:
        assert self._gen is not None
        self._tick()
        try:
            action = self._gen.send(received) if received is not None else next(self._gen)
        except StopIteration:
            self.done = True
            return Exit(None, "end")
        except Exception as exc:  # noqa: BLE001 - the one place a bug is turned into an ending
            # A Python exception here is an interpreter bug. It ends this call with an error
            # the platform can log (and write a call record for) instead of killing a worker.
            self._gen = _ended(exc)
            return next(self._gen)
        if isinstance(action, Exit):
            self.done = True
            self._gen.close()
        elif isinstance(action, WAITS) and self.state is not None:
            self.state.steps = 0
        return action

    def _main(self, start: Start) -> Generator[Action, Input, None]:
        engine = ScriptEngine(time_limit_s=self.script_time_limit_s,
                              memory_limit_bytes=self.script_memory_limit, seed=self.seed)
        self._engine = engine
        self._tick()
        session_scope = engine.new_scope("session", None)
        variables = {**DEFAULT_SESSION, **start.session}
        for name, value in variables.items():
            engine.declare_value(session_scope, name, value)
        state = SessionState(engine=engine, scope=session_scope, documents=self.documents,
                             trace=self.trace, max_steps=self.max_steps,
                             max_document_bytes=self.max_document_bytes,
                             max_grammar_bytes=self.max_grammar_bytes)
        self.state = state
        ctx = Interpreter(state)
        outcome = yield from run_session(ctx, start.uri)
        reason = "hangup" if state.hung_up else "exit"
        if isinstance(outcome, Uncaught) or (isinstance(outcome, Thrown)):
            if state.queue:
                yield Play(state.queue.flush())
            if outcome.name.startswith("connection.disconnect"):
                yield Exit(None, "hangup")
                return
            message = outcome.message
            if message is not None and not isinstance(message, str):
                message = engine.to_string(message)  # a messageexpr may be any value
            yield Error(outcome.name, message or "", outcome.where)
            yield Exit(None, "error")
            return
        if state.queue and not state.hung_up:
            yield Play(state.queue.flush())
        if isinstance(outcome, ExitCall):
            yield Exit(outcome.value, reason)
        elif isinstance(outcome, DisconnectCall):
            yield Exit(outcome.namelist, "hangup")
        elif isinstance(outcome, Return):
            yield Error("error.semantic", "<return> outside a subdialog")
            yield Exit(None, "error")
        else:
            yield Exit(None, reason)
