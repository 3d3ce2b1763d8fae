"""How the assistant's processes are started."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_the_rasa_server_command_passes_a_dash_leading_token_as_one_argument(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from outreach.processes import rasa_server_command
    from outreach.settings import get_settings

    monkeypatch.setenv("OUTREACH_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("OUTREACH_RASA_TOKEN", "-starts-with-a-dash")
    get_settings.cache_clear()
    try:
        command = rasa_server_command(get_settings())
    finally:
        get_settings.cache_clear()
    assert "--auth-token=-starts-with-a-dash" in command
    assert "-starts-with-a-dash" not in command  # never a separate argument argparse would misread


def test_the_embedded_action_server_refuses_calls_without_the_token(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import requests

    from outreach.processes import ProcessGroup, action_server_command, wait_until_ready
    from outreach.scaled.cluster import free_port
    from outreach.settings import get_settings

    monkeypatch.setenv("OUTREACH_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("OUTREACH_ACTION_PORT", str(free_port()))
    get_settings.cache_clear()
    settings = get_settings()
    get_settings.cache_clear()
    group = ProcessGroup(settings)
    base = f"http://127.0.0.1:{settings.action_port}"
    try:
        group.start("actions", action_server_command(settings))  # exactly as `make run` starts it
        wait_until_ready(group, f"{base}/health", timeout=120)
        call = {"next_action": "action_start_case", "sender_id": "B-1", "tracker": {}, "domain": {}}
        assert requests.post(f"{base}/webhook", json=call, timeout=10).status_code == 401
        assert requests.post(f"{base}/webhook", params={"token": "x"}, json=call, timeout=10).status_code == 401
        assert requests.get(f"{base}/actions", timeout=10).status_code == 401
        listed = requests.get(f"{base}/actions", params={"token": settings.action_token}, timeout=10)
        assert listed.status_code == 200 and {"name": "action_start_case"} in listed.json()
    finally:
        group.stop()


def test_the_action_server_does_not_start_without_a_token(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from outreach.settings import PROJECT_ROOT

    env = {key: value for key, value in os.environ.items() if key != "OUTREACH_ACTION_TOKEN"}
    result = subprocess.run([sys.executable, "-m", "actions.server", "--port", "1"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "OUTREACH_ACTION_TOKEN is not set" in result.stderr
