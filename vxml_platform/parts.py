"""The parts ``vxml-platform up`` runs, in start order: each one's command, the config file it
reads (written here from ``platform.toml``, into ``run_dir``) and its health check.

1. ``app``: ``vxml-app-server`` with the sample apps (admin user ``admin``, the demo password:
   ``PlatformConfig.demo_password``).
2. ``acd``: ``agent-queue`` with a demo team: agents ``ann`` and ``bob``, supervisor ``sue``,
   admin ``admin`` (the demo password), and the queues the sample apps transfer to
   (``queue:funds`` in the fund hotline, ``queue:support``).
3. ``sip``: ``vxml-browser sip``, a worker pool behind Kamailio on ``sip_port`` (UDP and TCP); each DID of
   ``[platform.dids]`` answers its app, any other number the default app.
4. ``rtp``: rtpengine, userspace forwarding (no kernel module), its control socket on
   ``rtpengine_port``: DTLS-SRTP/ICE on the browser's side, plain RTP on the workers'.
5. ``ws``: the WebRTC edge, a Kamailio (``deploy/kamailio/webrtc.cfg``) with a SIP WebSocket on
   ``ws_port``, relaying browsers' calls to ``sip_port`` with rtpengine rewriting each SDP. The
   web phone (the app server's ``/phone``) dials through it. 4 and 5 only with ``webrtc``.

Secrets are made per run and reach the parts in their environment, never in a file:
``VXML_CALL_RECORDS_TOKEN`` (the workers' call records to the app server) and
``VXML_ACD_TOKEN`` (the workers' CTI link to the ACD).
"""

from __future__ import annotations

import json
import secrets
import shutil
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vxml_browser.adapters.sip.pool import find_module_dir, kamailio_binary

from .config import ROOT, PlatformConfig
from .health import http_ok, rtpengine_ok, sip_ok

SAMPLE_APPS = ROOT / "sample_apps"
WEBRTC_CFG = ROOT / "deploy" / "kamailio" / "webrtc.cfg"
DEMO_AGENTS = (("ann", "agent", {"funds": 1, "support": 1}), ("bob", "agent", {"funds": 1}),
               ("sue", "supervisor", {}), ("admin", "admin", {}))
DEMO_QUEUES = ({"name": "funds", "skills": {"funds": 1}, "strategy": "longest_idle", "ring_timeout": 20,
                "wrap_up": 10, "announce_interval": 30},
               {"name": "support", "skills": {"support": 1}, "strategy": "round_robin", "ring_timeout": 20,
                "wrap_up": 10, "announce_interval": 30})


@dataclass
class Part:
    """One child process of the platform."""

    name: str
    argv: list[str]
    health: Callable[[], Awaitable[bool]]
    env: dict[str, str] = field(default_factory=dict)
    ready_timeout_s: float = 90.0


def toml_value(value: Any) -> str:
    """A TOML value: strings, numbers, booleans, lists and inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML for {value!r}")


def toml_table(name: str, values: dict[str, Any], *, array: bool = False) -> str:
    head = f"[[{name}]]" if array else f"[{name}]"
    return head + "\n" + "".join(f"{json.dumps(str(k))} = {toml_value(v)}\n" for k, v in values.items()) + "\n"


def app_entry(config: PlatformConfig, app: str) -> str:
    """The first document of a sample app: ``/apps/NAME/`` (a Jinja app) or its main .vxml."""
    from app_server.run_platform import first_document

    folder = SAMPLE_APPS / app
    static = folder if folder.is_dir() and not (folder / "app.py").exists() else None
    return first_document(config.app_url, app, static)


def app_server_toml(config: PlatformConfig, password: str) -> str:
    from app_server.security import hash_password

    data = (config.data_dir / "app_server").resolve()
    return (toml_table("server", {"host": config.host, "port": config.app_port, "data_dir": str(data),
                                  "public_url": config.app_url, "sample_apps": True})
            + toml_table("admin", {"password_hash": hash_password(password, 10_000)})
            + toml_table("phone", {"ws_url": config.ws_url, "domain": config.host, "numbers": config.dids}))


def acd_toml(config: PlatformConfig, password: str) -> str:
    from agent_queue.service.auth import hash_password

    store = (config.data_dir / "agent_queue.db").resolve()
    text = (toml_table("server", {"host": config.host, "port": config.acd_port})
            + toml_table("store", {"url": f"sqlite:///{store}"}))
    for name, role, _ in DEMO_AGENTS:
        text += toml_table("users", {"name": name, "role": role,
                                     "password_hash": hash_password(password, 10_000)}, array=True)
    text += toml_table("tokens", {"token_env": "VXML_ACD_TOKEN", "name": "vxml-browser", "role": "platform"},
                       array=True)
    for queue in DEMO_QUEUES:
        text += toml_table("queues", queue, array=True)
    return text + toml_table("phone", {"ws_url": config.ws_url, "domain": config.host,
                                       "edge": f"{config.host}:{config.edge_sip_port}"})


def sip_toml(config: PlatformConfig) -> str:
    sip: dict[str, Any] = {
        "listen": f"{config.host}:{config.sip_port}", "tcp": True, "app": app_entry(config, config.default_app),
        "workers": config.workers, "worker_base_port": config.worker_base_port, "rtp_port": config.rtp_port,
        "call_records_url": f"{config.app_url}/calls",
        "fax_store": f"sqlite:///{(config.data_dir / 'app_server' / 'app_server.db').resolve()}",
        "media_cache": str((config.data_dir / "media-cache").resolve()),
    }
    wheel = config.wheel_215()
    if wheel:
        sip["pjsua2_path"] = wheel
        if config.recognizer:
            sip["recognizer"] = config.recognizer
    return (toml_table("sip", sip)
            + toml_table("sip.apps", {did: app_entry(config, app) for did, app in config.dids.items()})
            + toml_table("acd", {"url": config.acd_url}))


def write_configs(config: PlatformConfig, password: str) -> dict[str, Path]:
    """The parts' config files in ``run_dir`` (the demo team's ``password`` only as hashes);
    their paths by part."""
    config.run_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, text in (("app", app_server_toml(config, password)), ("acd", acd_toml(config, password)),
                       ("sip", sip_toml(config))):
        path = config.run_dir / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        written[name] = path
    return written


def make_tokens() -> dict[str, str]:
    return {"VXML_CALL_RECORDS_TOKEN": secrets.token_urlsafe(32), "VXML_ACD_TOKEN": secrets.token_urlsafe(32)}


async def sip_healthy(config: PlatformConfig) -> bool:
    """Kamailio and every worker answer OPTIONS."""
    ports = [config.sip_port, *(config.worker_base_port + i for i in range(config.workers))]
    for port in ports:
        if not await sip_ok(config.host, port):
            return False
    return True


def webrtc_parts(config: PlatformConfig) -> list[Part]:
    """rtpengine, then the Kamailio WebSocket edge in front of ``sip_port``."""
    rtpengine = shutil.which("rtpengine")
    if rtpengine is None:
        raise RuntimeError("rtpengine was not found: apt-get install --no-install-recommends rtpengine-daemon "
                           "(make install does), or set [platform] webrtc = false")
    modules = find_module_dir()
    if not Path(modules, "websocket.so").exists():
        raise RuntimeError("Kamailio's websocket module was not found: apt-get install kamailio-websocket-modules "
                           "(make install does), or set [platform] webrtc = false")
    edge_dir = config.run_dir / "ws"
    edge_dir.mkdir(parents=True, exist_ok=True)
    low, high = config.rtpengine_ports
    host = config.host
    return [
        Part("rtp", [rtpengine, "--config-file=none", "--foreground", "--log-stderr", "--log-level=5",
                     "--table=-1", f"--interface={host}", f"--listen-ng={host}:{config.rtpengine_port}",
                     f"--port-min={low}", f"--port-max={high}"],
             lambda: rtpengine_ok(host, config.rtpengine_port)),
        Part("ws", [kamailio_binary(), "-f", str(WEBRTC_CFG), "-DD", "-E", "-Y", str(edge_dir),
                    "-P", str(edge_dir / "kamailio.pid"),
                    "-A", f"WS_LISTEN=tcp:{host}:{config.ws_port}", "-A", f"SIP_LISTEN=udp:{host}:{config.edge_sip_port}",
                    "-A", f'PLATFORM_HOST="{host}"', "-A", f"PLATFORM_PORT={config.sip_port}",
                    "-A", f'RTPENGINE="udp:{host}:{config.rtpengine_port}"', "-A", f'MPATH="{modules}"'],
             lambda: http_ok(f"http://{host}:{config.ws_port}/")),
    ]


def platform_parts(config: PlatformConfig) -> list[Part]:
    """The parts in start order (``write_configs`` first)."""
    files = {name: str(config.run_dir / f"{name}.toml") for name in ("app", "acd", "sip")}
    py = sys.executable
    return [
        Part("app", [py, "-m", "app_server.cli", "--config", files["app"]],
             lambda: http_ok(f"{config.app_url}/")),
        Part("acd", [py, "-m", "agent_queue.cli", "--config", files["acd"]],
             lambda: http_ok(f"{config.acd_url}/login")),
        Part("sip", [py, "-m", "vxml_browser.cli", "sip", "--config", files["sip"]],
             lambda: sip_healthy(config), ready_timeout_s=120.0),
        *(webrtc_parts(config) if config.webrtc else []),
    ]
