"""One scheduler pass's decisions, carried out: claim due cases, decide, store why.

On PostgreSQL the due cases are claimed with SELECT ... FOR UPDATE SKIP LOCKED and their
buyers with FOR NO KEY UPDATE SKIP LOCKED, so several workers never decide on the same
case or the same buyer at once. A case chosen for in-app chat is leased to the worker
(claimed_until) for the send, which happens after this transaction commits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.lifecycle import events, machine
from outreach.lifecycle.states import EventKind
from outreach.scheduling.calls import book_call
from outreach.scheduling.capacity import CapacityBook
from outreach.scheduling.planner import CaseView, Decision, decide
from outreach.scheduling.policy import Policy
from outreach.scheduling.views import build_views, due_query
from outreach.store.db import session_scope
from outreach.store.models import Buyer, Case

RECHECK = timedelta(minutes=5)  # a hold with no known end is looked at again after this


@dataclass(frozen=True)
class Send:
    case_id: int
    buyer_id: str
    was_leased: bool  # a worker held it before: look for evidence it was delivered


def _claim(session: Session, now: datetime, policy: Policy, limit: int) -> list:
    rows = session.execute(
        due_query(now, policy).limit(limit).with_for_update(skip_locked=True, of=Case)
    ).all()
    if not rows or session.bind.dialect.name != "postgresql":
        return rows
    buyers = {r.buyer_id for r in rows}
    locked = set(session.execute(
        select(Buyer.id).where(Buyer.id.in_(buyers)).with_for_update(skip_locked=True, key_share=True)
    ).scalars())
    return [r for r in rows if r.buyer_id in locked]


def _hold(session: Session, case: Case, decision: Decision, now: datetime) -> None:
    case.due_at = decision.at or now + RECHECK
    if case.hold_reason != decision.reason:
        events.record(session, case.id, EventKind.HELD, reason=decision.reason,
                      until=decision.at.isoformat() if decision.at else None)
    case.hold_reason = decision.reason[:300]


def _close_opted_out(session: Session, case: Case, decision: Decision, now: datetime) -> None:
    machine.close(session, case, "opted_out", EventKind.CLOSED_OPTED_OUT, now, note=decision.reason)


def _lease_for_inapp(session: Session, case: Case, decision: Decision, now: datetime, worker: str,
                     policy: Policy) -> Send:
    was_leased = case.claimed_until is not None
    if case.channel != "inapp" or case.hold_reason:
        events.record(session, case.id, EventKind.CHANNEL_CHOSEN, channel="inapp", reason=decision.reason)
    case.channel, case.hold_reason = "inapp", None
    case.claimed_by = worker
    case.claimed_until = now + timedelta(seconds=policy.limits.dispatch.claim_lease_seconds)
    # Set before the bot speaks, so the inbox files the bot's first message under this case.
    case.first_contact_at = case.first_contact_at or now
    return Send(case.id, case.buyer_id, was_leased)


def apply_decision(session: Session, case: Case, view: CaseView, decision: Decision, now: datetime,
                   worker: str, policy: Policy, capacity: CapacityBook) -> Send | None:
    if decision.action == "close":
        _close_opted_out(session, case, decision, now)
    elif decision.action == "hold":
        _hold(session, case, decision, now)
    elif decision.action == "handover":
        machine.hand_over(session, case, decision.reason)
    elif decision.action == "call":
        book_call(session, case, view, decision, now, capacity)
    elif decision.action == "inapp":
        return _lease_for_inapp(session, case, decision, now, worker, policy)
    return None


def claim_and_apply(now: datetime, policy: Policy, worker: str, limit: int) -> tuple[list[Send], Counter]:
    """Decide on up to `limit` due cases in one transaction; return the in-app sends leased."""
    sends: list[Send] = []
    counts: Counter = Counter()
    with session_scope() as session:
        rows = _claim(session, now, policy, limit)
        if not rows:
            return sends, counts
        views = build_views(session, rows, now, policy)
        capacity = CapacityBook.load(session, policy, now)
        cases = {c.id: c for c in session.execute(select(Case).where(Case.id.in_([v.case_id for v in views])))
                 .scalars()}
        for view in views:
            decision = decide(view, now, policy)
            counts[decision.action] += 1
            send = apply_decision(session, cases[view.case_id], view, decision, now, worker, policy, capacity)
            if send:
                sends.append(send)
    return sends, counts
