"""`outreach report weekly --out FILE.pdf|FILE.html [--until YYYY-MM-DD]`."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from outreach.metrics.filters import FilterError


def cmd_weekly(args: argparse.Namespace) -> int:
    from outreach.reports.render import RenderError
    from outreach.reports.weekly import write_report

    try:
        until = date.fromisoformat(args.until) if args.until else None
    except ValueError:
        print(f"error: --until {args.until!r} is not a date; write YYYY-MM-DD", file=sys.stderr)
        return 2
    try:
        out = write_report(Path(args.out), until)
    except (ValueError, FilterError, RenderError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {out}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="reports for support leads").add_subparsers(dest="report_command",
                                                                                      required=True)
    weekly = report.add_parser("weekly", help="the week's figures, charts and outliers as PDF or HTML")
    weekly.add_argument("--out", required=True, help="FILE.pdf (printed by headless Chromium) or FILE.html")
    weekly.add_argument("--until", help="last day of the week, YYYY-MM-DD in the leads' time zone (default: today)")
    weekly.set_defaults(func=cmd_weekly)
