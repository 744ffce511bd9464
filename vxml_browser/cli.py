"""``vxml-browser``: the voice browser's command line."""

from __future__ import annotations

import argparse
import sys

from .adapters.limits import add_limit_arguments, limits_from_args


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vxml-browser", description="A VoiceXML 2.1 voice browser")
    sub = parser.add_subparsers(dest="command", required=True)
    console = sub.add_parser("console", help="call a VoiceXML application from the terminal")
    console.add_argument("source", help="http(s) URL, file URL or path of the first document")
    console.add_argument("--input", help="caller lines (dtmf/say/silence/hangup); default stdin")
    console.add_argument("--json", action="store_true", help="JSON Lines events on stdout")
    console.add_argument("--trace", action="store_true", help="FIA steps with uri:line on stderr")
    add_limit_arguments(console)
    sip = sub.add_parser("sip", help="answer SIP calls and run a VoiceXML application for each")
    sip.add_argument("--listen", help="HOST:PORT callers use (default 127.0.0.1:5070)")
    sip.add_argument("--app", help="URL of the first document (default app)")
    sip.add_argument("--config", help="TOML file with a [sip] section")
    sip.add_argument("--workers", type=int, help="worker processes (> 1: behind Kamailio)")
    sip.add_argument("--worker-index", type=int, default=None, help=argparse.SUPPRESS)
    sip.add_argument("--worker-port", type=int, default=None, help=argparse.SUPPRESS)
    sip.add_argument("--rtp-port", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.command == "sip":
        from .adapters.sip.main import run_sip

        return run_sip(args)
    if args.command == "console":
        from .adapters.console import run_console

        if args.input:
            with open(args.input, encoding="utf-8") as f:
                lines = f.read().splitlines()
        else:
            lines = (line for line in sys.stdin)
        final = run_console(args.source, lines, as_json=args.json, trace=args.trace,
                            limits=limits_from_args(args))
        return 0 if final.get("reason") != "timeout" else 1
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
