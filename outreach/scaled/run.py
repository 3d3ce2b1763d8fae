"""`make run-scaled`: the demo on the scaled set-up, until Ctrl-C.

Everything but the processes is shared with `make run` (outreach.runner): migrate, seed
an empty store, train if needed, print the chat and dashboard links.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from outreach.runner import serve
from outreach.scaled.cluster import Cluster, Topology
from outreach.scaled.stores import StoreUnavailable, check_redis, ensure_database
from outreach.settings import Settings, SettingsError

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/outreach_scaled"
COUNTS = {
    "rasa_replicas": "OUTREACH_RASA_REPLICAS",
    "action_servers": "OUTREACH_ACTION_SERVERS",
    "scheduler_workers": "OUTREACH_SCHEDULER_WORKERS",
}


def topology_from_env(database_url: str, env: Mapping[str, str] = os.environ) -> Topology:
    counts = {}
    for field_name, variable in COUNTS.items():
        raw = env.get(variable, "2")
        if not raw.isdigit() or not 1 <= int(raw) <= 32:
            raise SettingsError(f"{variable}={raw!r} is not a count from 1 to 32")
        counts[field_name] = int(raw)
    tracker = env.get("OUTREACH_TRACKER_DATABASE") or f"{database_url.rsplit('/', 1)[-1].split('?')[0]}_tracker"
    return Topology(database_url, tracker, env.get("OUTREACH_REDIS_URL", "redis://127.0.0.1:6379/0"), **counts)


class Scaled:
    command = "make run-scaled"

    def __init__(self, settings: Settings, topology: Topology) -> None:
        self.cluster = Cluster(settings, topology)

    def start(self) -> None:
        topology = self.cluster.topology
        print(f"starting {topology.rasa_replicas} Rasa replicas, {topology.action_servers} action servers, "
              f"{topology.scheduler_workers} scheduler workers, HAProxy and the web server under supervisord "
              "(a minute or two) ...", flush=True)
        self.cluster.start()

    def check_alive(self) -> None:
        """supervisord restarts a process that dies; only its own end stops the demo."""
        if not self.cluster.supervision.alive:
            raise RuntimeError(f"supervisord stopped; see {self.cluster.settings.var_dir / 'logs' / 'supervisord.log'}")

    def stop(self) -> None:
        self.cluster.stop()

    def describe(self) -> list[str]:
        cluster = self.cluster
        seconds = cluster.ready_seconds()
        lines = [f"HAProxy: {cluster.rasa_url} (Rasa, consistent hashing per conversation), "
                 f"{cluster.action_url} (actions, least busy)"]
        lines += [f"  {name}: pid {cluster.pid(name)}, ready after {seconds.get(name, 0):.0f} s"
                  for name in cluster.names()]
        lines.append(f"processes: {cluster.supervision.ctl_command()} (restart NAME, tail -f NAME, ...)")
        lines.append(f"trackers: PostgreSQL database {cluster.topology.tracker_database}; "
                     f"locks: Redis {cluster.topology.redis_url}")
        return lines


def run_scaled(settings: Settings) -> int:
    """settings.database_url must already be the PostgreSQL data store."""
    try:
        topology = topology_from_env(settings.database_url)
        ensure_database(settings.database_url)  # prepare() migrates it before the cluster starts
        check_redis(topology.redis_url)
    except (StoreUnavailable, SettingsError) as exc:
        print(f"error: {exc}", flush=True)
        return 1
    return serve(settings, Scaled(settings, topology))
