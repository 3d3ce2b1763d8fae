"""The agents' `outreach` commands: the approval queue (list, approve, reject)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any


def _print(data: dict[str, Any], as_json: bool, human: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2) if as_json else human)


def cmd_approvals_list(args: argparse.Namespace) -> int:
    from outreach.lifecycle.approvals import pending
    from outreach.store.db import session_scope

    with session_scope() as session:
        rows = pending(session)
    lines = [f"#{r['id']:<5} case {r['case_id']:<6} {r['category']:<16} {r['amount_yuan']:>9} 元  {r['rule']:<28} "
             f"{'、'.join(r['reasons_zh'])}" for r in rows]
    _print({"approvals": rows}, args.json, "\n".join(lines) or "no remedy waits for approval")
    return 0


def _decide(args: argparse.Namespace, approve: bool) -> int:
    from outreach.lifecycle.approvals import ApprovalError, decide
    from outreach.scheduling.policy import policy
    from outreach.store.db import session_scope

    try:
        with session_scope() as session:
            decision = decide(session, args.id, approve, args.by or getpass.getuser(), args.reason,
                              quiet_hours=policy().limits.satisfaction.quiet_hours)
    except ApprovalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    note = " (already decided; nothing changed)" if decision.already_decided else ""
    _print(decision.__dict__, args.json, f"approval {decision.approval_id} {decision.status}: case "
           f"{decision.case_id}, paid {decision.paid_fen} fen{note}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    approvals = sub.add_parser("approvals", help="remedies waiting for a person").add_subparsers(
        dest="approvals_command", required=True)
    listing = approvals.add_parser("list", help="pending approvals, most urgent first")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_approvals_list)
    for name, approve in (("approve", True), ("reject", False)):
        decide = approvals.add_parser(name, help=f"{name} a remedy; the buyer is told in the app")
        decide.add_argument("id", type=int)
        decide.add_argument("--reason", required=True, help="why (kept in the audit trail)")
        decide.add_argument("--by", help="who decides (default: the login name)")
        decide.add_argument("--json", action="store_true")
        decide.set_defaults(func=lambda args, approve=approve: _decide(args, approve))
