"""Two Rasa replicas, one conversation, two messages at the same moment: does the lock store hold?

Each replica is its own process with its own lock store, as two `rasa run` processes would
have. For every conversation both replicas handle one message at the same scheduled moment,
the way Rasa handles a message: under `lock_store.lock(conversation)` they read the tracker,
work on it for a moment, append the message's events (the buyer's message and the bot's
answer) and write the tracker back. A lock that holds leaves each tracker with both messages,
each as its two events side by side; a lock that lets both in loses one message's events
(both read the same tracker) or interleaves them.

    .venv/bin/python bench/lock_race.py                 # 1,000 pairs, Rasa's store and ours
    .venv/bin/python bench/lock_race.py --pairs 200 --stores ticket

Needs Redis (OUTREACH_TEST_REDIS_URL, default redis://127.0.0.1:6379/0); it uses keys under
a fresh prefix and deletes them afterwards. Exit status 1 when the ticket store lost, doubled
or interleaved anything.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # Rasa's import of TensorFlow, once per replica

REDIS_URL = os.environ.get("OUTREACH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
STORES = ("rasa", "ticket")
HOLD_S = 0.001  # the work between reading and writing the tracker
LIFETIME_S = 5.0  # a ticket left behind by a broken lock blocks its conversation this long
STALLED_S = 1.0  # a message that waited longer than this for its lock counts as stalled
STUCK_LIFETIMES = 3  # a message not through after 3 lifetimes is given up: Rasa's store can wait forever


@dataclass
class RaceResult:
    store: str
    pairs: int
    lost: int = 0  # events of a message missing from its tracker
    doubled: int = 0  # events stored twice
    interleaved: int = 0  # conversations whose two messages' events are mixed
    refused: int = 0  # messages whose replica got a LockError (not handled at all)
    stalled: int = 0  # messages that waited more than STALLED_S for the lock
    stuck: int = 0  # messages given up after STUCK_LIFETIMES lifetimes (never handled)
    seconds: float = 0.0

    @property
    def holds(self) -> bool:
        return not (self.lost or self.doubled or self.interleaved or self.refused or self.stuck)

    def line(self) -> str:
        verdict = "holds" if self.holds else "BROKEN"
        return (f"{self.store:<7} {self.pairs:>6,} pairs in {self.seconds:5.1f} s: {self.lost:>5,} events lost, "
                f"{self.doubled:>4,} doubled, {self.interleaved:>4,} conversations interleaved, "
                f"{self.refused:>4,} messages refused, {self.stalled:>4,} stalled > {STALLED_S:g} s, "
                f"{self.stuck:>4,} stuck  -> {verdict}")


def make_store(kind: str, redis_url: str, prefix: str) -> object:
    if kind == "rasa":
        from rasa.core.lock_store import RedisLockStore

        parts = urlsplit(redis_url)
        return RedisLockStore(host=parts.hostname or "127.0.0.1", port=parts.port or 6379,
                              db=int((parts.path or "/0").strip("/") or 0), password=parts.password,
                              key_prefix=prefix)
    from bot.lock_store import TicketLockStore

    return TicketLockStore(url=redis_url, key_prefix=prefix)


async def _replica(kind: str, redis_url: str, prefix: str, replica: str, conversations: list[str],
                   barrier: Any, lifetime_s: float) -> tuple[int, int, int]:
    import redis.asyncio as aioredis
    from rasa.core.lock_store import LockError

    store = make_store(kind, redis_url, prefix)
    trackers = aioredis.Redis.from_url(redis_url)
    refused = stalled = stuck = 0

    async def handle(index: int, conversation: str) -> None:
        nonlocal refused, stalled
        asked = time.monotonic()
        message = f"{replica}-{index}"
        key = f"{prefix}:tracker:{conversation}"
        try:
            async with store.lock(conversation, lock_lifetime=lifetime_s, wait_time_in_seconds=0.005):  # type: ignore[attr-defined]
                stalled += time.monotonic() - asked > STALLED_S
                events = json.loads(await trackers.get(key) or b"[]")
                await asyncio.sleep(HOLD_S)
                events += [f"user:{message}", f"bot:{message}"]
                await trackers.set(key, json.dumps(events))
        except LockError:
            refused += 1

    async def bounded(index: int, conversation: str) -> None:
        nonlocal stuck
        try:
            await asyncio.wait_for(handle(index, conversation), timeout=STUCK_LIFETIMES * lifetime_s)
        except asyncio.TimeoutError:
            stuck += 1

    messages = []
    for index, conversation in enumerate(conversations):
        # Both replicas get this conversation's message at the same moment; earlier messages
        # (other conversations) are still in flight.
        barrier.wait(timeout=60)
        messages.append(asyncio.create_task(bounded(index, conversation)))
        await asyncio.sleep(0)  # the new message starts now: it takes its ticket
    await asyncio.gather(*messages)
    await trackers.close()
    return refused, stalled, stuck


def _replica_process(kind: str, redis_url: str, prefix: str, replica: str, conversations: list[str],
                     barrier: Any, lifetime_s: float, out: multiprocessing.Queue) -> None:
    out.put(asyncio.run(_replica(kind, redis_url, prefix, replica, conversations, barrier, lifetime_s)))


def check(kind: str, trackers: dict[str, list[str]], pairs: int, refused: int = 0, stalled: int = 0,
          stuck: int = 0, seconds: float = 0.0) -> RaceResult:
    result = RaceResult(kind, pairs, refused=refused, stalled=stalled, stuck=stuck, seconds=seconds)
    for index in range(pairs):
        events = trackers.get(f"c{index}", [])
        expected = [f"{who}:{replica}-{index}" for replica in ("a", "b") for who in ("user", "bot")]
        result.lost += sum(1 for event in expected if event not in events)
        result.doubled += len(events) - len(set(events))
        pairs_in_order = len(events) % 2 == 0 and all(
            user.startswith("user:") and bot == "bot:" + user[5:] for user, bot in zip(events[::2], events[1::2])
        )
        result.interleaved += not pairs_in_order
    return result


def run_race(kind: str, pairs: int, redis_url: str = REDIS_URL, lifetime_s: float = LIFETIME_S) -> RaceResult:
    """One conversation per pair; replicas a and b each send one message to every conversation."""
    import redis

    import bot.lock_store  # noqa: F401 - imported once here (Rasa with it), not in each forked replica

    prefix = "race" + uuid.uuid4().hex[:12]
    conversations = [f"c{i}" for i in range(pairs)]
    context = multiprocessing.get_context("fork")
    out: multiprocessing.Queue = context.Queue()
    barrier = context.Barrier(2)
    started = time.time()
    processes = [context.Process(target=_replica_process, args=(kind, redis_url, prefix, name, conversations,
                                                               barrier, lifetime_s, out)) for name in ("a", "b")]
    for process in processes:
        process.start()
    counts = [out.get(timeout=300 + pairs * 0.05 + STUCK_LIFETIMES * lifetime_s) for _ in processes]
    for process in processes:
        process.join(timeout=10)
    seconds = time.time() - started
    client = redis.Redis.from_url(redis_url)
    try:
        trackers = {c: json.loads(client.get(f"{prefix}:tracker:{c}") or b"[]") for c in conversations}
        for key in client.scan_iter(f"{prefix}:*", count=1000):
            client.delete(key)
    finally:
        client.close()
    refused, stalled, stuck = (sum(c[i] for c in counts) for i in range(3))
    return check(kind, trackers, pairs, refused, stalled, stuck, seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=1000, help="conversations, each with two concurrent messages")
    parser.add_argument("--stores", default=",".join(STORES), help="rasa (Rasa 3.6's RedisLockStore), ticket (ours)")
    args = parser.parse_args(argv)
    kinds = [kind.strip() for kind in args.stores.split(",") if kind.strip()]
    unknown = sorted(set(kinds) - set(STORES))
    if unknown:
        parser.error(f"unknown store {', '.join(unknown)}; use {', '.join(STORES)}")
    load = os.getloadavg()[0]
    print(f"lock store race: 2 replica processes, {args.pairs:,} concurrent message pairs, Redis {REDIS_URL}, "
          f"{os.cpu_count()} cores, load average {load:.1f}", flush=True)
    failed = False
    for kind in kinds:
        result = run_race(kind, args.pairs)
        print(result.line(), flush=True)
        failed |= kind == "ticket" and not result.holds
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
