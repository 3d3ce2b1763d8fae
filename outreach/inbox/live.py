"""Wakes the connections of a buyer when new inbox messages were stored."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from aiohttp import web


class Notifier:
    """In-process wake-ups; connections also poll, so a lost wake-up only delays a message."""

    def __init__(self) -> None:
        self._events: dict[str, set[asyncio.Event]] = defaultdict(set)

    def subscribe(self, buyer_id: str) -> asyncio.Event:
        event = asyncio.Event()
        self._events[buyer_id].add(event)
        return event

    def unsubscribe(self, buyer_id: str, event: asyncio.Event) -> None:
        waiting = self._events.get(buyer_id)
        if waiting is not None:
            waiting.discard(event)
            if not waiting:
                del self._events[buyer_id]

    def wake(self, buyer_id: str) -> int:
        waiting = self._events.get(buyer_id, set())
        for event in waiting:
            event.set()
        return len(waiting)

    def connected(self, buyer_id: str) -> bool:
        return bool(self._events.get(buyer_id))


# The web app's notifier: the buyer API, the live WebSocket and the agent API share it.
NOTIFIER: web.AppKey[Notifier] = web.AppKey("notifier", Notifier)
