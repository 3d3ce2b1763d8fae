"""`outreach run-scaled`."""

from __future__ import annotations

import argparse
import logging
import os


def _log_progress() -> None:
    """Long-running commands say what they do (the other commands log warnings only)."""
    logging.getLogger("outreach").setLevel(logging.INFO)


def cmd_run_scaled(args: argparse.Namespace) -> int:
    from outreach.scaled.run import DEFAULT_DATABASE_URL, run_scaled
    from outreach.settings import get_settings

    _log_progress()
    os.environ.setdefault("OUTREACH_DATABASE_URL", DEFAULT_DATABASE_URL)
    get_settings.cache_clear()
    return run_scaled(get_settings())


def add_commands(sub: argparse._SubParsersAction) -> None:
    sub.add_parser(
        "run-scaled", help="the demo on PostgreSQL, Redis, several Rasa replicas, action servers and workers"
    ).set_defaults(func=cmd_run_scaled)
