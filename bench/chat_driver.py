"""Simulated buyers holding conversations, `concurrency` at a time, every turn timed and checked.

Two ways in:
- our assistant: the proactive start is the scheduler's own call (Rasa's trigger_intent on
  the in-app channel, outreach.scheduling.rasa_client), then the buyer talks through the
  buyers' front door, POST /api/messages on the web server with a signed buyer token;
- the plain bot: trigger_intent with the replies collected, then Rasa's REST channel.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

import aiohttp

from bench.chat_checks import Expected, Step, check_reply
from bench.chat_seed import SeededBuyer
from bench.chat_stats import Turn
from outreach.inbox import tokens
from outreach.scheduling.rasa_client import OUTREACH_INTENT, start_case_conversation
from outreach.settings import Settings

TURN_TIMEOUT_S = 120.0
ACCEPT_TEXT = "可以，就这样吧"


@dataclass
class Conversation:
    buyer: SeededBuyer
    steps: list[Step]
    turns: list[Turn] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def answered(self, kind: str) -> bool:
        return any(turn.kind == kind and turn.ok for turn in self.turns)

    def expected(self) -> Expected:
        return Expected(self.buyer.case_id, self.buyer.buyer_id, self.buyer.amount_fen, self.buyer.rating,
                        accepted=self.answered("accept"), rated=self.answered("rating"))


def rating_payload(rating: int) -> str:
    return "/rate" + json.dumps({"rating": str(rating)})


def assistant_steps(buyer: SeededBuyer) -> list[Step]:
    return [
        Step("start", expect=buyer.order_title),
        Step("diagnosis", buyer.diagnosis, expect=buyer.amount_text),
        Step("accept", ACCEPT_TEXT, expect="已为您办理"),
        Step("rating", f"{buyer.rating}分", rating_payload(buyer.rating), expect=f"{buyer.rating} 分"),
    ]


def plain_steps(buyer: SeededBuyer) -> list[Step]:
    """The same turns for the plain bot, whose answers are fixed texts."""
    return [
        Step("start", expect="是这个问题吗"),
        Step("diagnosis", buyer.diagnosis, expect="您看这样可以吗"),
        Step("accept", ACCEPT_TEXT, expect="已为您办理"),
        Step("rating", f"{buyer.rating}分", rating_payload(buyer.rating), expect=f"{buyer.rating} 分"),
    ]


class Transport(Protocol):
    def steps(self, buyer: SeededBuyer) -> list[Step]: ...

    async def turn(self, http: aiohttp.ClientSession, buyer: SeededBuyer, step: Step) -> list[str]: ...


def _timeout() -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=TURN_TIMEOUT_S)


async def _json(response: aiohttp.ClientResponse) -> Any:
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {(await response.text())[:200]}")
    return await response.json()


class AssistantTransport:
    """Our assistant: the scheduler's start on Rasa, then the buyers' front door."""

    def __init__(self, settings: Settings, rasa_url: str, web_url: str) -> None:
        self.settings = dataclasses.replace(settings, rasa_url=rasa_url.rstrip("/"), rasa_timeout_s=TURN_TIMEOUT_S)
        self.web_url = web_url.rstrip("/")
        self.tokens: dict[str, str] = {}

    def steps(self, buyer: SeededBuyer) -> list[Step]:
        return assistant_steps(buyer)

    def _headers(self, buyer_id: str) -> dict[str, str]:
        if buyer_id not in self.tokens:
            self.tokens[buyer_id] = tokens.issue(self.settings.buyer_token_secret, buyer_id)
        return {"Authorization": f"Bearer {self.tokens[buyer_id]}"}

    async def turn(self, http: aiohttp.ClientSession, buyer: SeededBuyer, step: Step) -> list[str]:
        url = f"{self.web_url}/api/messages"
        headers = self._headers(buyer.buyer_id)
        if step.kind == "start":
            await start_case_conversation(http, self.settings, buyer.buyer_id, buyer.case_id)
            async with http.get(url, headers=headers, timeout=_timeout()) as response:  # the opening, in the inbox
                messages = (await _json(response))["messages"]
        else:
            body: dict[str, str] = {"text": step.text}
            if step.payload:
                body["payload"] = step.payload
            async with http.post(url, json=body, headers=headers, timeout=_timeout()) as response:
                messages = (await _json(response))["messages"]
        return [m["text"] for m in messages if m["sender"] != "buyer"]


class PlainTransport:
    """The plain Rasa bot: trigger_intent with collected replies, then the REST channel."""

    def __init__(self, rasa_url: str, token: str) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.token = token

    def steps(self, buyer: SeededBuyer) -> list[Step]:
        return plain_steps(buyer)

    async def turn(self, http: aiohttp.ClientSession, buyer: SeededBuyer, step: Step) -> list[str]:
        if step.kind == "start":
            url = f"{self.rasa_url}/conversations/{quote(buyer.buyer_id, safe='')}/trigger_intent"
            async with http.post(url, params={"token": self.token}, json={"name": OUTREACH_INTENT},
                                 timeout=_timeout()) as response:
                messages = (await _json(response)).get("messages") or []
        else:
            body = {"sender": buyer.buyer_id, "message": step.payload or step.text}
            async with http.post(f"{self.rasa_url}/webhooks/rest/webhook", json=body, timeout=_timeout()) as response:
                messages = await _json(response)
        return [m.get("text", "") for m in messages]


async def _converse(http: aiohttp.ClientSession, transport: Transport, conversation: Conversation) -> None:
    for step in conversation.steps:
        started = time.perf_counter()
        try:
            replies = await transport.turn(http, conversation.buyer, step)
            problem = check_reply(step, replies)
        except Exception as exc:  # noqa: BLE001 - every failure is a counted error, never a crash
            problem = f"{step.kind}: {exc.__class__.__name__}: {exc}"
        conversation.turns.append(Turn(step.kind, time.perf_counter() - started, problem is None))
        if problem:
            conversation.problems.append(f"{conversation.buyer.buyer_id} {problem}")
            return  # the rest of the script makes no sense after a wrong answer


async def _run(transport: Transport, buyers: Sequence[SeededBuyer], concurrency: int) -> list[Conversation]:
    conversations = [Conversation(buyer, transport.steps(buyer)) for buyer in buyers]
    queue: asyncio.Queue[Conversation] = asyncio.Queue()
    for conversation in conversations:
        queue.put_nowait(conversation)

    async def buyer_slot(http: aiohttp.ClientSession) -> None:
        while not queue.empty():
            await _converse(http, transport, queue.get_nowait())

    connector = aiohttp.TCPConnector(limit=concurrency + 10)
    async with aiohttp.ClientSession(connector=connector) as http:
        await asyncio.gather(*(buyer_slot(http) for _ in range(concurrency)))
    return conversations


def run_level(transport: Transport, buyers: Sequence[SeededBuyer], concurrency: int) -> tuple[list[Conversation],
                                                                                              float]:
    """Every buyer's conversation, `concurrency` buyers talking at any moment; and the wall time."""
    started = time.perf_counter()
    conversations = asyncio.run(_run(transport, buyers, concurrency))
    return conversations, time.perf_counter() - started
