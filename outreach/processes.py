"""Starting the assistant's processes: Rasa server, action server, web server, scheduler.

`make run` and the end-to-end tests start them the same way, from here.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from outreach.private_files import PRIVATE_UMASK, open_private_log, private_dir
from outreach.settings import PROJECT_ROOT, Settings

BIN = Path(sys.executable).parent
MODELS_DIR_NAME = "models"


def models_dir(settings: Settings) -> Path:
    return settings.var_dir / MODELS_DIR_NAME


def free_ports(count: int, taken: Collection[int] = ()) -> list[int]:
    """`count` distinct ports free on 127.0.0.1 now, none of them in `taken`. Every probe socket
    stays bound until all are picked, so the kernel cannot hand out the same port twice."""
    held: list[socket.socket] = []
    ports: list[int] = []
    try:
        while len(ports) < count:
            probe = socket.socket()
            held.append(probe)
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
            if port not in taken:
                ports.append(port)
    finally:
        for probe in held:
            probe.close()
    return ports


def free_port() -> int:
    return free_ports(1)[0]


def port_env() -> dict[str, str]:
    """Settings for the Rasa, action and web ports of a throwaway stack: three distinct free ports."""
    rasa, action, web = free_ports(3)
    return {"OUTREACH_RASA_PORT": str(rasa), "OUTREACH_ACTION_PORT": str(action), "OUTREACH_WEB_PORT": str(web)}


def rasa_env(settings: Settings) -> dict[str, str]:
    """The environment the Rasa and action servers read (endpoints.yml, credentials.yml)."""
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])),
            "OUTREACH_VAR_DIR": str(settings.var_dir),
            "OUTREACH_DATABASE_URL": settings.database_url,
            "OUTREACH_CHANNEL_SECRET": settings.channel_secret,
            "OUTREACH_RASA_TOKEN": settings.rasa_token,
            "OUTREACH_ACTION_TOKEN": settings.action_token,
            "OUTREACH_BUYER_TOKEN_SECRET": settings.buyer_token_secret,
            "OUTREACH_NOTIFY_URL": f"http://{settings.web_host}:{settings.web_port}/internal/notify",
            "OUTREACH_ACTION_URL": f"http://127.0.0.1:{settings.action_port}/webhook",
            "OUTREACH_TRACKER_DIALECT": os.environ.get("OUTREACH_TRACKER_DIALECT", "sqlite"),
            "OUTREACH_TRACKER_DB": os.environ.get("OUTREACH_TRACKER_DB", str(settings.var_dir / "tracker.db")),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "RASA_TELEMETRY_ENABLED": "false",
            "OUTREACH_WEB_PORT": str(settings.web_port),
            "OUTREACH_RASA_PORT": str(settings.rasa_port),
            "OUTREACH_ACTION_PORT": str(settings.action_port),
        }
    )
    return env


def train_command(settings: Settings) -> list[str]:
    return [
        str(BIN / "rasa"), "train",
        "--config", "bot/config.yml",
        "--domain", "bot/domain",
        "--data", "data/nlu", "data/rules",
        "--out", str(models_dir(settings)),
        "--fixed-model-name", "care",
    ]


def rasa_server_command(
    settings: Settings, port: int | None = None, endpoints: str = "bot/endpoints.yml", model: Path | None = None,
    credentials: str = "bot/credentials.yml",
) -> list[str]:
    """A Rasa server with its HTTP API behind the token; port and endpoints differ per replica.
    The token is not on the command line (any local user reads that in ps or /proc): the
    wrapper outreach.rasa_run hands Rasa OUTREACH_RASA_TOKEN from its environment."""
    return [
        str(BIN / "python"), "-m", "outreach.rasa_run", "run",
        "--model", str(model or models_dir(settings) / "care.tar.gz"),
        "--enable-api",
        "--endpoints", endpoints,
        "--credentials", credentials,
        "--interface", "127.0.0.1",
        "--port", str(port or settings.rasa_port),
    ]


def action_server_command(settings: Settings, port: int | None = None) -> list[str]:
    """Our entry point around rasa-sdk: it refuses calls without OUTREACH_ACTION_TOKEN."""
    return [str(BIN / "python"), "-m", "actions.server", "--port", str(port or settings.action_port)]


def outreach_command(*args: str) -> list[str]:
    return [str(BIN / "outreach"), *args]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log_path: Path


def log_file(settings: Settings, name: str) -> tuple[Path, int]:
    """var/logs/NAME.log, private, opened for appending: (its path, a descriptor to close)."""
    log_path = private_dir(settings.var_dir / "logs") / f"{name}.log"
    return log_path, open_private_log(log_path)


def spawn(settings: Settings, name: str, command: list[str], env: dict[str, str] | None = None) -> Process:
    """Starts a command in its own session (so its whole group can be signalled), appending
    its output to var/logs/NAME.log, with umask 077 (every file it creates is private).
    env adds to or overrides rasa_env(settings)."""
    log_path, fd = log_file(settings, name)
    try:  # the child keeps its own copy of the descriptor
        popen = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env={**rasa_env(settings), **(env or {})}, stdout=fd,
            stderr=subprocess.STDOUT, start_new_session=True, umask=PRIVATE_UMASK,
        )
    finally:
        os.close(fd)
    return Process(name, popen, log_path)


@dataclass
class ProcessGroup:
    """Child processes started together and stopped together."""

    settings: Settings
    processes: list[Process] = field(default_factory=list)

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> Process:
        process = spawn(self.settings, name, command, env)
        self.processes.append(process)
        return process

    def check_alive(self) -> None:
        for process in self.processes:
            if process.popen.poll() is not None:
                tail = process.log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{process.name} exited with {process.popen.returncode}; log tail:\n{tail}")

    def stop(self, timeout: float = 15.0) -> None:
        for process in reversed(self.processes):
            if process.popen.poll() is None:
                os.killpg(process.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes:
            remaining = max(0.1, deadline - time.monotonic())
            try:
                process.popen.wait(remaining)
            except subprocess.TimeoutExpired:
                os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait()
        self.processes.clear()


def wait_until_ready(group: ProcessGroup, url: str, timeout: float = 300.0) -> None:
    """Poll url until it answers 200, failing early if a process of the group died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        group.check_alive()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not ready after {timeout:.0f}s")
