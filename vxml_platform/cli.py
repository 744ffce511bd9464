"""``vxml-platform up | status | console`` (``make run``, ``make console``).

- ``up [--config platform.toml]``: the whole platform (``parts.py``) until Ctrl-C or SIGTERM;
  needs no terminal (``make run`` with no stdin stays up).
- ``status``: each part's state, pid, restarts and health now; exit 1 unless all are healthy.
- ``console [APP]``: an interactive console call to APP on the running platform's app server
  (``app_server.run_platform --server``); its call record goes there too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from .config import PlatformConfig, load_config
from .parts import DEMO_AGENTS, make_tokens, platform_parts, write_configs
from .supervisor import Supervisor


def banner(config: PlatformConfig, password: str) -> str:
    dids = ", ".join(f"{did} {app}" for did, app in config.dids.items())
    agents = ", ".join(name for name, role, _ in DEMO_AGENTS if role == "agent")
    phone = (f", or open {config.app_url}/phone (the web phone, WebRTC)" if config.webrtc else "")
    return "\n".join([
        "the platform is up:",
        f"  call sip:1000@{config.host}:{config.sip_port}{phone}",
        f"  numbers: {dids}; any other number: {config.default_app} (SIP phones: UDP or TCP)",
        f"  app server  {config.app_url}/   admin {config.app_url}/admin/ (admin / {password})",
        f"  ACD         {config.acd_url}/   agent desktop {config.acd_url}/desktop ({agents} / "
        f"{password}), supervisor {config.acd_url}/supervisor (sue), wallboard "
        f"{config.acd_url}/wallboard, reports {config.acd_url}/reports",
        "  a console call: make console APP=fund_hotline;  status: vxml-platform status;  stop: Ctrl-C",
        f"  (the demo team's password is kept in {config.data_dir / 'demo-password'}; [platform]"
        " demo_password_env names another)",
    ])


async def up(config: PlatformConfig) -> int:
    password = config.demo_password()
    write_configs(config, password)
    tokens = make_tokens()
    info: dict[str, Any] = {"app_url": config.app_url, "acd_url": config.acd_url,
                            "sip": f"{config.host}:{config.sip_port}",
                            "call_records_token": tokens["VXML_CALL_RECORDS_TOKEN"]}
    supervisor = Supervisor(platform_parts(config), config.status_path, env=tokens, info=info)
    return await supervisor.up(on_ready=lambda: print(banner(config, password), flush=True))


def read_status(config: PlatformConfig) -> dict[str, Any] | None:
    """The running supervisor's status file, or None when no supervisor runs."""
    try:
        status = json.loads(config.status_path.read_text(encoding="utf-8"))
        os.kill(int(status["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return None
    return status


async def status(config: PlatformConfig) -> int:
    running = read_status(config)
    if running is None:
        print(f"the platform is not running (no supervisor behind {config.status_path})")
        return 1
    ok = True
    print(f"supervisor pid {running['pid']}")
    for part in platform_parts(config):
        state = running["parts"].get(part.name, {})
        healthy = await part.health()
        ok = ok and healthy
        print(f"  {part.name:<4} {state.get('state', '?'):<10} pid {state.get('pid')}  restarts "
              f"{state.get('restarts', 0)}  {'healthy' if healthy else 'NOT answering'}")
    return 0 if ok else 1


def console(config: PlatformConfig, app: str, rest: list[str]) -> int:
    from app_server import run_platform

    running = read_status(config)
    if running is None:  # no platform: the console call brings its own app server, as before
        return run_platform.main([app, *rest])
    os.environ["VXML_CALL_RECORDS_TOKEN"] = running["call_records_token"]
    return run_platform.main([app, "--server", running["app_url"], *rest])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vxml-platform", description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="platform.toml (defaults otherwise: see vxml_platform/config.py)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start the whole platform and keep it up")
    sub.add_parser("status", help="each part's state and health")
    call = sub.add_parser("console", help="a console call to an app of the running platform")
    call.add_argument("app", nargs="?", default="fund_hotline")
    args, rest = parser.parse_known_args(argv)
    if rest and args.command != "console":
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        config = load_config(args.config or (Path("platform.toml") if Path("platform.toml").exists() else None))
    except (OSError, ValueError) as exc:
        print(f"vxml-platform: {exc}", file=sys.stderr)
        return 2
    if args.command == "up":
        try:
            return asyncio.run(up(config))
        except (RuntimeError, ValueError) as exc:  # a part's program is missing, no password
            print(f"vxml-platform: {exc}", file=sys.stderr)
            return 2
    if args.command == "status":
        return asyncio.run(status(config))
    return console(config, args.app, rest)


if __name__ == "__main__":
    sys.exit(main())
