"""Buyers for the chat benchmark, seeded the way real data arrives: import, then triage.

Each buyer has one order of live seafood (one unit, a refund promise, a shop with the
trust badge) and a complaint that it arrived dead; triage opens the case, and the rules
offer a full refund under the automatic approval cap. The store is read back afterwards
for the correctness check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from bench.chat_checks import CaseOutcome
from outreach.cases.triage import triage
from outreach.importing.jsonl import store_feedback, store_orders
from outreach.importing.schema import FeedbackIn, OrderIn
from outreach.rules.engine import yuan
from outreach.store.db import session_scope
from outreach.store.models import Case, Payment, Remedy, Satisfaction
from outreach.store.types import utcnow

PRODUCTS = [("鲜活基围虾 活虾打氧发货 1斤装", 6980), ("鲜活小龙虾 麻辣去腥 2斤装", 5980),
            ("舟山鲜活梭子蟹 1斤装", 8980), ("鲜活花甲 1斤装", 3990)]
COMPLAINTS = ["虾到的时候全死了，还有一股臭味，太失望了", "收到的海鲜都死了，发臭了不敢吃",
              "打开箱子全是死的，还臭了", "到货就死了一大半，都有味道了"]
# What the buyer tells the bot when it asks: problem descriptions, not a bare yes.
DIAGNOSES = ["虾都死了，还发臭", "收到的时候已经全死了，有臭味", "海鲜全都坏了，一股腥臭味", "打开全是死的，都臭了"]
RATINGS = [5, 4, 5, 3]
FUTURE = timedelta(days=30)  # the scheduler must not start these conversations: the benchmark does, timed


@dataclass(frozen=True)
class SeededBuyer:
    buyer_id: str
    case_id: int
    order_title: str
    amount_fen: int
    diagnosis: str
    rating: int

    @property
    def amount_text(self) -> str:
        return yuan(self.amount_fen)


def _buyer(buyer_id: str, case_id: int, n: int) -> SeededBuyer:
    """The n-th buyer's product, what they say about it and the rating they give."""
    title, price = PRODUCTS[n % len(PRODUCTS)]
    return SeededBuyer(buyer_id, case_id, title, price, DIAGNOSES[n % len(DIAGNOSES)], RATINGS[n % len(RATINGS)])


def _order(buyer_id: str, n: int, now: datetime) -> OrderIn:
    title, price = PRODUCTS[n % len(PRODUCTS)]
    return OrderIn.parse_obj({
        "order_id": f"{buyer_id}-O",
        "buyer": {"id": buyer_id, "name": "王女士", "phone": "13900000000", "time_zone": "Asia/Shanghai",
                  "age_band": "30-44", "last_app_active_at": (now - timedelta(hours=1)).isoformat()},
        "shop": {"id": "S-BENCH", "name": "湖畔渔家海鲜铺", "trust_badge": True, "merchant_id": "M-BENCH",
                 "merchant_name": "湖畔渔家"},
        "items": [{"title": title, "kind": "seafood", "unit_price_fen": price, "quantity": 1, "unit": "斤",
                   "promises": ["fresh_rot_refund"], "live_seafood": True}],
        "total_fen": price,
        "paid_at": (now - timedelta(days=3)).isoformat(),
        "promised_ship_hours": 24,
        "shipped_at": (now - timedelta(days=2, hours=12)).isoformat(),
        "delivered_at": (now - timedelta(hours=6)).isoformat(),
    })


def seed_buyers(prefix: str, count: int, now: datetime | None = None) -> list[SeededBuyer]:
    """`count` hurt buyers with an open case each, through the project's import and triage."""
    now = now or utcnow()
    ids = [f"{prefix}{n:05d}" for n in range(count)]
    orders = [_order(buyer_id, n, now) for n, buyer_id in enumerate(ids)]
    feedback = [FeedbackIn.parse_obj({
        "feedback_id": f"{buyer_id}-F", "buyer_id": buyer_id, "order_id": f"{buyer_id}-O", "source": "review",
        "text": COMPLAINTS[n % len(COMPLAINTS)], "created_at": (now - timedelta(hours=5)).isoformat(),
    }) for n, buyer_id in enumerate(ids)]
    for result in (store_orders(orders), store_feedback(feedback)):
        if not result.ok:
            raise RuntimeError("seeding the benchmark's buyers failed: " + "; ".join(result.errors[:5]))
    triage()
    with session_scope() as session:
        cases = dict(session.execute(
            select(Case.buyer_id, Case.id).where(Case.buyer_id.in_(ids), Case.category == "spoiled")
        ).all())
        session.execute(update(Case).where(Case.id.in_(list(cases.values()))).values(due_at=now + FUTURE))
    missing = [buyer_id for buyer_id in ids if buyer_id not in cases]
    if missing:
        raise RuntimeError(f"triage opened no spoiled-goods case for {len(missing)} of {count} buyers "
                           f"(first: {missing[0]}): the benchmark's complaints are no longer understood")
    return [_buyer(buyer_id, cases[buyer_id], n) for n, buyer_id in enumerate(ids)]


def case_outcomes(case_ids: list[int]) -> dict[int, CaseOutcome]:
    """What the store holds for these cases: status, remedies carried out, payouts, rating."""
    with session_scope() as session:
        statuses = dict(session.execute(select(Case.id, Case.status).where(Case.id.in_(case_ids))).all())
        remedies = dict(session.execute(
            select(Remedy.case_id, func.count(Remedy.id))
            .where(Remedy.case_id.in_(case_ids), Remedy.status == "executed").group_by(Remedy.case_id)
        ).all())
        payments = {row.case_id: (row.count, row.paid) for row in session.execute(
            select(Payment.case_id, func.count(Payment.id).label("count"), func.sum(Payment.amount_fen).label("paid"))
            .where(Payment.case_id.in_(case_ids)).group_by(Payment.case_id)
        )}
        ratings = dict(session.execute(
            select(Satisfaction.case_id, Satisfaction.rating).where(Satisfaction.case_id.in_(case_ids))
        ).all())
    return {
        case_id: CaseOutcome(case_id, status, remedies.get(case_id, 0), payments.get(case_id, (0, 0))[0],
                             int(payments.get(case_id, (0, 0))[1] or 0), ratings.get(case_id))
        for case_id, status in statuses.items()
    }


def plain_buyers(prefix: str, count: int) -> list[SeededBuyer]:
    """The same buyers for the plain bot, which keeps no store: the case id is just a number."""
    return [_buyer(f"{prefix}{n:05d}", n, n) for n in range(count)]
