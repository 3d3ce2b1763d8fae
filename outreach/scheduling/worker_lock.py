"""On SQLite exactly one scheduler worker may run: a file lock next to the database file.

SQLite has no row locks to share work safely, so a second worker refuses to start with a
message. The lock is an OS lock (flock): it is released when the process dies, however it
dies. PostgreSQL needs no lock here: workers share the work with SKIP LOCKED.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from outreach.settings import SettingsError

_held: dict[str, tuple[IO[str], int]] = {}


class AnotherWorkerRunning(SettingsError):
    """A second scheduler worker on SQLite."""


def lock_path(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).with_name(Path(url.database).name + ".scheduler.lock")


@contextmanager
def single_worker(database_url: str) -> Iterator[None]:
    """Hold the SQLite worker lock for the block; re-entrant within one process."""
    path = lock_path(database_url)
    if path is None:
        yield
        return
    key = str(path)
    if key in _held:
        handle, depth = _held[key]
        _held[key] = (handle, depth + 1)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise AnotherWorkerRunning(
                f"another scheduler worker (pid {holder}) is already running on the SQLite database "
                f"{make_url(database_url).database}; SQLite allows one worker: stop the other one, or use "
                "PostgreSQL (OUTREACH_DATABASE_URL=postgresql://...) to run several"
            ) from None
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        _held[key] = (handle, 1)
    try:
        yield
    finally:
        handle, depth = _held[key]
        if depth > 1:
            _held[key] = (handle, depth - 1)
        else:
            del _held[key]
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
