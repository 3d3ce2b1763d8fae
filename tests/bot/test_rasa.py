"""Rasa's own checks on the assistant: data validation and the test stories."""

from __future__ import annotations

import subprocess
from pathlib import Path

from outreach.processes import BIN, rasa_env
from outreach.settings import PROJECT_ROOT, get_settings

MODEL = PROJECT_ROOT / "var" / "models" / "care.tar.gz"


def rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "rasa"), *args], cwd=PROJECT_ROOT, env=rasa_env(get_settings()),
        capture_output=True, text=True, timeout=timeout,
    )


def test_domain_and_training_data_validate() -> None:
    result = rasa("data", "validate", "--domain", "bot/domain", "--data", "data/nlu", "data/rules",
                  "--config", "bot/config.yml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_every_test_story_is_predicted_exactly(tmp_path: Path) -> None:
    assert MODEL.exists(), "no trained model: run `make train` (make test trains first)"
    result = rasa("test", "core", "--model", str(MODEL), "--stories", "tests/stories",
                  "--fail-on-prediction-errors", "--out", str(tmp_path))
    failed = tmp_path / "failed_test_stories.yml"
    report = failed.read_text(encoding="utf-8") if failed.exists() else ""
    assert result.returncode == 0, report[-4000:] or (result.stdout[-3000:] + result.stderr[-3000:])
    assert "None of the test stories failed" in report or not report.strip() or "stories: []" in report
