"""Building a fault scenario: buyers with open cases, the conversation run, the fault fired
at the right moment, and the checks afterwards."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

from tests.factories import make_case
from tests.faults.buyers import Conversation, Gate, run_buyers
from tests.faults.conftest import Rig
from tests.faults.invariants import all_violations

SHRIMP = {"title": "鲜活基围虾 活虾打氧发货 1斤装", "kind": "seafood", "quantity": 1, "unit": "斤",
          "unit_price_fen": 6980, "promises": ["fresh_rot_refund"], "live_seafood": True}
OFFER_FEN = 6980  # the first offer for spoiled live shrimp: the whole price back
DECLINE_EVERY = 4  # every fourth buyer declines every offer and is handed over


def seed_buyers(prefix: str, count: int) -> dict[str, bool]:
    """`count` buyers with a new case each, due now: the scheduler workers start the chats.
    Returns buyer id -> whether the buyer accepts the offer."""
    buyers = {}
    for i in range(count):
        buyer_id = f"{prefix}-{i:02d}"
        make_case("spoiled", status="new", contacted=False, buyer_id=buyer_id, **SHRIMP)
        buyers[buyer_id] = i % DECLINE_EVERY != DECLINE_EVERY - 1
    return buyers


async def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not await asyncio.to_thread(condition):
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout_s:.0f} s for {what}")
        await asyncio.sleep(0.05)


def payout_calls(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.endswith("}")]


async def talk_through_fault(rig: Rig, buyers: dict[str, bool], fault: Callable[[], Awaitable[object]],
                             timeout_s: float = 240.0) -> tuple[dict[str, Conversation], object]:
    """Every buyer talks to the offer and waits there; all are released at once to answer it,
    and `fault` runs while those answers (accepts and payouts) are in flight."""
    gate = Gate()
    talk = asyncio.create_task(run_buyers(rig.cluster.web_url, rig.settings.buyer_token_secret, buyers,
                                          rig.handover_text, timeout_s, gate))
    try:
        await wait_until(lambda: gate.waiting == len(buyers) or talk.done(), 150, "every buyer to reach the offer")
    finally:
        gate.event.set()
    fired = await fault()
    return await talk, fired


def check(conversations: dict[str, Conversation], rig: Rig) -> None:
    violations = all_violations(conversations, OFFER_FEN, rig.provider_log)
    seen = Counter(t.kind for c in conversations.values() for t in c.turns)
    assert not violations, f"{len(violations)} violations (turns seen: {dict(seen)}):\n" + "\n".join(violations)
