"""The `outreach` command."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

from outreach import event_loop
from outreach.diagnosis.commands import add_commands as add_diagnosis_commands
from outreach.metrics.commands import add_commands as add_metrics_commands
from outreach.reports.commands import add_commands as add_report_commands
from outreach.rules.commands import add_commands as add_rules_commands
from outreach.scaled.commands import add_commands as add_scaled_commands
from outreach.scheduling.commands import add_commands as add_scheduling_commands
from outreach.settings import PROJECT_ROOT, SettingsError, get_settings
from outreach.workspace.commands import add_commands as add_workspace_commands


def _print(data: Any, as_json: bool, human: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2) if as_json else human)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from outreach.store.migrate import current_revision, upgrade

    upgrade()
    print(f"database at revision {current_revision()}: {get_settings().database_url}")
    return 0


def cmd_demo_seed(args: argparse.Namespace) -> int:
    from outreach.demo.seed import seed

    summary = seed(seed_value=args.seed, force=args.force)
    _print(summary, args.json, "\n".join(f"{k}: {v}" for k, v in summary.items()))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from outreach.importing.jsonl import import_feedback, import_orders

    path = Path(args.file)
    if not path.is_file():
        print(f"error: {path} is not a file", file=sys.stderr)
        return 2
    result = (import_orders if args.kind == "orders" else import_feedback)(path)
    if not result.ok:
        for error in result.errors:
            print(f"error: {path}: {error}", file=sys.stderr)
        print(f"nothing imported from {path}: fix the lines above and run again", file=sys.stderr)
        return 1
    _print({"stored": result.stored}, args.json, f"imported {result.stored} {args.kind} from {path}")
    return 0


def cmd_triage(args: argparse.Namespace) -> int:
    if args.cluster or args.workers is not None:
        from outreach.diagnosis import cluster

        return cluster.command(args)
    if args.input is not None:
        return _stream(args, triage_mode=True)
    from outreach.cases.triage import triage

    summary = triage().as_dict()
    _print(summary, args.json, " ".join(f"{k}={v}" for k, v in summary.items()))
    return 0


def cmd_dispatch(args: argparse.Namespace) -> int:
    from outreach.scheduling.dispatch import dispatch_once

    summary = asyncio.run(dispatch_once(get_settings(), limit=args.limit)).as_dict()
    _print(summary, args.json, " ".join(f"{k}={v}" for k, v in summary.items()))
    return 0 if summary["failed"] == 0 else 3


def cmd_case_show(args: argparse.Namespace) -> int:
    from outreach.cases.report import case_report
    from outreach.inbox.privacy import mask_phones

    report = case_report(args.id)
    if report is None:
        print(f"error: no case {args.id}", file=sys.stderr)
        return 1
    # Numbers buyers wrote in the transcript and feedback are masked, as on the dashboard.
    if args.json:
        print(mask_phones(json.dumps(report, ensure_ascii=False, indent=2)))
        return 0
    case, diagnosis = report["case"], report["diagnosis"]
    lines = [f"case {case['id']} [{case['status']}] buyer {case['buyer_id']} order {case['order_id']}",
             f"problem: {diagnosis['category']} ({diagnosis['category_zh']}), severity {diagnosis['severity']}"]
    lines += [f"remedy: {r['rule']} {r['amount_fen']} fen [{r['status']}] {r['reason']}" for r in report["remedies"]]
    if report["rating"]:
        lines.append(f"rating: {report['rating']['rating']}")
    lines += [f"  {message['sender']:>6}: {message['text']}" for message in report["transcript"]]
    print(mask_phones("\n".join(lines)))
    return 0


def cmd_queue(args: argparse.Namespace) -> int:
    from outreach.scheduling.policy import policy
    from outreach.store.db import session_scope
    from outreach.store.types import utcnow
    from outreach.workspace.queue import queue

    with session_scope() as session:
        rows = queue(session, utcnow(), policy().limits.agents)
    human = "\n".join(
        f"{r['kind']:<4} case {r['case_id']:>5}  severity {r['severity']}  {r['status']:<16} {r['agent'] or '-':<12} "
        f"waited {r['waited_minutes']} min{' (over target)' if r['over_target'] else ''}  {r['reason'] or ''}"
        for r in rows
    ) or "no case is waiting for a person"
    _print(rows, args.json, human)
    return 0


def _stream(args: argparse.Namespace, *, triage_mode: bool) -> int:
    from outreach.diagnosis import stream
    from outreach.diagnosis.classifier import Diagnoser

    try:
        source, name, size = stream.open_input(args.input)
    except OSError as error:
        print(f"error: cannot read {args.input}: {error.strerror}", file=sys.stderr)
        return 2
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout  # noqa: SIM115
    try:
        records = stream.read_records(source, args.format, name, args.text_field)
        detail = not triage_mode or args.detail
        writer = stream.CsvWriter(out) if args.output_format == "csv" else stream.JsonLinesWriter(out, detail)
        show = sys.stderr.isatty() and not args.quiet
        progress = stream.Progress(sys.stderr, size, source.tell, show)
        summary = stream.run(records, writer, Diagnoser.load(), hurt_only=triage_mode and not args.all,
                             use_context=triage_mode, progress=progress)
    except stream.StreamError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        if out is not sys.stdout:
            out.close()
        if source is not sys.stdin.buffer:
            source.close()
    if args.summary_json:
        print(json.dumps(summary.as_dict(), ensure_ascii=False), file=sys.stderr)
    elif not args.quiet:
        print(summary.line(), file=sys.stderr)
    return 0


def cmd_diagnose(args: argparse.Namespace) -> int:
    return _stream(args, triage_mode=False)


def cmd_bot_train(args: argparse.Namespace) -> int:
    import subprocess

    from outreach.processes import rasa_env, train_command

    settings = get_settings()
    return subprocess.call(train_command(settings), cwd=PROJECT_ROOT, env=rasa_env(settings))


def cmd_buyer_link(args: argparse.Namespace) -> int:
    from outreach.inbox import tokens

    settings = get_settings()
    token = tokens.issue(settings.buyer_token_secret, args.buyer_id)
    url = f"http://{settings.web_host}:{settings.web_port}/chat?token={token}"
    _print({"buyer_id": args.buyer_id, "token": token, "url": url}, args.json, url)
    return 0


def cmd_buyer_consent(args: argparse.Namespace) -> int:
    """The buyer told the platform they want contact again (opt-in), or none (opt-out)."""
    from outreach.lifecycle import consent
    from outreach.store.db import session_scope
    from outreach.store.models import Buyer

    with session_scope() as session:
        if session.get(Buyer, args.buyer_id) is None:
            print(f"error: no buyer {args.buyer_id!r}; import their orders first", file=sys.stderr)
            return 2
        if args.buyer_command == "opt-in":
            changed = consent.opt_in(session, args.buyer_id)
            data = {"buyer_id": args.buyer_id, "opted_in": changed}
            human = "opted in: contact allowed again" if changed else "nothing to do: the buyer had not opted out"
        else:
            closed = consent.opt_out(session, args.buyer_id, args.reason or "opted out through the platform")
            data = {"buyer_id": args.buyer_id, "cases_closed": closed}
            human = f"opted out: every channel stopped, {closed} case(s) closed"
    _print(data, args.json, human)
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    from outreach.web.app import serve

    settings = get_settings()
    logging.getLogger("outreach").info("web server on http://%s:%s", settings.web_host, settings.web_port)
    try:
        event_loop.run(serve(settings))
    except KeyboardInterrupt:
        pass
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    from outreach.scheduling.loop import run_loop

    try:
        event_loop.run(run_loop(get_settings(), interval_s=args.interval))
    except KeyboardInterrupt:
        pass
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from outreach.runner import run

    return run(get_settings())


def _stream_options(parser: argparse.ArgumentParser) -> None:
    from outreach.diagnosis.stream import FORMATS

    parser.add_argument("--format", choices=FORMATS, default="auto", help="input format (default: by name or content)")
    parser.add_argument("--text-field", default="text", help="the field or column holding the text")
    parser.add_argument("-o", "--output", help="write results here instead of standard output")
    parser.add_argument("--output-format", choices=["jsonl", "csv"], default="jsonl")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    parser.add_argument("--summary-json", action="store_true", help="print the summary as JSON on standard error")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="outreach", description="Proactive care for hurt buyers.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="create or migrate the schema").set_defaults(func=cmd_db_upgrade)

    demo = sub.add_parser("demo", help="demo data").add_subparsers(dest="demo_command", required=True)
    seed = demo.add_parser("seed", help="fill an empty database with realistic demo data")
    seed.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data)")
    seed.add_argument("--force", action="store_true", help="seed even if the database has orders")
    seed.add_argument("--json", action="store_true")
    seed.set_defaults(func=cmd_demo_seed)

    imp = sub.add_parser("import", help="import JSON lines (all or nothing)")
    imp.add_argument("kind", choices=["orders", "feedback"])
    imp.add_argument("file")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(func=cmd_import)

    triage = sub.add_parser(
        "triage",
        help="diagnose new feedback in the store and open cases; or, given FILE (or - for standard input), "
        "stream feedback records and print the hurt ones with severity",
    )
    triage.add_argument("input", nargs="?", help="JSON lines or CSV of feedback (text, id, age_band, order_total_fen)")
    triage.add_argument("--all", action="store_true", help="print every record, not only the hurt ones")
    triage.add_argument("--detail", action="store_true", help="add severity reasons and alternative labels")
    _stream_options(triage)
    triage.add_argument("--json", action="store_true", help="(store mode) print the summary as JSON")
    triage.add_argument("--cluster", metavar="ADDRESS",
                        help="run on the Dask scheduler at ADDRESS (tcp://HOST:8786); INPUT is a folder, glob or file "
                             "of partitions, -o the output folder (one file per partition, exactly once on a rerun)")
    triage.add_argument("--workers", type=int, metavar="N", help="as --cluster, on a local cluster of N processes")
    triage.set_defaults(func=cmd_triage)

    dispatch = sub.add_parser("dispatch", help="start in-app conversations for due cases")
    dispatch.add_argument("--once", action="store_true", required=True, help="one pass, then exit")
    dispatch.add_argument("--limit", type=int, default=100)
    dispatch.add_argument("--json", action="store_true")
    dispatch.set_defaults(func=cmd_dispatch)

    case = sub.add_parser("case", help="cases").add_subparsers(dest="case_command", required=True)
    show = case.add_parser("show", help="everything about one case")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_case_show)

    queue = sub.add_parser("queue", help="cases handed over to a person, most urgent first")
    queue.add_argument("--json", action="store_true")
    queue.set_defaults(func=cmd_queue)

    diagnose = sub.add_parser("diagnose", help="diagnose texts: JSON lines, CSV or plain lines, from FILE or stdin")
    diagnose.add_argument("input", nargs="?", default="-", help="input file (default: standard input)")
    _stream_options(diagnose)
    diagnose.set_defaults(func=cmd_diagnose)

    bot = sub.add_parser("bot", help="the Rasa assistant").add_subparsers(dest="bot_command", required=True)
    bot.add_parser("train", help="train the model (skipped when nothing changed)").set_defaults(func=cmd_bot_train)

    buyer = sub.add_parser("buyer", help="buyers").add_subparsers(dest="buyer_command", required=True)
    link = buyer.add_parser("link", help="a signed chat-page link for a buyer")
    link.add_argument("buyer_id")
    link.add_argument("--json", action="store_true")
    link.set_defaults(func=cmd_buyer_link)
    for name, text in (("opt-in", "the buyer wants contact again"), ("opt-out", "the buyer wants no contact")):
        consent = buyer.add_parser(name, help=text + " (outreach.lifecycle.consent)")
        consent.add_argument("buyer_id")
        if name == "opt-out":
            consent.add_argument("--reason", help="the buyer's words or where they said it")
        consent.add_argument("--json", action="store_true")
        consent.set_defaults(func=cmd_buyer_consent)

    sub.add_parser("web", help="serve the buyer chat page and API").set_defaults(func=cmd_web)
    sched = sub.add_parser("scheduler", help="triage and dispatch in a loop")
    sched.add_argument("--interval", type=float, default=5.0, help="seconds between passes")
    sched.set_defaults(func=cmd_scheduler)
    sub.add_parser("run", help="set up the demo and run every process").set_defaults(func=cmd_run)
    add_diagnosis_commands(sub)
    add_scheduling_commands(sub)
    add_rules_commands(sub)
    add_workspace_commands(sub)
    add_metrics_commands(sub)
    add_report_commands(sub)
    add_scaled_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from outreach.private_files import restrict

    restrict()  # every file a command creates (databases, logs, models, secrets) is private
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose or args.command in ("web", "scheduler", "run") else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    from outreach.inbox.privacy import install_log_masking

    install_log_masking()  # the scheduler and every command: no full phone number in a log line
    try:
        return args.func(args)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
