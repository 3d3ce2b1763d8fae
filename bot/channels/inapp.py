"""The in-app channel: buyers' messages arrive from the platform's web server, and every
bot message is kept in the buyer's inbox (outreach.inbox) and pushed live if connected.

The webhook accepts only callers holding the channel secret: the web server, which has
authenticated the buyer. The sender id is therefore always a verified buyer id.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.http_session import kept_alive
from outreach.inbox import messages
from outreach.inbox.privacy import install_log_masking
from outreach.inbox.relay import CHANNEL_SECRET_HEADER, INBOX, INBOX_AFTER
from outreach.store.db import retry_transient, session_scope

log = logging.getLogger(__name__)
NOTIFY_TIMEOUT = aiohttp.ClientTimeout(total=2)


Pending = tuple[str, list[dict[str, str]]]  # a bot message's text and buttons


def _store(buyer_id: str, pending: list[Pending], inbox_after: int | None = None,
           ) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
    """The bot's messages of one turn, in order, in one transaction, all under the buyer's case;
    with `inbox_after`, also the buyer's inbox after that message id, read in the same transaction.

    Run again over a database restart (retry_transient): a turn whose messages were not stored
    would leave the buyer without the bot's answer, e.g. that a person took over. A commit
    whose acknowledgement was lost stores them twice, which the buyer can live with."""
    with session_scope() as session:
        if inbox_after is None:
            return messages.append_all(session, buyer_id, "bot", pending), None
        return messages.append_turn(session, buyer_id, "bot", pending, inbox_after)


def inbox_after_of(body: dict[str, Any]) -> int | None:
    """The message id after which the web server wants the buyer's inbox back, if it asked
    (a whole number, 0 or more); None otherwise."""
    after = body.get(INBOX_AFTER)
    return after if isinstance(after, int) and not isinstance(after, bool) and after >= 0 else None


class InAppOutput(CollectingOutputChannel):
    """Stores every bot message in the inbox, then wakes the buyer's live connections.

    It is a collecting channel so that Rasa's HTTP API (trigger_intent) also answers with
    the messages it sent: the scheduler counts a contact only when a message went out.
    With `per_turn`, the messages of a buyer's turn are kept until `flush` and stored in
    one transaction with one live notice (the webhook answers only after the turn anyway).
    """

    def __init__(self, secret: str, notify_url: str | None, per_turn: bool = False,
                 inbox_after: int | None = None) -> None:
        super().__init__()
        self.secret = secret
        self.notify_url = notify_url
        self.per_turn = per_turn
        self.inbox_after = inbox_after  # read the buyer's inbox after this id where the turn is stored
        self.inbox: list[dict[str, Any]] | None = None
        self._pending: dict[str, list[Pending]] = {}

    @classmethod
    def name(cls) -> str:
        return "inapp"

    async def _persist_message(self, message: dict[str, Any]) -> None:
        text = message.get("text") or message.get("image") or message.get("attachment")
        custom = message.get("custom")
        if not text and isinstance(custom, dict):
            text = custom.get("text")
        if not text:
            return
        buttons = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in message.get("buttons") or []
        ]
        self._pending.setdefault(message["recipient_id"], []).append((str(text), buttons))
        if not self.per_turn:
            await self.flush()

    async def flush(self, notify: bool = True) -> None:
        """Store the messages kept so far and, with `notify`, wake the buyers' live connections."""
        pending, self._pending = self._pending, {}
        for buyer_id, turn in pending.items():
            stored, inbox = await asyncio.to_thread(retry_transient, _store, buyer_id, turn, self.inbox_after)
            self.messages.extend(stored)
            self.inbox = inbox if inbox is not None else self.inbox
            if notify:
                await self._notify(buyer_id)

    async def _notify(self, buyer_id: str) -> None:
        if not self.notify_url:
            return
        try:
            async with kept_alive().post(
                self.notify_url, json={"buyer_id": buyer_id}, headers={CHANNEL_SECRET_HEADER: self.secret},
                timeout=NOTIFY_TIMEOUT,
            ) as response:
                response.release()  # an unreleased response is logged as an unclosed connection
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            # The message is stored; the buyer's connection polls and finds it anyway.
            log.info("live notify failed (%s); the inbox keeps the message", exc.__class__.__name__)


class InAppInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "inapp"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InAppInput:
        install_log_masking()  # the Rasa server loads this channel: mask phone numbers in its logs too
        credentials = credentials or {}
        secret = credentials.get("secret")
        if not secret or str(secret).startswith("${"):
            raise ValueError("the inapp channel needs a secret: set OUTREACH_CHANNEL_SECRET")
        notify_url = credentials.get("notify_url")
        if notify_url and str(notify_url).startswith("${"):
            notify_url = None
        return cls(str(secret), notify_url or None)

    def __init__(self, secret: str, notify_url: str | None = None) -> None:
        self.secret = secret
        self.notify_url = notify_url

    def get_output_channel(self) -> OutputChannel:
        return InAppOutput(self.secret, self.notify_url)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("inapp_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            given = request.headers.get(CHANNEL_SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.secret.encode()):
                return response.json({"error": "forbidden"}, status=403)
            body = request.json if isinstance(request.json, dict) else {}
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or not sender or not isinstance(text, str):
                return response.json({"error": "sender and message must be strings"}, status=400)
            output = InAppOutput(self.secret, self.notify_url, per_turn=True, inbox_after=inbox_after_of(body))
            try:
                await on_new_message(UserMessage(text, output, sender, input_channel=self.name()))
            finally:
                # What the bot said before a failure is kept too. The web server wakes the
                # buyer's live connections when this answer reaches it; only if it gave up
                # waiting (a closed connection) must the channel wake them itself.
                await output.flush(notify=request.transport is None or request.transport.is_closing())
            answer: dict[str, Any] = {"messages": output.messages}
            if output.inbox is not None:
                answer[INBOX] = output.inbox
            return response.json(answer)

        return webhook
