"""``agent-queue [--config FILE]``: run the ACD service (binds 127.0.0.1 unless configured)."""

from __future__ import annotations

import argparse
import logging

from aiohttp import web


def main(argv: list[str] | None = None) -> int:
    from agent_queue.service.app import create_app
    from agent_queue.service.config import load_settings

    parser = argparse.ArgumentParser(prog="agent-queue", description=__doc__)
    parser.add_argument("--config", help="TOML settings file (see agent_queue.service.config)")
    parser.add_argument("--host", help="override [server] host")
    parser.add_argument("--port", type=int, help="override [server] port")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = load_settings(args.config)
    app = create_app(settings)
    web.run_app(app, host=args.host or settings.host, port=args.port or settings.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
