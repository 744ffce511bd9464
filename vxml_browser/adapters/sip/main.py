"""``vxml-browser sip``: one worker in this process, or a pool behind Kamailio."""

from __future__ import annotations

import argparse

from .config import load_config, parse_hostport


def run_sip(args: argparse.Namespace) -> int:
    overrides: dict[str, object] = {"app": args.app, "workers": args.workers}
    if args.listen:
        overrides["host"], overrides["port"] = parse_hostport(args.listen)
    config = load_config(args.config, **overrides)
    if args.worker_index is not None:  # a pool's worker process
        from .worker import run_worker

        return run_worker(config, args.worker_index, args.worker_port, args.rtp_port)
    if config.workers <= 1:
        from .worker import run_worker

        return run_worker(config)
    from .pool import run_pool

    return run_pool(config, args.config)
