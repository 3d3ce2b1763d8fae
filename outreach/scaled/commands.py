"""`outreach balancer` and `outreach run-scaled`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from outreach import event_loop


def _log_progress() -> None:
    """Long-running commands say what they do (the other commands log warnings only)."""
    logging.getLogger("outreach").setLevel(logging.INFO)


def cmd_balancer(args: argparse.Namespace) -> int:
    from outreach.scaled.balancer import BalancerConfig, serve

    _log_progress()
    try:
        config = BalancerConfig.read(Path(args.config))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        event_loop.run(serve(config))
    except KeyboardInterrupt:
        pass
    return 0


def cmd_run_scaled(args: argparse.Namespace) -> int:
    from outreach.scaled.run import DEFAULT_DATABASE_URL, run_scaled
    from outreach.settings import get_settings

    _log_progress()
    os.environ.setdefault("OUTREACH_DATABASE_URL", DEFAULT_DATABASE_URL)
    get_settings.cache_clear()
    return run_scaled(get_settings())


def add_commands(sub: argparse._SubParsersAction) -> None:
    balancer = sub.add_parser("balancer", help="the scaled set-up's load balancer (started by the cluster)")
    balancer.add_argument("--config", required=True, help="JSON pools file written by outreach.scaled.cluster")
    balancer.set_defaults(func=cmd_balancer)
    sub.add_parser(
        "run-scaled", help="the demo on PostgreSQL, Redis, several Rasa replicas, action servers and workers"
    ).set_defaults(func=cmd_run_scaled)
