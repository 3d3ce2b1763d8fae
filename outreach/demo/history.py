"""Settled cases from the weeks before the demo, so a lead's dashboard has figures to read.

Past orders of the seeded shops' own products, times in order (paid, shipped, delivered,
reported), feedback that fits the item bought. Each case is then run through the product at the
times it happened: the scheduler's planner chooses chat or call, the chat is talked through by the
conversation logic (outreach.demo.chats) and a call is recorded by the agent as the call desk
records it (outreach.scheduling.call_outcomes), so every payout is what the rules gave.
Only problems are cases: praise is not. Within the 30 days the dashboard shows by default and
settled before the 48-hour survey rule could hold back a demo buyer's rating. One shop
(湖畔渔家海鲜铺) has far more hurt orders than its peers, so the outliers page has something to show.
tests/demo/test_demo_consistency.py checks all of this on the seeded database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.demo.chats import AGENT, LEAD, BuyerPlan, Chat, decide_buyer, play, survey
from outreach.diagnosis.severity import severity_of
from outreach.diagnosis.taxonomy import NO_PROBLEM, taxonomy
from outreach.lifecycle import events, machine
from outreach.lifecycle.rating import may_ask, record_rating
from outreach.lifecycle.states import PERSON_HOLDS, CaseStatus, EventKind
from outreach.rules.engine import quote
from outreach.rules.facts import case_facts, issue_from_words
from outreach.rules.loader import rules
from outreach.rules.schema import RuleBook
from outreach.scheduling.call_outcomes import finish_call
from outreach.scheduling.calls import book_call
from outreach.scheduling.capacity import CapacityBook
from outreach.scheduling.planner import CaseView, decide
from outreach.scheduling.policy import policy as scheduling_policy
from outreach.store.db import session_scope
from outreach.store.models import (
    Approval,
    Buyer,
    CallTask,
    Case,
    Contact,
    Feedback,
    Merchant,
    Order,
    OrderItem,
    Satisfaction,
    Shop,
)
from outreach.store.types import clock_at
from outreach.workspace import desk

BAD_SHOP_NAME = "湖畔渔家海鲜铺"


@dataclass(frozen=True)
class PastCase:
    """A case opened in the past, waiting to be played through the product."""

    case_id: int
    buyer_id: str
    channel: str  # inapp | call
    contact_at: datetime  # when the scheduler's chat or call went out
    quantity: int
    unit: str
    trust: bool


def seed_history(now: datetime, seed_value: int = 2026, orders_per_shop: int = 26) -> dict[str, int]:
    from outreach.demo.seed import fitting_pairs, load_seed_file

    rng = random.Random(seed_value + 7)
    hurt_draws = random.Random(seed_value + 11)  # its own stream: which orders go wrong stays put as the rest changes
    catalog, texts, book = load_seed_file("catalog.yml"), load_seed_file("feedback_texts.yml"), rules()
    made = {"past_orders": 0, "past_cases": 0, "ratings": 0}
    opened: list[PastCase] = []
    with session_scope() as session:
        shops = session.execute(select(Shop, Merchant.kind).join(Merchant, Merchant.id == Shop.merchant_id)
                                .order_by(Shop.id)).all()
        buyers = session.execute(select(Buyer.id).order_by(Buyer.id)).scalars().all()
        if not shops or not buyers:
            return made
        for shop, kind in shops:
            if kind not in catalog:
                continue
            hurt_share = 0.65 if shop.name == BAD_SHOP_NAME else 0.12
            for n in range(orders_per_shop):
                label = rng.choice(_hurt_labels(catalog, texts, kind)) if hurt_draws.random() < hurt_share else None
                pairs = fitting_pairs(catalog, texts, label, kind) if label else [(p, "") for p in catalog[kind]]
                product, text = rng.choice(pairs)
                order = _past_order(session, rng, now, shop, kind, product, f"H{shop.id}{n:03d}", rng.choice(buyers),
                                    late=label == "late_delivery")
                made["past_orders"] += 1
                if label:
                    session.flush()
                    opened.append(_open_case(session, rng, book, order, product, shop.trust_badge, kind, label, text))
                    made["past_cases"] += 1
    # In the order they happened: what one case paid counts in the next one's refund history.
    for past in sorted(opened, key=lambda p: p.contact_at):
        made["ratings"] += _play(rng, past)
    return made


def _hurt_labels(catalog: dict[str, Any], texts: dict[str, Any], kind: str) -> list[str]:
    from outreach.demo.seed import fitting_pairs

    return [label for label in taxonomy().ids if label != NO_PROBLEM and fitting_pairs(catalog, texts, label, kind)]


def _past_order(session: Session, rng: random.Random, now: datetime, shop: Shop, kind: str, product: dict[str, Any],
                order_id: str, buyer_id: str, late: bool) -> Order:
    paid = now - timedelta(days=rng.uniform(6, 28))
    ship_hours = product["ship_hours"]
    shipped = paid + timedelta(hours=ship_hours + rng.uniform(6, 48) if late else rng.uniform(2, ship_hours - 1))
    quantity = 1 if product["price_fen"] > 20000 else rng.choice([1, 1, 2, 3])
    order = Order(id=order_id, buyer_id=buyer_id, shop_id=shop.id, total_fen=product["price_fen"] * quantity,
                  paid_at=paid, promised_ship_hours=ship_hours, shipped_at=shipped,
                  delivered_at=shipped + timedelta(hours=rng.uniform(18, 60)), created_at=paid)
    session.add(order)
    session.add(OrderItem(order_id=order_id, title=product["title"], kind=kind, unit_price_fen=product["price_fen"],
                          quantity=quantity, unit=product["unit"], promises=product.get("promises", []),
                          live_seafood=bool(product.get("live_seafood"))))
    return order


def _platform_facts(rng: random.Random, book: RuleBook, order: Order, product: dict[str, Any], label: str,
                    text: str) -> dict[str, Any]:
    """What the platform knows about the case beyond the order (the facts only it can supply)."""
    issue = issue_from_words(book, label, [text])
    if issue is None and book.issues.get(label):
        issue = next(iter(book.issues[label]))
    return {"issue": issue, "current_unit_price_fen": product["price_fen"] * 8 // 10,
            "overcharge_fen": order.total_fen, "shortfall_percent": rng.choice([10, 15, 20]),
            "appraisal_fee_fen": 0}


def _open_case(session: Session, rng: random.Random, book: RuleBook, order: Order, product: dict[str, Any],
               trust: bool, kind: str, label: str, text: str) -> PastCase:
    """The feedback, the case it opened and the scheduler's decision on it."""
    if label == "late_delivery":  # tracking stuck: reported after the promise passed, before delivery
        created = order.paid_at + timedelta(hours=order.promised_ship_hours + rng.uniform(1, 5))
    else:  # reported within the evidence window after receipt
        created = order.delivered_at + timedelta(hours=rng.uniform(0.5, 20))
    buyer = session.get(Buyer, order.buyer_id)
    severity = severity_of(label, text, age_band=buyer.age_band, order_total_fen=order.total_fen).level
    case = Case(buyer_id=order.buyer_id, order_id=order.id, open_key=None, suspected_category=label, category=label,
                severity=severity, status=CaseStatus.NEW.value, created_at=created, due_at=created,
                facts=_platform_facts(rng, book, order, product, label, text))
    session.add(case)
    session.flush()
    session.add(Feedback(external_id=f"HF{case.id}", buyer_id=order.buyer_id, order_id=order.id,
                         source=rng.choice(["review", "comment", "message", "chat"]), text=text, created_at=created,
                         diagnosed_at=created, category=label, confidence=900, severity=case.severity,
                         case_id=case.id, decision="contact", language="zh"))
    with clock_at(created):
        channel, contact_at = _plan(session, rng, case, buyer, order, created)
        session.flush()  # the rows' default times are taken when they are written
    return PastCase(case.id, order.buyer_id, channel, contact_at, order.total_fen // product["price_fen"],
                    product["unit"], trust)


def _play(rng: random.Random, past: PastCase) -> int:
    """The case through the product, from the first contact; returns 1 when the buyer rated it."""
    first = past.contact_at + timedelta(minutes=rng.uniform(1, 30))
    if rng.random() >= 0.9:  # never reached: the contact failed and the case closed unanswered
        with clock_at(first), session_scope() as session:
            case = session.get(Case, past.case_id)
            session.add(Contact(case_id=case.id, buyer_id=case.buyer_id, channel=past.channel, status="failed",
                                created_at=first))
        with clock_at(first + timedelta(days=2)), session_scope() as session:
            machine.close(session, session.get(Case, past.case_id), "no_answer")
        return 0
    buyer = decide_buyer(rng, past.quantity, past.trust)
    if past.channel == "call":
        _call(rng, past, first, buyer)
    else:
        play(rng, past.case_id, past.buyer_id, first, buyer)
    with session_scope() as session:
        return int(session.execute(select(Satisfaction.id).where(Satisfaction.case_id == past.case_id)).first()
                   is not None)


def _plan(session: Session, rng: random.Random, case: Case, buyer: Buyer, order: Order, created: datetime
          ) -> tuple[str, datetime]:
    """The scheduler's own decision for the new case (outreach.scheduling.planner.decide): chat or
    call, and when (a call is booked into the buyer's call window), with its reason in the trail."""
    active = created - timedelta(hours=rng.uniform(1, 96)) if rng.random() < 0.8 else None
    view = CaseView(case_id=case.id, buyer_id=buyer.id, status=CaseStatus.NEW.value, severity=case.severity,
                    due_at=created, order_total_fen=order.total_fen, time_zone=buyer.time_zone, phone=buyer.phone,
                    age_band=buyer.age_band, last_app_active_at=active)
    policy = scheduling_policy()
    decision = decide(view, created, policy)
    channel = "call" if decision.action == "call" else "inapp"
    case.channel = channel
    events.record(session, case.id, EventKind.CHANNEL_CHOSEN, channel=channel, reason=decision.reason)
    if channel == "call":
        task = book_call(session, case, view, decision, created, CapacityBook.load(session, policy, created))
        return channel, max(task.due_at, created)
    return channel, max(decision.at or created, created)


def _call(rng: random.Random, past: PastCase, first: datetime, buyer: BuyerPlan) -> None:
    """The booked call, answered: the agent claims it, talks to the buyer and records the outcome at
    the call desk: the first remedy the rules allow (a lead approves it above the automatic
    authority), the affected quantity the buyer told, and the buyer's rating when they gave one."""
    policy = scheduling_policy()
    quiet_hours = policy.limits.satisfaction.quiet_hours
    ended = first + timedelta(minutes=rng.uniform(3, 12))
    with clock_at(first), session_scope() as session:
        task = session.execute(select(CallTask).where(CallTask.case_id == past.case_id)).scalar_one()
        task.status, task.agent, task.claimed_at = "claimed", AGENT.username, first
        events.record(session, past.case_id, EventKind.CALL_CLAIMED, task=task.id, agent=AGENT.username)
    with clock_at(ended), session_scope() as session:
        case = session.get(Case, past.case_id)
        case.affected_quantity = buyer.affected
        offers = quote(case_facts(session, case), rules()).offers
        offer = offers[0] if offers else None
        agreed = f"按规则办理：{rules().title_of(offer.rule_id)}" if offer is not None else "需进一步核实，由客服跟进"
        notes = f"电话接通，买家确认问题属实，受影响{buyer.affected}{past.unit}。{agreed}。" + (
            "买家表示认可。" if buyer.ended_satisfied else "买家仍不满意。")
        finish_call(session, task.id, "reached", notes, AGENT.username, ended, policy,
                    remedy_rule=offer.rule_id if offer is not None else None)
        if buyer.rating is not None and may_ask(session, case, ended, quiet_hours):  # asked on the phone
            record_rating(session, case, buyer.rating, ended)
        approval = session.execute(select(Approval.id).where(Approval.case_id == case.id,
                                                             Approval.status == "pending")).scalar_one_or_none()
        needs_person = CaseStatus(case.status) in PERSON_HOLDS
    if approval is not None:  # approved later: the buyer hears in the app, and answers the rating there
        approved = ended + timedelta(minutes=rng.uniform(10, 90))
        with clock_at(approved), session_scope() as session:
            desk.decide(session, approval, LEAD, True, "符合平台规则，同意赔付", quiet_hours)
        survey(Chat(rng, past.case_id, past.buyer_id, approved), buyer)
    elif needs_person:  # no remedy agreed, or a low rating: the agent follows up and closes the case
        at = ended + timedelta(minutes=rng.uniform(5, 60))
        with clock_at(at), session_scope() as session:
            case = session.get(Case, past.case_id)
            if CaseStatus(case.status) is CaseStatus.HANDED_OVER:
                desk.claim(session, case.id, AGENT, at)
            desk.close(session, case.id, AGENT, "resolved", at)
