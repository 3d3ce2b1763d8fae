"""Everything about one case, for `outreach case show` and for people reviewing it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from outreach.diagnosis.taxonomy import taxonomy
from outreach.inbox.messages import as_dict
from outreach.lifecycle.reasons import reason_zh
from outreach.rules.engine import yuan
from outreach.store.db import session_scope
from outreach.store.models import (
    Case,
    CaseEvent,
    Contact,
    Feedback,
    InboxMessage,
    OrderItem,
    Remedy,
    Satisfaction,
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def case_report(case_id: int) -> dict[str, Any] | None:
    with session_scope() as session:
        case = session.get(Case, case_id)
        if case is None:
            return None
        order = case.order
        items = session.execute(select(OrderItem).where(OrderItem.order_id == order.id)).scalars()
        feedback = session.execute(select(Feedback).where(Feedback.case_id == case.id).order_by(Feedback.id)).scalars()
        contacts = session.execute(select(Contact).where(Contact.case_id == case.id).order_by(Contact.id)).scalars()
        remedies = session.execute(select(Remedy).where(Remedy.case_id == case.id).order_by(Remedy.id)).scalars()
        rating = session.execute(select(Satisfaction).where(Satisfaction.case_id == case.id)).scalar_one_or_none()
        transcript = session.execute(
            select(InboxMessage).where(InboxMessage.case_id == case.id).order_by(InboxMessage.id)
        ).scalars()
        trail = session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).scalars()
        return {
            "case": {
                "id": case.id,
                "status": case.status,
                "buyer_id": case.buyer_id,
                "order_id": case.order_id,
                "created_at": _iso(case.created_at),
                "first_contact_at": _iso(case.first_contact_at),
                "resolved_at": _iso(case.resolved_at),
                "closed_at": _iso(case.closed_at),
                "closed_reason": case.closed_reason,
                "handover_reason": case.handover_reason,
                "handover_reason_zh": reason_zh(case.handover_reason),
            },
            "diagnosis": {
                "suspected": case.suspected_category,
                "category": case.category,
                "category_zh": taxonomy().zh(case.category),
                "severity": case.severity,
                "affected_quantity": case.affected_quantity,
            },
            "order": {
                "id": order.id,
                "total_fen": order.total_fen,
                "total_yuan": yuan(order.total_fen),
                "shop": order.shop.name,
                "trust_badge": order.shop.trust_badge,
                "paid_at": _iso(order.paid_at),
                "shipped_at": _iso(order.shipped_at),
                "delivered_at": _iso(order.delivered_at),
                "items": [
                    {"title": i.title, "kind": i.kind, "unit_price_fen": i.unit_price_fen, "quantity": i.quantity,
                     "unit": i.unit, "promises": i.promises}
                    for i in items
                ],
            },
            "feedback": [
                {"id": f.external_id, "source": f.source, "text": f.text, "category": f.category,
                 "confidence": (f.confidence or 0) / 1000, "created_at": _iso(f.created_at)}
                for f in feedback
            ],
            "contacts": [
                {"channel": c.channel, "status": c.status, "detail": c.detail, "at": _iso(c.created_at)}
                for c in contacts
            ],
            "remedies": [
                {"rule": r.rule_id, "kind": r.kind, "amount_fen": r.amount_fen, "status": r.status,
                 "reason": r.reason, "idempotency_key": r.idempotency_key, "at": _iso(r.created_at)}
                for r in remedies
            ],
            "rating": None if rating is None else {"rating": rating.rating, "at": _iso(rating.created_at),
                                                   "recommend": rating.recommend, "comment": rating.comment},
            "transcript": [as_dict(m) for m in transcript],
            "events": [{"kind": e.kind, "detail": e.detail, "at": _iso(e.created_at)} for e in trail],
        }
