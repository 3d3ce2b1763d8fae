"""Other users of the machine: they read every process's command line (ps, /proc) and any
file whose mode lets them. No secret is on a command line; var/ is 0700 and every file in it
0600 from the moment it exists."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from outreach.settings import PROJECT_ROOT
from tests.support.local_files import SECRET_FIELDS, assert_no_secret_on_command_lines, modes_under, not_private

# A fresh process with the usual umask 022 loads the settings (generating every secret) while
# an audit hook looks at every file under var/ at every file-system event: a secret written
# first and chmodded after is seen readable at the chmod.
WATCH_SECRETS = """
import json, os, stat, sys
from pathlib import Path
os.umask(0o022)
var = Path(sys.argv[1])
seen, busy = {}, []
def hook(event, args):
    if busy or not event.startswith(("open", "os.")) or not var.exists():
        return
    busy.append(1)  # the walk below raises audit events too
    try:
        for folder, dirs, files in os.walk(var):
            for name in dirs + files:
                path = os.path.join(folder, name)
                seen.setdefault(path, set()).add(oct(stat.S_IMODE(os.lstat(path).st_mode)))
    finally:
        busy.clear()
sys.addaudithook(hook)
from outreach.settings import load_settings
load_settings()
print(json.dumps({path: sorted(modes) for path, modes in seen.items()}))
"""


def test_secrets_and_var_are_private_from_the_moment_they_exist(tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}, "OUTREACH_VAR_DIR": str(var)}
    result = subprocess.run([sys.executable, "-c", WATCH_SECRETS, str(var)], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=120, check=True)
    seen = json.loads(result.stdout)
    secrets = {path: modes for path, modes in seen.items() if "/secrets/outreach_" in path}
    assert len(secrets) == 4, seen
    assert all(modes == ["0o600"] for modes in secrets.values()), secrets
    assert seen[str(var / "secrets")] == ["0o700"]
    assert stat.S_IMODE(var.stat().st_mode) == 0o700


def test_an_older_readable_var_is_made_private_with_the_assistants_files_in_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from outreach.settings import get_settings

    var = tmp_path / "var"
    (var / "logs").mkdir(parents=True, mode=0o755)
    (var / "models").mkdir(mode=0o755)
    var.chmod(0o755)
    own = ("outreach.db", "outreach.db-wal", "tracker.db", "logs/web.log", "models/care.tar.gz")
    for name in (*own, "notes.txt"):
        (var / name).write_text("x")
        (var / name).chmod(0o644)
    monkeypatch.setenv("OUTREACH_VAR_DIR", str(var))
    get_settings.cache_clear()
    try:
        get_settings()
    finally:
        get_settings.cache_clear()
    assert stat.S_IMODE(var.stat().st_mode) == 0o700  # nobody else gets in, to notes.txt either
    modes = modes_under(var)
    assert not_private({name: modes[name] for name in (*own, "logs", "models", "secrets")}, var) == []
    assert modes["notes.txt"] == 0o644  # not the assistant's: left as it was


def test_a_shared_folder_as_var_is_refused_not_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from outreach.settings import SettingsError, load_settings

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # like /tmp
    (shared / "someone-elses.txt").write_text("x")
    (shared / "someone-elses.txt").chmod(0o644)
    monkeypatch.setenv("OUTREACH_VAR_DIR", str(shared))
    with pytest.raises(SettingsError, match="shared folder.*point OUTREACH_VAR_DIR at a folder of the assistant's own"):
        load_settings()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert stat.S_IMODE((shared / "someone-elses.txt").stat().st_mode) == 0o644


@pytest.mark.e2e
def test_the_running_assistant_shows_no_secret_in_ps_and_keeps_var_private(stack: dict[str, Any]) -> None:
    settings, var, group = stack["settings"], stack["var"], stack["group"]
    group.check_alive()
    assert_no_secret_on_command_lines(settings, [p.popen.pid for p in group.processes], len(group.processes))
    modes = modes_under(var)
    for made_by_the_processes in ("outreach.db", "tracker.db", "logs/rasa.log", "logs/web.log", "logs/actions.log",
                                  "secrets/outreach_rasa_token"):
        assert made_by_the_processes in modes, sorted(modes)
    assert not_private(modes, var) == []
    for process in group.processes:
        written = process.log_path.read_text(errors="replace")
        assert not [name for name in SECRET_FIELDS if getattr(settings, name) in written], process.name


def test_of_many_threads_generating_one_secret_at_once_exactly_one_writes_it(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from outreach.private_files import write_new_private

    path = tmp_path / "outreach_rasa_token"
    with ThreadPoolExecutor(max_workers=16) as pool:
        wrote = list(pool.map(lambda n: write_new_private(path, f"value-{n}"), range(64)))
    assert wrote.count(True) == 1
    assert path.read_text() == f"value-{wrote.index(True)}"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
