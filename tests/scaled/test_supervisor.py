"""The cluster's supervisor with small stand-in processes: restarts, reasons, backoff."""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from outreach.scaled.run import topology_from_env
from outreach.scaled.stores import redis_parts
from outreach.scaled.supervisor import Service, Supervisor
from outreach.settings import SettingsError, get_settings

SLEEPER = [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(600)"]
CRASHER = [sys.executable, "-c", "import sys; print('bad config file', flush=True); sys.exit(3)"]


@pytest.fixture
def supervisor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Supervisor]:
    monkeypatch.setenv("OUTREACH_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    watcher = Supervisor(get_settings())
    get_settings.cache_clear()
    yield watcher
    watcher.stop(timeout=5)


def until(condition: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout_s:.0f} s")
        time.sleep(0.05)


def test_a_killed_process_is_restarted_and_the_reason_logged(
    supervisor: Supervisor, caplog: pytest.LogCaptureFixture
) -> None:
    supervisor.add(Service("worker", SLEEPER, {}, lambda _: True))
    supervisor.spawn("worker")
    supervisor.watch()
    service = supervisor.services["worker"]
    until(lambda: service.ready, "first start")
    first = service.process.popen.pid
    with caplog.at_level(logging.INFO, logger="outreach.cluster"):
        supervisor.kill("worker", signal.SIGKILL)
        assert not service.ready  # at once, before it is even reaped
        until(lambda: service.ready and service.process.popen.pid != first, "restart")
    assert service.restarts == 1 and service.ready_after_s is not None
    assert any("worker" in r.message and "killed by SIGKILL" in r.message and "restarting in 1 s" in r.message
               for r in caplog.records)


def test_a_process_that_keeps_crashing_is_restarted_ever_more_slowly_with_its_log(
    supervisor: Supervisor, caplog: pytest.LogCaptureFixture
) -> None:
    supervisor.add(Service("broken", CRASHER, {}, lambda _: False, backoff_s=0.1))
    with caplog.at_level(logging.WARNING, logger="outreach.cluster"):
        supervisor.spawn("broken")
        supervisor.watch()
        until(lambda: supervisor.services["broken"].restarts >= 3, "three restarts")
    delays = [r.message.split("restarting in ")[1].split(" s")[0] for r in caplog.records if "restarting" in r.message]
    assert [float(d) for d in delays[:3]] == [0.1, 0.2, 0.4]  # doubled at every death before being ready
    assert all("exited with status 3" in r.message and "bad config file" in r.message
               for r in caplog.records if "restarting" in r.message)


def test_without_supervision_a_dead_process_stays_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTREACH_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    watcher = Supervisor(get_settings(), restart=False)
    get_settings.cache_clear()
    try:
        watcher.add(Service("worker", SLEEPER, {}, lambda _: True))
        watcher.spawn("worker")
        watcher.watch()
        until(lambda: watcher.services["worker"].ready, "start")
        watcher.kill("worker", signal.SIGKILL)
        until(lambda: watcher.services["worker"].restart_at is not None, "noticing the death")
        time.sleep(0.5)
        assert watcher.services["worker"].restarts == 0 and not watcher.services["worker"].alive
    finally:
        watcher.stop(timeout=5)


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
