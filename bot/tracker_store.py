"""Rasa's SQL tracker store, with the store's engine and without blocking the event loop.

Rasa 3.6's `SQLTrackerStore` does its database work on the server's event loop, counts the
stored events of the conversation before every save to find the new ones, and on SQLite
opens a new connection (no pool, rollback journal) for every retrieve and save. Under load
that was a third of the Rasa server's time (bench/chat_load.py, docs/performance.md).

`CareTrackerStore` keeps Rasa's table and event format, so trackers written by either
class read the same, and changes three things:

- the engine comes from `outreach.store.db.get_engine`: pooled connections, WAL and a busy
  timeout on SQLite, a connection check and connect timeout on PostgreSQL;
- retrieve and save run in a worker thread, so the server parses and predicts other
  conversations meanwhile;
- a save knows how many events of the tracker are stored already, because this store
  loaded them: it remembers the count per tracker object instead of asking the database.
  A tracker it did not load (or one with a capped history) is counted in the database,
  as Rasa does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import weakref
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import sessionmaker

from outreach.store.db import get_engine


class CareTrackerStore(SQLTrackerStore):
    """`type: bot.tracker_store.CareTrackerStore` in bot/endpoints*.yml, with the SQL store's keys."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # Rasa's engine creates the table, waiting for the server
        url = self.engine.url.render_as_string(hide_password=False)
        self.engine.dispose()
        self.engine = get_engine(url)
        self.sessionmaker = sessionmaker(bind=self.engine)
        # id(tracker) -> how many of its events are stored; dropped when the tracker is freed
        self._stored: dict[int, int] = {}
        # Rasa's event query (SQLTrackerStore._event_query) in SQLAlchemy Core, built once:
        # the ORM built and loaded it at 1.5 ms a retrieve, this takes a fifth of that.
        events = self.SQLEvent.__table__
        sender = bindparam("sender_id")
        session_start = (select(func.max(events.c.timestamp))
                         .where(events.c.sender_id == sender, events.c.type_name == SessionStarted.type_name)
                         .scalar_subquery())
        every_session = select(events.c.data).where(events.c.sender_id == sender).order_by(events.c.id)
        self._queries = {
            True: every_session,
            False: every_session.where(or_(events.c.timestamp >= session_start, session_start.is_(None))),
        }

    def _remember(self, tracker: DialogueStateTracker, stored: int) -> None:
        key = id(tracker)
        if key not in self._stored:
            weakref.finalize(tracker, self._stored.pop, key, None)
        self._stored[key] = stored

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        tracker = await asyncio.to_thread(self._load, sender_id, fetch_events_from_all_sessions)
        if tracker is not None and not fetch_events_from_all_sessions and tracker.events.maxlen is None:
            self._remember(tracker, len(tracker.events))  # exactly what a save's count would find
        return tracker

    def _load(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        with self.engine.connect() as connection:
            rows = connection.execute(self._queries[fetch_events_from_all_sessions], {"sender_id": sender_id})
            events = [json.loads(data) for data in rows.scalars()]
        if not self.domain or not events:
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        stored = self._stored.get(id(tracker)) if tracker.events.maxlen is None else None
        total = len(tracker.events)
        new = None if stored is None else list(itertools.islice(tracker.events, stored, total))
        counted = await asyncio.to_thread(self._write, tracker, new)
        # A tracker the database holds more of than this object (one created anew while a read
        # failed, say) stays on Rasa's count: only what lies beyond the stored events is added.
        if counted is None or counted <= total:
            self._remember(tracker, total)

    def _write(self, tracker: DialogueStateTracker, new: list[Event] | None) -> int | None:
        """Stores the new events; how many the database held before, when it had to be asked."""
        counted = None
        if new is None:
            with self.session_scope() as session:
                counted = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
            new = list(itertools.islice(tracker.events, counted, None))
        rows = []
        for event in new:
            data = event.as_dict()
            rows.append({
                "sender_id": tracker.sender_id,
                "type_name": event.type_name,
                "timestamp": data.get("timestamp"),
                "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                "action_name": data.get("name"),
                "data": json.dumps(data),
            })
        if rows:
            with self.engine.begin() as connection:  # one transaction, one statement for all rows
                connection.execute(self.SQLEvent.__table__.insert(), rows)
        return counted
