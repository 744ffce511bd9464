"""What the ACD reports: one event type, a kind and its fields.

The same events are the CTI stream (WebSocket) and, for the kinds in ``LOGGED``, the rows of
the append-only event log that reports are computed from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    at: float
    call_id: str | None = None
    agent_id: str | None = None
    queue: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "at": self.at, "call_id": self.call_id,
                "agent_id": self.agent_id, "queue": self.queue, "data": self.data}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Event:
        return cls(d["kind"], d["at"], d.get("call_id"), d.get("agent_id"), d.get("queue"),
                   dict(d.get("data") or {}))


# Kinds, with what ``data`` carries.
ENTER: Final = "enter"  # caller, aai, tier, priority, position
OFFER: Final = "offer"  # contact, caller, aai, ring_all, callback -> platform: bridge to contact
RING: Final = "ring"  # the agent's phone rings
RONA: Final = "rona"  # ring-no-answer; the call is back at its place
CANCEL: Final = "cancel"  # platform: stop ringing this agent
CONNECT: Final = "connect"  # wait (seconds in this queue)
HOLD: Final = "hold"
UNHOLD: Final = "unhold"
TRANSFER: Final = "transfer"  # target
COMPLETE: Final = "complete"  # talk, hold, by
ABANDON: Final = "abandon"  # wait, stage (queue / ringing)
EXIT: Final = "exit"  # reason (timeout, full, empty, key, closed, holiday), destination, wait
CALLBACK: Final = "callback"  # number
CALLBACK_FAILED: Final = "callback-failed"  # number, reason, attempt, retry_at (None: it exits)
AGENT_STATE: Final = "agent_state"  # from, to, reason, duration (in 'from'), by, call_id
ANNOUNCE: Final = "announce"  # position, ewt, text (CTI only)
MONITOR: Final = "monitor"  # mode (listen, whisper, barge, intercept), by, contact
NOTES: Final = "notes"  # wrap-up notes
FORCE: Final = "force"  # a supervisor's forced action, by
SIGN_IN: Final = "sign_in"  # contact, skills

LOGGED: Final = frozenset({ENTER, OFFER, RONA, CONNECT, HOLD, UNHOLD, TRANSFER, COMPLETE, ABANDON,
                           EXIT, CALLBACK, CALLBACK_FAILED, AGENT_STATE, MONITOR, NOTES, FORCE, SIGN_IN})
