"""Starting a conversation through Rasa's HTTP API, on the in-app channel."""

from __future__ import annotations

import asyncio

import aiohttp

from outreach.inbox.relay import conversation_key
from outreach.settings import Settings

OUTREACH_INTENT = "EXTERNAL_case_outreach"


class BotUnavailable(RuntimeError):
    """Rasa did not accept the message: nothing may be marked as contacted."""


async def start_case_conversation(
    http: aiohttp.ClientSession, settings: Settings, buyer_id: str, case_id: int
) -> None:
    url = f"{settings.rasa_url}/conversations/{conversation_key(buyer_id)}/trigger_intent"
    params = {"output_channel": settings.inapp_channel, "token": settings.rasa_token}
    body = {"name": OUTREACH_INTENT, "entities": {"case_id": str(case_id)}}
    try:
        timeout = aiohttp.ClientTimeout(total=settings.rasa_timeout_s)
        async with http.post(url, params=params, json=body, timeout=timeout) as response:
            if response.status != 200:
                detail = (await response.text())[:200]
                raise BotUnavailable(f"Rasa answered HTTP {response.status}: {detail}")
            payload = await response.json()
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise BotUnavailable(f"Rasa unreachable: {exc.__class__.__name__}: {exc}") from exc
    if not payload.get("messages"):
        raise BotUnavailable("Rasa accepted the intent but sent no message to the buyer")
