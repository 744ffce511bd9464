"""Settings from one TOML file; every default runs on one machine.

```toml
[server]
host = "127.0.0.1"      # the service binds here
port = 8095
secret = "..."          # signs session cookies; env AQ_SECRET; generated and kept in the store if absent

[store]
url = "sqlite:///agent_queue.db"   # or postgresql+psycopg://user:pw@host/db; env AQ_STORE_URL wins

[reports]
utc_offset = 0          # minutes; reports by local hour/day/week...

[[users]]               # console users: role agent, supervisor or admin
name = "ann"
password_env = "ANN_PASSWORD"  # or password_hash = "pbkdf2_sha256$...", or password = "..."
role = "agent"                 # (a plain-text password in the file is logged as a warning)

[[tokens]]              # API tokens (Authorization: Bearer ...): the voice browser is "platform"
token_env = "AQ_PLATFORM_TOKEN"  # or token = "..." (logged as a warning)
name = "vxml-browser"
role = "platform"

[phone]                 # the agent desktop's browser phone (WebRTC; vxml-platform sets it)
ws_url = "ws://127.0.0.1:8088"   # the edge's SIP WebSocket; "" = no browser phone
domain = "127.0.0.1"             # the SIP domain the browser registers in
edge = "127.0.0.1:5062"          # the edge's SIP side: the agent's contact is sip:NAME@edge

[[queues]]              # see agent_queue.domain.model.QueueConfig for every setting
name = "sales"
skills = { sales = 1 }
strategy = "longest_idle"
```
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_queue.domain.model import QueueConfig

log = logging.getLogger("agent_queue.config")

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
    phone_ws_url: str = ""  # [phone]: the WebRTC edge's SIP WebSocket ("" = no browser phone)
    phone_domain: str = "127.0.0.1"  # the SIP domain the browser registers in
    phone_edge: str = ""  # host:port of the edge's SIP side: the agent's contact is sip:NAME@edge
    extra: dict[str, Any] = field(default_factory=dict)


def load_settings(path: str | Path | None = None) -> Settings:
    from .auth import hash_password

    data: dict[str, Any] = {}
    if path is not None:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    server, store, reports = data.get("server", {}), data.get("store", {}), data.get("reports", {})
    phone = data.get("phone", {})
    unknown_phone = set(phone) - {"ws_url", "domain", "edge"}
    if unknown_phone:
        raise ValueError(f"{path}: unknown [phone] settings {sorted(unknown_phone)}")
    users = []
    for u in data.get("users", []):
        if u.get("role") not in ROLES[:3]:
            raise ValueError(f"user {u.get('name')}: role {u.get('role')!r}, expected agent, supervisor or admin")
        stored = u.get("password_hash") or hash_password(secret_of(u, "password", f"{path}: user {u['name']}"))
        users.append(User(u["name"], u["role"], stored))
    tokens = []
    for t in data.get("tokens", []):
        if t.get("role") not in ROLES:
            raise ValueError(f"token {t.get('name')}: role {t.get('role')!r}, expected one of {ROLES}")
        name = t.get("name", t["role"])
        tokens.append(Token(secret_of(t, "token", f"{path}: token {name}"), name, t["role"]))
    return Settings(
        host=server.get("host", "127.0.0.1"), port=int(server.get("port", 8095)),
        secret=os.environ.get("AQ_SECRET") or server.get("secret"),
        store_url=os.environ.get("AQ_STORE_URL") or store.get("url", "sqlite:///agent_queue.db"),
        utc_offset=int(reports.get("utc_offset", 0)), users=tuple(users), tokens=tuple(tokens),
        queues=tuple(QueueConfig.from_dict(q) for q in data.get("queues", [])),
        screen_pop_timeout=float(server.get("screen_pop_timeout", 3.0)),
        phone_ws_url=str(phone.get("ws_url", "")), phone_domain=str(phone.get("domain", "127.0.0.1")),
        phone_edge=str(phone.get("edge", "")),
    )


def secret_of(entry: dict[str, Any], key: str, where: str) -> str:
    """``entry[key + "_env"]``'s environment variable, else ``entry[key]`` (a plain-text secret in
    the file: allowed, with a warning)."""
    variable = entry.get(f"{key}_env")
    if variable:
        value = os.environ.get(variable, "")
        if not value:
            raise ValueError(f"{where}: {key}_env names {variable}, which is not set")
        return value
    if key not in entry:
        raise ValueError(f"{where}: give {key}_env (an environment variable) or {key}")
    log.warning("%s: plain-text %s in the config file; prefer %s_env", where, key, key)
    return str(entry[key])
