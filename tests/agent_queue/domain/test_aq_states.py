"""Every cell of the agent and call state tables, and the pending exceptions beside them."""

from __future__ import annotations

import pytest

from agent_queue.domain.errors import InvalidTransition
from agent_queue.domain.states import (
    AGENT_TRANSITIONS,
    CALL_TRANSITIONS,
    AgentEvent,
    AgentState,
    CallEvent,
    CallState,
    Pending,
    agent_next,
    call_next,
)

A, E = AgentState, AgentEvent


@pytest.mark.parametrize(("cell", "target"), list(AGENT_TRANSITIONS.items()), ids=str)
def test_agent_table_cell(cell, target):
    assert agent_next(*cell) == target


ALL_AGENT = [(s, e) for s in A for e in E if (s, e) not in AGENT_TRANSITIONS]


@pytest.mark.parametrize("cell", ALL_AGENT, ids=str)
def test_agent_refuses_missing_cells(cell):
    with pytest.raises(InvalidTransition) as err:
        agent_next(*cell)
    assert str(err.value) == f"agent: cannot {cell[1]} in state {cell[0]}"


@pytest.mark.parametrize("busy", [A.RESERVED, A.ALERTING, A.TALKING, A.HELD])
def test_not_ready_and_sign_out_during_a_call_wait(busy):
    assert agent_next(busy, E.NOT_READY) is Pending.DEFER
    assert agent_next(busy, E.SIGN_OUT) is Pending.DEFER
    assert agent_next(busy, E.READY) is Pending.UNDEFER


@pytest.mark.parametrize(("state", "event", "pending", "target"), [
    (A.WRAP_UP, E.WRAP_END, E.NOT_READY, A.NOT_READY),
    (A.WRAP_UP, E.WRAP_END, E.SIGN_OUT, A.OFFLINE),
    (A.RESERVED, E.CANCEL, E.NOT_READY, A.NOT_READY),
    (A.ALERTING, E.CANCEL, E.SIGN_OUT, A.OFFLINE),
    (A.ALERTING, E.NO_ANSWER, E.SIGN_OUT, A.OFFLINE),
    (A.ALERTING, E.NO_ANSWER, E.NOT_READY, A.NOT_READY),
    (A.TALKING, E.END_CALL, E.SIGN_OUT, A.WRAP_UP),  # pending survives into wrap-up
    (A.WRAP_UP, E.READY, E.SIGN_OUT, A.READY),  # an explicit request is not a call end
])
def test_pending_request_wins_when_the_call_ends(state, event, pending, target):
    assert agent_next(state, event, pending) == target


@pytest.mark.parametrize(("cell", "target"), list(CALL_TRANSITIONS.items()), ids=str)
def test_call_table_cell(cell, target):
    assert call_next(*cell) == target


@pytest.mark.parametrize("cell", [(s, e) for s in CallState for e in CallEvent
                                  if (s, e) not in CALL_TRANSITIONS], ids=str)
def test_call_refuses_missing_cells(cell):
    with pytest.raises(InvalidTransition):
        call_next(*cell)


def test_terminal_call_states_have_no_way_out():
    from agent_queue.domain.states import TERMINAL

    assert not [cell for cell in CALL_TRANSITIONS if cell[0] in TERMINAL]
