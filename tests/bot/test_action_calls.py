"""Rasa calls the action server over one kept-alive connection, with Rasa's own request and errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot import action_calls, patches
from bot.http_session import close_session

patches.install({})  # the kept-alive calls: installed as outreach.rasa_run does in the Rasa server


@pytest.fixture(autouse=True)
async def _close_sessions() -> AsyncIterator[None]:
    yield
    await close_session()


async def test_calls_share_a_connection_and_carry_the_token_and_body() -> None:
    peers: set[Any] = set()
    seen: list[tuple[str | None, Any, str | None]] = []

    async def webhook(request: web.Request) -> web.Response:
        peers.add(request.transport.get_extra_info("peername"))
        seen.append((request.query.get("token"), await request.json(), request.headers.get("Content-Type")))
        return web.json_response({"events": [], "responses": [{"text": "好的"}]})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    async with TestServer(app) as server:
        endpoint = EndpointConfig(url=str(server.make_url("/webhook")), token="t0ken")
        assert EndpointConfig.request is action_calls.request
        for n in range(3):
            answer = await endpoint.request(json={"next_action": "action_answer_yes", "n": n, "text": "虾😀"},
                                            method="post", timeout=300)
            assert answer == {"events": [], "responses": [{"text": "好的"}]}
    assert [s[1]["n"] for s in seen] == [0, 1, 2]
    assert all(token == "t0ken" and body["text"] == "虾😀" and kind == "application/json"
               for token, body, kind in seen)
    assert len(peers) == 1  # one connection for the three calls


async def test_an_error_status_raises_rasas_error_with_the_body() -> None:
    async def webhook(request: web.Request) -> web.Response:
        return web.json_response({"error": "action failed"}, status=400)

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    async with TestServer(app) as server:
        endpoint = EndpointConfig(url=str(server.make_url("/webhook")))
        with pytest.raises(ClientResponseError) as raised:
            await endpoint.request(json={}, method="post")
    assert raised.value.status == 400 and b"action failed" in raised.value.text
