"""The scaled set-up as one object: PostgreSQL data and tracker stores, Redis lock store,
several Rasa replicas and action servers behind the load balancer, several scheduler
workers and one web server, supervised. `make run-scaled`, the load benchmark and the
fault tests start it from here.

    cluster = Cluster(get_settings(), Topology(database_url, "outreach_tracker"))
    cluster.start()            # every process ready, the balancer sees every upstream
    cluster.kill("rasa-1")     # the supervisor restarts it; its conversations move meanwhile
    cluster.wait_ready("rasa-1")
    cluster.stop()

Ports: the web server on settings.web_port, the balancer's Rasa pool on settings.rasa_port
(so settings.rasa_url reaches it) and its action pool on settings.action_port; replicas and
action servers on free ports chosen at construction.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import socket
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

from outreach.processes import action_server_command, models_dir, outreach_command, rasa_server_command
from outreach.scaled.balancer import BalancerConfig, PoolConfig
from outreach.scaled.stores import check_redis, ensure_database, redis_parts
from outreach.scaled.supervisor import Service, Supervisor, http_ok
from outreach.settings import Settings

SCALED_ENDPOINTS = "bot/endpoints.scaled.yml"
RASA_POOL, ACTION_POOL = "rasa", "actions"
# A replica killed while it holds a conversation's Redis lock leaves it behind until it
# expires (Rasa's default: 60 s), and the conversation, moved to another replica, waits that
# long. The balancer already lets one request per conversation through, so a short lifetime
# is safe and the conversation resumes within seconds.
LOCK_LIFETIME_S = "10"
LOCK_LOG_ENV = "OUTREACH_LOG_CONVERSATION_LOCKS"
# With OUTREACH_LOG_CONVERSATION_LOCKS=1 each replica logs every conversation lock it takes
# ("Acquired lock for conversation 'ID'"): which replica served which conversation, and
# lock waits, the symptom of RasaHQ/rasa#9213. Off by default: four lines per message.
LOCK_LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"locks": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stdout"}},
    "loggers": {"rasa.core.lock_store": {"level": "DEBUG", "handlers": ["locks"], "propagate": False}},
}


class ClusterError(RuntimeError):
    """The cluster cannot start or a process is not ready; the message says which and why."""


@dataclass(frozen=True)
class Topology:
    database_url: str  # PostgreSQL URL of the data store
    tracker_database: str  # PostgreSQL database name for Rasa's tracker store (same server)
    redis_url: str = "redis://127.0.0.1:6379/0"  # Rasa's lock store
    rasa_replicas: int = 2
    action_servers: int = 2
    scheduler_workers: int = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


class Cluster:
    def __init__(self, settings: Settings, topology: Topology, supervise: bool = True) -> None:
        if min(topology.rasa_replicas, topology.action_servers, topology.scheduler_workers) < 1:
            raise ClusterError(f"every kind of process needs at least one copy: {topology}")
        self.topology = topology
        self.settings = dataclasses.replace(
            settings, database_url=topology.database_url, rasa_url=f"http://127.0.0.1:{settings.rasa_port}"
        )
        self.supervisor = Supervisor(self.settings, restart=supervise)
        self._upstreams: dict[str, dict[str, str]] = {
            RASA_POOL: {f"rasa-{i}": f"http://127.0.0.1:{free_port()}" for i in range(1, topology.rasa_replicas + 1)},
            ACTION_POOL: {
                f"actions-{i}": f"http://127.0.0.1:{free_port()}" for i in range(1, topology.action_servers + 1)
            },
        }
        self._engine: Engine | None = None
        self._define_services()

    # -- the interface -------------------------------------------------------------------

    def start(self, timeout: float = 600.0) -> None:
        """Starts every process and waits until all are ready. The schedulers start last, once
        the bot answers, so their first conversation starts do not fail."""
        self._prepare_stores()
        deadline = time.monotonic() + timeout
        front = [name for name in self.names() if not name.startswith("scheduler-")]
        for name in front:
            self.supervisor.spawn(name)
        self.supervisor.watch()
        try:
            for name in front:
                self.wait_ready(name, max(1.0, deadline - time.monotonic()))
            for name in self.names():
                if name.startswith("scheduler-"):
                    self.supervisor.spawn(name)
            self.wait_ready(None, max(1.0, deadline - time.monotonic()))
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self.supervisor.stop()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def names(self) -> list[str]:
        return list(self.supervisor.services)

    def pid(self, name: str) -> int:
        service = self._service(name)
        if service.process is None:
            raise ClusterError(f"{name} is not running")
        return service.process.popen.pid

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        self._service(name)
        self.supervisor.kill(name, sig)

    def wait_ready(self, name: str | None = None, timeout: float = 300.0) -> None:
        """Waits until the process (or every process) answers and the balancer routes to it."""
        names = self.names() if name is None else [self._service(name).name]
        deadline = time.monotonic() + timeout
        while True:
            waiting = [n for n in names if not self._ready(n)]
            if not waiting:
                return
            for n in waiting:
                service = self.supervisor.services[n]
                if not service.alive and not self.supervisor.restart and service.process is not None:
                    raise ClusterError(f"{n} is down and not supervised; its log: {service.process.log_path}")
            if time.monotonic() >= deadline:
                logs = ", ".join(f"{n} ({self.settings.var_dir / 'logs' / n}.log)" for n in waiting)
                raise ClusterError(f"not ready after {timeout:.0f} s: {logs}")
            time.sleep(0.25)

    def replica_for(self, sender_id: str) -> str:
        route = _get_json(f"{self.rasa_url}/_balancer/route?sender={quote(sender_id, safe='')}")
        if route["upstream"] is None:
            raise ClusterError("no Rasa replica is healthy: the balancer has nowhere to send conversations")
        return route["upstream"]

    def ready_seconds(self) -> dict[str, float]:
        return {name: s.ready_after_s for name, s in self.supervisor.services.items() if s.ready_after_s is not None}

    @property
    def web_url(self) -> str:
        return f"http://{self.settings.web_host}:{self.settings.web_port}"

    @property
    def rasa_url(self) -> str:
        return self.settings.rasa_url

    # -- beyond the interface --------------------------------------------------------------

    def upstream_url(self, name: str) -> str:
        """The direct URL of a Rasa replica or action server (bypassing the balancer)."""
        for pool in self._upstreams.values():
            if name in pool:
                return pool[name]
        raise ClusterError(f"{name} is neither a Rasa replica nor an action server")

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.action_port}"

    @property
    def tracker_url(self) -> str:
        return make_url(self.topology.database_url).set(database=self.topology.tracker_database) \
            .render_as_string(hide_password=False)

    # -- inside ---------------------------------------------------------------------------

    def _service(self, name: str) -> Service:
        try:
            return self.supervisor.services[name]
        except KeyError:
            raise ClusterError(f"no process {name!r}; the cluster runs {', '.join(self.names())}") from None

    def _prepare_stores(self) -> None:
        model = models_dir(self.settings) / "care.tar.gz"
        if not model.exists():
            raise ClusterError(f"no trained model at {model}: run `make train` first")
        ensure_database(self.topology.database_url)
        ensure_database(self.topology.database_url, self.topology.tracker_database)
        check_redis(self.topology.redis_url)
        from outreach.store.migrate import upgrade

        upgrade(self.topology.database_url)
        config = BalancerConfig(pools=(
            PoolConfig(RASA_POOL, self.settings.rasa_port, self._upstreams[RASA_POOL], sticky=True, health_path="/",
                       timeout_s=max(60.0, 2 * self.settings.rasa_timeout_s)),
            PoolConfig(ACTION_POOL, self.settings.action_port, self._upstreams[ACTION_POOL], health_path="/health",
                       resend_when_broken=True),
        ))
        self._balancer_config.parent.mkdir(parents=True, exist_ok=True)
        self._balancer_config.write_text(config.to_json())
        self._lock_logging.write_text(json.dumps(LOCK_LOGGING, indent=2))  # JSON is YAML to Rasa

    @property
    def _balancer_config(self) -> Path:
        return self.settings.var_dir / "scaled" / "balancer.json"

    @property
    def _lock_logging(self) -> Path:
        return self.settings.var_dir / "scaled" / "rasa-lock-logging.yml"

    def _define_services(self) -> None:
        settings, topology = self.settings, self.topology
        lock_prefix = re.sub(r"[^A-Za-z0-9]", "", topology.tracker_database) or "outreach"
        shared = {
            "OUTREACH_RASA_URL": settings.rasa_url,
            "OUTREACH_TRACKER_URL": self.tracker_url,
            "OUTREACH_TRACKER_DB": topology.tracker_database,
            "OUTREACH_LOCK_PREFIX": lock_prefix,
            **redis_parts(topology.redis_url),
        }

        def add(name: str, command: list[str], is_ready: object, **env: str) -> None:
            service = Service(name, command, {**shared, **env, "PGAPPNAME": name}, is_ready)  # type: ignore[arg-type]
            self.supervisor.add(service)

        balancer_status = f"{settings.rasa_url}/_balancer/status"
        add("balancer", outreach_command("balancer", "--config", str(self._balancer_config)),
            lambda _: http_ok(balancer_status))
        add("web", outreach_command("web"), lambda _: http_ok(f"{self.web_url}/healthz"))
        for name, url in self._upstreams[RASA_POOL].items():
            command = rasa_server_command(settings, port=int(url.rsplit(":", 1)[1]), endpoints=SCALED_ENDPOINTS)
            if os.environ.get(LOCK_LOG_ENV) == "1":
                command.append(f"--logging-config-file={self._lock_logging}")
            add(name, command, lambda _, url=url: http_ok(url + "/"), TICKET_LOCK_LIFETIME=LOCK_LIFETIME_S)
        for name, url in self._upstreams[ACTION_POOL].items():
            add(name, action_server_command(settings, port=int(url.rsplit(":", 1)[1])),
                lambda _, url=url: http_ok(url + "/health"))
        for i in range(1, topology.scheduler_workers + 1):
            add(f"scheduler-{i}", outreach_command("scheduler"), self._connected)

    def _connected(self, service: Service) -> bool:
        """A scheduler worker is ready once it has its own session on the data store (its
        connections carry its name as application_name), i.e. it validated its policy files
        and began its first pass."""
        if self._engine is None:
            self._engine = create_engine(self.topology.database_url, future=True, pool_size=1, max_overflow=0,
                                         pool_pre_ping=True)  # survives a PostgreSQL restart
        try:
            with self._engine.connect() as connection:
                return connection.execute(
                    text("SELECT 1 FROM pg_stat_activity WHERE application_name = :name "
                         "AND backend_start >= to_timestamp(:since) LIMIT 1"),
                    {"name": service.name, "since": service.spawned_at},
                ).first() is not None
        except DBAPIError:  # PostgreSQL is down or restarting: not ready yet
            return False

    def _ready(self, name: str) -> bool:
        """Ready, and for a replica or action server: the balancer routes to it again."""
        if not self.supervisor.services[name].ready:
            return False
        pool = next((p for p, members in self._upstreams.items() if name in members), None)
        if pool is None:
            return True
        port = self.settings.rasa_port if pool == RASA_POOL else self.settings.action_port
        try:
            status = _get_json(f"http://127.0.0.1:{port}/_balancer/status")
        except (OSError, ValueError):
            return False
        return bool(status["upstreams"][name]["healthy"])
