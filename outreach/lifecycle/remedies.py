"""Carrying out a remedy: the one path for the bot, a phone call and an agent's desk.

The ledger (outreach.rules.ledger) keeps it to once per case; this module moves the case:
settled when the remedy is carried out, waiting for a lead when it needs approval.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from outreach.lifecycle import events, machine
from outreach.lifecycle.states import CaseStatus, remedy_event
from outreach.rules import ledger
from outreach.rules.engine import Offer, yuan
from outreach.store.models import Case, Remedy
from outreach.store.types import utcnow


def carry_out(session: Session, case: Case, offer: Offer, reason: str, *, channel: str, by: str | None = None,
              now: datetime | None = None) -> tuple[Remedy, bool]:
    """Record (and pay) the offer once. Returns (remedy, created); a repeat returns the first one
    and moves nothing."""
    remedy, created = ledger.execute_once(session, case.id, offer, reason)
    detail = {"rule": remedy.rule_id, "amount_fen": remedy.amount_fen, "created": created, "channel": channel}
    events.record(session, case.id, remedy_event(remedy.status), **detail, **({"by": by} if by else {}))
    if not created:
        return remedy, False
    if remedy.status == "pending_approval":
        machine.move(session, case, CaseStatus.PENDING_APPROVAL, None,
                     changes={"handover_reason": f"remedy of {yuan(remedy.amount_fen)} yuan needs approval"})
    else:
        machine.settle(session, case, None, now or utcnow(), settled_by=by)
    return remedy, True
