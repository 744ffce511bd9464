"""IVR content that staff change without a restart: prompt texts and audio, menu entries and
their targets, opening hours, holidays and the night/holiday messages.

Each app ships its defaults in ``content.toml`` (re-read when the file changes); admin edits
are rows of ``app_content`` keyed by ``prompts.NAME``, ``menus.NAME``, ``hours``, ``holidays``
and ``messages.NAME``, which override the defaults. ``ContentStore`` caches one app's merged
view and drops the cache when the admin saves or the file changes.

```toml
[prompts]
welcome = { text = "Welcome to ...", audio = "" }     # audio: a URL or prompts/NAME.wav
[menus.main]
prompt = "main_menu"                                    # a key of [prompts]
entries = [ { dtmf = "1", say = "prices", label = "fund prices", target = "funds" } ]
[hours]                                                 # local time, "HH:MM-HH:MM" or "closed"
mon = "08:00-18:00"
[messages]
night = "Our agents are available ..."
holiday = "Our offices are closed today ..."
holidays = ["2026-12-25"]   # top-level list
```
"""

from __future__ import annotations

import copy
import threading
import time
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from .db import Database
from .models import ContentRow

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class PromptText:
    """A prompt: the text a synthesizer speaks, and audio played in its place when set."""

    key: str
    text: str
    audio: str = ""


@dataclass(frozen=True, slots=True)
class MenuEntry:
    dtmf: str
    label: str
    target: str
    say: str = ""


def parse_span(span: str) -> tuple[dtime, dtime] | None:
    """``"08:00-18:00"`` as two times; ``"closed"`` or ``""`` as None. Raises ValueError."""
    span = span.strip().lower()
    if span in ("", "closed"):
        return None
    start, _, end = span.partition("-")
    a, b = dtime.fromisoformat(start.strip()), dtime.fromisoformat(end.strip())
    if b <= a:
        raise ValueError(f"opening hours {span!r}: the end must come after the start")
    return a, b


class Content:
    """One app's merged content (defaults + admin edits), read-only."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self._spans: dict[str, tuple[dtime, dtime] | None] | None = None
        self._holidays: frozenset[str] | None = None

    def prompt(self, key: str) -> PromptText:
        p = self.data.get("prompts", {}).get(key)
        if p is None:
            raise KeyError(f"no prompt {key!r} in the app's content")
        if isinstance(p, str):
            return PromptText(key, p)
        return PromptText(key, p.get("text", ""), p.get("audio", ""))

    def menu(self, name: str) -> list[MenuEntry]:
        m = self.data.get("menus", {}).get(name)
        if m is None:
            raise KeyError(f"no menu {name!r} in the app's content")
        return [MenuEntry(str(e["dtmf"]), e.get("label", ""), e["target"], e.get("say", ""))
                for e in m.get("entries", [])]

    def menu_prompt(self, name: str) -> PromptText:
        return self.prompt(self.data["menus"][name].get("prompt", name))

    def message(self, name: str) -> str:
        return self.data.get("messages", {}).get(name, "")

    @property
    def hours(self) -> dict[str, str]:
        h = self.data.get("hours", {})
        return {d: h.get(d, "closed") for d in DAYS}

    @property
    def holidays(self) -> list[str]:
        return sorted(self.data.get("holidays", []))

    def service_state(self, now: datetime) -> str:
        """"open", "holiday" or "night" (closed) at local time ``now``."""
        if self._holidays is None:
            self._holidays = frozenset(self.data.get("holidays", []))
        if now.date().isoformat() in self._holidays:
            return "holiday"
        if self._spans is None:
            self._spans = {d: parse_span(span) for d, span in self.hours.items()}
        span = self._spans[DAYS[now.weekday()]]
        if span and span[0] <= now.time() < span[1]:
            return "open"
        return "night"


def _set_path(data: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    node = data
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


class ContentStore:
    """Defaults from ``content.toml`` merged with the admin's rows; cached, reloaded on change."""

    def __init__(self, app: str, path: Path, db: Database, ttl_s: float = 2.0) -> None:
        self.app = app
        self.path = path
        self.db = db
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._cached: Content | None = None
        self._stamp = 0.0
        self._mtime = -2.0
        self._defaults: dict[str, Any] | None = None

    def defaults(self) -> dict[str, Any]:
        if not self.path.exists():
            return {}
        return tomllib.loads(self.path.read_text(encoding="utf-8"))

    def invalidate(self) -> None:
        with self._lock:
            self._cached = None

    def _fresh(self) -> bool:
        """Cached and younger than the TTL (after it, ``load`` re-reads the file and the rows)."""
        return self._cached is not None and time.monotonic() - self._stamp <= self.ttl_s

    def load(self) -> Content:
        """The merged content (a DB read when the cache is stale)."""
        with self._lock:
            if self._fresh():
                assert self._cached is not None
                return self._cached
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            mtime = -1.0
        if self._defaults is None or mtime != self._mtime:
            self._defaults = self.defaults()  # content.toml changed: hot reload
        data = copy.deepcopy(self._defaults)
        rows = self.db.call(lambda s: [(r.key, r.value) for r in s.scalars(
            select(ContentRow).where(ContentRow.app == self.app).order_by(ContentRow.key))])
        for key, value in rows:
            _set_path(data, key, value)
        content = Content(data)
        with self._lock:
            self._cached, self._stamp, self._mtime = content, time.monotonic(), mtime
        return content

    def cached(self) -> Content | None:
        """The cached view while it is fresh, else None (then ``aload``)."""
        with self._lock:
            return self._cached if self._fresh() else None

    async def aload(self) -> Content:
        """``load`` off the event loop (the cached view without a thread hop when fresh)."""
        content = self.cached()
        if content is not None:
            return content
        import asyncio

        return await asyncio.get_running_loop().run_in_executor(None, self.load)

    def save(self, key: str, value: Any, user: str = "admin") -> None:
        """Store an admin edit of ``key`` and drop the cache (takes effect on the next page)."""
        validate(key, value)

        def write(s: Any) -> None:
            row = s.scalar(select(ContentRow).where(ContentRow.app == self.app, ContentRow.key == key))
            if row is None:
                s.add(ContentRow(app=self.app, key=key, value=value, updated_by=user))
            else:
                row.value = value
                row.updated_by = user

        self.db.call(write)
        self.invalidate()


def validate(key: str, value: Any) -> None:
    """Raise ValueError for content the IVR could not use."""
    if key.startswith("prompts."):
        if not isinstance(value, dict) or not str(value.get("text", "")).strip():
            raise ValueError(f"{key}: a prompt needs a text")
    elif key.startswith("menus."):
        seen: set[str] = set()
        for e in value.get("entries", []):
            d = str(e.get("dtmf", ""))
            if len(d) != 1 or d not in "0123456789*#":
                raise ValueError(f"{key}: DTMF key {d!r} must be one of 0-9 * #")
            if d in seen:
                raise ValueError(f"{key}: DTMF key {d} is used twice")
            seen.add(d)
            if not e.get("target"):
                raise ValueError(f"{key}: entry {d} needs a target")
    elif key == "hours":
        for day, span in value.items():
            if day not in DAYS:
                raise ValueError(f"hours: unknown day {day!r}")
            parse_span(span)
    elif key == "holidays":
        for d in value:
            date.fromisoformat(d)
