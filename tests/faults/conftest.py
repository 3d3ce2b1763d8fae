"""One scaled cluster for every fault test: real PostgreSQL and Redis, two Rasa replicas, two
action servers behind HAProxy, two scheduler workers and the web server, all under supervisord.

The action servers pay through the recording provider (payments_recorder), which keeps its
own record of every payout. Leases and retry delays are short (faults_limits below) so a dead
scheduler worker's cases come back within the test instead of after minutes.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text

from outreach.processes import models_dir, port_env
from outreach.rules.loader import rules
from outreach.scheduling.policy import DEFAULTS
from outreach.settings import PROJECT_ROOT, Settings, get_settings
from outreach.store import db as store_db
from tests.conftest import POSTGRES_URL, REDIS_URL, haproxy_or_skip, postgres_or_skip, redis_or_skip
from tests.faults import payments_recorder

MODEL = PROJECT_ROOT / "var" / "models" / "care.tar.gz"
RASA_TIMEOUT_S = 20
PAY_DELAY_S = 1.0  # each payout stays in flight this long: the faults land in the middle of it


def faults_limits(path: Path) -> Path:
    """The default limits with a short dispatch lease and short retry delays."""
    limits = yaml.safe_load((DEFAULTS / "limits.yml").read_text(encoding="utf-8"))
    limits["dispatch"].update({"claim_lease_seconds": RASA_TIMEOUT_S + 5, "retry_delays_seconds": [2, 4, 8]})
    path.write_text(yaml.safe_dump(limits), encoding="utf-8")
    return path


@dataclass
class Rig:
    """The running cluster and what the scenarios need to drive and check it."""

    cluster: object  # outreach.scaled.cluster.Cluster
    settings: Settings
    provider_log: Path
    handover_text: str


def _drop(names: list[str]) -> None:
    admin = create_engine(POSTGRES_URL, future=True, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def postgres_answers(timeout_s: float = 60.0) -> None:
    """Wait until PostgreSQL accepts connections again (after a restart)."""
    deadline = time.monotonic() + timeout_s
    while subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode != 0:
        if time.monotonic() > deadline:
            raise TimeoutError(f"PostgreSQL did not answer within {timeout_s:.0f} s")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    postgres_or_skip()
    redis_or_skip()
    haproxy_or_skip()
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it first)")
    from outreach.scaled.cluster import Cluster, Topology

    var = tmp_path_factory.mktemp("faults")
    (var / "models").symlink_to(MODEL.parent)
    name = f"outreach_faults_{uuid.uuid4().hex[:10]}"
    database_url = f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"
    provider_log = var / "provider-payouts.jsonl"
    env = {
        "OUTREACH_VAR_DIR": str(var),
        "OUTREACH_DATABASE_URL": database_url,
        **port_env(),
        "OUTREACH_RASA_TIMEOUT_S": str(RASA_TIMEOUT_S),
        "OUTREACH_LIMITS_FILE": str(faults_limits(var / "limits.yml")),
        "OUTREACH_PAYMENT_ADAPTER": payments_recorder.SPEC,
        payments_recorder.LOG_ENV: str(provider_log),
        payments_recorder.DELAY_ENV: str(PAY_DELAY_S),
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        get_settings.cache_clear()
        store_db.dispose_all()
        settings = get_settings()
        assert models_dir(settings).exists()
        cluster = Cluster(settings, Topology(database_url, f"{name}_tracker", redis_url=REDIS_URL))
        try:
            cluster.start()
            yield Rig(cluster, cluster.settings, provider_log, rules().handover_message)
        finally:
            cluster.stop()
            store_db.dispose_all()
            get_settings.cache_clear()
            postgres_answers()
            _drop([name, f"{name}_tracker"])
