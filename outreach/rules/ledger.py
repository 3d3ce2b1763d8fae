"""The remedy ledger: a remedy executes at most once per case, whoever asks and how often.

An executed remedy is paid through the payment adapter in the same transaction; one that a
person must approve joins the approval queue instead.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from outreach.rules.engine import Offer
from outreach.store.db import insert_once
from outreach.store.models import Approval, Remedy


def idempotency_key(case_id: int) -> str:
    return f"case:{case_id}:remedy"


# Built once: a statement built per call costs more CPU than its round trip.
_EXISTING = select(Remedy).where(Remedy.idempotency_key == bindparam("key"))


def existing(session: Session, case_id: int) -> Remedy | None:
    found = session.execute(_EXISTING, {"key": idempotency_key(case_id)}).scalar_one_or_none()
    if found is None:
        _found_none(session).add(case_id)
    return found


def _found_none(session: Session) -> set[int]:
    """The cases this transaction already looked up and found without a remedy. A turn that
    checks first (an accept) need not look again before recording one: the unique key, not
    the look-up, keeps a remedy to once, so a remedy recorded meanwhile is still found."""
    transaction = session.get_transaction()
    known = session.info.get("cases_without_remedy")
    if known is None or known[0] is not transaction:  # kept for this transaction only
        known = (transaction, set())
        session.info["cases_without_remedy"] = known
    return known[1]


def execute_once(session: Session, case_id: int, offer: Offer, reason: str) -> tuple[Remedy, bool]:
    """Record the remedy unless the case already has one. Returns (remedy, created).

    The unique idempotency key makes this safe under concurrency: a second writer's insert
    finds the key taken (store.db.insert_once) and it reads the first writer's row instead.
    """
    from outreach.rules.payments import pay_once

    if case_id not in _found_none(session):
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
    _found_none(session).discard(case_id)
    if remedy.status == "pending_approval":
        session.add(Approval(case_id=case_id, remedy_id=remedy.id, reasons=list(offer.approval_reasons),
                             done_text=offer.done, status="pending"))
        session.flush()
    else:
        pay_once(session, remedy, recorded_now=True)
    return remedy, True
