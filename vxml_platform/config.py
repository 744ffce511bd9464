"""``platform.toml``: where each part listens and what it runs; every default runs on one
machine, bound to 127.0.0.1.

```toml
[platform]
host = "127.0.0.1"            # every part binds here
data_dir = "var/platform"     # the parts' config files, databases, recordings (relative: to this file)
app_port = 8090               # the app server (sample apps, admin, call records)
acd_port = 8095               # the agent queue service (desktop, supervisor, wallboard, reports)
sip_port = 5060               # Kamailio: the SIP address callers use
worker_base_port = 5200       # SIP worker i listens on base + i (behind Kamailio)
rtp_port = 20000              # the workers' first RTP port (200 per worker)
workers = 2                   # SIP worker processes (at least 2, behind Kamailio)
default_app = "fund_hotline"  # what a number not in [platform.dids] answers
demo_password_env = ""        # a variable holding the demo team's password (ACD users, app server
                              # admin); unset: one made at the first start, kept in DATA_DIR/demo-password
recognizer = "pocketsphinx"   # voice input on SIP calls ("" : DTMF only); needs pjsua2 2.15
pjsua2_path = ""              # the 2.15 wheel's folder; "" = .venv/pjsua2-215 when present
webrtc = true                 # the WebRTC edge (browsers: the web phone at /phone)
ws_port = 8088                # its SIP WebSocket (ws://host:ws_port), Kamailio's websocket module
edge_sip_port = 5062          # its UDP socket towards the platform
rtpengine_port = 2223         # rtpengine's control socket (ng protocol)
rtpengine_ports = [40000, 40999]  # rtpengine's media ports (userspace forwarding)

[platform.dids]               # the number dialled (request-URI user) -> an app
"1000" = "fund_hotline"
"1001" = "support_hotline"
"1002" = "demo"
```
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_DIDS = {"1000": "fund_hotline", "1001": "support_hotline", "1002": "demo"}


@dataclass(frozen=True, slots=True)
class PlatformConfig:
    host: str = "127.0.0.1"
    data_dir: Path = Path("var/platform")
    app_port: int = 8090
    acd_port: int = 8095
    sip_port: int = 5060
    worker_base_port: int = 5200
    rtp_port: int = 20000
    workers: int = 2
    default_app: str = "fund_hotline"
    demo_password_env: str = ""
    recognizer: str = "pocketsphinx"
    pjsua2_path: str = ""
    webrtc: bool = True
    ws_port: int = 8088
    edge_sip_port: int = 5062
    rtpengine_port: int = 2223
    rtpengine_ports: tuple[int, int] = (40000, 40999)
    dids: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_DIDS))

    @property
    def app_url(self) -> str:
        return f"http://{self.host}:{self.app_port}"

    @property
    def acd_url(self) -> str:
        return f"http://{self.host}:{self.acd_port}"

    @property
    def ws_url(self) -> str:
        """The WebRTC edge's SIP WebSocket ("" when ``webrtc`` is off)."""
        return f"ws://{self.host}:{self.ws_port}" if self.webrtc else ""

    @property
    def run_dir(self) -> Path:
        """The parts' config files and the status file of the running supervisor."""
        return self.data_dir / "run"

    @property
    def status_path(self) -> Path:
        return self.run_dir / "status.json"

    def demo_password(self) -> str:
        """The demo team's password: ``demo_password_env``'s variable, else the one kept in
        ``data_dir/demo-password`` (made, readable by its owner only, on first use)."""
        if self.demo_password_env:
            value = os.environ.get(self.demo_password_env, "")
            if not value:
                raise ValueError(f"[platform] demo_password_env names {self.demo_password_env}, which is not set")
            return value
        path = self.data_dir / "demo-password"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(9) + "\n")
        return path.read_text(encoding="utf-8").strip()

    def wheel_215(self) -> str:
        """The pjsua2 2.15 folder the workers use ("" : the default 2.10 wheel)."""
        if self.pjsua2_path:
            return self.pjsua2_path
        folder = ROOT / ".venv" / "pjsua2-215"
        return str(folder) if folder.is_dir() else ""


def load_config(path: str | Path | None = None, **overrides: Any) -> PlatformConfig:
    """``path``'s ``[platform]`` table over the defaults, then ``overrides`` (None: unset).
    Raises ValueError on an unknown setting."""
    data: dict[str, Any] = {}
    if path is not None:
        with open(path, "rb") as f:
            data = dict(tomllib.load(f).get("platform", {}))
    known = {f.name for f in fields(PlatformConfig)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"{path}: unknown [platform] settings {sorted(unknown)}")
    data.update({k: v for k, v in overrides.items() if v is not None})
    base = Path(path).resolve().parent if path is not None else Path.cwd()
    data["data_dir"] = (base / Path(data.get("data_dir", "var/platform")).expanduser()).resolve()
    if "rtpengine_ports" in data:
        low, high = (int(p) for p in data["rtpengine_ports"])
        data["rtpengine_ports"] = (low, high)
    if "dids" in data:
        data["dids"] = {str(k): str(v) for k, v in data["dids"].items()}
    config = replace(PlatformConfig(), **data)
    if config.workers < 2:  # below that vxml-browser sip runs one worker without Kamailio
        raise ValueError(f"{path}: [platform] workers must be at least 2 (Kamailio spreads calls over them)")
    return config
