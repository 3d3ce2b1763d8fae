"""What another user of the machine can see of the assistant: the command lines of its
processes (ps, /proc) and the permissions of the files under var/."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

SECRET_FIELDS = ("rasa_token", "channel_secret", "buyer_token_secret", "action_token")


def modes_under(root: Path) -> dict[str, int]:
    """Every folder and file below `root` (links not followed) and its permission bits."""
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            if not path.is_symlink():
                found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def not_private(modes: dict[str, int], root: Path) -> list[str]:
    return [f"{name}: {mode:o}" for name, mode in modes.items()
            if mode != (0o700 if (root / name).is_dir() else 0o600)]


def command_lines(pids: list[int]) -> dict[int, list[str]]:
    """The command line of each process and of every process below it."""
    found: dict[int, list[str]] = {}
    pending = list(pids)
    while pending:
        pid = pending.pop()
        proc = Path(f"/proc/{pid}")
        try:
            found[pid] = proc.joinpath("cmdline").read_bytes().decode("utf-8", "replace").split("\0")
            for task in proc.joinpath("task").iterdir():
                pending += [int(child) for child in task.joinpath("children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def assert_no_secret_on_command_lines(settings: Any, pids: list[int], expected: int) -> None:
    lines = command_lines(pids)
    assert len(lines) >= expected, lines
    secrets = [getattr(settings, name) for name in SECRET_FIELDS]
    exposed = [(pid, " ".join(args)[:300]) for pid, args in lines.items() if any(s in a for s in secrets for a in args)]
    assert not exposed, f"a secret on a command line other users can read: {exposed}"
    assert not [args for args in lines.values() if any(a.startswith(("--auth-token", "-t")) for a in args)]
