"""The scaled set-up as one object: PostgreSQL data and tracker stores, Redis lock store,
several Rasa replicas and action servers behind HAProxy, several scheduler workers and one
web server, all under supervisord. `make run-scaled`, the load benchmark and the fault tests
start it from here.

    cluster = Cluster(get_settings(), Topology(database_url, "outreach_tracker"))
    cluster.start()            # every process ready, HAProxy sees every server up
    cluster.kill("rasa-1")     # supervisord restarts it; its conversations move meanwhile
    cluster.wait_ready("rasa-1")
    cluster.leave("rasa-2"); cluster.rejoin("rasa-2")   # out of HAProxy's pool and back
    cluster.stop()

Ports: the web server on settings.web_port, HAProxy's Rasa frontend on settings.rasa_port
(so settings.rasa_url reaches it) and its action frontend on settings.action_port; replicas
and action servers on free ports chosen at construction.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import time
import urllib.error
import urllib.request
import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

from outreach.processes import (
    action_server_command,
    free_ports,
    models_dir,
    outreach_command,
    rasa_server_command,
)
from outreach.scaled.haproxy import (
    ACTION_BACKEND,
    HAPROXY_BIN,
    RASA_BACKEND,
    HAProxyAdmin,
    HAProxyError,
    Listeners,
    haproxy_command,
    listed_servers,
    render,
    route_of,
)
from outreach.scaled.stores import check_redis, ensure_database, redis_parts
from outreach.scaled.supervision import Policy, Program, Supervision
from outreach.settings import Settings

SCALED_ENDPOINTS = "bot/endpoints.scaled.yml"
# A replica killed while it holds a conversation's Redis lock leaves it behind until it
# expires (Rasa's default: 60 s), and the conversation, moved to another replica, waits that
# long. HAProxy keeps a conversation on one replica, and a turn takes well under a second, so
# a short lifetime is safe and the conversation resumes within seconds.
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
HAPROXY = "haproxy"
# Start order (supervisord's priority): HAProxy, then the servers; the schedulers only once
# the bot answers (Cluster.start), so their first conversation starts do not fail.
LOG_TAIL_LINES = 30  # of a process that is not ready, in the error that says so
PRIORITY = {HAPROXY: 100, "web": 200, "rasa": 300, "actions": 300, "scheduler": 400}


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


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


class Cluster:
    def __init__(self, settings: Settings, topology: Topology, supervise: bool = True) -> None:
        if min(topology.rasa_replicas, topology.action_servers, topology.scheduler_workers) < 1:
            raise ClusterError(f"every kind of process needs at least one copy: {topology}")
        self.topology = topology
        self.settings = dataclasses.replace(
            settings, database_url=topology.database_url, rasa_url=f"http://127.0.0.1:{settings.rasa_port}"
        )
        ports = iter(free_ports(topology.rasa_replicas + topology.action_servers,
                                taken={settings.rasa_port, settings.action_port, settings.web_port}))
        self._upstreams: dict[str, dict[str, str]] = {
            RASA_BACKEND: {
                f"rasa-{i}": f"http://127.0.0.1:{next(ports)}" for i in range(1, topology.rasa_replicas + 1)
            },
            ACTION_BACKEND: {
                f"actions-{i}": f"http://127.0.0.1:{next(ports)}" for i in range(1, topology.action_servers + 1)
            },
        }
        self.supervision = Supervision(self.settings, self._programs(), Policy(restart=supervise))
        self.haproxy = HAProxyAdmin(self._folder / "haproxy.sock")
        self._engine: Engine | None = None
        self._killed: dict[str, int] = {}  # name -> pid killed on request, until a new one runs
        self._ready_pid: dict[str, int] = {}  # name -> the pid last seen ready
        self._ready_after: dict[str, float] = {}  # name -> seconds from its last start to ready

    # -- the interface -------------------------------------------------------------------

    def start(self, timeout: float = 600.0) -> None:
        """Starts every process and waits until all are ready."""
        self._prepare_stores()
        deadline = time.monotonic() + timeout
        try:
            self.supervision.start(self._shared_env())
            front = [name for name in self.names() if not name.startswith("scheduler-")]
            for name in front:
                self.wait_ready(name, max(1.0, deadline - time.monotonic()))
            for name in self.names():
                if name.startswith("scheduler-"):
                    self.supervision.start_program(name)
            self.wait_ready(None, max(1.0, deadline - time.monotonic()))
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self.supervision.stop()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def names(self) -> list[str]:
        return list(self.supervision.programs)

    def pid(self, name: str) -> int:
        self._program(name)
        pid = self.supervision.info(name)["pid"]
        if not pid:
            raise ClusterError(f"{name} is not running")
        return pid

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Sends sig to the process from outside, as the OOM killer or an operator would."""
        pid = self.pid(name)
        if sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGABRT):
            self._killed[name] = pid
        os.kill(pid, sig)

    def leave(self, name: str) -> None:
        """Takes a Rasa replica or action server out of HAProxy's pool (it keeps running)."""
        self.haproxy.leave(self._backend_of(name), name)

    def rejoin(self, name: str) -> None:
        self.haproxy.rejoin(self._backend_of(name), name)

    def wait_ready(self, name: str | None = None, timeout: float = 300.0) -> None:
        """Waits until the process (or every process) answers and HAProxy routes to it."""
        names = self.names() if name is None else [self._program(name).name]
        deadline = time.monotonic() + timeout
        while True:
            waiting = [n for n in names if not self._ready(n)]
            if not waiting:
                return
            if not self.supervision.alive:
                raise ClusterError(f"supervisord is gone; see {self.settings.var_dir / 'logs' / 'supervisord.log'}")
            down = self._given_up(waiting)
            if down:  # supervisord will not start it again: waiting longer cannot help
                raise ClusterError(f"{down[0]} is down and supervisord has given up on it; {self._log_tail(down[0])}")
            if time.monotonic() >= deadline:
                logs = "; ".join(self._log_tail(n) for n in waiting)
                raise ClusterError(f"not ready after {timeout:.0f} s: {logs}")
            time.sleep(0.25)

    def _given_up(self, names: list[str]) -> list[str]:
        """Those of names supervisord will not start again by itself: FATAL after its retries,
        or (when it does not restart at all) any that exited."""
        given_up = ("FATAL",) if self.supervision.policy.restart else ("EXITED", "FATAL")
        try:
            return [n for n in names if self.supervision.info(n)["statename"] in given_up]
        except (OSError, xmlrpc.client.Error):  # supervisord busy: ask again on the next round
            return []

    def replica_for(self, sender_id: str) -> str:
        replica = route_of(self.rasa_url, sender_id)
        if replica is None:
            raise ClusterError("no Rasa replica is up: HAProxy has nowhere to send conversations")
        return replica

    def ready_seconds(self) -> dict[str, float]:
        return dict(self._ready_after)

    @property
    def web_url(self) -> str:
        return f"http://{self.settings.web_host}:{self.settings.web_port}"

    @property
    def rasa_url(self) -> str:
        return self.settings.rasa_url

    # -- beyond the interface --------------------------------------------------------------

    def upstream_url(self, name: str) -> str:
        """The direct URL of a Rasa replica or action server (bypassing HAProxy)."""
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

    @property
    def _folder(self) -> Path:
        return self.settings.var_dir / "scaled"

    def _log(self, name: str) -> Path:
        return self.settings.var_dir / "logs" / f"{name}.log"

    def _log_tail(self, name: str, lines: int = LOG_TAIL_LINES) -> str:
        """Where a process logs and its last lines, for an error that must say why by itself
        (a CI run keeps only what the test printed, not the files)."""
        path = self._log(name)
        try:
            tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        except OSError as error:
            return f"{name} ({path}: {error.strerror})"
        return f"{name} ({path}), last lines:\n" + "\n".join(f"    {line}" for line in tail)

    def _program(self, name: str) -> Program:
        try:
            return self.supervision.programs[name]
        except KeyError:
            raise ClusterError(f"no process {name!r}; the cluster runs {', '.join(self.names())}") from None

    def _backend_of(self, name: str) -> str:
        for backend, members in self._upstreams.items():
            if name in members:
                return backend
        raise ClusterError(f"{name} is neither a Rasa replica nor an action server")

    def _prepare_stores(self) -> None:
        model = models_dir(self.settings) / "care.tar.gz"
        if not model.exists():
            raise ClusterError(f"no trained model at {model}: run `make train` first")
        if not Path(HAPROXY_BIN).exists():
            raise ClusterError(f"{HAPROXY_BIN} is missing: `make haproxy-deps` installs Debian's haproxy")
        ensure_database(self.topology.database_url)
        ensure_database(self.topology.database_url, self.topology.tracker_database)
        check_redis(self.topology.redis_url)
        from outreach.store.migrate import upgrade

        upgrade(self.topology.database_url)
        from outreach.private_files import private_dir

        private_dir(self._folder)
        listeners = Listeners("127.0.0.1", self.settings.rasa_port, self.settings.action_port,
                              rasa_timeout_s=int(max(60.0, 2 * self.settings.rasa_timeout_s)))
        config = render(listeners, listed_servers(self._upstreams[RASA_BACKEND]),
                        listed_servers(self._upstreams[ACTION_BACKEND]), self.haproxy.socket_path)
        self._haproxy_config.write_text(config)
        self._lock_logging.write_text(json.dumps(LOCK_LOGGING, indent=2))  # JSON is YAML to Rasa

    @property
    def _haproxy_config(self) -> Path:
        return self._folder / "haproxy.cfg"

    @property
    def _lock_logging(self) -> Path:
        return self._folder / "rasa-lock-logging.yml"

    def _shared_env(self) -> dict[str, str]:
        """What every process gets through supervisord's own environment (besides
        outreach.processes.rasa_env, secrets included), never written to supervisord.conf."""
        topology = self.topology
        lock_prefix = re.sub(r"[^A-Za-z0-9]", "", topology.tracker_database) or "outreach"
        return {
            "OUTREACH_RASA_URL": self.settings.rasa_url,
            "OUTREACH_TRACKER_URL": self.tracker_url,
            "OUTREACH_TRACKER_DB": topology.tracker_database,
            "OUTREACH_LOCK_PREFIX": lock_prefix,
            **redis_parts(topology.redis_url),
        }

    def _programs(self) -> list[Program]:
        settings = self.settings
        programs = [
            Program(HAPROXY, haproxy_command(self._haproxy_config), priority=PRIORITY[HAPROXY]),
            Program("web", outreach_command("web"), {"PGAPPNAME": "web"}, priority=PRIORITY["web"]),
        ]
        for name, url in self._upstreams[RASA_BACKEND].items():
            command = rasa_server_command(settings, port=int(url.rsplit(":", 1)[1]), endpoints=SCALED_ENDPOINTS)
            if os.environ.get(LOCK_LOG_ENV) == "1":
                command.append(f"--logging-config-file={self._lock_logging}")
            programs.append(Program(name, command, {"PGAPPNAME": name, "TICKET_LOCK_LIFETIME": LOCK_LIFETIME_S},
                                    priority=PRIORITY["rasa"]))
        for name, url in self._upstreams[ACTION_BACKEND].items():
            programs.append(Program(name, action_server_command(settings, port=int(url.rsplit(":", 1)[1])),
                                    {"PGAPPNAME": name}, priority=PRIORITY["actions"]))
        for i in range(1, self.topology.scheduler_workers + 1):
            name = f"scheduler-{i}"
            programs.append(Program(name, outreach_command("scheduler"), {"PGAPPNAME": name}, autostart=False,
                                    priority=PRIORITY["scheduler"]))
        return programs

    def _answers(self, name: str, info: dict) -> bool:
        if name == HAPROXY:
            try:
                self.haproxy.states()
                return True
            except HAProxyError:
                return False
        if name == "web":
            return http_ok(f"{self.web_url}/healthz")
        if name.startswith("scheduler-"):
            return self._connected(name, info["start"])
        backend = self._backend_of(name)
        url = self._upstreams[backend][name] + ("/" if backend == RASA_BACKEND else "/health")
        if not http_ok(url):
            return False
        try:  # and HAProxy routes to it again
            return self.haproxy.is_up(backend, name)
        except HAProxyError:
            return False

    def _ready(self, name: str) -> bool:
        try:
            info = self.supervision.info(name)
        except (OSError, xmlrpc.client.Error):  # supervisord busy or gone: not ready
            return False
        if info["statename"] != "RUNNING" or not info["pid"] or info["pid"] == self._killed.get(name):
            return False
        if not self._answers(name, info):
            return False
        self._killed.pop(name, None)
        if self._ready_pid.get(name) != info["pid"]:
            self._ready_pid[name] = info["pid"]
            self._ready_after[name] = max(0.0, time.time() - info["start"])
        return True

    def _connected(self, name: str, since: float) -> bool:
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
                    {"name": name, "since": since},
                ).first() is not None
        except DBAPIError:  # PostgreSQL is down or restarting: not ready yet
            return False
