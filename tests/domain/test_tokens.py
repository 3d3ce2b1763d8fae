"""Signed buyer tokens: only the secret's holder can say which buyer is talking."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

import pytest

from outreach.inbox.tokens import TokenError, issue, verify

SECRET = "平台-buyer-token-secret-2026"
NOW = 1_795_000_000.0  # November 2026


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "buyer_id",
    ["B1001", "王小明", "buyer.with.dots", "a/b+c=d?&e", "😀买家", "  spaced  ", "x" * 500, "B1001\n", "0"],
)
def test_a_token_names_exactly_the_buyer_it_was_issued_for(buyer_id: str) -> None:
    token = issue(SECRET, buyer_id, now=NOW)
    assert re.fullmatch(r"[A-Za-z0-9_-]*\.[0-9]+\.[A-Za-z0-9_-]+", token)
    assert verify(SECRET, token, now=NOW) == buyer_id


def test_default_lifetime_is_seven_days() -> None:
    token = issue(SECRET, "B1001", now=NOW)
    assert verify(SECRET, token, now=NOW + 7 * 24 * 3600) == "B1001"
    with pytest.raises(TokenError, match="expired"):
        verify(SECRET, token, now=NOW + 7 * 24 * 3600 + 1)


def test_tokens_of_different_buyers_differ() -> None:
    assert issue(SECRET, "B1001", now=NOW) != issue(SECRET, "B1002", now=NOW)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    forged = issue("guessed-secret", "B1001", now=NOW)
    with pytest.raises(TokenError, match="bad signature"):
        verify(SECRET, forged, now=NOW)


def test_changing_the_buyer_part_breaks_the_signature() -> None:
    _, expiry, signature = issue(SECRET, "B1001", now=NOW).split(".")
    with pytest.raises(TokenError, match="bad signature"):
        verify(SECRET, f"{b64('B1002')}.{expiry}.{signature}", now=NOW)


def test_extending_the_expiry_breaks_the_signature() -> None:
    buyer, expiry, signature = issue(SECRET, "B1001", ttl_seconds=60, now=NOW).split(".")
    with pytest.raises(TokenError, match="bad signature"):
        verify(SECRET, f"{buyer}.{int(expiry) + 10**6}.{signature}", now=NOW + 120)


def test_a_flipped_signature_character_is_refused() -> None:
    buyer, expiry, signature = issue(SECRET, "B1001", now=NOW).split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    with pytest.raises(TokenError, match="bad signature"):
        verify(SECRET, f"{buyer}.{expiry}.{flipped}", now=NOW)


def test_an_expired_token_is_refused_and_valid_up_to_its_expiry() -> None:
    token = issue(SECRET, "B1001", ttl_seconds=60, now=NOW)
    assert verify(SECRET, token, now=NOW + 60) == "B1001"
    with pytest.raises(TokenError, match="expired"):
        verify(SECRET, token, now=NOW + 61)
    with pytest.raises(TokenError, match="expired"):
        verify(SECRET, issue(SECRET, "B1001", ttl_seconds=-1, now=NOW), now=NOW)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "..",
        "...",
        "Bearer abc.def.ghi",
        "QjEwMDE.1795000060",
        "QjEwMDE.1795000060.",
        "QjEwMDE..c2ln",
        " . . ",
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(TokenError):
        verify(SECRET, token, now=NOW)


def sign(body: str) -> str:
    return b64_bytes(hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).digest())


def b64_bytes(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(f"{b64('B1001')}.soon", id="expiry-not-a-number"),
        pytest.param("QjEwM.1795000060", id="buyer-base64-truncated"),
        pytest.param(f"{b64_bytes(bytes([0xFF, 0xFE]))}.1795000060", id="buyer-not-utf8"),
    ],
)
def test_a_correctly_signed_body_that_does_not_decode_is_malformed_not_a_crash(body: str) -> None:
    with pytest.raises(TokenError, match="malformed"):
        verify(SECRET, f"{body}.{sign(body)}", now=NOW)


@pytest.mark.parametrize("token", ["QjEwMDE.1795000060.签名", "王.1.é"])
def test_a_token_with_non_ascii_signature_is_refused_not_a_crash(token: str) -> None:
    with pytest.raises(TokenError):
        verify(SECRET, token, now=NOW)

