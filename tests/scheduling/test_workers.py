"""Several scheduler workers: real processes, real PostgreSQL, one of them SIGKILLed mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from outreach.processes import outreach_command
from outreach.scheduling.policy import DEFAULTS
from outreach.settings import PROJECT_ROOT
from outreach.store.db import session_scope
from outreach.store.models import Case, CaseEvent, Contact
from outreach.store.types import utcnow
from tests.scheduling.builders import bulk_due_cases
from tests.scheduling.fake_rasa import FakeRasa

TOKEN = "worker-test-token"
CASES = 240


def limits_file(tmp_path: Path, **dispatch: int) -> Path:
    limits = yaml.safe_load((DEFAULTS / "limits.yml").read_text(encoding="utf-8"))
    limits["dispatch"].update(dispatch)
    path = tmp_path / "limits.yml"
    path.write_text(yaml.safe_dump(limits), encoding="utf-8")
    return path


def worker_env(url: str, tmp_path: Path, rasa_url: str, limits: Path) -> dict[str, str]:
    return {**os.environ, "OUTREACH_DATABASE_URL": url, "OUTREACH_VAR_DIR": str(tmp_path),
            "OUTREACH_RASA_URL": rasa_url, "OUTREACH_RASA_TOKEN": TOKEN, "OUTREACH_LIMITS_FILE": str(limits),
            "OUTREACH_RASA_TIMEOUT_S": "2"}


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(outreach_command("scheduler", "--interval", "0.1"), cwd=PROJECT_ROOT, env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


def wait_for(condition, what: str, limit_s: float = 120.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.1)


def contacted() -> int:
    with session_scope() as session:
        return session.execute(select(func.count(Case.id)).where(Case.status == "contacted")).scalar_one()


@pytest.mark.postgres
def test_workers_share_the_work_and_a_killed_worker_loses_and_repeats_nothing(postgres_db: str,
                                                                                tmp_path: Path) -> None:
    case_ids = bulk_due_cases(CASES, utcnow())
    fake = FakeRasa(TOKEN, delay_s=0.03, inbox_url=postgres_db).start()
    env = worker_env(postgres_db, tmp_path, fake.url,
                     limits_file(tmp_path, batch=10, max_in_flight=3, claim_lease_seconds=5))
    workers = [start_worker(env, tmp_path / f"worker{n}.log") for n in range(3)]
    try:
        wait_for(lambda: len(fake.calls) >= CASES // 5, "the workers to start sending")
        workers[0].send_signal(signal.SIGKILL)  # mid-run: it holds leased cases and requests in flight
        workers[0].wait(10)
        wait_for(lambda: contacted() == CASES, "every case to be contacted")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(20)
        fake.stop()

    sent = Counter(fake.case_ids())
    assert sorted(sent) == sorted(case_ids)  # nothing lost
    assert [case for case, times in sent.items() if times > 1] == []  # nothing twice
    with session_scope() as session:
        accepted = Counter(session.execute(
            select(Contact.case_id).where(Contact.status == "accepted")).scalars())
        leased = session.execute(select(func.count(Case.id)).where(Case.claimed_until.is_not(None))).scalar_one()
        workers_seen = {e.detail["worker"] for e in session.execute(
            select(CaseEvent).where(CaseEvent.kind == "contacted")).scalars()}
    assert set(accepted.values()) == {1} and len(accepted) == CASES
    assert leased == 0
    assert len(workers_seen) >= 2  # the work was shared


def test_a_second_worker_on_sqlite_refuses_to_start(sqlite_db: str, tmp_path: Path) -> None:
    env = worker_env(sqlite_db, tmp_path, "http://127.0.0.1:9", limits_file(tmp_path))
    first = start_worker(env, tmp_path / "first.log")
    lock = Path(sqlite_db.split("///", 1)[1] + ".scheduler.lock")
    try:
        wait_for(lambda: lock.exists() and lock.read_text().strip() == str(first.pid), "the first worker's lock")
        second = subprocess.run(outreach_command("scheduler"), cwd=PROJECT_ROOT, env=env, capture_output=True,
                                text=True, timeout=60)
        assert second.returncode == 2
        assert f"another scheduler worker (pid {first.pid}) is already running" in second.stderr
        assert "use PostgreSQL" in second.stderr
        assert first.poll() is None  # the first keeps working
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    # The OS releases the lock with the dead process: a new worker may start.
    third = start_worker(env, tmp_path / "third.log")
    try:
        wait_for(lambda: lock.read_text().strip() == str(third.pid), "the new worker's lock")
    finally:
        third.send_signal(signal.SIGTERM)
        third.wait(20)
