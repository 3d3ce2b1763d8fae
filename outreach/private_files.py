"""var/ holds full phone numbers, password hashes, transcripts, logs and secrets: nobody but
the user running the assistant may read it, at any moment.

- var/ is created 0700, so no other user can even list it (an older one is tightened);
- every process of the assistant runs with umask 077, so each file it creates (databases and
  their -wal/-shm files, the tracker store, logs, models, HAProxy's and supervisord's configuration) is
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


# What the assistant itself keeps in var/: tightened when an older version left it readable.
OWN_FOLDERS = ("secrets", "logs", "models", "scaled")
OWN_FILES = ("outreach.db", "tracker.db")  # with their -wal, -shm and -journal files


class NotPrivate(ValueError):
    """A folder that should be private is shared and not the assistant's to restrict."""


def private_dir(path: Path) -> Path:
    """`path` as a folder only its owner can enter. One left readable by an older version is
    tightened, with the assistant's own files in it (links are not followed); a shared folder
    (sticky, like /tmp) or another user's is refused rather than changed."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    info = path.stat()
    if stat.S_IMODE(info.st_mode) & ~DIR_MODE:
        if info.st_mode & stat.S_ISVTX or info.st_uid != os.getuid():
            raise NotPrivate(f"{path} is a shared folder (mode {stat.S_IMODE(info.st_mode):o}) that others can read; "
                             "point OUTREACH_VAR_DIR at a folder of the assistant's own")
        path.chmod(DIR_MODE)
        _tighten_own(path)
    return path


def _tighten_own(folder: Path) -> None:
    for entry in folder.iterdir():
        if entry.is_symlink():
            continue
        if entry.is_dir() and entry.name in OWN_FOLDERS:
            entry.chmod(DIR_MODE)
            for root, dirs, files in os.walk(entry):
                for name in dirs + files:
                    inner = Path(root) / name
                    if not inner.is_symlink():
                        inner.chmod(DIR_MODE if inner.is_dir() else FILE_MODE)
        elif entry.is_file() and entry.name.startswith(OWN_FILES):
            entry.chmod(FILE_MODE)


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
