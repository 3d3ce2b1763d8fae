"""The in-app chat endpoints know the buyer only from a token this server's secret signed:
forged, expired, foreign and malformed tokens get 401 with a Chinese text and the reason."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from aiohttp.test_utils import TestClient

from outreach.inbox import tokens
from outreach.settings import get_settings
from outreach.store.db import session_scope
from outreach.store.models import Buyer, InboxMessage

NO_TOKEN = "缺少登录信息，请从应用内重新打开客服页面。"
BAD_TOKEN = "登录已失效，请重新打开应用。"


def secret() -> str:
    return get_settings().buyer_token_secret


def signed(body: str) -> str:
    digest = hmac.new(secret().encode(), body.encode(), hashlib.sha256).digest()
    return f"{body}.{base64.urlsafe_b64encode(digest).decode().rstrip('=')}"


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.fixture
def buyers(db: str) -> None:
    with session_scope() as session:
        session.add_all([Buyer(id="B-OWNER", name="王女士"), Buyer(id="B-VICTIM", name="赵先生")])


def refused_tokens() -> dict[str, tuple[str, str]]:
    """name: (token, the reason the server must give)."""
    good = tokens.issue(secret(), "B-OWNER")
    victim = tokens.issue(secret(), "B-VICTIM")
    body, expiry, signature = good.split(".")
    return {
        "forged for the victim with the owner's signature": (
            f"{victim.split('.')[0]}.{expiry}.{signature}", "bad_signature"),
        "expiry pushed out": (f"{body}.{int(expiry) + 10**7}.{signature}", "bad_signature"),
        "signed with another secret": (tokens.issue("someone-elses-secret", "B-OWNER"), "bad_signature"),
        "expired": (tokens.issue(secret(), "B-OWNER", ttl_seconds=-1), "expired"),
        "two parts": (f"{body}.{expiry}", "malformed"),
        "four parts": (good + ".x", "malformed"),
        "not ascii": ("买家.1.签名", "malformed"),
        "too long": ("a" * 2000, "malformed"),
        "signed but the expiry is text": (signed(f"{b64('B-OWNER')}.soon"), "malformed"),
        "signed but the buyer id is 65 characters": (signed(f"{b64('B' * 65)}.{expiry}"), "malformed"),
    }


async def test_a_valid_token_names_the_buyer(client: TestClient, buyers: None) -> None:
    token = tokens.issue(secret(), "B-OWNER")
    response = await client.get("/api/messages", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200
    assert (await response.json())["buyer_id"] == "B-OWNER"


async def test_no_token_is_401_saying_so(client: TestClient, buyers: None) -> None:
    for method in ("GET", "POST"):
        response = await client.request(method, "/api/messages", json={"text": "你好"})
        assert (response.status, await response.json()) == (401, {"error": NO_TOKEN, "reason": "missing"})


async def test_every_refused_token_is_401_with_its_reason_and_stores_nothing(client: TestClient, buyers: None) -> None:
    for name, (token, reason) in refused_tokens().items():
        for headers, params in (({"Authorization": f"Bearer {token}"}, {}), ({}, {"token": token})):
            for method in ("GET", "POST"):
                response = await client.request(method, "/api/messages", headers=headers, params=params,
                                                json={"text": f"冒充 {name}"})
                assert response.status == 401, name
                assert await response.json() == {"error": BAD_TOKEN, "reason": reason}, name
            live = await client.get("/api/live", headers=headers, params=params)
            assert live.status == 401, name
    with session_scope() as session:
        assert session.query(InboxMessage).count() == 0


def test_the_token_module_names_the_reason() -> None:
    with pytest.raises(tokens.TokenError, match="token expired") as expired:
        tokens.verify("s", tokens.issue("s", "B1", ttl_seconds=-5))
    assert expired.value.reason == "expired"
    with pytest.raises(tokens.TokenError) as foreign:
        tokens.verify("s", tokens.issue("t", "B1"))
    assert foreign.value.reason == "bad_signature"
    with pytest.raises(tokens.TokenError) as surrogate:
        tokens.verify("s", "\ud800.1.x")  # a lone surrogate is malformed, never a UnicodeEncodeError
    assert surrogate.value.reason == "malformed"
