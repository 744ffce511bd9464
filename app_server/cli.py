"""``vxml-app-server [--config FILE] [--host H] [--port P]``: run the application server.

``vxml-app-server --hash-password`` reads a password (twice, not echoed) and prints the hash
for ``[admin] password_hash`` (or the VXML_ADMIN_PASSWORD_HASH environment variable)."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys

from aiohttp import web

from .security import hash_password
from .server import create_app
from .settings import load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vxml-app-server", description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="the TOML settings file (defaults otherwise)")
    parser.add_argument("--host", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default 8091)")
    parser.add_argument("--hash-password", action="store_true", help="print a password hash and exit")
    args = parser.parse_args(argv)
    if args.hash_password:
        first = getpass.getpass("admin password: ")
        if first != getpass.getpass("again: "):
            print("the passwords differ", file=sys.stderr)
            return 2
        print(hash_password(first))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    try:
        settings = load_settings(args.config, **overrides)
    except (OSError, ValueError) as exc:
        print(f"vxml-app-server: {exc}", file=sys.stderr)
        return 2
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
