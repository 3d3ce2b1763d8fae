"""The set-ups the chat benchmark talks to, each started, timed to ready and stopped by the benchmark.

- embedded: SQLite, one Rasa server, one action server, the web server, started with
  outreach/processes.py exactly as `make run` starts them (the scheduler is left out:
  the benchmark starts each conversation itself, with the scheduler's own call, to time it);
- scaled: outreach.scaled.cluster.Cluster on throw-away PostgreSQL databases;
- plain: the plain Rasa bot of bench/plain_bot/, trained into var/bench/plain/ when missing
  or out of date, behind Rasa's REST channel.

Each set-up works in its own folder under var/bench/ and its own environment, restored on stop.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from pathlib import Path

from bench.chat_driver import AssistantTransport, PlainTransport, Transport
from bench.chat_memory import MemorySampler
from bench.chat_report import PATCHES_OFF
from bench.scheduler import drop_database, throwaway_database
from bot.patches import ALL_SWITCH
from outreach.processes import (
    BIN,
    ProcessGroup,
    action_server_command,
    outreach_command,
    port_env,
    rasa_server_command,
)
from outreach.settings import PROJECT_ROOT, Settings, get_settings
from outreach.store import db as store_db
from outreach.store.migrate import upgrade

BENCH_VAR = PROJECT_ROOT / "var" / "bench"
PLAIN_BOT = PROJECT_ROOT / "bench" / "plain_bot"
READY_TIMEOUT_S = 600.0


class ScopedEnv:
    """Environment variables set for one set-up and put back as they were afterwards."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.saved = {key: os.environ.get(key) for key in values}

    def enter(self) -> Settings:
        os.environ.update(self.values)
        get_settings.cache_clear()
        store_db.dispose_all()
        return get_settings()

    def exit(self) -> None:
        store_db.dispose_all()
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


def fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def wait_all_ready(group: ProcessGroup, health: dict[str, str], spawned: dict[str, float],
                   timeout: float = READY_TIMEOUT_S) -> dict[str, float]:
    """Seconds from spawn to the first healthy answer, per process; fails early if one dies."""
    ready: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while len(ready) < len(health):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not ready after {timeout:.0f}s: {sorted(set(health) - set(ready))}")
        group.check_alive()
        for name, url in health.items():
            if name not in ready and _answers(url):
                ready[name] = time.monotonic() - spawned[name]
        time.sleep(0.2)
    return ready


class BenchSetup(ABC):
    """What every set-up offers the benchmark (embedded, scaled, plain implement it)."""

    name: str
    label: str  # for the report

    def __init__(self, sampler: MemorySampler, patches: bool = True) -> None:
        self.sampler = sampler
        self.patches = patches  # the assistant's patches of Rasa internals (bot/patches.py), on or off
        self.env: ScopedEnv | None = None
        self.group: ProcessGroup | None = None
        self.ready: dict[str, float] = {}
        self.settings: Settings | None = None
        self.profile_dir: Path | None = None  # run the processes under cProfile, one .prof file each

    def _patch_switch(self) -> dict[str, str]:
        """Set both ways, so that an OUTREACH_RASA_PATCHES in the caller's shell changes nothing."""
        return {ALL_SWITCH: "on" if self.patches else "off"}

    def _name_variant(self) -> None:
        if not self.patches:
            self.name, self.label = f"{self.name}-nopatch", f"{self.label}{PATCHES_OFF}"

    @abstractmethod
    def prepare(self) -> Settings:
        """Folders, environment and store; before any process starts (the benchmark seeds here)."""

    @abstractmethod
    def launch(self) -> None:
        """Start the set-up's processes and wait until they are ready."""

    @abstractmethod
    def transport(self) -> Transport:
        """How the simulated buyers talk to this set-up."""

    def _spawn(self, processes: dict[str, list[str]], health: dict[str, str]) -> None:
        assert self.settings is not None
        self.group = ProcessGroup(self.settings)
        spawned = {}
        for name, command in processes.items():
            if self.profile_dir is not None:
                self.profile_dir.mkdir(parents=True, exist_ok=True)
                out = self.profile_dir / f"{self.name}-{name}.prof"
                script = command[1:] if Path(command[0]).name.startswith("python") else command  # -m module
                command = [sys.executable, "-m", "cProfile", "-o", str(out), *script]
            spawned[name] = time.monotonic()
            self.sampler.watch(f"{self.name}:{name}", self.group.start(name, command).popen.pid)
        self.ready = wait_all_ready(self.group, health, spawned)

    def _interrupt_profiled(self, timeout: float = 30.0) -> None:
        """cProfile writes its file only when the program ends normally: Ctrl-C (SIGINT) does that."""
        assert self.group is not None
        for process in self.group.processes:
            if process.popen.poll() is None:
                os.killpg(process.popen.pid, signal.SIGINT)
        for process in self.group.processes:
            try:
                process.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                pass

    def stop(self) -> None:
        if self.group is not None:
            if self.profile_dir is not None:
                self._interrupt_profiled()
            self.group.stop()
            self.group = None
        if self.env is not None:
            self.env.exit()
            self.env = None


def _link_model(var_dir: Path, model: Path) -> None:
    (var_dir / "models").mkdir()
    (var_dir / "models" / "care.tar.gz").symlink_to(model.resolve())


class EmbeddedSetup(BenchSetup):
    name = label = "embedded"

    def __init__(self, sampler: MemorySampler, model: Path, patches: bool = True) -> None:
        super().__init__(sampler, patches)
        self.model = model
        self._name_variant()

    def prepare(self) -> Settings:
        var_dir = fresh_dir(BENCH_VAR / "embedded")
        _link_model(var_dir, self.model)
        self.env = ScopedEnv({"OUTREACH_VAR_DIR": str(var_dir), "OUTREACH_DATABASE_URL": f"sqlite:///{var_dir}/outreach.db",
                              "OUTREACH_TRACKER_DIALECT": "sqlite", "OUTREACH_TRACKER_DB": str(var_dir / "tracker.db"),
                              **port_env(), **self._patch_switch()})
        self.settings = self.env.enter()
        upgrade()
        return self.settings

    def launch(self) -> None:
        settings = self.settings
        assert settings is not None
        self._spawn(
            {"actions": action_server_command(settings), "web": outreach_command("web"),
             "rasa": rasa_server_command(settings)},
            {"actions": f"http://127.0.0.1:{settings.action_port}/health",
             "web": f"http://127.0.0.1:{settings.web_port}/healthz",
             "rasa": f"http://127.0.0.1:{settings.rasa_port}/"},
        )

    def transport(self) -> Transport:
        assert self.settings is not None
        return AssistantTransport(self.settings, self.settings.rasa_url,
                                  f"http://127.0.0.1:{self.settings.web_port}")


class ScaledSetup(BenchSetup):
    name = "scaled"

    def __init__(self, sampler: MemorySampler, model: Path, replicas: int, patches: bool = True) -> None:
        super().__init__(sampler, patches)
        self.model = model
        self.replicas = replicas
        self.label = f"scaled x{replicas}"
        self.name = f"scaled{replicas}"
        self._name_variant()
        self.databases: list[str] = []
        self.cluster = None

    def prepare(self) -> Settings:
        var_dir = fresh_dir(BENCH_VAR / self.name)
        _link_model(var_dir, self.model)
        data_name, data_url = throwaway_database()
        self.databases.append(data_name)
        tracker_name, _ = throwaway_database()
        self.databases.append(tracker_name)
        self.tracker_database = tracker_name
        self.env = ScopedEnv({"OUTREACH_VAR_DIR": str(var_dir), "OUTREACH_DATABASE_URL": data_url, **port_env(),
                              **self._patch_switch()})
        self.settings = self.env.enter()
        upgrade(data_url)
        return self.settings

    def launch(self) -> None:
        from outreach.scaled.cluster import Cluster, Topology

        assert self.settings is not None
        topology = Topology(database_url=self.settings.database_url, tracker_database=self.tracker_database,
                            rasa_replicas=self.replicas, action_servers=self.replicas)
        self.cluster = Cluster(self.settings, topology, supervise=False)
        try:
            self.cluster.start(timeout=READY_TIMEOUT_S)
        finally:  # watched even when start fails half-way, so stop() still finds what ran
            for name in self.cluster.names():
                try:
                    self.sampler.watch(f"{self.name}:{name}", self.cluster.pid(name))
                except (KeyError, LookupError, RuntimeError, OSError):  # supervisord never came up
                    pass
        self.ready = self.cluster.ready_seconds()

    def transport(self) -> Transport:
        assert self.settings is not None and self.cluster is not None
        return AssistantTransport(self.settings, self.cluster.rasa_url, self.cluster.web_url)

    def stop(self) -> None:
        try:
            if self.cluster is not None:
                self.cluster.stop()
                self.cluster = None
        finally:
            store_db.dispose_all()  # no open connection may keep a database from being dropped
            while self.databases:
                drop_database(self.databases.pop())
            super().stop()


def _plain_source_hash() -> str:
    """Of what the plain bot is trained from (not its endpoints)."""
    digest = hashlib.sha256()
    for path in sorted([PLAIN_BOT / "config.yml", PLAIN_BOT / "domain.yml", *(PLAIN_BOT / "data").rglob("*.yml")]):
        digest.update(path.relative_to(PLAIN_BOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def train_plain_bot(log: Path) -> Path:
    """The plain bot's model, trained again only when bench/plain_bot/ changed."""
    models = BENCH_VAR / "plain" / "models"
    model, stamp = models / "plain.tar.gz", models / "plain.sha256"
    wanted = _plain_source_hash()
    if model.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return model
    models.mkdir(parents=True, exist_ok=True)
    print(f"training the plain bot into {models} (log: {log}) ...", flush=True)
    env = {**os.environ, "RASA_CACHE_DIRECTORY": str(BENCH_VAR / "plain" / "cache"),
           "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    command = [str(BIN / "rasa"), "train", "--config", str(PLAIN_BOT / "config.yml"),
               "--domain", str(PLAIN_BOT / "domain.yml"), "--data", str(PLAIN_BOT / "data"),
               "--out", str(models), "--fixed-model-name", "plain"]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as handle:
        result = subprocess.run(command, cwd=PROJECT_ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    if result.returncode != 0 or not model.exists():
        raise RuntimeError(f"training the plain bot failed (exit {result.returncode}); see {log}")
    stamp.write_text(wanted)
    return model


class PlainSetup(BenchSetup):
    """The plain bot on SQLite, as the embedded set-up's stores."""

    name = label = "plain"
    endpoints = PLAIN_BOT / "endpoints.yml"

    def prepare(self) -> Settings:
        var_dir = fresh_dir(BENCH_VAR / "plain" / self.name)
        self.model = train_plain_bot(var_dir / "logs" / "train.log")
        self.env = ScopedEnv({"OUTREACH_VAR_DIR": str(var_dir), **self.store_env(var_dir), **port_env()})
        self.settings = self.env.enter()
        return self.settings

    def store_env(self, var_dir: Path) -> dict[str, str]:
        return {"PLAIN_BOT_TRACKER_DB": str(var_dir / "tracker.db")}

    def launch(self) -> None:
        settings = self.settings
        assert settings is not None
        command = rasa_server_command(settings, endpoints=str(self.endpoints), model=self.model,
                                      credentials=str(PLAIN_BOT / "credentials.yml"))
        self._spawn({"rasa": command}, {"rasa": f"http://127.0.0.1:{settings.rasa_port}/"})

    def transport(self) -> Transport:
        assert self.settings is not None
        return PlainTransport(f"http://127.0.0.1:{self.settings.rasa_port}", self.settings.rasa_token)


class PlainScaledSetup(PlainSetup):
    """The plain bot on the scaled set-up's stores: PostgreSQL trackers, Redis locks. The fair
    baseline for the scaled set-up, whose every turn also pays for those stores."""

    name = "plain-pg"
    label = "plain pg"
    endpoints = PLAIN_BOT / "endpoints.scaled.yml"

    def __init__(self, sampler: MemorySampler) -> None:
        super().__init__(sampler)
        self.databases: list[str] = []

    def store_env(self, var_dir: Path) -> dict[str, str]:
        from outreach.scaled.stores import redis_parts

        name, url = throwaway_database()
        self.databases.append(name)
        return {"OUTREACH_TRACKER_URL": url, "OUTREACH_TRACKER_DB": name, "OUTREACH_LOCK_PREFIX": name,
                **redis_parts(os.environ.get("OUTREACH_REDIS_URL", "redis://127.0.0.1:6379/0"))}

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            while self.databases:
                drop_database(self.databases.pop())

