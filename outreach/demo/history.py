"""Settled cases from the weeks before the demo, so a lead's dashboard has figures to read.

Past orders for the seeded shops, their cases, contacts, remedies and the buyers' ratings
and recommendation scores, within the 30 days the dashboard shows by default and settled
before the 48-hour survey rule could hold back a demo buyer's rating. One shop (湖畔渔家海鲜铺)
has far more hurt orders than its peers, so the outliers page has something to show.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.diagnosis.taxonomy import NO_PROBLEM, taxonomy
from outreach.lifecycle.states import CaseStatus, EventKind
from outreach.rules.loader import rules
from outreach.store.db import session_scope
from outreach.store.models import Buyer, Case, CaseEvent, Contact, Order, OrderItem, Remedy, Satisfaction, Shop

BAD_SHOP_NAME = "湖畔渔家海鲜铺"
COMMENTS = ["处理很快，点赞", "客服很耐心", "退款到账了，谢谢", "希望商家以后包装好一点", "等了挺久才有人联系",
            "<b>还行</b>，下次注意"]


def _rating(rng: random.Random, trust: bool, handed_over: bool) -> int:
    weights = [2, 3, 8, 30, 57] if trust else [5, 6, 12, 32, 45]
    if handed_over:
        weights = [10, 10, 20, 30, 30]
    return rng.choices([1, 2, 3, 4, 5], weights=weights)[0]


def _recommend(rng: random.Random, rating: int) -> int:
    return max(0, min(10, rating * 2 + rng.choice([-2, -1, 0, 0, 1])))


def seed_history(now: datetime, seed_value: int = 2026, orders_per_shop: int = 26) -> dict[str, int]:
    rng = random.Random(seed_value + 7)
    labels = [label for label in taxonomy().ids if label != NO_PROBLEM]
    remedies = rules().remedies
    made = {"past_orders": 0, "past_cases": 0, "ratings": 0}
    with session_scope() as session:
        shops = session.execute(select(Shop).order_by(Shop.id)).scalars().all()
        buyers = session.execute(select(Buyer.id).order_by(Buyer.id)).scalars().all()
        if not shops or not buyers:
            return made
        for shop in shops:
            template = session.execute(
                select(OrderItem).join(Order, Order.id == OrderItem.order_id).where(Order.shop_id == shop.id).limit(1)
            ).scalar_one_or_none()
            if template is None:
                continue
            hurt_share = 0.5 if shop.name == BAD_SHOP_NAME else 0.12
            for n in range(orders_per_shop):
                paid = now - timedelta(days=rng.uniform(6, 28))
                order_id = f"H{shop.id}{n:03d}"
                buyer_id = rng.choice(buyers)
                session.add(Order(id=order_id, buyer_id=buyer_id, shop_id=shop.id, total_fen=template.unit_price_fen,
                                  paid_at=paid, promised_ship_hours=48, shipped_at=paid + timedelta(hours=20),
                                  delivered_at=paid + timedelta(days=2), created_at=paid))
                session.add(OrderItem(order_id=order_id, title=template.title, kind=template.kind,
                                      unit_price_fen=template.unit_price_fen, quantity=1, unit=template.unit,
                                      promises=template.promises, live_seafood=template.live_seafood))
                made["past_orders"] += 1
                if rng.random() < hurt_share:
                    session.flush()
                    made["ratings"] += _past_case(session, rng, order_id, buyer_id, paid, shop.trust_badge,
                                                  rng.choice(labels), remedies)
                    made["past_cases"] += 1
    return made


def _past_case(session: Session, rng: random.Random, order_id: str, buyer_id: str, paid: datetime, trust: bool,
               label: str, remedies: dict) -> int:
    created = paid + timedelta(days=2, hours=rng.uniform(1, 30))
    channel = "call" if rng.random() < 0.2 else "inapp"
    reached = rng.random() < 0.9
    case = Case(buyer_id=buyer_id, order_id=order_id, open_key=None, suspected_category=label, category=label,
                severity=3, status=CaseStatus.CLOSED.value, created_at=created, due_at=created, channel=channel,
                closed_reason="rated")
    session.add(case)
    session.flush()
    if not reached:
        session.add(Contact(case_id=case.id, buyer_id=buyer_id, channel=channel, status="failed",
                            created_at=created))
        case.closed_reason, case.closed_at = "no_answer", created + timedelta(days=2)
        return 0
    first = created + timedelta(minutes=rng.uniform(3, 180))
    case.first_contact_at = first
    session.add(Contact(case_id=case.id, buyer_id=buyer_id, channel=channel,
                        status="accepted" if channel == "inapp" else "reached", created_at=first))
    handed = rng.random() < 0.15
    if handed:
        case.handover_reason = "buyer asked for a person"
        session.add(CaseEvent(case_id=case.id, kind=EventKind.HANDED_OVER.value,
                              detail={"reason": case.handover_reason}, created_at=first + timedelta(minutes=5)))
    resolved_at = first + timedelta(minutes=rng.uniform(5, 600))
    case.resolved_at, case.closed_at = resolved_at, resolved_at
    rule = (remedies.get(label) or [None])[0]
    if rule is not None:
        amount = rng.choice([500, 1000, 1990, 3980, 6980])
        session.add(Remedy(case_id=case.id, idempotency_key=f"history:{case.id}", rule_id=rule.id,
                           kind=str(rule.kind), amount_fen=amount, status="executed",
                           reason=f"demo history under rule {rule.id}", created_at=resolved_at))
    if rng.random() > 0.8:
        case.closed_reason = "resolved_no_survey"
        return 0
    rating = _rating(rng, trust, handed)
    comment = rng.choice(COMMENTS) if rng.random() < 0.3 else None
    recommend = _recommend(rng, rating) if rng.random() < 0.7 else None
    session.add(Satisfaction(case_id=case.id, buyer_id=buyer_id, rating=rating, comment=comment,
                             created_at=resolved_at + timedelta(minutes=2), recommend=recommend,
                             recommended_at=resolved_at + timedelta(minutes=3) if recommend is not None else None))
    return 1
