"""Opening hours, holidays and night service for a queue (pure: a fixed UTC offset)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


@dataclass(frozen=True, slots=True)
class Schedule:
    """``hours``: day -> list of "HH:MM-HH:MM" ranges; a day missing is closed all day.

    ``holidays``: ISO dates closed all day. ``utc_offset`` in minutes (local = UTC + offset).
    """

    hours: Mapping[str, Sequence[str]] = field(default_factory=dict)
    holidays: frozenset[str] = frozenset()
    utc_offset: int = 0

    @classmethod
    def from_dict(cls, data: Mapping[str, object] | None) -> Schedule | None:
        if not data:
            return None
        hours = {str(k).lower()[:3]: tuple(v) for k, v in dict(data.get("hours", {})).items()}
        for day in hours:
            if day not in DAYS:
                raise ValueError(f"opening hours: unknown day {day!r}, expected one of {DAYS}")
        return cls(hours, frozenset(data.get("holidays", ())), int(data.get("utc_offset", 0)))

    def to_dict(self) -> dict[str, object]:
        return {"hours": {k: list(v) for k, v in self.hours.items()},
                "holidays": sorted(self.holidays), "utc_offset": self.utc_offset}

    def status(self, at: float) -> str:
        """"open", "holiday" or "closed" (night service) at epoch seconds ``at``."""
        local = datetime.fromtimestamp(at, UTC) + timedelta(minutes=self.utc_offset)
        if local.date().isoformat() in self.holidays:
            return "holiday"
        now = local.hour * 60 + local.minute
        for span in self.hours.get(DAYS[local.weekday()], ()):
            start, end = span.split("-")
            if _minutes(start) <= now < _minutes(end):
                return "open"
        return "closed"
