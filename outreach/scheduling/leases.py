"""Leases a dead scheduler worker left behind on cases that moved on without it.

A worker leases a new case before starting its chat (apply.py) and clears the lease when it
records the result (dispatch.py). When the worker dies after the bot's opening reached the
buyer, and the buyer answers before the lease runs out, the case is no longer new: no pass
would ever pick it up again, so its contact would never be recorded (the contact limits
would undercount) and the lease would stay forever. Each pass settles such leases: the
contact is recorded once, from the proof in the inbox, and the lease is cleared.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from outreach.lifecycle import events
from outreach.lifecycle.states import CaseStatus, EventKind
from outreach.store.db import session_scope
from outreach.store.models import Case, Contact, InboxMessage

log = logging.getLogger("outreach.dispatch")
DELIVERED = "delivered before the previous worker stopped"


def settle_expired_leases(now: datetime, worker: str, limit: int = 500) -> int:
    """Clear expired leases of cases past 'new'; record the contact the dead worker could not.
    Returns how many were settled. New cases are left to the next claim, which does the same."""
    with session_scope() as session:
        cases = session.execute(
            select(Case).where(Case.claimed_until < now, Case.status != CaseStatus.NEW.value)
            .order_by(Case.id).limit(limit).with_for_update(skip_locked=True)
        ).scalars().all()
        for case in cases:
            delivered = session.execute(
                select(InboxMessage.created_at).where(InboxMessage.case_id == case.id, InboxMessage.sender == "bot")
                .order_by(InboxMessage.id).limit(1)
            ).scalar_one_or_none()
            if delivered is not None:
                session.add(Contact(case_id=case.id, buyer_id=case.buyer_id, channel="inapp", status="accepted",
                                    detail=DELIVERED, created_at=delivered))
                events.record(session, case.id, EventKind.CONTACTED, channel="inapp", worker=worker, detail=DELIVERED,
                              previous_worker=case.claimed_by)
            log.warning("case=%s lease of %s ran out after the case became %s; %s", case.id, case.claimed_by,
                        case.status, "contact recorded" if delivered else "no delivery found")
            case.claimed_by = case.claimed_until = None
        return len(cases)
