"""Simulated buyers talking at the same time through the web server, as the app does.

A buyer reads the latest bot message in their inbox and answers it the way a person would:
confirm the problem, accept (or decline) the offer, rate the service. When a turn goes wrong
(the bot is unreachable, a server error, or no answer at all) the buyer waits a moment,
reads the inbox again and answers whatever the bot last asked, which is what someone
tapping the buttons in the app does. Every turn is recorded with what the buyer saw.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from outreach.inbox import tokens

RATE_5 = '/rate{"rating": "5"}'
OPENING_MARK = "是这个问题吗"
OFFER_MARK = "您看这样可以吗"
DONE_MARKS = ("已为您办理好了", "已经办理过了")
RATED_MARK = "收到您的 5 分评价"
RATING_MARK = "1 到 5 之间的数字"
RETRY_PAUSE_S = 1.0


@dataclass
class Turn:
    """One message the buyer sent and everything the buyer was shown in return."""

    sent: str
    status: int  # HTTP status of the web server's answer; 0 when it could not be reached
    bot: list[str]  # the bot's replies
    system: list[str]  # notices the web server stored (the busy message)
    error: str = ""  # the error text of a refused request
    started: float = 0.0
    ended: float = 0.0

    @property
    def kind(self) -> str:
        """answered | busy | error | silent: what the buyer saw after sending."""
        if self.bot:
            return "answered"
        if self.system:
            return "busy"
        if self.error:
            return "error"
        return "silent"


@dataclass
class Conversation:
    buyer_id: str
    accepts: bool  # accepts the first offer; otherwise declines every offer
    turns: list[Turn] = field(default_factory=list)
    outcome: str = "unfinished"  # rated | handed_over | unfinished
    accepted_at: float | None = None  # first time the buyer tapped accept
    last_bot: str = ""

    def turns_between(self, start: float, end: float) -> list[Turn]:
        return [t for t in self.turns if t.ended >= start and t.started <= end]


class BuyerApp:
    """The app of one buyer: the inbox API with the buyer's signed token."""

    def __init__(self, http: aiohttp.ClientSession, web_url: str, token_secret: str, buyer_id: str) -> None:
        self.http = http
        self.base = web_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {tokens.issue(token_secret, buyer_id)}"}

    async def inbox(self) -> list[dict[str, Any]]:
        try:
            async with self.http.get(f"{self.base}/api/messages", headers=self.headers,
                                     timeout=aiohttp.ClientTimeout(total=30)) as response:
                if response.status != 200:
                    return []
                return (await response.json())["messages"]
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return []

    async def say(self, text: str, payload: str = "") -> Turn:
        body = {"text": text, "payload": payload} if payload else {"text": text}
        started = time.monotonic()
        try:
            async with self.http.post(f"{self.base}/api/messages", json=body, headers=self.headers,
                                      timeout=aiohttp.ClientTimeout(total=90)) as response:
                data = json.loads(await response.text() or "{}")
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            return Turn(payload or text, 0, [], [], f"web server unreachable: {exc.__class__.__name__}",
                        started, time.monotonic())
        messages = data.get("messages", []) if status == 200 else []
        return Turn(
            sent=payload or text,
            status=status,
            bot=[m["text"] for m in messages if m["sender"] == "bot"],
            system=[m["text"] for m in messages if m["sender"] == "system"],
            error="" if status == 200 else str(data.get("error", "")),
            started=started,
            ended=time.monotonic(),
        )


def _answer(conversation: Conversation, last: dict[str, Any]) -> tuple[str, str] | None:
    """(text, payload) answering the bot's last message, or None when the conversation is over."""
    text = last["text"]
    payloads = [b["payload"] for b in last.get("buttons") or []]
    if payloads[:1] == [RATE_5] or RATING_MARK in text:  # the rating question, with buttons or asked again
        return "5分 非常满意", RATE_5
    if OFFER_MARK in text:  # the offer's own buttons, which name the offer they answer
        wanted = "/affirm" if conversation.accepts else "/deny"
        tap = next((p for p in payloads if p.split("{")[0] == wanted), wanted)
        return ("可以", tap) if conversation.accepts else ("不用了", tap)
    if OPENING_MARK in text:
        return "是的", "/affirm"
    return None


def _finished(conversation: Conversation, bot_texts: list[str], handover_text: str) -> str | None:
    joined = "\n".join(bot_texts)
    if RATED_MARK in joined:
        return "rated"
    if handover_text in joined:
        return "handed_over"
    return None


@dataclass
class Gate:
    """Holds buyers at the offer until the test releases them, so accepts land on the fault."""

    event: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: int = 0


async def converse(app: BuyerApp, conversation: Conversation, handover_text: str, deadline: float,
                   gate: Gate | None = None) -> Conversation:
    """Drive one buyer from the bot's opening message to the end of the conversation."""
    seen_bot: list[str] = []
    while time.monotonic() < deadline:
        inbox = await app.inbox()
        bot = [m for m in inbox if m["sender"] == "bot"]
        seen_bot = [m["text"] for m in bot]
        outcome = _finished(conversation, seen_bot, handover_text)
        if outcome:
            conversation.outcome = outcome
            break
        # The newest question in the chat: after an answer that asks nothing (a generic reply
        # in a fault), the buyer taps the buttons of the question above it again.
        asked = next((m for m in reversed(bot) if _answer(conversation, m)), None)
        if asked is None:  # no opening yet: wait for the bot
            await asyncio.sleep(RETRY_PAUSE_S)
            continue
        text, payload = _answer(conversation, asked)  # type: ignore[misc]
        if OFFER_MARK in asked["text"] and gate is not None and not gate.event.is_set():
            gate.waiting += 1
            await gate.event.wait()
            gate.waiting -= 1
        if payload.startswith("/affirm") and OFFER_MARK in asked["text"] and conversation.accepted_at is None:
            conversation.accepted_at = time.monotonic()
        turn = await app.say(text, payload)
        conversation.turns.append(turn)
        if turn.kind != "answered":
            await asyncio.sleep(RETRY_PAUSE_S)
    conversation.last_bot = seen_bot[-1] if seen_bot else ""
    return conversation


async def run_buyers(web_url: str, token_secret: str, buyers: dict[str, bool], handover_text: str,
                     timeout_s: float, gate: Gate | None = None) -> dict[str, Conversation]:
    """Every buyer (id -> accepts the offer) talking at once until done or `timeout_s` passed."""
    deadline = time.monotonic() + timeout_s
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        conversations = [Conversation(buyer_id, accepts) for buyer_id, accepts in buyers.items()]
        await asyncio.gather(*(
            converse(BuyerApp(http, web_url, token_secret, c.buyer_id), c, handover_text, deadline, gate)
            for c in conversations
        ))
    return {c.buyer_id: c for c in conversations}
