"""The scheduler's `outreach` commands: plan (dry run), calls next/done/list, policy check."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import datetime, timezone
from typing import Any

from outreach.store.types import check_year, utcnow


def _print(data: Any, as_json: bool, human: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2) if as_json else human)


def parse_moment(text: str) -> datetime:
    """An ISO time with its offset ('2026-12-01T20:55+08:00') as aware UTC."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--at {text!r} is not an ISO time; use e.g. 2026-12-01T20:55+08:00") from exc
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"--at {text!r} has no offset; add one, e.g. +08:00 for Beijing time")
    try:
        return check_year(moment).astimezone(timezone.utc)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--at {text!r}: {exc}") from None


def cmd_plan(args: argparse.Namespace) -> int:
    from outreach.scheduling.dry_run import plan_report
    from outreach.scheduling.policy import policy

    report = plan_report(args.at or utcnow(), policy(), args.limit)
    if args.json:
        _print(report, True, "")
        return 0
    print(f"at {report['at']}: " + " ".join(f"{k}={v}" for k, v in sorted(report["summary"].items())))
    for d in report["decisions"]:
        when = f" at {d.get('at_local') or d['at']}" if d["at"] else ""
        print(f"case {d['case_id']:>6} {d['action']:<8}{when}: {d['reason']}")
    for w in report["waiting"]:
        until = f" until {w['until_local'] or w['until']}" if w["until"] else ""
        print(f"case {w['case_id']:>6} {w['action']:<8}{until}: {w['reason']}")
    for warning in report["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def cmd_calls_next(args: argparse.Namespace) -> int:
    from outreach.scheduling.call_brief import call_brief
    from outreach.scheduling.calls import claim_next
    from outreach.scheduling.policy import policy
    from outreach.store.db import session_scope
    from outreach.store.models import CallTask

    now = utcnow()
    with session_scope() as session:
        claimed = claim_next(session, args.agent, now, policy(), team=args.team)
        brief = call_brief(session, session.get(CallTask, claimed.task_id), now, policy()) if claimed else None
    if brief is None:
        _print({"call": None}, args.json, "没有到期的来电任务（no call is due now）")
        return 0
    _print({"call": brief}, args.json, brief["brief"] + f"\n\n完成后：outreach calls done {brief['call_id']} "
           "--outcome reached|no_answer|wrong_number|refused|opted_out --notes \"...\"")
    return 0


def cmd_calls_done(args: argparse.Namespace) -> int:
    from outreach.scheduling.call_outcomes import finish_call
    from outreach.scheduling.calls import CallError
    from outreach.scheduling.policy import policy
    from outreach.store.db import session_scope

    try:
        with session_scope() as session:
            result = finish_call(session, args.id, args.outcome, args.notes or "", args.agent, utcnow(), policy(),
                                 remedy_rule=args.remedy, rating=args.rating)
    except (CallError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _print(result.__dict__, args.json,
           f"call {result.task_id} ({result.outcome}): case {result.case_id} is {result.case_status}; "
           f"{result.next_step}")
    return 0


def cmd_calls_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from outreach.store.db import session_scope
    from outreach.store.models import CallTask

    with session_scope() as session:
        tasks = session.execute(
            select(CallTask).where(CallTask.status.in_(("queued", "claimed")))
            .order_by(CallTask.due_at, CallTask.priority.desc()).limit(args.limit)
        ).scalars().all()
        rows = [{"call_id": t.id, "case_id": t.case_id, "attempt": t.attempt, "team": t.team, "status": t.status,
                 "due_at": t.due_at.isoformat(), "agent": t.agent, "reason": t.reason} for t in tasks]
    human = "\n".join(f"call {r['call_id']:>5} case {r['case_id']:>5} #{r['attempt']} {r['team']:<8} {r['status']:<7} "
                      f"due {r['due_at']}  {r['reason']}" for r in rows) or "the call queue is empty"
    _print(rows, args.json, human)
    return 0


def cmd_policy_check(args: argparse.Namespace) -> int:
    from outreach.scheduling.policy import build_policy, load_call_windows, load_holidays, load_limits

    checked = build_policy(load_limits(args.limits), load_call_windows(args.call_windows), load_holidays(args.holidays))
    summary = {"windows": [f"{w.start:%H:%M}-{w.end:%H:%M}" for w in checked.windows.windows],
               "holidays": len(checked.holidays), "holidays_cover_until": checked.holidays_cover_until.isoformat(),
               "contact": checked.limits.contact.dict(), "teams": [t.dict() for t in checked.limits.calls.teams]}
    _print(summary, args.json, "limits, call windows and holidays are valid: " + json.dumps(summary, default=str))
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    plan = sub.add_parser("plan", help="what the scheduler would do at a moment, and why (changes nothing)")
    plan.add_argument("--at", type=parse_moment, help="ISO time with offset, e.g. 2026-12-01T20:55+08:00")
    plan.add_argument("--limit", type=int, help="decide on at most this many due cases")
    plan.add_argument("--json", action="store_true")
    plan.set_defaults(func=cmd_plan)

    calls = sub.add_parser("calls", help="the agents' call queue").add_subparsers(dest="calls_command", required=True)
    agent = {"default": getpass.getuser(), "help": "agent name recorded with the call (default: login name)"}
    nxt = calls.add_parser("next", help="claim the most urgent due call and show its brief")
    nxt.add_argument("--agent", **agent)
    nxt.add_argument("--team", help="only calls of this team (limits.yml calls.teams)")
    nxt.add_argument("--json", action="store_true")
    nxt.set_defaults(func=cmd_calls_next)
    done = calls.add_parser("done", help="record the outcome of a claimed call")
    done.add_argument("id", type=int)
    done.add_argument("--outcome", required=True, choices=["reached", "no_answer", "wrong_number", "refused",
                                                           "opted_out"])
    done.add_argument("--notes", default="", help="what was said, for the case file")
    done.add_argument("--remedy", help="rule id of the remedy the buyer accepted (reached only)")
    done.add_argument("--rating", type=int, choices=range(1, 6), help="the buyer's 1-5 satisfaction, if asked")
    done.add_argument("--agent", **agent)
    done.add_argument("--json", action="store_true")
    done.set_defaults(func=cmd_calls_done)
    listing = calls.add_parser("list", help="queued and claimed calls, soonest first")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_calls_list)

    policy = sub.add_parser("policy", help="the scheduler's limits, call windows and holidays files")
    check = policy.add_subparsers(dest="policy_command", required=True).add_parser(
        "check", help="validate the files (default: the configured ones)")
    check.add_argument("--limits")
    check.add_argument("--call-windows")
    check.add_argument("--holidays")
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=cmd_policy_check)
