"""An in-process web app on a fresh SQLite store, with one lead and one agent account."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from outreach.dashboard.accounts import add_user
from outreach.settings import get_settings
from outreach.web.app import create_app

LEAD = ("lead1", "lead-password-1")
AGENT = ("agent1", "agent-password-1")


@pytest.fixture
async def client(db: str) -> AsyncIterator[TestClient]:
    add_user(LEAD[0], "lead", LEAD[1], "张主管")
    add_user(AGENT[0], "agent", AGENT[1], "李客服")
    async with TestClient(TestServer(create_app(get_settings()), host="127.0.0.1")) as test_client:
        yield test_client


async def login(client: TestClient, account: tuple[str, str]) -> None:
    response = await client.post("/dashboard/login", data={"username": account[0], "password": account[1]},
                                 allow_redirects=False)
    assert response.status == 302, await response.text()


async def form_token(client: TestClient, page: str) -> str:
    """The session's form token, as the dashboard's pages carry it in their POST forms."""
    text = await (await client.get(page)).text()
    found = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert found, f"no form token on {page}"
    return found.group(1)
