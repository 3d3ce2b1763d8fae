"""Keeps the cluster's processes running: notices when one ends, says why, restarts it with
backoff, and tracks when each one (re)started and became ready.

A background thread checks every process a few times a second. A process that exits
(crash, OOM kill, SIGKILL) is restarted after 1 s; when it dies again before it has been
ready for STABLE_S seconds, the wait doubles, up to MAX_BACKOFF_S. Every exit and restart
is logged on the `outreach.cluster` logger with the exit status and the tail of its log.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from outreach.processes import Process, spawn
from outreach.settings import Settings

log = logging.getLogger("outreach.cluster")

TICK_S = 0.2
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 60.0
STABLE_S = 30.0
FATAL = frozenset({signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGABRT})


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@dataclass
class Service:
    """One process of the cluster and how to tell it is ready."""

    name: str
    command: list[str]
    env: dict[str, str]
    is_ready: Callable[[Service], bool]
    process: Process | None = None
    spawned_at: float = 0.0  # time.time() of the last start
    ready_after_s: float | None = None  # seconds from the last start to ready
    restart_at: float | None = None
    backoff_s: float = FIRST_BACKOFF_S
    restarts: int = 0
    killed_pid: int | None = None  # killed on request: not ready until it is restarted

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.popen.poll() is None

    @property
    def ready(self) -> bool:
        return self.alive and self.ready_after_s is not None and not self.killed

    @property
    def killed(self) -> bool:
        """Killed on request and not restarted yet (it may take a moment to die)."""
        return self.process is not None and self.killed_pid == self.process.popen.pid


def exit_reason(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with status {returncode}"


@dataclass
class Supervisor:
    settings: Settings
    restart: bool = True
    services: dict[str, Service] = field(default_factory=dict)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _thread: threading.Thread | None = None

    def add(self, service: Service) -> None:
        self.services[service.name] = service

    def spawn(self, name: str) -> None:
        with self._lock:
            service = self.services[name]
            service.process = spawn(self.settings, name, service.command, service.env)
            service.spawned_at = time.time()
            service.ready_after_s = None
            service.restart_at = None
            service.killed_pid = None
        log.info("%s started (pid %s)", name, service.process.popen.pid)

    def watch(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="cluster-supervisor", daemon=True)
            self._thread.start()

    def kill(self, name: str, sig: int) -> None:
        with self._lock:
            service = self.services[name]
            if service.process is None:
                raise RuntimeError(f"{name} was never started")
            pid = service.process.popen.pid
            if sig in FATAL:
                service.killed_pid = pid
            log.warning("%s (pid %s): sending %s on request", name, pid, signal.Signals(sig).name)
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, timeout: float = 15.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._lock:
            running = [s.process for s in self.services.values() if s.process is not None]
        for process in reversed(running):
            if process.popen.poll() is None:
                os.killpg(process.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in running:
            try:
                process.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            for service in list(self.services.values()):
                try:
                    self._tend(service)
                except Exception:  # the supervisor itself must keep running
                    log.exception("supervising %s failed", service.name)
            self._stopping.wait(TICK_S)

    def _tend(self, service: Service) -> None:
        if service.process is None:
            return
        returncode = service.process.popen.poll()
        if returncode is None:
            if service.ready_after_s is None and not service.killed and service.is_ready(service):
                service.ready_after_s = time.time() - service.spawned_at
                log.info("%s ready after %.1f s", service.name, service.ready_after_s)
            return
        if service.restart_at is None:
            self._schedule_restart(service, returncode)
        elif self.restart and time.time() >= service.restart_at and not self._stopping.is_set():
            service.restarts += 1
            self.spawn(service.name)

    def _schedule_restart(self, service: Service, returncode: int) -> None:
        assert service.process is not None
        now = time.time()
        was_ready = service.ready_after_s is not None
        stable = was_ready and now - service.spawned_at - (service.ready_after_s or 0) >= STABLE_S
        on_request = service.killed
        delay = FIRST_BACKOFF_S if stable or on_request else service.backoff_s
        service.backoff_s = FIRST_BACKOFF_S if stable else min(2 * delay, MAX_BACKOFF_S)
        service.ready_after_s = None
        service.restart_at = now + delay
        tail = service.process.log_path.read_text(errors="replace").splitlines()[-15:]
        ran = f"after {now - service.spawned_at:.0f} s" + ("" if was_ready else ", never ready")
        if self.restart:
            log.warning("%s (pid %s) %s %s; restarting in %g s; log %s ends:\n%s", service.name,
                        service.process.popen.pid, exit_reason(returncode), ran, delay,
                        service.process.log_path, "\n".join(tail))
        else:
            log.warning("%s (pid %s) %s %s; not supervised, left down", service.name,
                        service.process.popen.pid, exit_reason(returncode), ran)
