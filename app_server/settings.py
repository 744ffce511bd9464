"""Settings of the application server: one TOML file, every default runs on one machine.

```toml
[server]
host = "127.0.0.1"          # bind address (loopback unless told otherwise)
port = 8091
data_dir = "var/app_server"  # recordings, uploaded prompt audio, the default SQLite file
database_url = ""            # "" = sqlite:///<data_dir>/app_server.db; postgresql+psycopg://... works;
                             # env VXML_DATABASE_URL wins (keeps a DB password out of the file)
app_dirs = []                # extra folders: an app folder, or a folder of app folders
sample_apps = true           # also load the apps in sample_apps/
public_url = ""              # how the voice browser reaches us; "" = http://host:port
call_records_token = ""      # bearer token for /calls, /calls/ID and /calls/ID/end (the SIP platform's
                             # [sip] call_records_token); env VXML_CALL_RECORDS_TOKEN;
                             # "" = those routes answer loopback clients only
max_upload_bytes = 33554432  # the largest request body (a recording's submit, an admin upload):
                             # a bigger one is HTTP 413 and nothing of it is stored

[admin]
password_hash = ""           # user "admin", role admin; from `vxml-app-server --hash-password`;
                             # env VXML_ADMIN_PASSWORD_HASH
secret = ""                  # signs nothing yet; sessions live server-side

[[admin.users]]              # more staff, each with a role (see ROLES)
name = "ops"
password_hash = "pbkdf2_sha256$..."
role = "editor"

[phone]                      # the web phone at /phone (phone.py): a browser calls the apps over WebRTC
ws_url = ""                  # the WebRTC edge's SIP WebSocket (vxml-platform sets it); "" = no web phone
domain = "127.0.0.1"         # the SIP domain of the numbers dialled
numbers = { "1000" = "fund_hotline" }  # the numbers offered (number -> what answers it)

[services.NAME]              # HTTP back ends the apps use (see connectors.HttpService)
url = "http://..."
timeout_s = 3.0
retries = 2
```
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_APPS = ROOT / "sample_apps"

ROLES = ("viewer", "editor", "admin")
"""Admin roles, each with the rights of the ones before it: a viewer reads the admin pages, call
records, recordings and faxes; an editor also edits prompts, menus, hours, holidays and messages
and reloads the config; an admin also manages the users' sessions."""


@dataclass(frozen=True, slots=True)
class AdminUser:
    """One admin login: a name, a PBKDF2 hash (``security.hash_password``) and a role."""

    name: str
    password_hash: str
    role: str = "viewer"

    def may(self, role: str) -> bool:
        """Whether this user has ``role``'s rights."""
        return ROLES.index(self.role) >= ROLES.index(role)


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    """One HTTP back end: base URL, per-try time-out and retries on network errors and 5xx."""

    url: str
    timeout_s: float = 3.0
    retries: int = 2


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8091
    data_dir: Path = Path("var/app_server")
    database_url: str = ""
    app_dirs: tuple[Path, ...] = ()
    sample_apps: bool = True
    public_url: str = ""
    admin_password_hash: str = ""
    admin_users: tuple[AdminUser, ...] = ()
    call_records_token: str = ""
    max_upload_bytes: int = 32 * 1024 * 1024
    services: dict[str, ServiceSettings] = field(default_factory=dict)
    phone_ws_url: str = ""
    phone_domain: str = "127.0.0.1"
    phone_numbers: dict[str, str] = field(default_factory=dict)
    config_path: Path | None = None
    # The wall clock as an injected callable (opening hours, holidays); tests pin it.
    clock: Callable[[], datetime] = datetime.now

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'app_server.db').resolve()}"

    def users(self) -> dict[str, AdminUser]:
        """Every admin login by name; ``[admin] password_hash`` is user "admin" with role admin."""
        users = {u.name: u for u in self.admin_users}
        if self.admin_password_hash and "admin" not in users:
            users["admin"] = AdminUser("admin", self.admin_password_hash, "admin")
        return users

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Settings from a TOML file (or the defaults), then ``overrides``."""
    raw: dict[str, Any] = {}
    base = Path.cwd()
    if path is not None:
        path = Path(path)
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        base = path.resolve().parent
    server = raw.get("server", {})
    admin = raw.get("admin", {})
    phone = raw.get("phone", {})
    unknown = set(raw) - {"server", "admin", "services", "phone"}
    if unknown:
        raise ValueError(f"{path}: unknown sections {sorted(unknown)}; expected server, admin, services, phone")
    unknown_phone = set(phone) - {"ws_url", "domain", "numbers"}
    if unknown_phone:
        raise ValueError(f"{path}: unknown [phone] settings {sorted(unknown_phone)}")

    def resolve(p: str) -> Path:
        q = Path(p).expanduser()
        return q if q.is_absolute() else base / q

    services = {
        name: ServiceSettings(url=s["url"], timeout_s=float(s.get("timeout_s", 3.0)),
                              retries=int(s.get("retries", 2)))
        for name, s in raw.get("services", {}).items()
    }
    settings = Settings(
        host=server.get("host", "127.0.0.1"),
        port=int(server.get("port", 8091)),
        data_dir=resolve(server.get("data_dir", "var/app_server")),
        database_url=os.environ.get("VXML_DATABASE_URL") or server.get("database_url", ""),
        app_dirs=tuple(resolve(p) for p in server.get("app_dirs", [])),
        sample_apps=bool(server.get("sample_apps", True)),
        public_url=server.get("public_url", ""),
        admin_password_hash=os.environ.get("VXML_ADMIN_PASSWORD_HASH", admin.get("password_hash", "")),
        admin_users=tuple(admin_user(entry, path) for entry in admin.get("users", [])),
        call_records_token=os.environ.get("VXML_CALL_RECORDS_TOKEN") or server.get("call_records_token", ""),
        max_upload_bytes=positive_int(server, "max_upload_bytes", 32 * 1024 * 1024, path),
        services=services,
        phone_ws_url=str(phone.get("ws_url", "")),
        phone_domain=str(phone.get("domain", "127.0.0.1")),
        phone_numbers={str(k): str(v) for k, v in phone.get("numbers", {}).items()},
        config_path=path if path is None else Path(path),
    )
    return replace(settings, **overrides) if overrides else settings


def positive_int(table: dict[str, Any], key: str, default: int, path: Path | None) -> int:
    """``table[key]`` (``default`` when missing), which must be a positive integer."""
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{path}: [server] {key} must be a positive integer, not {value!r}")
    return value


def admin_user(entry: dict[str, Any], path: Path | None) -> AdminUser:
    """One ``[[admin.users]]`` table; a plain-text ``password`` is refused (hashes only)."""
    if "password" in entry:
        raise ValueError(f"{path}: [[admin.users]] {entry.get('name')!r} has a plain-text password: "
                         "store password_hash (vxml-app-server --hash-password) instead")
    unknown = set(entry) - {"name", "password_hash", "role"}
    if unknown:
        raise ValueError(f"{path}: unknown [[admin.users]] settings {sorted(unknown)}")
    role = entry.get("role", "viewer")
    if role not in ROLES:
        raise ValueError(f"{path}: [[admin.users]] {entry.get('name')!r}: role {role!r} is not one of {ROLES}")
    return AdminUser(str(entry["name"]), str(entry.get("password_hash", "")), role)
