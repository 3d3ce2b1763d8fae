"""supervisord, configured as the scaled set-up configures it, with small stand-in processes:
restarts, backoff, a log per process, a clean stop, and no secret in its configuration."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from outreach.scaled.run import topology_from_env
from outreach.scaled.stores import redis_parts
from outreach.scaled.supervision import Policy, Program, Supervision
from outreach.settings import Settings, SettingsError, get_settings
from tests.scaled.waiting import until
from tests.support.local_files import SECRET_FIELDS, modes_under, not_private

# Prints a digest of the token it was handed in its environment, then its child's pid, and
# waits; its child (a grandchild of supervisord) waits too.
SLEEPER = [sys.executable, "-c", (
    "import hashlib, os, subprocess, sys, time; "
    "print('token', hashlib.sha256(os.environ['OUTREACH_RASA_TOKEN'].encode()).hexdigest()[:16], flush=True); "
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
    "print('child', child.pid, os.environ['STAND_IN_ROLE'], flush=True); time.sleep(600)"
)]
CRASHER = [sys.executable, "-c", "import sys; print('bad config file', flush=True); sys.exit(3)"]
STUBBORN = [sys.executable, "-c", (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(600)"
)]


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("OUTREACH_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def child_pid(log: Path) -> int:
    found = re.findall(r"child (\d+)", log.read_text())
    return int(found[-1]) if found else 0


def test_a_killed_process_is_restarted_its_exit_logged_and_each_process_logs_to_its_own_file(
    settings: Settings,
) -> None:
    supervision = Supervision(settings, [Program("worker", SLEEPER, {"STAND_IN_ROLE": "worker"}),
                                         Program("other", SLEEPER, {"STAND_IN_ROLE": "other"})], Policy(start_secs=1))
    supervision.start()
    try:
        logs = settings.var_dir / "logs"
        until(lambda: child_pid(logs / "worker.log") and supervision.info("worker")["statename"] == "RUNNING", "start")
        first = supervision.info("worker")["pid"]
        os.kill(first, signal.SIGKILL)
        until(lambda: supervision.info("worker")["pid"] not in (0, first)
              and supervision.info("worker")["statename"] == "RUNNING", "restart")
        journal = (logs / "supervisord.log").read_text()
        assert "exited: worker (terminated by SIGKILL; not expected)" in journal
        assert "other" not in (logs / "worker.log").read_text() and "worker" not in (logs / "other.log").read_text()
        digest = hashlib.sha256(settings.rasa_token.encode()).hexdigest()[:16]
        assert f"token {digest}" in (logs / "worker.log").read_text()  # handed down in the environment...
        written = supervision.config_path.read_text()
        assert not [f for f in SECRET_FIELDS if getattr(settings, f) in written]  # ...never written down
        assert not_private(modes_under(settings.var_dir), settings.var_dir) == []
    finally:
        supervision.stop()


def test_a_process_that_keeps_dying_at_start_is_retried_ever_more_slowly_then_given_up(settings: Settings) -> None:
    supervision = Supervision(settings, [Program("broken", CRASHER)], Policy(start_secs=1, start_retries=3))
    supervision.start()
    try:
        until(lambda: supervision.info("broken")["statename"] == "FATAL", "giving up", 30)
        journal = (settings.var_dir / "logs" / "supervisord.log").read_text()
        stamps = [time.mktime(time.strptime(line[:19], "%Y-%m-%d %H:%M:%S")) + int(line[20:23]) / 1000
                  for line in journal.splitlines() if "spawned: 'broken'" in line]
        waits = [later - earlier for earlier, later in zip(stamps, stamps[1:])]
        assert len(stamps) == 4 and waits[-1] > waits[0] + 1.5, waits  # 1 s, 2 s, 3 s ...
        assert "gave up: broken entered FATAL state" in journal
        assert "bad config file" in (settings.var_dir / "logs" / "broken.log").read_text()
    finally:
        supervision.stop()


def test_stop_ends_every_process_and_its_children_even_one_that_ignores_sigterm(settings: Settings) -> None:
    supervision = Supervision(settings, [Program("worker", SLEEPER, {"STAND_IN_ROLE": "worker"}),
                                         Program("stubborn", STUBBORN, stop_wait_s=2)], Policy(start_secs=1))
    supervision.start()
    logs = settings.var_dir / "logs"
    until(lambda: child_pid(logs / "worker.log") and "up" in (logs / "stubborn.log").read_text(), "start")
    pids = [supervision.info(name)["pid"] for name in ("worker", "stubborn")] + [child_pid(logs / "worker.log")]
    started = time.monotonic()
    supervision.stop()
    assert time.monotonic() - started < 10
    assert not supervision.alive and not [pid for pid in pids if alive(pid)]
    journal = (logs / "supervisord.log").read_text()
    assert "stopped: worker (terminated by SIGTERM)" in journal
    assert "killing 'stubborn'" in journal and "stopped: stubborn (terminated by SIGKILL)" in journal


def test_replica_counts_and_stores_come_from_the_environment() -> None:
    topology = topology_from_env("postgresql://postgres@127.0.0.1:5432/shop",
                                 {"OUTREACH_RASA_REPLICAS": "3", "OUTREACH_SCHEDULER_WORKERS": "1"})
    assert (topology.rasa_replicas, topology.action_servers, topology.scheduler_workers) == (3, 2, 1)
    assert topology.tracker_database == "shop_tracker"
    with pytest.raises(SettingsError, match="OUTREACH_RASA_REPLICAS='zero'"):
        topology_from_env("postgresql://127.0.0.1/shop", {"OUTREACH_RASA_REPLICAS": "zero"})
    assert redis_parts("redis://:pw@10.0.0.5:6380/2") == {
        "OUTREACH_REDIS_HOST": "10.0.0.5", "OUTREACH_REDIS_PORT": "6380", "OUTREACH_REDIS_DB": "2",
        "OUTREACH_REDIS_PASSWORD": "pw",
    }
