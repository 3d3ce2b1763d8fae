"""Commands for support leads: `outreach users add`, `outreach metrics`, `outreach merchants outliers`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from outreach.metrics.filters import GROUPINGS, FilterError, parse_filters


def _emit(data: Any, csv_text: str | None, args: argparse.Namespace, human: str) -> None:
    if getattr(args, "csv", False) and csv_text is not None:
        sys.stdout.write(csv_text)
    elif args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(human)


def _filters(args: argparse.Namespace) -> Any:
    return parse_filters({"since": args.since, "until": args.until, "label": getattr(args, "label", None),
                          "merchant": getattr(args, "merchant", None), "channel": getattr(args, "channel", None),
                          "badge": getattr(args, "badge", None)})


def cmd_users_add(args: argparse.Namespace) -> int:
    from outreach.dashboard.accounts import AccountError, add_user, new_password

    password = args.password or new_password()
    try:
        user = add_user(args.username, args.role, password, args.name)
    except AccountError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    data = {"username": user.username, "role": user.role, "password": password}
    _emit(data, None, args, f"created {user.role} {user.username}; password: {password}")
    return 0


def cmd_metrics(args: argparse.Namespace) -> int:
    from outreach.diagnosis.registry import load_diagnoser
    from outreach.metrics.people import AGENT_COLUMNS
    from outreach.metrics.report import COLUMNS, metrics_report, report_csv

    try:
        report = metrics_report(_filters(args), args.by, reader=load_diagnoser())
    except FilterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    lines = [f"{report['filters']['since']} .. {report['filters']['until']}"]
    for row in [{"key": "total", **report["total"]}] + report.get("groups", []):
        lines.append(f"{row['key']}: " + " ".join(f"{c}={row[c]}" for c in COLUMNS))
    inferred = report["inferred"]
    lines.append("inferred satisfaction (not in csat): " + " ".join(
        f"{k}={inferred[k]}" for k in ("closed_cases", "inferred", "coverage", "satisfied_rate", "both", "agreement")))
    people = report["people"]
    lines.append("people: " + " ".join(f"{k}={v}" for k, v in people["total"].items()))
    lines += [f"agent {a['agent']}: " + " ".join(f"{c}={a[c]}" for c in AGENT_COLUMNS[1:]) for a in people["agents"]]
    _emit(report, report_csv(report, args.machine), args, "\n".join(lines))
    return 0


def cmd_outliers(args: argparse.Namespace) -> int:
    from outreach.csv_export import export
    from outreach.metrics.outliers import OUTLIER_COLUMNS, outliers_report

    try:
        report = outliers_report(_filters(args), min_orders=args.min_orders)
    except FilterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    flagged = [r for r in report["merchants"] if r["flagged"]]
    human = "\n".join(
        f"{r['merchant_id']} {r['name']}: {r['summary_zh']} (p={r['p_value']})" for r in flagged
    ) or f"no merchant stands out ({report['assessed']} assessed, at least {args.min_orders} orders each)"
    _emit(report, export(report["merchants"], OUTLIER_COLUMNS, args.machine), args, human)
    return 0


def _range_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", help="first day, YYYY-MM-DD in China time (default: 30 days before --until)")
    parser.add_argument("--until", help="last day, included (default: today)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true")
    output.add_argument("--csv", action="store_true", help="CSV for people: Chinese headers, yuan")
    parser.add_argument("--machine", action="store_true",
                        help="with --csv: stable English column names, money in fen (for programs)")


def add_commands(sub: argparse._SubParsersAction) -> None:
    from outreach.metrics.outliers import MIN_ORDERS

    users = sub.add_parser("users", help="dashboard accounts").add_subparsers(dest="users_command", required=True)
    add = users.add_parser("add", help="create a dashboard account and print its password")
    add.add_argument("username")
    add.add_argument("--role", choices=["lead", "agent"], required=True)
    add.add_argument("--name", help="name shown in the dashboard")
    add.add_argument("--password", help="(default: a generated one, printed once)")
    add.add_argument("--json", action="store_true")
    add.set_defaults(func=cmd_users_add)

    metrics = sub.add_parser("metrics", help="CSAT, NPS and outcome figures (docs/metrics.md), as in the dashboard")
    _range_options(metrics)
    metrics.add_argument("--by", choices=GROUPINGS, help="one row per day, label, merchant, channel or badge")
    metrics.add_argument("--label")
    metrics.add_argument("--merchant", help="merchant id")
    metrics.add_argument("--channel", choices=["inapp", "call", "none"])
    metrics.add_argument("--badge", choices=["trust", "other"], help="信任购 shops or the others")
    metrics.set_defaults(func=cmd_metrics)

    merchants = sub.add_parser("merchants", help="merchants").add_subparsers(dest="merchants_command", required=True)
    outliers = merchants.add_parser("outliers", help="merchants whose hurt rate stands out from their peers")
    _range_options(outliers)
    outliers.add_argument("--min-orders", type=int, default=MIN_ORDERS, help="volume below which nobody is flagged")
    outliers.set_defaults(func=cmd_outliers)
