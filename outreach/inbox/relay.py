"""Hands a buyer's message to the bot over the in-app channel's webhook on the Rasa server."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import aiohttp

from outreach.settings import Settings

BOT_MAX_CHARS = 1000  # the bot reads this much of a message; the inbox keeps all of it
CHANNEL_SECRET_HEADER = "X-Outreach-Channel-Secret"
# The conversation a webhook call is about, for the load balancer in front of several Rasa
# replicas (deploy/haproxy.cfg.template hashes on it): the sender id is in the JSON body,
# which a balancer should not have to parse. Percent-encoded, as in /conversations/{id}/.
CONVERSATION_HEADER = "X-Outreach-Conversation"
# The webhook's body field asking for the buyer's inbox after a message id, and the answer's
# field holding it (bot/channels/inapp.py).
INBOX_AFTER = "inbox_after"
INBOX = "inbox"


def conversation_key(buyer_id: str) -> str:
    return quote(buyer_id, safe="")


class RelayError(RuntimeError):
    """The bot did not take the message; the buyer's message is kept regardless."""


async def relay(http: aiohttp.ClientSession, settings: Settings, buyer_id: str, text: str,
                inbox_after: int | None = None) -> list[dict[str, Any]] | None:
    """Hands the message to the bot. With `inbox_after`, the channel also reads the buyer's inbox
    after that message id in the transaction that stores the bot's answer, and this returns those
    rows (the answer's page, without a second transaction); None when it did not."""
    url = f"{settings.rasa_url}/webhooks/{settings.inapp_channel}/webhook"
    body: dict[str, Any] = {"sender": buyer_id, "message": text[:BOT_MAX_CHARS]}
    if inbox_after is not None:
        body[INBOX_AFTER] = inbox_after
    headers = {CHANNEL_SECRET_HEADER: settings.channel_secret, CONVERSATION_HEADER: conversation_key(buyer_id)}
    try:
        timeout = aiohttp.ClientTimeout(total=settings.rasa_timeout_s)
        async with http.post(url, json=body, headers=headers, timeout=timeout) as response:
            if response.status != 200:
                raise RelayError(f"bot answered HTTP {response.status}")
            payload = await response.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        raise RelayError(f"bot unreachable: {exc.__class__.__name__}") from exc
    # The in-app channel answers with the messages the bot sent. The bot answers every message:
    # none means a custom action failed (its action server died mid-call, say) and Rasa carried
    # on in silence, so the buyer must be told something instead.
    if isinstance(payload, dict) and payload.get("messages") == []:
        raise RelayError("bot took the message but said nothing (a custom action failed)")
    inbox = payload.get(INBOX) if isinstance(payload, dict) else None
    if inbox_after is None or not isinstance(inbox, list) or not all(isinstance(row, dict) for row in inbox):
        return None
    return inbox
