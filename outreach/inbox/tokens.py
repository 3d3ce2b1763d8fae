"""Signed buyer tokens: the platform's app proves which buyer is talking.

A token is `<buyer id, base64url>.<expiry unix seconds>.<HMAC-SHA256, base64url>`. Only a
holder of the secret can issue one; a buyer can never act as another buyer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

_REASONS = {"malformed": "malformed token", "bad_signature": "bad signature", "expired": "token expired"}


class TokenError(ValueError):
    """A token that proves nothing; `reason` is malformed, bad_signature or expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(_REASONS[reason])
        self.reason = reason


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())


def issue(secret: str, buyer_id: str, ttl_seconds: int = 7 * 24 * 3600, now: float | None = None) -> str:
    expiry = int((now if now is not None else time.time()) + ttl_seconds)
    body = f"{_b64(buyer_id.encode())}.{expiry}"
    return f"{body}.{_sign(secret, body)}"


def verify(secret: str, token: str, now: float | None = None) -> str:
    """The buyer id a token was issued for; TokenError if forged, malformed or expired."""
    parts = token.split(".")
    if len(parts) != 3 or not token.isascii():
        raise TokenError("malformed")
    body = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_sign(secret, body).encode(), parts[2].encode("utf-8", "replace")):
        raise TokenError("bad_signature")
    try:
        expiry = int(parts[1])
        buyer_id = _unb64(parts[0]).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise TokenError("malformed") from exc
    if expiry < (now if now is not None else time.time()):
        raise TokenError("expired")
    return buyer_id
