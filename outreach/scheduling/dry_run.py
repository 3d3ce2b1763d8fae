"""`outreach plan --at`: what the scheduler would do at a moment, and why, changing nothing."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import select

from outreach.lifecycle.states import CaseStatus
from outreach.scheduling.capacity import CapacityBook
from outreach.scheduling.planner import Decision, decide
from outreach.scheduling.policy import Policy
from outreach.scheduling.views import CHUNK, build_views, due_query
from outreach.scheduling.windows import UnknownTimeZone, local_text
from outreach.store.db import session_scope
from outreach.store.models import Buyer, CallTask, Case


def plan_decisions(now: datetime, policy: Policy, limit: int | None = None) -> list[tuple[Decision, str | None]]:
    """Every decision the scheduler would take at `now`, with the buyer's time zone."""
    out: list[tuple[Decision, str | None]] = []
    with session_scope() as session:
        query = due_query(now, policy)
        rows = session.execute(query.limit(limit) if limit else query).all()
        capacity = CapacityBook.load(session, policy, now)
        zones = {row.id: row.time_zone for row in rows}
        first_in_batch: dict[str, int] = {}  # one case per buyer across the chunks, as in one pass
        for start in range(0, len(rows), CHUNK):
            for view in build_views(session, rows[start:start + CHUNK], now, policy, first_in_batch):
                decision = decide(view, now, policy)
                if decision.action == "call" and decision.at is not None:
                    slot = capacity.place(decision.team or "", decision.at, view.time_zone, view.severity)
                    if slot != decision.at:
                        decision.reason = f"{decision.reason}; team {decision.team} full: " \
                                          f"moved to {local_text(slot, view.time_zone)}"
                        decision.at = slot
                out.append((decision, zones[view.case_id]))
    return out


def _local(moment: datetime | None, time_zone: str | None) -> str | None:
    if moment is None:
        return None
    try:
        return local_text(moment, time_zone)
    except UnknownTimeZone:
        return None


def waiting(now: datetime) -> list[dict[str, Any]]:
    """Open work that is not due at `now`: held cases and queued calls, with until when and why."""
    with session_scope() as session:
        held = session.execute(
            select(Case.id, Case.buyer_id, Case.due_at, Case.hold_reason, Case.claimed_until, Buyer.time_zone)
            .join(Buyer, Buyer.id == Case.buyer_id)
            .where(Case.status == CaseStatus.NEW.value, (Case.due_at > now) | (Case.claimed_until >= now))
            .order_by(Case.due_at, Case.id)
        ).all()
        calls = session.execute(
            select(CallTask.id, CallTask.case_id, CallTask.buyer_id, CallTask.due_at, CallTask.team, CallTask.reason,
                   CallTask.attempt, Buyer.time_zone)
            .join(Buyer, Buyer.id == CallTask.buyer_id)
            .where(CallTask.status == "queued").order_by(CallTask.due_at, CallTask.id)
        ).all()
    items = []
    for row in held:
        leased = row.claimed_until is not None and row.claimed_until >= now
        until = row.claimed_until if leased else row.due_at
        reason = "being sent by a worker (lease)" if leased else (row.hold_reason or "not due yet (retry or new)")
        items.append({"case_id": row.id, "buyer_id": row.buyer_id, "action": "hold", "until": until.isoformat(),
                      "until_local": _local(until, row.time_zone), "reason": reason})
    for row in calls:
        due = row.due_at <= now
        items.append({"case_id": row.case_id, "buyer_id": row.buyer_id, "action": "call_queued", "call_id": row.id,
                      "attempt": row.attempt, "team": row.team, "until": None if due else row.due_at.isoformat(),
                      "until_local": None if due else _local(row.due_at, row.time_zone),
                      "reason": ("due now for an agent: " if due else "") + row.reason})
    return items


def plan_report(now: datetime, policy: Policy, limit: int | None = None) -> dict[str, Any]:
    decided = plan_decisions(now, policy, limit)
    warnings = []
    if now.date() > policy.holidays_cover_until:
        warnings.append(f"holidays file covers dates up to {policy.holidays_cover_until} only: add later holidays")
    return {
        "at": now.isoformat(),
        "summary": dict(Counter(d.action for d, _ in decided)),
        "decisions": [d.as_dict(tz) for d, tz in decided],
        "waiting": waiting(now),
        "warnings": warnings,
    }
