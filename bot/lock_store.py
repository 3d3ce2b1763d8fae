"""Conversation locks shared by Rasa replicas that hold under concurrency (RasaHQ/rasa#9213).

Rasa 3.6's `RedisLockStore` keeps a conversation's tickets as one JSON value and changes it
with a read and a write: two replicas that take a ticket for the same conversation at the
same moment both read the same value, both write back their own ticket, and both go in (or
one's ticket is overwritten, and it waits for a lock that no longer exists). Events of two
messages then interleave in the tracker, or one message's events are lost.

`TicketLockStore` is a ticket lock on atomic Redis operations, one Lua script per step, so no
step can interleave with another replica's:

- *take a ticket*: `INCR` of the conversation's counter gives the next number; the ticket is
  entered in the conversation's live set with a deadline (Redis's own clock, so the
  replicas' clocks do not matter);
- *wait*: a ticket is served when the "now serving" number reaches it. Numbers before it
  that are no longer live (finished, or their replica died and the deadline passed) are
  skipped, in order: first come, first served across replicas;
- *hold*: the served ticket's deadline is set to the lock lifetime from that moment; a
  waiting ticket's deadline is renewed at every poll, so waiting never counts against the
  lifetime, and a replica that dies while waiting is forgotten after one lifetime;
- *release*: the ticket leaves the live set and "now serving" moves past it.

A replica killed while it holds the lock delays the conversation by at most the lifetime
(Rasa's `TICKET_LOCK_LIFETIME`, 60 s by default, passed to `lock()` by Rasa). A holder that
outlives its lifetime loses the lock to the next ticket, as with Rasa's own store. The
counter is never reset while a ticket may still be out (keys expire after `keep` idle
seconds, at least ten lifetimes), so a late release can never free a newer ticket.

Configured in endpoints (bot/endpoints.scaled.yml):

    lock_store:
      type: bot.lock_store.TicketLockStore
      url: HOST or redis://HOST:PORT/DB
      port: 6379
      db: 0
      password: ...
      key_prefix: outreach       # letters and digits
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

# A child of Rasa's lock store logger: the lock logging the scaled set-up configures for Rasa's
# store (OUTREACH_LOG_CONVERSATION_LOCKS=1) shows this store's lines too.
logger = logging.getLogger("rasa.core.lock_store.ticket")

DEFAULT_PREFIX = "outreach"
FIRST_POLL_S = 0.002
MAX_POLL_S = 0.05
MIN_KEEP_S = 600

# KEYS: counter, serving, live (sorted set ticket -> deadline in ms). ARGV: lifetime ms, keep ms.
_NOW = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""
_KEEP = """
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
"""
ISSUE = _NOW + """
local n = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[1]), n)
if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('SET', KEYS[2], redis.call('ZRANGE', KEYS[3], 0, 0)[1]) end
""" + _KEEP + """
return n
"""
# ARGV: lifetime ms, keep ms, ticket. Returns 0 when the ticket is served (and now held), the
# number served when it must wait, -1 when the ticket is gone (it expired, or was skipped).
ACQUIRE = _NOW + """
local n = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if not redis.call('ZSCORE', KEYS[3], n) then return -1 end
local s = tonumber(redis.call('GET', KEYS[2]))
if not s then
  local first = redis.call('ZRANGE', KEYS[3], 0, 0)
  s = tonumber(first[1]) or n
end
while s < n and not redis.call('ZSCORE', KEYS[3], s) do s = s + 1 end
if s > n then return -1 end
redis.call('SET', KEYS[2], s)
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[1]), n)
""" + _KEEP + """
if s == n then return 0 end
return s
"""
# ARGV: unused, keep ms, ticket.
RELEASE = """
local n = tonumber(ARGV[3])
redis.call('ZREM', KEYS[3], n)
if tonumber(redis.call('GET', KEYS[2])) == n then redis.call('SET', KEYS[2], n + 1) end
""" + _KEEP + """
return 1
"""


def _redis_settings(config: EndpointConfig | None) -> dict[str, Any]:
    if config is None:
        return {"url": "redis://127.0.0.1:6379/0"}
    kwargs = dict(config.kwargs)
    host = config.url or "127.0.0.1"
    if "://" in host:
        return {"url": host, "password": kwargs.get("password") or None, **_options(kwargs)}
    return {"host": host, "port": int(kwargs.get("port") or 6379), "db": int(kwargs.get("db") or 0),
            "password": kwargs.get("password") or None, **_options(kwargs)}


def _options(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"key_prefix": kwargs.get("key_prefix") or DEFAULT_PREFIX,
            "poll_interval": float(kwargs.get("poll_interval") or MAX_POLL_S)}


class TicketLockStore(LockStore):
    """First come, first served per conversation across replicas, on one Redis server."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, **settings: Any) -> None:
        settings = {**_redis_settings(endpoint_config), **settings}
        prefix = str(settings.pop("key_prefix", DEFAULT_PREFIX))
        if not prefix.isalnum():
            raise ValueError(f"lock_store key_prefix {prefix!r} must be letters and digits only (endpoints file)")
        self.key_prefix = prefix
        self.max_poll = float(settings.pop("poll_interval", MAX_POLL_S))
        self._redis_settings = settings
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scripts: dict[str, Any] = {}
        super().__init__()

    def _redis(self) -> Any:
        """The asyncio client of the running loop (a client cannot move between loops)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            import redis.asyncio as aioredis

            settings = dict(self._redis_settings)
            url = settings.pop("url", None)
            options = {"socket_timeout": 10, "socket_connect_timeout": 5}
            self._client = (aioredis.Redis.from_url(url, **settings, **options) if url
                            else aioredis.Redis(**settings, **options))
            self._scripts = {name: self._client.register_script(source)
                             for name, source in (("issue", ISSUE), ("acquire", ACQUIRE), ("release", RELEASE))}
            self._loop = loop
        return self._client

    def keys(self, conversation_id: str) -> list[str]:
        base = f"{self.key_prefix}:ticketlock:{conversation_id}"
        return [f"{base}:next", f"{base}:serving", f"{base}:live"]

    async def _run(self, script: str, conversation_id: str, lifetime_s: float, ticket: int = 0) -> int:
        self._redis()
        lifetime_ms = max(1, int(lifetime_s * 1000))
        keep_ms = max(10 * lifetime_ms, MIN_KEEP_S * 1000)
        return int(await self._scripts[script](keys=self.keys(conversation_id), args=[lifetime_ms, keep_ms, ticket]))

    async def take_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return await self._run("issue", conversation_id, lock_lifetime)
        except Exception as error:  # Rasa's own store reports every failure here as a LockError
            raise LockError(f"could not take a ticket for conversation '{conversation_id}' from Redis: {error}") \
                from error

    async def wait_for_turn(self, conversation_id: str, ticket: int, lock_lifetime: float,
                            max_poll: float) -> None:
        delay = FIRST_POLL_S
        while True:
            served = await self._run("acquire", conversation_id, lock_lifetime, ticket)
            if served == 0:
                logger.debug(f"Acquired lock for conversation '{conversation_id}' (ticket {ticket}).")
                return
            if served < 0:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}': ticket {ticket} "
                                f"expired while waiting (lock lifetime {lock_lifetime} s).")
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_poll)

    async def release(self, conversation_id: str, ticket: int) -> None:
        await self._run("release", conversation_id, 1, ticket)

    @asynccontextmanager
    async def lock(  # type: ignore[override]
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[int]:
        """Holds the conversation's lock for the block; yields the ticket number. Rasa's
        `wait_time_in_seconds` caps the time between two looks at Redis."""
        ticket = await self.take_ticket(conversation_id, lock_lifetime)
        try:
            await self.wait_for_turn(conversation_id, ticket, lock_lifetime,
                                     min(wait_time_in_seconds, self.max_poll))
            yield ticket
        finally:
            # Also when the caller was cancelled: the next ticket must not wait a lifetime.
            try:
                await asyncio.shield(self.release(conversation_id, ticket))
            except Exception as error:  # Redis gone: the ticket lapses after its lifetime
                logger.warning(f"could not release ticket {ticket} of conversation '{conversation_id}' "
                               f"({error}); the next message waits until it expires ({lock_lifetime} s)")

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
