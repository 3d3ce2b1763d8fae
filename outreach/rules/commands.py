"""The rules' `outreach` commands: rules check, rules simulate, remedy quote."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


def _print(data: Any, as_json: bool, human: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2) if as_json else human)


def cmd_rules_check(args: argparse.Namespace) -> int:
    from outreach.rules.loader import RulesError, load_rules

    try:
        book = load_rules(*args.files)
    except RulesError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"refused: {len(exc.problems)} problem(s); fix them and check again", file=sys.stderr)
        return 1
    count = sum(len(r) for r in book.remedies.values())
    print(f"ok: {', '.join(args.files)}: {count} rules for {len(book.remedies)} labels, "
          f"cap {book.auto_approval_cap_fen} fen")
    return 0


def _as_list(data: Any) -> list[Any]:
    return data if isinstance(data, list) else [data]


def _one_document(text: str) -> list[Any] | None:
    """The cases in text if it is one JSON document, else None (it is JSON lines)."""
    try:
        return _as_list(json.loads(text))
    except json.JSONDecodeError:
        return None


def _read_requests(source: str) -> list[Any]:
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    text = text.strip()
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if len(lines) <= 1 or text.startswith("["):  # one JSON document: an object or an array of them
        return _as_list(json.loads(text))
    document = _one_document(text)  # a pretty-printed object spans lines too
    if document is not None:
        return document
    requests = []
    for number, line in lines:  # JSON lines: one case per line
        try:
            requests.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise json.JSONDecodeError(f"line {number}: {exc.msg}", exc.doc, exc.pos) from None
    return requests


def cmd_remedy_quote(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from outreach.rules.engine import quote
    from outreach.rules.loader import RulesError, load_rules, rules
    from outreach.rules.request import QuoteRequest

    try:
        book = load_rules(*args.rules) if args.rules else rules()
        requests = _read_requests(args.input)
    except RulesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (OSError, json.JSONDecodeError) as exc:
        print(f"error: {args.input}: not JSON ({exc}); see docs/rules.md for the case description", file=sys.stderr)
        return 2
    status = 0
    for number, raw in enumerate(requests, start=1):
        try:
            request = QuoteRequest.parse_obj(raw)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            print(f"error: case {number}: {problems}", file=sys.stderr)
            status = 2
            continue
        result = quote(request.facts(book), book).as_dict()
        print(json.dumps({"case_id": request.case_id, **result}, ensure_ascii=False,
                         indent=None if len(requests) > 1 else 2))
    return status


def _since(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--since {text!r} is not a date; use e.g. 2026-11-01") from exc
    return moment.replace(tzinfo=moment.tzinfo or timezone.utc).astimezone(timezone.utc)


def cmd_rules_simulate(args: argparse.Namespace) -> int:
    from outreach.rules.loader import RulesError, load_rules, rules
    from outreach.rules.simulate import simulate
    from outreach.rules.simulate_report import render
    from outreach.store.db import session_scope

    try:
        new = load_rules(*args.rules)
    except RulesError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    with session_scope() as session:
        report = simulate(session, rules(), new, since=args.since, examples=args.examples)
    report["rules"] = args.rules
    _print(report, args.json, render(report))
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    rules_cmd = sub.add_parser("rules", help="platform rules").add_subparsers(dest="rules_command", required=True)
    check = rules_cmd.add_parser("check", help="validate rules files (later ones override earlier ones)")
    check.add_argument("files", nargs="+")
    check.set_defaults(func=cmd_rules_check)
    sim = rules_cmd.add_parser("simulate", help="replay past cases under other rules and show what would change")
    sim.add_argument("--rules", nargs="+", required=True, help="the new rules file(s)")
    sim.add_argument("--since", type=_since, help="only cases flagged on or after this date (UTC)")
    sim.add_argument("--examples", type=int, default=10, help="how many changed cases to list")
    sim.add_argument("--json", action="store_true")
    sim.set_defaults(func=cmd_rules_simulate)

    remedy = sub.add_parser("remedy", help="remedies").add_subparsers(dest="remedy_command", required=True)
    q = remedy.add_parser("quote", help="the offers the rules allow for a case described in JSON (docs/rules.md)")
    q.add_argument("input", nargs="?", default="-", help="JSON object, array or lines (default: standard input)")
    q.add_argument("--rules", nargs="+", help="rules file(s) instead of the configured ones")
    q.set_defaults(func=cmd_remedy_quote)
