"""The remedy ledger: a remedy executes at most once per case, whoever asks and how often.

An executed remedy is paid through the payment adapter in the same transaction; one that a
person must approve joins the approval queue instead.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.rules.engine import Offer
from outreach.store.db import insert_once
from outreach.store.models import Approval, Remedy


def idempotency_key(case_id: int) -> str:
    return f"case:{case_id}:remedy"


def existing(session: Session, case_id: int) -> Remedy | None:
    return session.execute(
        select(Remedy).where(Remedy.idempotency_key == idempotency_key(case_id))
    ).scalar_one_or_none()


def execute_once(session: Session, case_id: int, offer: Offer, reason: str) -> tuple[Remedy, bool]:
    """Record the remedy unless the case already has one. Returns (remedy, created).

    The unique idempotency key makes this safe under concurrency: a second writer's insert
    finds the key taken (store.db.insert_once) and it reads the first writer's row instead.
    """
    from outreach.rules.payments import pay_once

    found = existing(session, case_id)
    if found is not None:
        return found, False
    remedy = Remedy(
        case_id=case_id,
        idempotency_key=idempotency_key(case_id),
        rule_id=offer.rule_id,
        kind=offer.kind,
        amount_fen=offer.amount_fen,
        coupon_fen=offer.coupon_fen,
        status="pending_approval" if offer.needs_approval else "executed",
        reason=(reason + (f"; approval: {', '.join(offer.approval_reasons)}" if offer.needs_approval else ""))[:500],
    )
    remedy, created = insert_once(session, remedy, lambda: existing(session, case_id))
    if not created:
        return remedy, False
    if remedy.status == "pending_approval":
        session.add(Approval(case_id=case_id, remedy_id=remedy.id, reasons=list(offer.approval_reasons),
                             done_text=offer.done, status="pending"))
        session.flush()
    else:
        pay_once(session, remedy)
    return remedy, True
