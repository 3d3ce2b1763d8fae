"""Secrets come from the environment or are generated at run time into var/secrets, never
from the repository: no tracked file holds a value that looks like a real secret, and the
generated ones are git-ignored and readable by their owner only."""

from __future__ import annotations

import math
import re
import secrets
import stat
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from outreach.settings import PROJECT_ROOT, get_settings

KEYWORD = re.compile(r"(secret|token|passw(or)?d|api[_-]?key|auth|credential|private[_-]?key)", re.IGNORECASE)
# A literal assigned to something: `name = "value"`, `name: value`, `--name=value`, `name="value"`.
ASSIGNED = re.compile(r"""[:=]\s*["']?(?P<value>[A-Za-z0-9_\-+/=.]{16,})["']?""")
KNOWN_FORMATS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
}
# A URL with a password longer than a test's placeholder (p%40ss): a real credential.
URL_PASSWORD = re.compile(r"://[^/\s:@]+:(?P<password>[^/\s:@]{12,})@")
TEXT_SUFFIXES = {".py", ".yml", ".yaml", ".toml", ".cfg", ".ini", ".json", ".jsonl", ".md", ".txt", ".sh", ".env",
                 ".lock", ".html", ".js", ".css", ""}


def entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def looks_random(value: str) -> bool:
    """Generated secrets look like noise: long, mixed letters and digits, high entropy."""
    if value.startswith(("${", "http")) or "." in value.strip(".") and not re.search(r"[0-9]", value):
        return False
    return (len(value) >= 20 and bool(re.search(r"[0-9]", value)) and bool(re.search(r"[A-Za-z]", value))
            and entropy(value) >= 4.0)


def suspicious_lines(path: Path) -> list[str]:
    found = []
    text = path.read_text(encoding="utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        for name, pattern in KNOWN_FORMATS.items():
            if pattern.search(line):
                found.append(f"{path}:{number}: {name}")
        if URL_PASSWORD.search(line):
            found.append(f"{path}:{number}: URL with a password")
        if KEYWORD.search(line):
            for match in ASSIGNED.finditer(line):
                if looks_random(match.group("value")):
                    found.append(f"{path}:{number}: a random-looking value next to a secret's name")
    return found


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True).stdout
    return [PROJECT_ROOT / name for name in listed.decode().split("\0") if name]


def test_the_scanner_catches_what_a_leaked_secret_looks_like(tmp_path: Path) -> None:
    # Built at run time: this file is tracked and scanned itself.
    value, password = secrets.token_urlsafe(24) + "7q", secrets.token_hex(8)  # "7q": a digit and a letter for sure
    leaked = tmp_path / "leak.yml"
    leaked.write_text(
        f"rest:\n  token: {value}\n"
        f'OUTREACH_CHANNEL_SECRET = "{value}"\n'
        f"url: postgresql://outreach:{password}@db.internal/outreach\n"
        + "-----BEGIN RSA " + "PRIVATE KEY-----\n"
    )
    assert len(suspicious_lines(leaked)) == 4
    harmless = tmp_path / "fine.yml"
    harmless.write_text(
        "  token: ${OUTREACH_ACTION_TOKEN}\nBUYER_SECRET = \"test-buyer-token-secret\"\n"
        "secret = os.environ.get('OUTREACH_CHANNEL_SECRET')\npassword: lead-password-1\n"
    )
    assert suspicious_lines(harmless) == []


def test_no_tracked_file_holds_a_secret() -> None:
    files = [p for p in tracked_files() if p.suffix in TEXT_SUFFIXES and p.is_file() and p.stat().st_size < 5_000_000]
    assert len(files) > 50
    found = [line for path in files for line in suspicious_lines(path)]
    assert not found, "secret-looking values in tracked files:\n" + "\n".join(found)


def test_nothing_under_var_is_tracked_and_generated_secrets_are_git_ignored() -> None:
    assert [p for p in tracked_files() if p.relative_to(PROJECT_ROOT).parts[0] == "var"] == []
    for name in ("outreach_rasa_token", "outreach_channel_secret", "outreach_buyer_token_secret", "anything"):
        ignored = subprocess.run(["git", "check-ignore", "-q", f"var/secrets/{name}"], cwd=PROJECT_ROOT)
        assert ignored.returncode == 0, f"var/secrets/{name} is not git-ignored"


def test_secrets_come_from_the_environment_or_are_generated_private_at_run_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTREACH_VAR_DIR", str(tmp_path))
    for name in ("OUTREACH_RASA_TOKEN", "OUTREACH_CHANNEL_SECRET", "OUTREACH_BUYER_TOKEN_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OUTREACH_CHANNEL_SECRET", "from-the-environment")
    get_settings.cache_clear()
    try:
        settings = get_settings()
        assert settings.channel_secret == "from-the-environment"
        assert not (tmp_path / "secrets" / "outreach_channel_secret").exists()
        generated = tmp_path / "secrets" / "outreach_buyer_token_secret"
        assert generated.read_text() == settings.buyer_token_secret and looks_random(settings.buyer_token_secret)
        assert stat.S_IMODE(generated.stat().st_mode) == 0o600
        assert settings.rasa_token != settings.buyer_token_secret
    finally:
        get_settings.cache_clear()
