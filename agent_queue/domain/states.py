"""The agent and call state tables: the one place where a state may change.

Every change of an agent's work state or a call's state goes through :func:`agent_next` or
:func:`call_next`, which read the tables below. The few exceptions (a pending not-ready or
sign-out taking effect when the call ends) are described next to the table, in
:func:`agent_next`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from .errors import InvalidTransition


class AgentState(StrEnum):
    OFFLINE = "OFFLINE"  # signed out
    NOT_READY = "NOT_READY"  # with a reason
    READY = "READY"
    RESERVED = "RESERVED"  # chosen for a call, the platform is about to ring the phone
    ALERTING = "ALERTING"  # the agent's phone rings
    TALKING = "TALKING"
    HELD = "HELD"  # talking, the caller on hold
    WRAP_UP = "WRAP_UP"  # after-call work, with a timer


class AgentEvent(StrEnum):
    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    READY = "ready"
    NOT_READY = "not_ready"
    RESERVE = "reserve"
    RING = "ring"
    ANSWER = "answer"
    NO_ANSWER = "no_answer"  # ring-no-answer (RONA)
    CANCEL = "cancel"  # the offer is withdrawn: caller gone, another agent answered (ring all)
    HOLD = "hold"
    UNHOLD = "unhold"
    END_CALL = "end_call"
    WRAP_END = "wrap_end"


class Pending(StrEnum):
    """What a table cell may hold instead of a next state."""

    DEFER = "defer"  # keep the request; it takes effect when the call ends
    UNDEFER = "undefer"  # 'ready' during a call: forget a pending not-ready / sign-out


A, E = AgentState, AgentEvent
BUSY: Final = frozenset({A.RESERVED, A.ALERTING, A.TALKING, A.HELD})

# (state, event) -> next state, or a Pending instruction. Anything missing is refused.
AGENT_TRANSITIONS: Final[dict[tuple[AgentState, AgentEvent], AgentState | Pending]] = {
    (A.OFFLINE, E.SIGN_IN): A.NOT_READY,
    (A.NOT_READY, E.READY): A.READY,
    (A.NOT_READY, E.NOT_READY): A.NOT_READY,  # a new reason
    (A.NOT_READY, E.SIGN_OUT): A.OFFLINE,
    (A.READY, E.READY): A.READY,
    (A.READY, E.NOT_READY): A.NOT_READY,
    (A.READY, E.SIGN_OUT): A.OFFLINE,
    (A.READY, E.RESERVE): A.RESERVED,
    (A.RESERVED, E.RING): A.ALERTING,
    (A.RESERVED, E.ANSWER): A.TALKING,  # answered before any ringing report
    (A.RESERVED, E.NO_ANSWER): A.NOT_READY,  # reason RONA
    (A.RESERVED, E.CANCEL): A.READY,
    (A.ALERTING, E.RING): A.ALERTING,
    (A.ALERTING, E.ANSWER): A.TALKING,
    (A.ALERTING, E.NO_ANSWER): A.NOT_READY,  # reason RONA
    (A.ALERTING, E.CANCEL): A.READY,
    (A.TALKING, E.HOLD): A.HELD,
    (A.TALKING, E.END_CALL): A.WRAP_UP,
    (A.HELD, E.UNHOLD): A.TALKING,
    (A.HELD, E.END_CALL): A.WRAP_UP,
    (A.WRAP_UP, E.WRAP_END): A.READY,
    (A.WRAP_UP, E.READY): A.READY,  # the agent finishes wrap-up early
    (A.WRAP_UP, E.NOT_READY): A.NOT_READY,
    (A.WRAP_UP, E.SIGN_OUT): A.OFFLINE,
    **{(s, E.NOT_READY): Pending.DEFER for s in BUSY},
    **{(s, E.SIGN_OUT): Pending.DEFER for s in BUSY},
    **{(s, E.READY): Pending.UNDEFER for s in BUSY},
}

# Exception to the table, applied by agent_next: when a call ends in READY (CANCEL, WRAP_END) or
# NOT_READY (NO_ANSWER), a pending request wins: a pending sign-out gives OFFLINE, a pending
# not-ready gives NOT_READY (with its reason; after RONA the reason stays RONA).
CALL_END_EVENTS: Final = frozenset({E.CANCEL, E.WRAP_END, E.NO_ANSWER})


def agent_next(
    state: AgentState, event: AgentEvent, pending: AgentEvent | None = None
) -> AgentState | Pending:
    try:
        target = AGENT_TRANSITIONS[(state, event)]
    except KeyError:
        raise InvalidTransition("agent", state, event) from None
    if event in CALL_END_EVENTS and pending is not None and isinstance(target, AgentState):
        if pending is E.SIGN_OUT:
            return A.OFFLINE
        if pending is E.NOT_READY:
            return A.NOT_READY
    return target


class CallState(StrEnum):
    WAITING = "WAITING"  # in a queue (also a callback keeping its place)
    OFFERED = "OFFERED"  # an agent is reserved, the platform is told to ring him
    RINGING = "RINGING"
    CONNECTED = "CONNECTED"
    HELD = "HELD"
    COMPLETED = "COMPLETED"
    ABANDONED = "ABANDONED"
    EXITED = "EXITED"  # left the queue: timeout/overflow, full, empty, key, closed ...
    TRANSFERRED = "TRANSFERRED"


class CallEvent(StrEnum):
    OFFER = "offer"
    RING = "ring"
    ANSWER = "answer"
    NO_ANSWER = "no_answer"
    CANCEL = "cancel"  # every offered agent withdrawn, back to the queue
    HOLD = "hold"
    UNHOLD = "unhold"
    HANGUP = "hangup"
    EXIT = "exit"
    TRANSFER = "transfer"
    REQUEUE = "requeue"  # transferred to another queue


C, CE = CallState, CallEvent
TERMINAL: Final = frozenset({C.COMPLETED, C.ABANDONED, C.EXITED, C.TRANSFERRED})

CALL_TRANSITIONS: Final[dict[tuple[CallState, CallEvent], CallState]] = {
    (C.WAITING, CE.OFFER): C.OFFERED,
    (C.WAITING, CE.HANGUP): C.ABANDONED,
    (C.WAITING, CE.EXIT): C.EXITED,
    (C.OFFERED, CE.RING): C.RINGING,
    (C.OFFERED, CE.ANSWER): C.CONNECTED,
    (C.OFFERED, CE.NO_ANSWER): C.WAITING,  # back at its place
    (C.OFFERED, CE.CANCEL): C.WAITING,
    (C.OFFERED, CE.HANGUP): C.ABANDONED,
    (C.RINGING, CE.RING): C.RINGING,
    (C.RINGING, CE.ANSWER): C.CONNECTED,
    (C.RINGING, CE.NO_ANSWER): C.WAITING,  # back at its place
    (C.RINGING, CE.CANCEL): C.WAITING,
    (C.RINGING, CE.HANGUP): C.ABANDONED,
    (C.CONNECTED, CE.HOLD): C.HELD,
    (C.HELD, CE.UNHOLD): C.CONNECTED,
    (C.CONNECTED, CE.HANGUP): C.COMPLETED,
    (C.HELD, CE.HANGUP): C.COMPLETED,
    (C.CONNECTED, CE.TRANSFER): C.TRANSFERRED,
    (C.HELD, CE.TRANSFER): C.TRANSFERRED,
    (C.CONNECTED, CE.REQUEUE): C.WAITING,
    (C.HELD, CE.REQUEUE): C.WAITING,
}


def call_next(state: CallState, event: CallEvent) -> CallState:
    try:
        return CALL_TRANSITIONS[(state, event)]
    except KeyError:
        raise InvalidTransition("call", state, event) from None
