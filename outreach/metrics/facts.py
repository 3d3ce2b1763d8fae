"""One row of facts per case in a report's range, read in a handful of bulk queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import false, func, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from outreach.display import lead_zone
from outreach.lifecycle.states import EventKind
from outreach.metrics.filters import Filters
from outreach.store.models import Case, CaseEvent, Contact, Merchant, OptOut, Order, Remedy, Satisfaction, Shop

REACHED = ("accepted", "reached")  # an in-app conversation the bot started, or a call answered
REPURCHASE_DAYS = (30, 90)


@dataclass
class CaseFacts:
    case_id: int
    created_at: datetime
    label: str
    merchant_id: str
    merchant_name: str
    channel: str  # inapp, call, none
    badge: str  # trust, other
    buyer_id: str
    first_contact_at: datetime | None = None
    resolved_at: datetime | None = None
    reached_contacts: int = 0
    handed_over: bool = False
    opted_out: bool = False
    rating: int | None = None
    recommend: int | None = None
    paid_by_rule: dict[str, int] = field(default_factory=dict)
    # days -> whether the buyer ordered again within that many days; None while the window is open
    repurchase: dict[int, bool | None] = field(default_factory=dict)

    @property
    def day(self) -> date:
        return self.created_at.astimezone(lead_zone()).date()

    @property
    def reached(self) -> bool:
        return self.reached_contacts > 0


def _cases(filters: Filters) -> Select:
    return filtered(select(Case.id, Case.created_at, Case.category, Shop.merchant_id, Merchant.name, Case.channel,
                           Shop.trust_badge, Case.buyer_id, Case.first_contact_at, Case.resolved_at), filters)


def filtered(query: Select, filters: Filters) -> Select:
    """Restrict a query over cases (joined to their order, shop and merchant here) to the filters."""
    query = (
        query.join(Order, Order.id == Case.order_id)
        .join(Shop, Shop.id == Order.shop_id)
        .join(Merchant, Merchant.id == Shop.merchant_id)
        .where(Case.created_at >= filters.start_utc, Case.created_at < filters.end_utc)
    )
    if filters.label:
        query = query.where(Case.category == filters.label)
    if filters.merchant:
        query = query.where(Shop.merchant_id == filters.merchant)
    if filters.channel:
        query = query.where(Case.channel.is_(None) if filters.channel == "none" else Case.channel == filters.channel)
    if filters.badge:
        query = query.where(Shop.trust_badge.is_(true() if filters.badge == "trust" else false()))
    if filters.rule:
        paid = select(Remedy.case_id).where(Remedy.rule_id == filters.rule, Remedy.status == "executed")
        query = query.where(Case.id.in_(paid))
    return query


def load_facts(session: Session, filters: Filters, as_of: datetime) -> list[CaseFacts]:
    rows = session.execute(_cases(filters).order_by(Case.id)).all()
    facts = {
        r[0]: CaseFacts(case_id=r[0], created_at=r[1], label=r[2], merchant_id=r[3], merchant_name=r[4],
                        channel=r[5] or "none", badge="trust" if r[6] else "other", buyer_id=r[7],
                        first_contact_at=r[8], resolved_at=r[9])
        for r in rows
    }
    if not facts:
        return []
    ids = _cases(filters).with_only_columns(Case.id).scalar_subquery()
    for case_id, n in session.execute(
        select(Contact.case_id, func.count()).where(Contact.case_id.in_(ids), Contact.status.in_(REACHED))
        .group_by(Contact.case_id)
    ):
        facts[case_id].reached_contacts = n
    for (case_id,) in session.execute(
        select(CaseEvent.case_id).where(CaseEvent.case_id.in_(ids), CaseEvent.kind == EventKind.HANDED_OVER.value)
        .distinct()
    ):
        facts[case_id].handed_over = True
    for case_id, rating, recommend in session.execute(
        select(Satisfaction.case_id, Satisfaction.rating, Satisfaction.recommend).where(Satisfaction.case_id.in_(ids))
    ):
        facts[case_id].rating, facts[case_id].recommend = rating, recommend
    for case_id, rule, fen in session.execute(
        select(Remedy.case_id, Remedy.rule_id, func.sum(Remedy.amount_fen))
        .where(Remedy.case_id.in_(ids), Remedy.status == "executed").group_by(Remedy.case_id, Remedy.rule_id)
    ):
        facts[case_id].paid_by_rule[rule] = int(fen)
    _opt_outs(session, ids, facts)
    _repurchases(session, ids, facts, as_of)
    return list(facts.values())


def _opt_outs(session: Session, ids: object, facts: dict[int, CaseFacts]) -> None:
    """A reached case counts as opted out when its buyer opted out at or after the first contact."""
    by_buyer: dict[str, list[datetime]] = defaultdict(list)
    buyers = select(Case.buyer_id).where(Case.id.in_(ids))
    for buyer_id, at in session.execute(select(OptOut.buyer_id, OptOut.created_at).where(OptOut.buyer_id.in_(buyers))):
        by_buyer[buyer_id].append(at)
    for case in facts.values():
        if case.first_contact_at is not None:
            case.opted_out = any(at >= case.first_contact_at for at in by_buyer.get(case.buyer_id, ()))


def _repurchases(session: Session, ids: object, facts: dict[int, CaseFacts], as_of: datetime) -> None:
    """Whether the buyer paid for another order within N days after the case was flagged."""
    paid: dict[str, list[datetime]] = defaultdict(list)
    buyers = select(Case.buyer_id).where(Case.id.in_(ids))
    for buyer_id, at in session.execute(select(Order.buyer_id, Order.paid_at).where(Order.buyer_id.in_(buyers))):
        paid[buyer_id].append(at)
    for case in facts.values():
        for days in REPURCHASE_DAYS:
            end = case.created_at + timedelta(days=days)
            if end > as_of:
                case.repurchase[days] = None
            else:
                case.repurchase[days] = any(case.created_at < at <= end for at in paid.get(case.buyer_id, ()))
