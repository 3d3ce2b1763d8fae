"""One running stack for the whole test session: the real Rasa server (HTTP API with token),
the real action server and the web server, started exactly as `make run` does, on a fresh
SQLite store. Loaded as a pytest plugin by tests/conftest.py, so the end-to-end and the
security tests share it and Rasa loads its model once per run.

`running_stack` starts the processes once; `stack` points each test's environment (the
`outreach` commands it runs, the store it reads) at them and restores it afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from outreach.processes import (
    ProcessGroup,
    action_server_command,
    outreach_command,
    port_env,
    rasa_server_command,
    wait_until_ready,
)
from outreach.settings import PROJECT_ROOT, get_settings
from outreach.store import db as store_db

MODEL = PROJECT_ROOT / "var" / "models" / "care.tar.gz"


def use_env(env: dict[str, str]) -> dict[str, str | None]:
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    get_settings.cache_clear()
    store_db.dispose_all()
    return saved


def _restore_env(saved: dict[str, str | None]) -> None:
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()
    store_db.dispose_all()


@contextmanager
def started_stack(var: Path) -> Iterator[dict[str, Any]]:
    """Start Rasa, the action server and the web server on a fresh SQLite store under `var`
    (as `make run` does); yields the stack's settings, folder, processes and environment."""
    if not MODEL.exists():
        raise RuntimeError(f"no trained model at {MODEL}: run `make train` (make test does it first)")
    (var / "models").symlink_to(MODEL.parent)
    env = {
        "OUTREACH_VAR_DIR": str(var),
        "OUTREACH_DATABASE_URL": f"sqlite:///{var / 'outreach.db'}",
        **port_env(),
    }
    saved = use_env(env)
    try:
        settings = get_settings()  # generates this stack's secrets under var/secrets
        group = ProcessGroup(settings)
        subprocess.run(outreach_command("db", "upgrade"), check=True, cwd=PROJECT_ROOT, capture_output=True)
    finally:
        _restore_env(saved)  # children get their environment from the settings, not from ours
    try:
        group.start("actions", action_server_command(settings))
        group.start("web", outreach_command("web"))
        group.start("rasa", rasa_server_command(settings))
        wait_until_ready(group, f"http://127.0.0.1:{settings.action_port}/health")
        wait_until_ready(group, f"http://127.0.0.1:{settings.web_port}/healthz")
        wait_until_ready(group, f"http://127.0.0.1:{settings.rasa_port}/", timeout=400)
        yield {"settings": settings, "var": var, "group": group, "env": env}
    finally:
        group.stop()


@pytest.fixture(scope="session")
def running_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it first)")
    with started_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture
def stack(running_stack: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The running stack, with this test's environment and store pointed at it."""
    saved = use_env(running_stack["env"])
    try:
        yield running_stack
    finally:
        _restore_env(saved)


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        outreach_command(*args), cwd=PROJECT_ROOT, capture_output=True, text=True, input=stdin, timeout=300
    )


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


class Buyer:
    """A buyer's app: the in-app HTTP endpoints with the buyer's signed token."""

    def __init__(self, settings: Any, buyer_id: str, token: str | None = None) -> None:
        """`token`: one issued already; by default the platform's `outreach buyer link` issues it."""
        self.base = f"http://127.0.0.1:{settings.web_port}"
        self.token = token or json.loads(cli("buyer", "link", buyer_id, "--json").stdout)["token"]
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def inbox(self) -> list[dict[str, Any]]:
        response = requests.get(f"{self.base}/api/messages", headers=self.headers, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    def say(self, text: str, payload: str | None = None) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"text": text}
        if payload:
            body["payload"] = payload
        response = requests.post(f"{self.base}/api/messages", json=body, headers=self.headers, timeout=60)
        assert response.status_code == 200, response.text
        return [m for m in response.json()["messages"] if m["sender"] != "buyer"]

    def tap(self, shown: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
        """Tap the button titled `title` among the messages `shown` (the bot's latest answer)."""
        button = next((b for m in shown for b in m.get("buttons") or [] if b["title"] == title), None)
        assert button is not None, f"no button {title!r} in {shown}"
        return self.say(button["title"], payload=button["payload"])
