"""Which upstream gets a request: rendezvous hashing for conversations, least-busy otherwise,
and one request at a time per conversation.

Rendezvous (highest random weight) hashing gives every (upstream, conversation) pair a fixed
score; a conversation goes to the healthy upstream with the highest score. When that one
dies, only its conversations move (each to its own second choice), and when it comes back
exactly those conversations return to it. No table is kept, so a restarted balancer routes
the same way.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field


def score(upstream: str, key: str) -> int:
    digest = hashlib.blake2b(f"{upstream}\0{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def rendezvous(key: str, candidates: Iterable[str]) -> str | None:
    """The candidate with the highest score for key, or None when there is none."""
    return max(candidates, key=lambda name: score(name, key), default=None)


@dataclass
class Upstream:
    name: str
    url: str
    healthy: bool = False  # until the first health check answers
    in_flight: int = 0
    last_error: str = ""
    failed_checks: int = 0  # health checks in a row that timed out or did not answer 200


@dataclass
class Pool:
    """The upstreams of one listener and how to choose among them."""

    name: str
    upstreams: dict[str, Upstream]
    sticky: bool
    _turn: itertools.count = field(default_factory=itertools.count)

    def healthy(self, exclude: frozenset[str] = frozenset()) -> list[Upstream]:
        return [u for u in self.upstreams.values() if u.healthy and u.name not in exclude]

    def choose(self, key: str | None, exclude: frozenset[str] = frozenset()) -> Upstream | None:
        """Sticky pools send a keyed request to its rendezvous choice; anything else goes to
        the least busy healthy upstream, taking turns among equally busy ones."""
        live = self.healthy(exclude)
        if not live:
            return None
        if self.sticky and key is not None:
            return self.upstreams[rendezvous(key, (u.name for u in live))]
        least = min(u.in_flight for u in live)
        idle = [u for u in live if u.in_flight == least]
        return idle[next(self._turn) % len(idle)]


class KeyedQueue:
    """One holder at a time per key; the others wait in arrival order (asyncio.Lock is FIFO).

    Locks exist only while someone holds or waits for them, so the table stays as small as
    the number of conversations in flight.
    """

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    def __len__(self) -> int:
        return len(self._locks)

    async def acquire(self, key: str) -> None:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            await lock.acquire()
        except BaseException:  # cancelled while waiting: give up the place in the queue
            self._leave(key)
            raise

    def release(self, key: str) -> None:
        lock, _ = self._locks[key]
        lock.release()
        self._leave(key)

    def waiting(self, key: str) -> int:
        """How many requests hold or wait for key."""
        return self._locks.get(key, (None, 0))[1]

    def _leave(self, key: str) -> None:
        lock, users = self._locks[key]
        if users <= 1:
            del self._locks[key]
        else:
            self._locks[key] = (lock, users - 1)
