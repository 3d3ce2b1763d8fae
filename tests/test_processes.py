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
