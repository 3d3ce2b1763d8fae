"""Configuration from the environment, read and validated once."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from outreach.private_files import NotPrivate, private_dir, write_new_private

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting in the environment is missing or malformed."""


def _var_dir() -> Path:
    return Path(os.environ.get("OUTREACH_VAR_DIR", PROJECT_ROOT / "var"))


def _secret(name: str, var_dir: Path) -> str:
    """A secret from the environment, or one generated once and kept under var/secrets, in a
    file that is private (0600) from the moment it has its name."""
    value = os.environ.get(name)
    if value:
        return value
    path = private_dir(var_dir / "secrets") / name.lower()
    if not path.exists():
        write_new_private(path, secrets.token_urlsafe(32))  # a concurrent process may win: read its one
    return path.read_text().strip()


def _number(name: str, default: float, kind: type, valid: Callable[[float], bool], expected: str) -> float:
    raw = os.environ.get(name, str(default))
    try:
        value = kind(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r} is not {expected}") from exc
    if not valid(value):
        raise SettingsError(f"{name}={value} is out of range; set {expected}")
    return value


def _port(name: str, default: int) -> int:
    return int(_number(name, default, int, lambda port: 0 < port < 65536, "an integer 1-65535"))


SECURE_COOKIES = ("auto", "always", "never")


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default).strip().lower() or default
    if value not in choices:
        raise SettingsError(f"{name}={os.environ.get(name)!r} is not one of {', '.join(choices[:-1])} or {choices[-1]}")
    return value


def _seconds(name: str, default: float) -> float:
    return _number(name, default, float, lambda seconds: seconds > 0, "a number of seconds above 0")


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    database_url: str
    rasa_url: str
    rasa_token: str
    channel_secret: str
    buyer_token_secret: str
    action_token: str  # Rasa sends it to the action server, which refuses calls without it
    web_host: str
    web_port: int
    rasa_port: int
    action_port: int
    inapp_channel: str = "inapp"
    rasa_timeout_s: float = 30.0
    diagnosis_model: Path | None = None  # a model folder instead of the promoted or shipped one
    # The dashboard's session cookie: Secure when the request came over TLS ("auto": HTTPS,
    # or X-Forwarded-Proto: https from the gateway), always, or never.
    secure_cookies: str = "auto"


def load_settings() -> Settings:
    try:
        var_dir = private_dir(_var_dir())
    except NotPrivate as exc:
        raise SettingsError(str(exc)) from None
    rasa_port = _port("OUTREACH_RASA_PORT", 5005)
    database_url = os.environ.get("OUTREACH_DATABASE_URL") or f"sqlite:///{var_dir / 'outreach.db'}"
    if "://" not in database_url:
        raise SettingsError(
            f"OUTREACH_DATABASE_URL={database_url!r} is not a database URL; "
            "use e.g. sqlite:///var/outreach.db or postgresql://user@host/db"
        )
    return Settings(
        var_dir=var_dir,
        database_url=database_url,
        rasa_url=os.environ.get("OUTREACH_RASA_URL", f"http://127.0.0.1:{rasa_port}").rstrip("/"),
        rasa_token=_secret("OUTREACH_RASA_TOKEN", var_dir),
        channel_secret=_secret("OUTREACH_CHANNEL_SECRET", var_dir),
        buyer_token_secret=_secret("OUTREACH_BUYER_TOKEN_SECRET", var_dir),
        action_token=_secret("OUTREACH_ACTION_TOKEN", var_dir),
        web_host=os.environ.get("OUTREACH_WEB_HOST", "127.0.0.1"),
        web_port=_port("OUTREACH_WEB_PORT", 8080),
        rasa_port=rasa_port,
        action_port=_port("OUTREACH_ACTION_PORT", 5055),
        rasa_timeout_s=_seconds("OUTREACH_RASA_TIMEOUT_S", 30.0),
        diagnosis_model=Path(os.environ["OUTREACH_DIAGNOSIS_MODEL"]) if os.environ.get("OUTREACH_DIAGNOSIS_MODEL")
        else None,
        secure_cookies=_choice("OUTREACH_SECURE_COOKIES", "auto", SECURE_COOKIES),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
