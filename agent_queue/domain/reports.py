"""Statistics from the append-only event log: ASA, service level, abandons, AHT, occupancy.

Definitions (each call counted in the period of the event that settles the figure):

* offered: ``enter`` events (callers refused at entry are counted apart, as ``refused``).
* answered: ``connect``; ASA is the mean of their ``wait`` (seconds in the queue).
* abandoned: ``abandon`` with a wait of at least the queue's ``short_abandon``; shorter ones are
  ``short_abandoned`` and left out of the service level and abandon rate.
* service level, with the queue's threshold T and its variant for abandoned calls:
  ``ignore_abandoned`` = answered ≤ T / answered;
  ``abandoned_negative`` = answered ≤ T / (answered + abandoned);
  ``abandoned_positive`` = (answered ≤ T + abandoned ≤ T) / (answered + abandoned).
* abandon rate = abandoned / (answered + abandoned).
* AHT = (talk, hold included, + wrap-up) / handled calls (``complete`` and ``transfer``).
* occupancy (per agent) = time busy (reserved, alerting, talking, held, wrap-up) /
  (busy + ready).

A caller who overflows on max wait to another queue is offered to both: ``exited`` (reason
timeout) in the first, then answered or abandoned in the second, where his wait counts from his
first entry (he keeps his place). Agent times go to the period in which each state ended.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from .events import Event
from .model import QueueConfig

PERIODS = ("hour", "day", "week", "month", "quarter", "year")
BUSY = frozenset({"RESERVED", "ALERTING", "TALKING", "HELD", "WRAP_UP"})
QUEUE_COLUMNS = ("period", "queue", "offered", "answered", "abandoned", "short_abandoned",
                 "answered_in_sl", "exited", "refused", "callbacks", "callbacks_failed", "asa",
                 "service_level", "abandon_rate", "aht")
AGENT_COLUMNS = ("period", "agent", "calls", "talk", "wrap", "ready", "not_ready", "aht",
                 "occupancy", "ronas")


def period_of(at: float, period: str, utc_offset: int = 0) -> str:
    t = datetime.fromtimestamp(at, UTC) + timedelta(minutes=utc_offset)
    match period:
        case "hour":
            return t.strftime("%Y-%m-%d %H:00")
        case "day":
            return t.strftime("%Y-%m-%d")
        case "week":
            year, week, _ = t.isocalendar()
            return f"{year}-W{week:02d}"
        case "month":
            return t.strftime("%Y-%m")
        case "quarter":
            return f"{t.year}-Q{(t.month - 1) // 3 + 1}"
        case "year":
            return str(t.year)
    raise ValueError(f"period: found {period!r}, expected one of {PERIODS}")


def _ratio(num: float, den: float, scale: float = 1.0) -> float | None:
    return round(scale * num / den, 2) if den else None


def queue_report(events: Iterable[Event], queues: Mapping[str, QueueConfig], period: str = "day",
                 utc_offset: int = 0) -> list[dict[str, Any]]:
    acc: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for e in events:
        if not e.queue:
            continue
        q = queues.get(e.queue) or QueueConfig(e.queue)
        row = acc[(period_of(e.at, period, utc_offset), e.queue)]
        d = e.data
        match e.kind:
            case "enter":
                row["offered"] += 1
            case "connect":
                row["answered"] += 1
                row["wait"] += d.get("wait", 0.0)
                if d.get("wait", 0.0) <= q.sl_threshold:
                    row["answered_in_sl"] += 1
            case "abandon":
                if d.get("wait", 0.0) < q.short_abandon:
                    row["short_abandoned"] += 1
                else:
                    row["abandoned"] += 1
                    if d.get("wait", 0.0) <= q.sl_threshold:
                        row["abandoned_in_sl"] += 1
            case "exit":
                row["refused" if d.get("refused") else "exited"] += 1
            case "callback":
                row["callbacks"] += 1
            case "callback-failed":  # a try whose number did not answer
                row["callbacks_failed"] += 1
            case "complete" | "transfer":
                if e.agent_id:
                    row["handled"] += 1
                    row["talk"] += d.get("talk", 0.0)
            case "agent_state" if d.get("from") == "WRAP_UP" and d.get("to") != "WRAP_UP":
                row["wrap"] += d.get("duration", 0.0)
    out = []
    for (per, name), r in sorted(acc.items()):
        q = queues.get(name) or QueueConfig(name)
        resolved = r["answered"] + r["abandoned"]
        sl_num = r["answered_in_sl"] + (r["abandoned_in_sl"] if q.sl_variant == "abandoned_positive" else 0)
        sl_den = r["answered"] if q.sl_variant == "ignore_abandoned" else resolved
        out.append({
            "period": per, "queue": name,
            **{k: int(r[k]) for k in ("offered", "answered", "abandoned", "short_abandoned",
                                      "answered_in_sl", "exited", "refused", "callbacks",
                                      "callbacks_failed")},
            "asa": _ratio(r["wait"], r["answered"]),
            "service_level": _ratio(sl_num, sl_den, 100),
            "abandon_rate": _ratio(r["abandoned"], resolved, 100),
            "aht": _ratio(r["talk"] + r["wrap"], r["handled"]),
        })
    return out


def agent_report(events: Iterable[Event], period: str = "day", utc_offset: int = 0) -> list[dict[str, Any]]:
    acc: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for e in events:
        if not e.agent_id:
            continue
        row = acc[(period_of(e.at, period, utc_offset), e.agent_id)]
        d = e.data
        match e.kind:
            case "connect":
                row["calls"] += 1
            case "rona":
                row["ronas"] += 1
            case "complete" | "transfer":
                row["handled"] += 1
                row["talk"] += d.get("talk", 0.0)
            case "agent_state":
                state, dur = d.get("from"), d.get("duration", 0.0)
                if "pending" in d:
                    continue  # a request kept for the call's end: no time spent
                if state in BUSY:
                    row["busy"] += dur
                if state == "WRAP_UP":
                    row["wrap"] += dur
                elif state == "READY":
                    row["ready"] += dur
                elif state == "NOT_READY":
                    row["not_ready"] += dur
    out = []
    for (per, agent), r in sorted(acc.items()):
        out.append({
            "period": per, "agent": agent, "calls": int(r["calls"]),
            "talk": round(r["talk"], 1), "wrap": round(r["wrap"], 1), "ready": round(r["ready"], 1),
            "not_ready": round(r["not_ready"], 1),
            "aht": _ratio(r["talk"] + r["wrap"], r["handled"]),
            "occupancy": _ratio(r["busy"], r["busy"] + r["ready"], 100),
            "ronas": int(r["ronas"]),
        })
    return out
