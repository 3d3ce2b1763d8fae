"""A bot turn whose custom action failed (its action server was killed mid-call) comes back
from Rasa's in-app webhook as HTTP 200 with no messages: the relay reports it as not taken, so
the web server tells the buyer (MSG_BUSY) instead of leaving them in silence."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from outreach.inbox.relay import RelayError, relay
from outreach.settings import get_settings


@pytest.fixture
async def webhook(db: str) -> AsyncIterator[tuple[list[Any], str]]:
    """An in-app webhook answering with the messages the test puts in `replies` (like the channel)."""
    replies: list[Any] = []

    async def receive(request: web.Request) -> web.Response:
        return web.json_response({"messages": replies})

    app = web.Application()
    app.router.add_post("/webhooks/inapp/webhook", receive)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield replies, str(server.make_url("")).rstrip("/")
    await server.close()


async def test_a_turn_the_bot_answered_is_taken(webhook: tuple[list[Any], str]) -> None:
    replies, url = webhook
    replies.append({"id": 1, "sender": "bot", "text": "已为您办理好了"})
    settings = dataclasses.replace(get_settings(), rasa_url=url)
    async with aiohttp.ClientSession() as http:
        await relay(http, settings, "B-1", "/affirm")


async def test_a_turn_that_ended_in_silence_is_reported_as_not_taken(webhook: tuple[list[Any], str]) -> None:
    _, url = webhook
    settings = dataclasses.replace(get_settings(), rasa_url=url)
    async with aiohttp.ClientSession() as http:
        with pytest.raises(RelayError, match="said nothing"):
            await relay(http, settings, "B-1", "/affirm")
