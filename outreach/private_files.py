"""var/ holds full phone numbers, password hashes, transcripts, logs and secrets: nobody but
the user running the assistant may read it, at any moment.

- var/ is created 0700, so no other user can even list it (an older one is tightened);
- every process of the assistant runs with umask 077, so each file it creates (databases and
  their -wal/-shm files, the tracker store, logs, models, the balancer's configuration) is
  born 0600 and each folder 0700: `restrict()` at each entry point, `PRIVATE_UMASK` for the
  processes started by outreach.processes;
- a secret is written to a private file created under its final name in one step
  (`write_new_private`), never written first and chmodded after.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600


def restrict() -> None:
    """From now on this process (and what it starts) creates private files and folders."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """`path` as a folder only its owner can enter. A folder left readable by an older version
    is tightened, with everything in it (links are not followed)."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) & ~DIR_MODE:
        _tighten(path)
    return path


def _tighten(folder: Path) -> None:
    folder.chmod(DIR_MODE)
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            if not (Path(root) / name).is_symlink():
                os.chmod(Path(root) / name, DIR_MODE)
        for name in files:
            if not (Path(root) / name).is_symlink():
                os.chmod(Path(root) / name, FILE_MODE)


def open_private_log(path: Path) -> int:
    """A file descriptor appending to `path`, created 0600 (an older log is made 0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return fd


def write_new_private(path: Path, text: str) -> bool:
    """Writes `text` to `path` unless it exists: a temporary 0600 file is filled and then linked
    under the final name, so the name never shows a half-written or readable file, and of two
    processes racing to create it exactly one wins. True when this call created it."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")  # one per caller, thread or process
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.link(temporary, path)
        return True
    except FileExistsError:
        return False
    finally:
        temporary.unlink(missing_ok=True)
