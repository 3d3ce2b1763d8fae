"""The tracker store keeps Rasa's SQL format, stores each event once, and never blocks the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import CareTrackerStore

DOMAIN = Path(__file__).resolve().parents[2] / "bot" / "domain"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(DOMAIN))


def turn(text: str, intent: str, stage: str, at: float) -> list[Event]:
    return [UserUttered(text, {"name": intent, "confidence": 1.0}, timestamp=at),
            ActionExecuted("action_answer_yes", timestamp=at + 0.1),
            BotUttered("好的，已为您办理。", timestamp=at + 0.2),
            SlotSet("stage", stage, timestamp=at + 0.3),
            ActionExecuted("action_listen", timestamp=at + 0.4)]


def stored_rows(store: SQLTrackerStore, sender: str) -> list[str]:
    with store.session_scope() as session:
        return [row.type_name for row in session.query(store.SQLEvent)
                .filter(store.SQLEvent.sender_id == sender).order_by(store.SQLEvent.id)]


async def test_each_event_is_stored_once_and_reads_back_the_same_in_rasas_own_store(
        any_db: str, domain: Domain) -> None:
    store = CareTrackerStore(domain, host=any_db)
    sender = "buyer-虾-😀"
    tracker = await store.get_or_create_tracker(sender)  # created and saved: an action_listen
    for event in turn("可以，就这样吧", "affirm", "offering", 1000.0):
        tracker.update(event)
    await store.save(tracker)
    await store.save(tracker)  # nothing new: nothing stored again
    assert len(stored_rows(store, sender)) == 6

    again = await store.retrieve(sender)
    assert again is not None
    for event in turn("好", "affirm", "closed", 2000.0):
        again.update(event)
    await store.save(again)
    assert len(stored_rows(store, sender)) == 11

    rasa_view = await SQLTrackerStore(domain, host=any_db).retrieve(sender)
    assert rasa_view is not None
    assert list(rasa_view.events) == list(again.events)
    assert rasa_view.get_slot("stage") == "closed"


async def test_a_tracker_it_did_not_load_is_counted_in_the_database(any_db: str, domain: Domain) -> None:
    writer, other = CareTrackerStore(domain, host=any_db), CareTrackerStore(domain, host=any_db)
    sender = "buyer-2"
    tracker = DialogueStateTracker.from_events(sender, turn("坏了", "spoiled", "offering", 10.0), domain.slots)
    await writer.save(tracker)
    loaded_elsewhere = await other.retrieve(sender)
    assert loaded_elsewhere is not None
    for event in turn("可以", "affirm", "closed", 20.0):
        loaded_elsewhere.update(event)
    await writer.save(loaded_elsewhere)  # `writer` never loaded it: it must ask the database
    assert len(stored_rows(writer, sender)) == 10


async def test_a_new_session_is_read_from_its_start_and_stored_after_the_old_one(
        any_db: str, domain: Domain) -> None:
    store = CareTrackerStore(domain, host=any_db)
    sender = "buyer-3"
    old = [ActionExecuted("action_session_start", timestamp=1.0), SessionStarted(timestamp=1.0),
           *turn("虾死了", "spoiled", "closed", 2.0)]
    await store.save(DialogueStateTracker.from_events(sender, old, domain.slots))
    tracker = await store.retrieve(sender)
    assert tracker is not None and len(tracker.events) == 7
    for event in [ActionExecuted("action_session_start", timestamp=100.0), SessionStarted(timestamp=100.0),
                  *turn("又坏了", "spoiled", "offering", 101.0)]:
        tracker.update(event)
    await store.save(tracker)
    assert len(stored_rows(store, sender)) == 14
    latest = await store.retrieve(sender)
    assert latest is not None and [e.timestamp for e in latest.events][0] == 100.0
    assert len(latest.events) == 7
    full = await store.retrieve_full_tracker(sender)
    assert full is not None and len(full.events) == 14


async def test_the_event_loop_keeps_serving_while_the_database_is_locked(
        tmp_path: Path, domain: Domain) -> None:
    path = tmp_path / "tracker.db"
    store = CareTrackerStore(domain, dialect="sqlite", db=str(path))
    tracker = DialogueStateTracker.from_events("buyer-4", turn("坏了", "spoiled", "offering", 1.0), domain.slots)

    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the database for a moment
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    beat = asyncio.create_task(heartbeat())
    save = asyncio.create_task(store.save(tracker))
    await asyncio.sleep(0.5)
    assert not save.done()  # waiting for the lock ...
    assert ticks >= 20  # ... while the loop went on with other work
    blocker.rollback()
    blocker.close()
    started = time.monotonic()
    await asyncio.wait_for(save, 10)
    assert time.monotonic() - started < 5
    beat.cancel()
    assert len(stored_rows(store, "buyer-4")) == 5


async def test_a_new_tracker_over_a_stored_conversation_leaves_the_conversation_as_stored(
        any_db: str, domain: Domain) -> None:
    """As when a read failed during a database restart and Rasa started the turn afresh."""
    store = CareTrackerStore(domain, host=any_db)
    sender = "buyer-5"
    stored = [*turn("坏了", "spoiled", "offering", 10.0), *turn("可以", "affirm", "rating", 20.0)]
    await store.save(DialogueStateTracker.from_events(sender, stored, domain.slots))
    fresh = await store.create_tracker(sender)  # one event, over the ten stored
    for event in turn("你好", "greet", "confirming", 30.0):
        fresh.update(event)
    await store.save(fresh)  # as Rasa's own store: only events beyond the stored ten would be added
    again = await store.retrieve(sender)
    assert again is not None and list(again.events) == stored
    assert again.get_slot("stage") == "rating"
