"""The scaled set-up's processes under supervisord (PyPI `supervisor`; docs/operations.md).

`Supervision` writes var/scaled/supervisord.conf (private, no secret in it), starts
supervisord in the foreground of its own session and talks to it over its UNIX socket with
XML-RPC. supervisord restarts a process that dies, backs off when one keeps dying at
start-up, writes each process's output to var/logs/NAME.log, logs every exit with its
reason to var/logs/supervisord.log, and stops every process (and its children) on `stop()`.

Secrets never reach the configuration: supervisord inherits them in its environment from
outreach.processes.rasa_env and hands them down; each program's `environment=` line holds
only ports, names and other plain settings.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import xmlrpc.client
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from outreach.processes import Process, spawn
from outreach.settings import PROJECT_ROOT, Settings

STOPPED_STATES = frozenset({"STOPPED", "EXITED", "FATAL", "UNKNOWN"})
_SAFE_VALUE = str.maketrans({"%": "%%", '"': ""})


@dataclass(frozen=True)
class Program:
    """One supervised process."""

    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)  # plain settings only: written to the file
    autostart: bool = True
    priority: int = 500  # lower starts first and stops last
    stop_wait_s: int = 15  # SIGTERM, then SIGKILL after this long


@dataclass(frozen=True)
class Policy:
    """How supervisord restarts. A process that ran `start_secs` and then died is restarted at
    once; one that dies sooner is retried after 1, 2, 3 ... s, `start_retries` times, and then
    left FATAL (in its log and supervisord's) until someone starts it again."""

    restart: bool = True
    start_secs: int = 5
    start_retries: int = 10


class SupervisionError(RuntimeError):
    """supervisord did not start or answer; the message says where to look."""


def _quote(arg: str) -> str:
    if arg and all(c.isalnum() or c in "-_./:=,@+" for c in arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%") + '"'


def render(programs: Iterable[Program], folder: Path, logs: Path, policy: Policy) -> str:
    """supervisord.conf for these programs; its socket and pid file in `folder`."""
    lines = [
        "; Written by outreach/scaled/supervision.py at each start; do not edit (docs/operations.md).",
        "[supervisord]",
        "nodaemon=true",
        "silent=true",  # its log goes to the file only
        f"logfile={logs / 'supervisord.log'}",
        "logfile_maxbytes=10MB",
        f"pidfile={folder / 'supervisord.pid'}",
        "umask=077",
        f"childlogdir={logs}",
        "",
        "[unix_http_server]",
        f"file={folder / 'supervisord.sock'}",
        "chmod=0600",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{folder / 'supervisord.sock'}",
    ]
    for program in programs:
        env = ",".join(f'{key}="{value.translate(_SAFE_VALUE)}"' for key, value in program.env.items())
        lines += [
            "",
            f"[program:{program.name}]",
            f"command={' '.join(_quote(arg) for arg in program.command)}",
            f"directory={PROJECT_ROOT}",
            f"autostart={str(program.autostart).lower()}",
            f"autorestart={'true' if policy.restart else 'false'}",
            f"startsecs={policy.start_secs}",
            f"startretries={policy.start_retries}",
            f"priority={program.priority}",
            "stopsignal=TERM",
            f"stopwaitsecs={program.stop_wait_s}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={logs / (program.name + '.log')}",
            "stdout_logfile_maxbytes=50MB",
            "stdout_logfile_backups=3",
            "umask=077",
        ]
        if env:
            lines.append(f"environment={env}")
    return "\n".join(lines) + "\n"


class _UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path: Path, timeout_s: float) -> None:
        super().__init__()
        self.path, self.timeout_s = path, timeout_s

    def make_connection(self, host: object) -> object:
        import http.client
        import socket

        path, timeout_s = self.path, self.timeout_s

        class Connection(http.client.HTTPConnection):
            def connect(self) -> None:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.settimeout(timeout_s)
                self.sock.connect(str(path))

        return Connection("localhost")


class Supervision:
    def __init__(self, settings: Settings, programs: list[Program], policy: Policy = Policy(),
                 folder: Path | None = None) -> None:
        self.settings = settings
        self.programs = {program.name: program for program in programs}
        self.policy = policy
        self.folder = folder or settings.var_dir / "scaled"
        self.logs = settings.var_dir / "logs"
        self.process: Process | None = None

    @property
    def config_path(self) -> Path:
        return self.folder / "supervisord.conf"

    @property
    def socket_path(self) -> Path:
        return self.folder / "supervisord.sock"

    def ctl_command(self) -> str:
        """What an operator types to see and steer the processes."""
        return f"{Path(sys.executable).parent / 'supervisorctl'} -c {self.config_path} status"

    # -- starting and stopping -------------------------------------------------------------

    def start(self, env: dict[str, str] | None = None, timeout_s: float = 30.0) -> None:
        """Starts supervisord (and with it every program with autostart) and waits until it
        answers. env: settings every program shares, secrets included (never written)."""
        from outreach.private_files import private_dir

        private_dir(self.folder)
        private_dir(self.logs)
        self.config_path.write_text(render(self.programs.values(), self.folder, self.logs, self.policy))
        self.config_path.chmod(0o600)
        command = [str(Path(sys.executable).parent / "supervisord"), "-c", str(self.config_path)]
        self.process = spawn(self.settings, "supervisord-console", command, env)
        deadline = time.monotonic() + timeout_s
        while True:
            if self.process.popen.poll() is not None:
                tail = self.process.log_path.read_text(errors="replace")[-2000:]
                raise SupervisionError(f"supervisord exited with {self.process.popen.returncode}:\n{tail}")
            try:
                if self._rpc(2.0).supervisor.getState()["statename"] == "RUNNING":
                    return
            except (OSError, xmlrpc.client.Error):
                pass
            if time.monotonic() > deadline:
                raise SupervisionError(f"supervisord did not answer on {self.socket_path} within {timeout_s:.0f} s; "
                                       f"see {self.process.log_path} and {self.logs / 'supervisord.log'}")
            time.sleep(0.1)

    def stop(self, timeout_s: float = 60.0) -> None:
        """Stops every program (SIGTERM to its group, SIGKILL after its stop_wait_s), then
        supervisord itself."""
        if self.process is None or self.process.popen.poll() is not None:
            return
        popen = self.process.popen
        try:
            self._rpc(5.0).supervisor.shutdown()
        except (OSError, xmlrpc.client.Error):
            os.killpg(popen.pid, signal.SIGTERM)  # supervisord stops its programs on SIGTERM too
        try:
            popen.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(popen.pid, signal.SIGKILL)
            popen.wait()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.popen.poll() is None

    # -- asking and steering ---------------------------------------------------------------

    def info(self, name: str) -> dict:
        """supervisord's view of one program: statename, pid, start (epoch s), ..."""
        return self._rpc().supervisor.getProcessInfo(name)

    def infos(self) -> dict[str, dict]:
        return {info["name"]: info for info in self._rpc().supervisor.getAllProcessInfo()}

    def start_program(self, name: str) -> None:
        self._rpc().supervisor.startProcess(name, False)

    def _rpc(self, timeout_s: float = 10.0) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy("http://localhost", transport=_UnixTransport(self.socket_path, timeout_s))
