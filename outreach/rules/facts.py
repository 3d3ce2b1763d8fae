"""The facts the rules need, read from a stored case."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from fractions import Fraction

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter

from outreach.rules.engine import CaseFacts
from outreach.rules.schema import LINE_REFUND_KINDS, PAYING_KINDS, RuleBook
from outreach.store.models import Case, Feedback, Order, OrderItem, Remedy, Shop

# Facts the platform may store on a case (cases.facts), beyond the order.
PLATFORM_FACTS = ("issue", "current_unit_price_fen", "overcharge_fen", "shortfall_percent", "loss_fen",
                  "appraisal_fee_fen")
RISK_DAYS = 90


_MAIN_ITEM = select(OrderItem).where(OrderItem.order_id == bindparam("order_id")).order_by(OrderItem.id).limit(1)


def main_item(session: Session, order_id: str) -> OrderItem:
    """The order's first line. Read once per transaction: one turn of a conversation asks for it
    several times (the brief, the amount read, the promised weight), and no line of an order
    changes while its case is worked on."""
    known = session.info.get("main_items")
    if known is not None and known[0] is session.get_transaction() and order_id in known[1]:
        return known[1][order_id]
    item = session.execute(_MAIN_ITEM, {"order_id": order_id}).scalar_one_or_none()
    if item is None:
        raise LookupError(f"order {order_id} has no items")
    transaction = session.get_transaction()
    if known is None or known[0] is not transaction:  # kept for this transaction only
        known = (transaction, {})
        session.info["main_items"] = known
    known[1][order_id] = item
    return item


def _first_report(case_id: int | BindParameter) -> Select:
    return select(Feedback.created_at).where(Feedback.case_id == case_id).order_by(Feedback.created_at).limit(1)


def reported_at(session: Session, case: Case) -> datetime:
    """When the buyer first reported the problem: the earliest feedback of the case."""
    first = session.execute(_first_report(case.id)).scalar_one_or_none()
    return first or case.created_at


def _refunds(buyer_id: str | BindParameter, since: datetime | BindParameter, before: datetime | BindParameter,
             except_case: int | BindParameter | None = None) -> Select:
    query = select(func.count(Remedy.id)).join(Case, Case.id == Remedy.case_id).where(
        Case.buyer_id == buyer_id, Remedy.kind.in_(PAYING_KINDS), Remedy.amount_fen > 0,
        Remedy.status.in_(("executed", "pending_approval")),
        Remedy.created_at > since, Remedy.created_at <= before,
    )
    if except_case is not None:
        query = query.where(Remedy.case_id != except_case)
    return query


def refunds_in_90_days(session: Session, buyer_id: str, before: datetime, except_case: int | None = None) -> int:
    """The buyer's paid or pending remedies on other cases in the 90 days before `before`."""
    return session.execute(_refunds(buyer_id, before - timedelta(days=RISK_DAYS), before, except_case)).scalar_one()


def line_refunded_fen(session: Session, case: Case, *, own: bool = False) -> int:
    """What other cases of the same order (and this one, with `own`) gave back for the line's goods
    (executed, approved or waiting for approval), so that two problems of one order never refund
    more than was paid."""
    return int(session.execute(_line_refunded(case, own=own)).scalar_one())


def _line_refunded(case: Case, *, own: bool) -> Select:
    return _line_refunded_of(case.order_id, None if own else case.id)


def _line_refunded_of(order_id: str | BindParameter, except_case: int | BindParameter | None) -> Select:
    query = select(func.coalesce(func.sum(Remedy.amount_fen), 0)).join(Case, Case.id == Remedy.case_id).where(
        Case.order_id == order_id, Remedy.kind.in_(LINE_REFUND_KINDS),
        Remedy.status.in_(("executed", "approved", "pending_approval")))
    return query if except_case is None else query.where(Case.id != except_case)


def issue_from_words(book: RuleBook, label: str, texts: list[str]) -> str | None:
    """The issue the buyer's own words name (rules file: issues), the first one found."""
    for text in texts:
        for issue, named in book.issues.get(label, {}).items():
            if any(word in text for word in named.words):
                return issue
    return None


def line_total_fen(session: Session, order: Order, item: OrderItem) -> int:
    """What the buyer paid for the line: the order's total when it is the order's only line (the
    price per piece may have been rounded), else the unit price times the pieces."""
    lines = session.execute(_lines(order.id)).scalar_one()
    return _line_total(order, item, lines)


def _lines(order_id: str | BindParameter) -> Select:
    return select(func.count(OrderItem.id)).where(OrderItem.order_id == order_id)


def _line_total(order: Order, item: OrderItem, lines: int) -> int:
    return order.total_fen if lines == 1 else item.unit_price_fen * item.quantity


def stored_share(facts: dict) -> Fraction | None:
    """The affected share the buyer stated ("1/2"), kept in cases.facts."""
    raw = facts.get("affected_share")
    try:
        return Fraction(raw) if raw else None
    except (TypeError, ValueError, ZeroDivisionError):
        return None


# The order, its shop and its first item, when the buyer first reported, their refunds of the last
# 90 days, the order's number of lines and what other cases gave back for the line's goods: one
# statement, not five. Built once: a statement built per call costs more CPU than its round trip.
_FACTS = (
    select(Order, Shop, OrderItem, *(query.correlate(None).scalar_subquery() for query in (
        _first_report(bindparam("case_id")),
        _refunds(bindparam("buyer_id"), bindparam("since"), bindparam("before"), except_case=bindparam("case_id")),
        _lines(bindparam("order_id")),
        _line_refunded_of(bindparam("order_id"), except_case=bindparam("case_id")))))
    .join(Shop, Shop.id == Order.shop_id)
    .join(OrderItem, OrderItem.order_id == Order.id)
    .where(Order.id == bindparam("order_id")).order_by(OrderItem.id).limit(1)
)


def case_facts(session: Session, case: Case, book: RuleBook | None = None, now: datetime | None = None) -> CaseFacts:
    """What the rules need to know of a case: its order, goods, shop, buyer and what was told."""
    return _facts(session, case.id, case.buyer_id, case.order_id, case.category, case.created_at,
                  dict(case.facts or {}), case.affected_quantity, book, now)


def facts_for_order(session: Session, case: Case, order_id: str, label: str, book: RuleBook | None = None) -> CaseFacts:
    """The facts of a further problem the buyer of `case` tells now about another order of theirs,
    read as that order's new case would start (nothing is stored); `case`'s own remedies are left
    out of the buyer's record as they are for `case` itself."""
    from outreach.store.types import utcnow

    now = utcnow()
    facts = _facts(session, case.id, case.buyer_id, order_id, label, now, {}, None, book, now)
    # reported now, in words of its own: not when, nor in what words, `case` was first reported
    return dataclasses.replace(facts, reported_at=now, issue=None)


def _facts(session: Session, case_id: int, buyer_id: str, order_id: str, category: str, created_at: datetime,
           stored: dict, affected_quantity: int | None, book: RuleBook | None, now: datetime | None) -> CaseFacts:
    from outreach.rules.loader import rules
    from outreach.store.types import utcnow

    book = book or rules()
    before = now or utcnow()
    order, shop, item, first_report, refunds_90d, lines, refunded = session.execute(_FACTS, {
        "case_id": case_id, "buyer_id": buyer_id, "order_id": order_id,
        "since": before - timedelta(days=RISK_DAYS), "before": before}).one()
    if stored.get("issue") is None and book.issues.get(category):  # only labels with issues
        texts = list(session.execute(
            select(Feedback.text).where(Feedback.case_id == case_id).order_by(Feedback.created_at)
        ).scalars())
        stored["issue"] = issue_from_words(book, category, texts)
    if stored.get("current_unit_price_fen") is None:
        stored["current_unit_price_fen"] = item.current_unit_price_fen
    if stored.get("overcharge_fen") is None and order.charged_fen is not None:
        stored["overcharge_fen"] = max(order.charged_fen - order.total_fen, 0)
    return CaseFacts(
        label=category,
        order_total_fen=order.total_fen,
        unit_price_fen=item.unit_price_fen,
        quantity=item.quantity,
        unit=item.unit,
        paid_at=order.paid_at,
        promised_ship_hours=order.promised_ship_hours,
        reported_at=first_report or created_at,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        live_seafood=item.live_seafood,
        affected_quantity=affected_quantity,
        promises=tuple(item.promises or ()),
        trust_badge=bool(shop.trust_badge),
        item_kind=item.kind,
        refunds_90d=refunds_90d,
        affected_share=stored_share(stored),
        portion_text=stored.get("portion") if stored_share(stored) is not None else None,
        line_total_fen=_line_total(order, item, lines),
        line_refunded_fen=int(refunded),
        **{name: stored.get(name) for name in PLATFORM_FACTS},
    )
