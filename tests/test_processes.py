"""How the assistant's processes are started."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def test_the_rasa_server_gets_its_token_from_the_environment_never_on_its_command_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from outreach.processes import rasa_server_command
    from outreach.rasa_run import rasa_arguments
    from outreach.settings import get_settings

    monkeypatch.setenv("OUTREACH_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("OUTREACH_RASA_TOKEN", "-starts-with-a-dash")
    get_settings.cache_clear()
    try:
        command = rasa_server_command(get_settings())
    finally:
        get_settings.cache_clear()
    assert not [arg for arg in command if "starts-with-a-dash" in arg or arg.startswith(("--auth-token", "-t"))]
    arguments = rasa_arguments(command[command.index("outreach.rasa_run") + 1:], {"OUTREACH_RASA_TOKEN": "-x-y"})
    assert arguments[-1] == "--auth-token=-x-y"  # one argument: argparse never reads it as an option
    for bad in (["run", "--enable-api", "--auth-token=abc"], ["run", "--enable-api", "-t", "abc"]):
        with pytest.raises(ValueError, match="on the command line"):
            rasa_arguments(bad, {"OUTREACH_RASA_TOKEN": "abc"})
    with pytest.raises(ValueError, match="OUTREACH_RASA_TOKEN is not set"):
        rasa_arguments(["run", "--enable-api"], {})


def test_free_ports_are_distinct_bindable_and_never_one_already_given(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from outreach import processes

    first = processes.free_ports(3)
    taken = set(first)
    later = processes.free_ports(40, taken=taken)
    assert len(set(first)) == 3 and len(set(later)) == 40 and not taken & set(later)
    for port in first[:1] + later[:1]:
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", port))  # free: a server can take it
    env = processes.port_env()
    assert len({env["OUTREACH_RASA_PORT"], env["OUTREACH_ACTION_PORT"], env["OUTREACH_WEB_PORT"]}) == 3

    # when the kernel hands out a port the caller has taken already, the caller gets another one
    real_socket = socket.socket
    offered = iter([first[1], first[0], 0])

    class Offering(real_socket):  # type: ignore[misc, valid-type]
        def bind(self, address: tuple[str, int]) -> None:
            super().bind((address[0], next(offered)))

    monkeypatch.setattr(processes.socket, "socket", Offering)
    chosen = processes.free_ports(2, taken={first[1]})
    assert chosen[0] == first[0] and first[1] not in chosen and len(set(chosen)) == 2


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The action server exactly as `make run` starts it, with its settings and log."""
    from outreach.processes import ProcessGroup, action_server_command, free_port, wait_until_ready
    from outreach.settings import get_settings

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("OUTREACH_VAR_DIR", str(tmp_path_factory.mktemp("actions")))
        monkeypatch.setenv("OUTREACH_ACTION_PORT", str(free_port()))
        get_settings.cache_clear()
        settings = get_settings()
        get_settings.cache_clear()
    group = ProcessGroup(settings)
    base = f"http://127.0.0.1:{settings.action_port}"
    try:
        process = group.start("actions", action_server_command(settings))
        wait_until_ready(group, f"{base}/health", timeout=120)
        yield {"base": base, "settings": settings, "log": process.log_path}
    finally:
        group.stop()


def test_the_embedded_action_server_refuses_calls_without_the_token(action_server: dict[str, Any]) -> None:
    import requests

    base, settings = action_server["base"], action_server["settings"]
    call = {"next_action": "action_start_case", "sender_id": "B-1", "tracker": {}, "domain": {}}
    assert requests.post(f"{base}/webhook", json=call, timeout=10).status_code == 401
    assert requests.post(f"{base}/webhook", params={"token": "x"}, json=call, timeout=10).status_code == 401
    assert requests.get(f"{base}/actions", timeout=10).status_code == 401
    listed = requests.get(f"{base}/actions", params={"token": settings.action_token}, timeout=10)
    assert listed.status_code == 200 and {"name": "action_start_case"} in listed.json()


def test_the_action_server_answers_malformed_requests_with_4xx_and_logs_no_traceback(
    action_server: dict[str, Any]
) -> None:
    import requests

    base, token = action_server["base"], {"token": action_server["settings"].action_token}
    size = action_server["log"].stat().st_size
    for method, path, params, body, status in (
        ("POST", "/health", None, b"{}", 405),
        ("PUT", "/health", None, None, 405),
        ("GET", "/webhook", token, None, 405),
        ("GET", "/no-such-path", token, None, 404),
        ("POST", "/webhook", token, b"{not json", 400),
        ("POST", "/webhook", token, b"[1, 2]", 400),
    ):
        response = requests.request(method, base + path, params=params, data=body, timeout=10,
                                    headers={"Content-Type": "application/json"})
        assert response.status_code == status, (method, path, body, response.status_code, response.text)
        assert "error" in response.json(), (method, path)
    assert requests.get(f"{base}/health", timeout=10).status_code == 200
    with action_server["log"].open("rb") as log:
        log.seek(size)
        written = log.read().decode("utf-8", "replace")
    assert "Traceback" not in written and " ERROR " not in written, written[-3000:]
    assert "refused POST /health" in written  # logged, as a warning


def test_the_action_server_does_not_start_without_a_token(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from outreach.settings import PROJECT_ROOT

    env = {key: value for key, value in os.environ.items() if key != "OUTREACH_ACTION_TOKEN"}
    result = subprocess.run([sys.executable, "-m", "actions.server", "--port", "1"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "OUTREACH_ACTION_TOKEN is not set" in result.stderr
