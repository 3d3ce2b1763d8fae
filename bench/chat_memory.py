"""Peak memory and CPU time of the benchmarked processes, children included, from /proc (Linux).

A background thread samples every process tree twice a second and keeps, per process,
the highest VmHWM (the kernel's own peak resident set) it has seen, so a child that exits
before the end is still counted.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


def _status_kib(pid: int, field: str) -> int | None:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _parents() -> dict[int, int]:
    """pid -> parent pid for every process now."""
    parents: dict[int, int] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces; the fields after it are fixed.
        fields = stat[stat.rfind(")") + 2:].split()
        parents[int(entry.name)] = int(fields[1])
    return parents


def descendants(root: int, parents: dict[int, int]) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


@dataclass(frozen=True)
class PeakMemory:
    name: str
    pid: int
    own_bytes: int  # VmHWM of the process itself
    tree_bytes: int  # sum of the peaks of the process and every child seen (an upper bound)
    processes: int  # how many processes the tree had


class MemorySampler:
    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.roots: dict[str, int] = {}
        self.peaks: dict[str, dict[int, int]] = {}  # name -> pid -> highest VmHWM in KiB
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="memory-sampler", daemon=True)

    def watch(self, name: str, pid: int) -> None:
        with self._lock:
            self.roots[name] = pid
            self.peaks[name] = {}

    def sample(self) -> None:
        parents = _parents()
        with self._lock:
            roots = dict(self.roots)
        for name, root in roots.items():
            for pid in descendants(root, parents) if root in parents else []:
                peak = _status_kib(pid, "VmHWM")
                if peak is not None:
                    with self._lock:
                        known = self.peaks[name]
                        known[pid] = max(known.get(pid, 0), peak)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def start(self) -> MemorySampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def report(self) -> list[PeakMemory]:
        self.sample()
        with self._lock:
            return [
                PeakMemory(name, root, self.peaks[name].get(root, 0) * 1024,
                           sum(self.peaks[name].values()) * 1024, len(self.peaks[name]))
                for name, root in self.roots.items()
            ]


def cpu_seconds(root: int) -> float:
    """CPU time (user + system) used so far by a process and its living children."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in descendants(root, _parents()):
        try:
            stat = (PROC / str(pid) / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks
