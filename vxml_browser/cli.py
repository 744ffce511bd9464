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
    fax = sub.add_parser("fax", help="the outbound fax queue a SIP platform sends ([sip] fax_queue)")
    fax_sub = fax.add_subparsers(dest="fax_command", required=True)
    send = fax_sub.add_parser("send", help="queue a document (PDF, TIFF or an image) for a number")
    send.add_argument("--queue", required=True, help="the queue's SQLite file ([sip] fax_queue)")
    send.add_argument("--reference", default="", help="your reference, shown in the report")
    send.add_argument("number", help="the number (dialled at [sip] fax_dial_uri) or a SIP URI")
    send.add_argument("document", help="the file to send")
    status = fax_sub.add_parser("status", help="delivery reports: one job, or every job")
    status.add_argument("--queue", required=True, help="the queue's SQLite file ([sip] fax_queue)")
    status.add_argument("--json", action="store_true", help="JSON Lines instead of text")
    status.add_argument("job", nargs="?", help="a job id from `fax send`")
    args = parser.parse_args(argv)
    if args.command == "fax":
        return run_fax(args)
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


def run_fax(args: argparse.Namespace) -> int:
    """``vxml-browser fax send|status``: the queue's file, without a dialer (the SIP workers
    with ``fax_queue`` set send what is queued)."""
    import dataclasses
    import json

    from .adapters.fax.documents import DocumentError
    from .adapters.fax.queue import FaxQueue

    queue = FaxQueue(args.queue)
    try:
        if args.fax_command == "send":
            with open(args.document, "rb") as f:
                document = f.read()
            try:
                print(queue.submit(args.number, document, reference=args.reference))
            except DocumentError as exc:
                print(f"vxml-browser fax send: {args.document}: {exc}", file=sys.stderr)
                return 1
            return 0
        try:
            reports = [queue.report(args.job)] if args.job else queue.jobs()
        except KeyError:
            print(f"vxml-browser fax status: no job {args.job}", file=sys.stderr)
            return 1
        for report in reports:
            print(json.dumps(dataclasses.asdict(report)) if args.json else report.text())
        return 0
    finally:
        queue.close()


if __name__ == "__main__":
    raise SystemExit(main())
