"""Plain data of the ACD: queue configuration, agents and calls."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import IntEnum
from typing import Any

from .errors import BadRequest
from .schedule import Schedule
from .states import AgentEvent, AgentState, CallState


class Tier(IntEnum):
    """Customer tiers, best first: the first key of a queue's order."""

    SPECIAL = 0
    PRIORITY = 1
    NORMAL = 2

    @classmethod
    def parse(cls, value: str | int | None) -> Tier:
        if value is None:
            return cls.NORMAL
        if isinstance(value, int):
            return cls(value)
        try:
            return cls[value.upper()]
        except KeyError:
            raise BadRequest(f"tier: found {value!r}, expected special, priority or normal") from None


STRATEGIES = ("longest_idle", "round_robin", "fewest_calls", "least_talk_time", "ring_all",
              "linear", "random")
SL_VARIANTS = ("ignore_abandoned", "abandoned_negative", "abandoned_positive")


@dataclass(frozen=True, slots=True)
class TimeRule:
    """After ``after`` seconds of waiting, the queue accepts agents with these minimum levels."""

    after: float
    skills: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class QueueConfig:
    name: str
    skills: Mapping[str, int] = field(default_factory=dict)  # skill -> minimum level
    strategy: str = "longest_idle"
    wrap_up: float = 10.0  # seconds of wrap-up after each call
    ring_timeout: float = 15.0  # ring-no-answer after this many seconds
    max_wait: float | None = None
    overflow: str | None = None  # "queue:OTHER" or a destination URI, on max wait
    max_length: int | None = None
    full_target: str | None = None
    join_empty: bool = True
    leave_when_empty: bool = False
    empty_target: str | None = None
    exit_keys: Mapping[str, str] = field(default_factory=dict)  # DTMF key -> destination
    schedule: Schedule | None = None
    night_target: str | None = None
    holiday_target: str | None = None
    announce_interval: float = 30.0  # 0: announce on entry only
    time_rules: tuple[TimeRule, ...] = ()
    members: tuple[str, ...] = ()  # linear / round-robin order; agents not listed come after
    sl_threshold: float = 20.0
    sl_variant: str = "abandoned_negative"
    short_abandon: float = 5.0
    default_aht: float = 180.0
    app_url: str | None = None  # screen pop: customer record URL template ({caller}, {call_id})
    callback_attempts: int = 3  # dialling a callback's number: tries before the call exits
    callback_retry: float = 120.0  # s after a try the customer did not answer, before the next

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise BadRequest(f"queue {self.name}: strategy {self.strategy!r}, expected one of {STRATEGIES}")
        if self.sl_variant not in SL_VARIANTS:
            raise BadRequest(f"queue {self.name}: sl_variant {self.sl_variant!r}, expected one of {SL_VARIANTS}")
        for name, value, least in (("ring_timeout", self.ring_timeout, 0.001), ("wrap_up", self.wrap_up, 0),
                                   ("announce_interval", self.announce_interval, 0),
                                   ("max_wait", self.max_wait, 0.001), ("max_length", self.max_length, 0),
                                   ("sl_threshold", self.sl_threshold, 0), ("short_abandon", self.short_abandon, 0),
                                   ("callback_attempts", self.callback_attempts, 1),
                                   ("callback_retry", self.callback_retry, 0)):
            if value is not None and value < least:
                raise BadRequest(f"queue {self.name}: {name} {value!r}, expected at least {least}")

    def requirements(self, waited: float) -> Mapping[str, int]:
        """The minimum skill levels for a caller who has waited ``waited`` seconds."""
        req = self.skills
        for rule in self.time_rules:
            if waited >= rule.after:
                req = rule.skills
        return req

    def widest(self) -> Mapping[str, int]:
        return self.time_rules[-1].skills if self.time_rules else self.skills

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QueueConfig:
        d = dict(data)
        known = set(cls.__dataclass_fields__)
        unknown = set(d) - known - {"hours", "holidays", "utc_offset"}
        if unknown:
            raise BadRequest(f"queue {d.get('name')}: unknown settings {sorted(unknown)}")
        if "name" not in d:
            raise BadRequest("queue: missing name")
        sched = d.pop("schedule", None) or {k: d.pop(k) for k in ("hours", "holidays", "utc_offset") if k in d}
        d.pop("hours", None), d.pop("holidays", None), d.pop("utc_offset", None)
        rules = tuple(sorted((TimeRule(float(r["after"]), dict(r["skills"])) for r in d.pop("time_rules", ())),
                             key=lambda r: r.after))
        return cls(schedule=Schedule.from_dict(sched), time_rules=rules,
                   skills=dict(d.pop("skills", {})), exit_keys=dict(d.pop("exit_keys", {})),
                   members=tuple(d.pop("members", ())), **d)

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["skills"] = dict(self.skills)
        out["exit_keys"] = dict(self.exit_keys)
        out["members"] = list(self.members)
        out["time_rules"] = [{"after": r.after, "skills": dict(r.skills)} for r in self.time_rules]
        out["schedule"] = self.schedule.to_dict() if self.schedule else None
        return out


@dataclass(slots=True)
class Agent:
    id: str
    name: str = ""
    contact: str = ""  # SIP URI the platform bridges the caller to
    skills: dict[str, int] = field(default_factory=dict)
    state: AgentState = AgentState.OFFLINE
    reason: str = ""  # NOT_READY reason
    since: float = 0.0  # when the current state began
    pending: AgentEvent | None = None  # NOT_READY or SIGN_OUT asked for during a call
    pending_reason: str = ""
    call_id: str | None = None
    queue: str | None = None  # queue of the current / last call (its wrap-up time)
    ready_since: float = 0.0
    calls_taken: int = 0
    talk_time: float = 0.0
    order: int = 0  # sign-in sequence: the linear / round-robin order

    def to_dict(self) -> dict[str, Any]:
        d = {f: getattr(self, f) for f in AGENT_FIELDS}
        d["skills"] = dict(self.skills)
        d["state"] = str(self.state)
        d["pending"] = str(self.pending) if self.pending else None
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Agent:
        d = dict(d)
        d["state"] = AgentState(d["state"])
        d["pending"] = AgentEvent(d["pending"]) if d.get("pending") else None
        return cls(**d)


@dataclass(slots=True)
class Call:
    id: str
    queue: str
    caller: str = ""
    aai: dict[str, Any] = field(default_factory=dict)  # data the IVR attached
    tier: Tier = Tier.NORMAL
    priority: int = 0  # higher first, within a tier
    entered: float = 0.0  # entry into this queue: the order key
    first_entered: float = 0.0  # entry into the ACD
    seq: int = 0  # tie-breaker for equal times
    state: CallState = CallState.WAITING
    agents: list[str] = field(default_factory=list)  # offered to (several under ring all)
    agent: str | None = None  # connected agent
    offered_at: float = 0.0
    connected_at: float = 0.0
    held_at: float = 0.0
    hold_total: float = 0.0
    callback: str | None = None  # number to call back: the caller hung up keeping his place
    ronas: int = 0
    claimed_by: str | None = None  # the platform process that took this offer's legs (``claim``)
    callback_tries: int = 0  # times the callback's number was dialled and not answered
    retry_at: float = 0.0  # a callback not answered waits at its place until then, not offered

    def key(self) -> tuple[int, int, float, int]:
        """The queue order: tier, priority (higher first), entry time."""
        return (int(self.tier), -self.priority, self.entered, self.seq)

    def to_dict(self) -> dict[str, Any]:
        d = {f: getattr(self, f) for f in CALL_FIELDS}
        d["aai"] = dict(self.aai)
        d["agents"] = list(self.agents)
        d["tier"] = self.tier.name.lower()
        d["state"] = str(self.state)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Call:
        d = dict(d)
        d["tier"] = Tier.parse(d["tier"])
        d["state"] = CallState(d["state"])
        return cls(**d)


AGENT_FIELDS = tuple(f.name for f in fields(Agent))
CALL_FIELDS = tuple(f.name for f in fields(Call))
