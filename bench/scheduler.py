"""Scheduler benchmark: planning 100,000 due cases on PostgreSQL, and dispatch against a real Rasa.

    .venv/bin/python bench/scheduler.py [--cases 100000] [--model var/models/care.tar.gz]
                                        [--rasa-cases 300] [--skip-rasa]

Prints:
- cases planned per second: the dry-run planner (`outreach plan`) reading and deciding on
  every due case (target: at least 5,000/s);
- cases applied per second: real scheduler passes that claim (SKIP LOCKED), decide and
  store every decision (holds, call bookings, leases);
- Rasa's own capacity: conversations started per second by calling trigger_intent
  directly, `dispatch.max_in_flight` at a time;
- dispatch throughput: conversations started per second by `dispatch_once` passes
  (claim, lease, send, record) against the same Rasa server in the same run.

Needs the local PostgreSQL server (OUTREACH_TEST_POSTGRES_URL, default
postgresql://postgres@127.0.0.1:5432/test); it works in a throw-away database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402
from sqlalchemy import create_engine, func, select, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

POSTGRES_URL = os.environ.get("OUTREACH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def throwaway_database() -> tuple[str, str]:
    name = f"outreach_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    admin = create_engine(POSTGRES_URL, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def bench_planning(cases: int, apply_cases: int) -> None:
    from outreach.scheduling.apply import claim_and_apply
    from outreach.scheduling.dry_run import plan_decisions
    from outreach.scheduling.policy import policy
    from outreach.store.types import utcnow
    from tests.scheduling.builders import bulk_due_cases

    now = utcnow()
    started = time.perf_counter()
    bulk_due_cases(cases, now, mixed=True)
    print(f"seeded {cases:,} due cases (mixed zones, ages, severities) in {time.perf_counter() - started:.1f} s")

    started, cpu = time.perf_counter(), time.process_time()
    decisions = plan_decisions(now, policy())
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    actions: dict[str, int] = {}
    for decision, _ in decisions:
        actions[decision.action] = actions.get(decision.action, 0) + 1
    print(f"planned {len(decisions):,} cases in {took:.2f} s: {len(decisions) / took:,.0f} cases planned/s "
          f"(target 5,000/s; {len(decisions) / cpu:,.0f} per CPU-second of the planner, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs) {dict(sorted(actions.items()))}")

    started, applied = time.perf_counter(), 0
    while applied < apply_cases:
        sends, counts = claim_and_apply(now, policy(), "bench", 2000)
        done = sum(counts.values())
        if not done:
            break
        applied += done
    took = time.perf_counter() - started
    print(f"applied {applied:,} decisions in {took:.2f} s: {applied / took:,.0f} cases applied/s "
          "(claim with SKIP LOCKED, decide, store reason, book calls, lease chats)")


async def direct_capacity(settings, cases: list[tuple[int, str]], in_flight: int) -> float:  # noqa: ANN001
    from outreach.scheduling.rasa_client import start_case_conversation

    gate = asyncio.Semaphore(in_flight)

    async def one(http: aiohttp.ClientSession, case_id: int, buyer_id: str) -> None:
        async with gate:
            await start_case_conversation(http, settings, buyer_id, case_id)

    started = time.perf_counter()
    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(one(http, case_id, buyer_id) for case_id, buyer_id in cases))
    return len(cases) / (time.perf_counter() - started)


async def dispatch_throughput(settings, count: int) -> tuple[float, int]:  # noqa: ANN001
    from outreach.scheduling.dispatch import dispatch_once

    started, contacted, failed = time.perf_counter(), 0, 0
    while contacted + failed < count:
        summary = await dispatch_once(settings)
        if not (summary.contacted or summary.failed):
            break
        contacted, failed = contacted + summary.contacted, failed + summary.failed
    return contacted / (time.perf_counter() - started), failed


def bench_rasa(model: Path, count: int, var_dir: Path) -> None:
    from outreach.processes import (
        ProcessGroup,
        action_server_command,
        port_env,
        rasa_server_command,
        wait_until_ready,
    )
    from outreach.scheduling.policy import policy
    from outreach.settings import get_settings
    from outreach.store.db import session_scope
    from outreach.store.models import Case
    from outreach.store.types import utcnow
    from tests.scheduling.builders import bulk_due_cases

    (var_dir / "models").mkdir(exist_ok=True)
    (var_dir / "models" / "care.tar.gz").symlink_to(model.resolve())
    os.environ.update(port_env())
    get_settings.cache_clear()
    settings = get_settings()
    with session_scope() as session:  # the planning cases are done with: only the Rasa sets are due
        session.execute(update(Case).where(Case.status != "closed").values(status="closed", open_key=None))
    direct = bulk_due_cases(count, utcnow(), prefix="RD")
    with session_scope() as session:
        pairs = [(c.id, c.buyer_id) for c in session.execute(select(Case).where(Case.id.in_(direct))).scalars()]
        session.execute(update(Case).where(Case.id.in_(direct)).values(status="contacted"))  # not for dispatch
    group = ProcessGroup(settings)
    try:
        group.start("actions", action_server_command(settings))
        group.start("rasa", rasa_server_command(settings))
        started = time.perf_counter()
        wait_until_ready(group, f"http://127.0.0.1:{settings.action_port}/health")
        wait_until_ready(group, f"http://127.0.0.1:{settings.rasa_port}/", timeout=600)
        print(f"Rasa and the action server ready in {time.perf_counter() - started:.0f} s (model {model})")
        in_flight = policy().limits.dispatch.max_in_flight
        asyncio.run(direct_capacity(settings, pairs[:10], in_flight))  # warm up
        capacity = asyncio.run(direct_capacity(settings, pairs[10:], in_flight))
        print(f"Rasa's own capacity: {capacity:.1f} conversations started/s "
              f"(trigger_intent direct, {in_flight} in flight, {len(pairs) - 10} conversations)")
        bulk_due_cases(count, utcnow(), prefix="RS")
        rate, failed = asyncio.run(dispatch_throughput(settings, count))
        with session_scope() as session:
            reached = session.execute(select(func.count(Case.id)).where(
                Case.buyer_id.like("RS%"), Case.status == "contacted")).scalar_one()
        print(f"dispatch throughput: {rate:.1f} conversations started/s ({reached} contacted, {failed} failed): "
              f"{rate / capacity:.0%} of Rasa's own capacity")
    finally:
        group.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--apply-cases", type=int, default=20_000, help="decisions to apply for the apply rate")
    parser.add_argument("--rasa-cases", type=int, default=300)
    parser.add_argument("--model", type=Path, default=Path("var/models/care.tar.gz"))
    parser.add_argument("--skip-rasa", action="store_true")
    args = parser.parse_args()
    name, url = throwaway_database()
    var_dir = Path(tempfile.mkdtemp(prefix="outreach-bench-"))
    os.environ.update({"OUTREACH_DATABASE_URL": url, "OUTREACH_VAR_DIR": str(var_dir)})
    try:
        from outreach.store.db import dispose_all
        from outreach.store.migrate import upgrade

        upgrade(url)
        bench_planning(args.cases, args.apply_cases)
        if args.skip_rasa:
            print("dispatch against Rasa: skipped (--skip-rasa)")
        elif not args.model.exists():
            print(f"dispatch against Rasa: skipped, no model at {args.model} (run `outreach bot train`, or pass "
                  "--model)")
        else:
            bench_rasa(args.model, args.rasa_cases, var_dir)
    finally:
        dispose_all()
        drop_database(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
