"""Settings of the application server: one TOML file, every default runs on one machine.

```toml
[server]
host = "127.0.0.1"          # bind address (loopback unless told otherwise)
port = 8091
data_dir = "var/app_server"  # recordings, uploaded prompt audio, the default SQLite file
database_url = ""            # "" = sqlite:///<data_dir>/app_server.db; postgresql+psycopg://... works
app_dirs = []                # extra folders: an app folder, or a folder of app folders
sample_apps = true           # also load the apps in sample_apps/
public_url = ""              # how the voice browser reaches us; "" = http://host:port

[admin]
password_hash = ""           # from `vxml-app-server --hash-password`; env VXML_ADMIN_PASSWORD_HASH
secret = ""                  # signs nothing yet; sessions live server-side

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
    services: dict[str, ServiceSettings] = field(default_factory=dict)
    config_path: Path | None = None
    # The wall clock as an injected callable (opening hours, holidays); tests pin it.
    clock: Callable[[], datetime] = datetime.now

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'app_server.db').resolve()}"

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
    unknown = set(raw) - {"server", "admin", "services"}
    if unknown:
        raise ValueError(f"{path}: unknown sections {sorted(unknown)}; expected server, admin, services")

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
        database_url=server.get("database_url", ""),
        app_dirs=tuple(resolve(p) for p in server.get("app_dirs", [])),
        sample_apps=bool(server.get("sample_apps", True)),
        public_url=server.get("public_url", ""),
        admin_password_hash=os.environ.get("VXML_ADMIN_PASSWORD_HASH", admin.get("password_hash", "")),
        services=services,
        config_path=path if path is None else Path(path),
    )
    return replace(settings, **overrides) if overrides else settings
