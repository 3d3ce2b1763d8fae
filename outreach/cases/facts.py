"""The facts the rules need, read from a stored case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.rules.engine import CaseFacts
from outreach.store.models import Case, Feedback, OrderItem


def main_item(session: Session, order_id: str) -> OrderItem:
    item = session.execute(
        select(OrderItem).where(OrderItem.order_id == order_id).order_by(OrderItem.id).limit(1)
    ).scalar_one_or_none()
    if item is None:
        raise LookupError(f"order {order_id} has no items")
    return item


def reported_at(session: Session, case: Case) -> datetime:
    """When the buyer first reported the problem: the earliest feedback of the case."""
    first = session.execute(
        select(Feedback.created_at).where(Feedback.case_id == case.id).order_by(Feedback.created_at).limit(1)
    ).scalar_one_or_none()
    return first or case.created_at


def case_facts(session: Session, case: Case) -> CaseFacts:
    order = case.order
    item = main_item(session, order.id)
    return CaseFacts(
        label=case.category,
        order_total_fen=order.total_fen,
        unit_price_fen=item.unit_price_fen,
        quantity=item.quantity,
        unit=item.unit,
        paid_at=order.paid_at,
        promised_ship_hours=order.promised_ship_hours,
        reported_at=reported_at(session, case),
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        live_seafood=item.live_seafood,
        affected_quantity=case.affected_quantity,
    )
