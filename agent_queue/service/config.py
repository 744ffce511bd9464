"""Settings from one TOML file; every default runs on one machine.

```toml
[server]
host = "127.0.0.1"      # the service binds here
port = 8095
secret = "..."          # signs session cookies; generated and kept in the store if absent

[store]
url = "sqlite:///agent_queue.db"   # or postgresql+psycopg://user:pw@host/db

[reports]
utc_offset = 0          # minutes; reports by local hour/day/week...

[[users]]               # console users: role agent, supervisor or admin
name = "ann"
password = "secret"     # or password_hash = "pbkdf2_sha256$..."
role = "agent"

[[tokens]]              # API tokens (Authorization: Bearer ...): the voice browser is "platform"
token = "..."
name = "vxml-browser"
role = "platform"

[[queues]]              # see agent_queue.domain.model.QueueConfig for every setting
name = "sales"
skills = { sales = 1 }
strategy = "longest_idle"
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_queue.domain.model import QueueConfig

ROLES = ("agent", "supervisor", "admin", "platform")


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: str
    password_hash: str


@dataclass(frozen=True, slots=True)
class Token:
    token: str
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8095
    secret: str | None = None
    store_url: str = "sqlite:///agent_queue.db"
    utc_offset: int = 0
    users: tuple[User, ...] = ()
    tokens: tuple[Token, ...] = ()
    queues: tuple[QueueConfig, ...] = ()
    screen_pop_timeout: float = 3.0
    extra: dict[str, Any] = field(default_factory=dict)


def load_settings(path: str | Path | None = None) -> Settings:
    from .auth import hash_password

    data: dict[str, Any] = {}
    if path is not None:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    server, store, reports = data.get("server", {}), data.get("store", {}), data.get("reports", {})
    users = []
    for u in data.get("users", []):
        if u.get("role") not in ROLES[:3]:
            raise ValueError(f"user {u.get('name')}: role {u.get('role')!r}, expected agent, supervisor or admin")
        users.append(User(u["name"], u["role"], u.get("password_hash") or hash_password(u["password"])))
    tokens = []
    for t in data.get("tokens", []):
        if t.get("role") not in ROLES:
            raise ValueError(f"token {t.get('name')}: role {t.get('role')!r}, expected one of {ROLES}")
        tokens.append(Token(t["token"], t.get("name", t["role"]), t["role"]))
    return Settings(
        host=server.get("host", "127.0.0.1"), port=int(server.get("port", 8095)),
        secret=server.get("secret"), store_url=store.get("url", "sqlite:///agent_queue.db"),
        utc_offset=int(reports.get("utc_offset", 0)), users=tuple(users), tokens=tuple(tokens),
        queues=tuple(QueueConfig.from_dict(q) for q in data.get("queues", [])),
        screen_pop_timeout=float(server.get("screen_pop_timeout", 3.0)),
    )
