"""The replicas' conversation lock (bot/lock_store.py) against the real Redis: Rasa's own store
loses events when two replicas race (RasaHQ/rasa#9213), ours serves one message at a time, in
arrival order, and gets over a replica that died holding or waiting for the lock."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from rasa.core.lock_store import LockError, LockStore
from rasa.core.utils import AvailableEndpoints

from bench.lock_race import run_race
from bot.lock_store import TicketLockStore
from tests.conftest import REDIS_URL, redis_or_skip

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PAIRS = 200  # concurrent message pairs per store: a few seconds each (bench/lock_race.py runs 1,000)


@pytest.fixture
async def store() -> AsyncIterator[TicketLockStore]:
    redis_or_skip()
    lock_store = TicketLockStore(url=REDIS_URL, key_prefix="test" + uuid.uuid4().hex[:10])
    yield lock_store
    await lock_store.close()


def test_rasa_redis_lock_store_lets_two_replicas_lose_events_and_ours_keeps_every_one() -> None:
    redis_or_skip()
    rasa = run_race("rasa", PAIRS, lifetime_s=1.0)  # its stuck messages are given up after 3 s
    assert rasa.lost or rasa.interleaved or rasa.doubled, rasa.line()  # the race is real
    ours = run_race("ticket", PAIRS, lifetime_s=1.0)
    assert ours.holds, ours.line()


async def test_messages_of_one_conversation_are_served_one_at_a_time_in_arrival_order(
        store: TicketLockStore) -> None:
    entered: list[int] = []
    inside = 0

    async def message(number: int) -> None:
        nonlocal inside
        await asyncio.sleep(number * 0.01)  # arrival order 0, 1, 2, ...
        async with store.lock("B0001", lock_lifetime=10):
            inside += 1
            assert inside == 1
            entered.append(number)
            await asyncio.sleep(0.02)
            inside -= 1

    await asyncio.gather(*(message(n) for n in range(6)))
    assert entered == list(range(6))


def _hold_and_hang(prefix: str, held: Any) -> None:
    """A replica that takes the conversation's lock and then hangs until it is killed."""
    async def hold() -> None:
        store = TicketLockStore(url=REDIS_URL, key_prefix=prefix)
        async with store.lock("B0002", lock_lifetime=2.0):
            held.set()
            await asyncio.sleep(3600)

    asyncio.run(hold())


async def test_a_lock_held_by_a_replica_killed_with_sigkill_is_freed_after_its_lifetime(
        store: TicketLockStore) -> None:
    context = multiprocessing.get_context("fork")
    held = context.Event()
    replica = context.Process(target=_hold_and_hang, args=(store.key_prefix, held))
    replica.start()
    try:
        assert await asyncio.to_thread(held.wait, 30)
        with pytest.raises(asyncio.TimeoutError):  # held while the replica lives
            await asyncio.wait_for(store.lock("B0002", lock_lifetime=10).__aenter__(), 0.2)
        os.kill(replica.pid, signal.SIGKILL)  # type: ignore[arg-type]
        killed = time.monotonic()
        async with store.lock("B0002", lock_lifetime=10):
            waited = time.monotonic() - killed
    finally:
        replica.kill()
        replica.join(10)
    assert waited < 4.0  # at most the dead holder's lifetime (2 s), polling included
    asked = time.monotonic()
    async with store.lock("B0003", lock_lifetime=10):  # other conversations never waited
        assert time.monotonic() - asked < 0.5


async def test_a_replica_that_died_waiting_is_skipped_and_a_late_release_frees_nothing(
        store: TicketLockStore) -> None:
    holder = await store.take_ticket("B0004", lock_lifetime=10)
    await store.wait_for_turn("B0004", holder, 10, 0.05)
    await store.take_ticket("B0004", lock_lifetime=0.3)  # a waiter whose replica dies now
    await store.release("B0004", holder)
    asked = time.monotonic()
    async with store.lock("B0004", lock_lifetime=10) as ticket:
        assert time.monotonic() - asked < 3.0
        await store.release("B0004", holder)  # the dead holder's second release changes nothing
        intruder = await store.take_ticket("B0004", lock_lifetime=10)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(store.wait_for_turn("B0004", intruder, 10, 0.05), 0.3)
        assert ticket > intruder - 2


async def test_a_message_given_up_while_waiting_does_not_hold_up_the_next(store: TicketLockStore) -> None:
    async with store.lock("B0005", lock_lifetime=10):
        waiting = asyncio.ensure_future(store.lock("B0005", lock_lifetime=10).__aenter__())
        await asyncio.sleep(0.05)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
    asked = time.monotonic()
    async with store.lock("B0005", lock_lifetime=10):
        assert time.monotonic() - asked < 0.5


async def test_an_expired_ticket_is_refused_with_a_lock_error(store: TicketLockStore) -> None:
    ticket = await store.take_ticket("B0006", lock_lifetime=0.1)
    await asyncio.sleep(0.3)
    with pytest.raises(LockError, match="B0006"):
        await store.wait_for_turn("B0006", ticket, 0.1, 0.05)


async def test_rasa_loads_the_store_from_the_scaled_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    redis_or_skip()
    for name, value in {"OUTREACH_REDIS_HOST": "127.0.0.1", "OUTREACH_REDIS_PORT": "6379", "OUTREACH_REDIS_DB": "0",
                        "OUTREACH_REDIS_PASSWORD": "", "OUTREACH_LOCK_PREFIX": "testendpoints",
                        "OUTREACH_ACTION_URL": "http://127.0.0.1:1/webhook", "OUTREACH_ACTION_TOKEN": "t",
                        "OUTREACH_TRACKER_URL": "postgresql://127.0.0.1/x", "OUTREACH_TRACKER_DB": "x"}.items():
        monkeypatch.setenv(name, value)
    endpoints = AvailableEndpoints.read_endpoints(str(PROJECT_ROOT / "bot" / "endpoints.scaled.yml"))
    lock_store = LockStore.create(endpoints.lock_store)
    assert isinstance(lock_store, TicketLockStore)
    assert lock_store.keys("B1")[0].startswith("testendpoints:")
    async with lock_store.lock("B0007") as ticket:
        assert ticket >= 1
    await lock_store.close()
    with pytest.raises(ValueError, match="letters and digits"):
        TicketLockStore(url=REDIS_URL, key_prefix="no-dashes")
