"""Settled cases from the weeks before the demo, so a lead's dashboard has figures to read.

Past orders of the seeded shops' own products, times in order (paid, shipped, delivered,
reported), feedback that fits the item bought, and payouts the product's offer engine gives
under the rules file for that case (outreach.rules.engine.quote), never a made-up amount.
Only problems are cases: praise is not. Within the 30 days the dashboard shows by default and
settled before the 48-hour survey rule could hold back a demo buyer's rating. One shop
(湖畔渔家海鲜铺) has far more hurt orders than its peers, so the outliers page has something to show.
tests/demo/test_demo_consistency.py checks all of this on the seeded database.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.diagnosis.severity import severity_of
from outreach.diagnosis.taxonomy import NO_PROBLEM, taxonomy
from outreach.lifecycle.states import CaseStatus, EventKind
from outreach.rules.engine import CaseFacts, Offer, quote, yuan
from outreach.rules.facts import PLATFORM_FACTS, issue_from_words
from outreach.rules.loader import rules
from outreach.rules.schema import RuleBook
from outreach.scheduling.planner import CaseView, Decision, decide
from outreach.scheduling.policy import policy as scheduling_policy
from outreach.store.db import session_scope
from outreach.store.models import (
    Buyer,
    CallTask,
    Case,
    CaseEvent,
    Contact,
    Feedback,
    InboxMessage,
    Merchant,
    Order,
    OrderItem,
    Remedy,
    Satisfaction,
    Shop,
)

BAD_SHOP_NAME = "湖畔渔家海鲜铺"
# How a buyer ends the chat, by whether they ended satisfied (our own example texts).
ENDINGS = {True: ["好的，谢谢，处理得挺快的", "行，这样可以，谢谢", "好的没问题了", "谢谢客服，辛苦了",
                  "退款收到了，挺好"],
           False: ["还是很生气，东西根本没法用", "这么处理我不满意，太敷衍了", "等了这么久才给这点，太差劲了",
                   "赔这么少，我要投诉", "算了，以后不会再买了"]}
COMMENTS = ["处理很快，点赞", "客服很耐心", "退款到账了，谢谢", "希望商家以后包装好一点", "等了挺久才有人联系",
            "还行，下次注意"]


def _rating(rng: random.Random, trust: bool, handed_over: bool) -> int:
    weights = [2, 3, 8, 30, 57] if trust else [5, 6, 12, 32, 45]
    if handed_over:
        weights = [10, 10, 20, 30, 30]
    return rng.choices([1, 2, 3, 4, 5], weights=weights)[0]


def _recommend(rng: random.Random, rating: int) -> int:
    return max(0, min(10, rating * 2 + rng.choice([-2, -1, 0, 0, 1])))


def seed_history(now: datetime, seed_value: int = 2026, orders_per_shop: int = 26) -> dict[str, int]:
    from outreach.demo.seed import fitting_pairs, load_seed_file

    rng = random.Random(seed_value + 7)
    hurt_draws = random.Random(seed_value + 11)  # its own stream: which orders go wrong stays put as the rest changes
    catalog, texts, book = load_seed_file("catalog.yml"), load_seed_file("feedback_texts.yml"), rules()
    made = {"past_orders": 0, "past_cases": 0, "ratings": 0}
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
                    made["ratings"] += _past_case(session, rng, book, order, product, shop.trust_badge, kind, label,
                                                  text)
                    made["past_cases"] += 1
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


def _facts(rng: random.Random, book: RuleBook, order: Order, product: dict[str, Any], trust: bool, kind: str,
           label: str, text: str, reported: datetime) -> CaseFacts:
    """What the platform knows about the case, as the bot would have gathered it."""
    quantity = order.total_fen // product["price_fen"]
    issue = issue_from_words(book, label, [text])
    if issue is None and book.issues.get(label):
        issue = next(iter(book.issues[label]))
    return CaseFacts(
        label=label, order_total_fen=order.total_fen, unit_price_fen=product["price_fen"], quantity=quantity,
        unit=product["unit"], paid_at=order.paid_at, promised_ship_hours=order.promised_ship_hours,
        reported_at=reported, shipped_at=order.shipped_at, delivered_at=order.delivered_at,
        live_seafood=bool(product.get("live_seafood")), affected_quantity=rng.randint(1, quantity),
        promises=tuple(product.get("promises", [])), trust_badge=trust, item_kind=kind, issue=issue,
        current_unit_price_fen=product["price_fen"] * 8 // 10, overcharge_fen=order.total_fen,
        shortfall_percent=rng.choice([10, 15, 20]), appraisal_fee_fen=0,
    )


def _past_case(session: Session, rng: random.Random, book: RuleBook, order: Order, product: dict[str, Any],
               trust: bool, kind: str, label: str, text: str) -> int:
    if label == "late_delivery":  # tracking stuck: reported after the promise passed, before delivery
        created = order.paid_at + timedelta(hours=order.promised_ship_hours + rng.uniform(1, 5))
    else:  # reported within the evidence window after receipt
        created = order.delivered_at + timedelta(hours=rng.uniform(0.5, 20))
    facts = _facts(rng, book, order, product, trust, kind, label, text, created)
    result = quote(facts, book)
    buyer = session.get(Buyer, order.buyer_id)
    severity = severity_of(label, text, age_band=buyer.age_band, order_total_fen=order.total_fen).level
    case = Case(buyer_id=order.buyer_id, order_id=order.id, open_key=None, suspected_category=label, category=label,
                severity=severity, status=CaseStatus.CLOSED.value, created_at=created, due_at=created,
                closed_reason="rated", affected_quantity=facts.affected_quantity,
                facts={name: getattr(facts, name) for name in PLATFORM_FACTS})
    session.add(case)
    session.flush()
    channel, contact_at, decision = _plan(session, rng, case, buyer, order, created)
    session.add(Feedback(external_id=f"HF{case.id}", buyer_id=order.buyer_id, order_id=order.id,
                         source=rng.choice(["review", "comment", "message", "chat"]), text=text, created_at=created,
                         diagnosed_at=created, category=label, confidence=900, severity=case.severity,
                         case_id=case.id, decision="contact", language="zh"))
    if rng.random() >= 0.9:  # never reached
        session.add(Contact(case_id=case.id, buyer_id=order.buyer_id, channel=channel, status="failed",
                            created_at=created + timedelta(minutes=2)))
        case.closed_reason, case.closed_at = "no_answer", created + timedelta(days=2)
        return 0
    first = contact_at + timedelta(minutes=rng.uniform(1, 30))
    case.first_contact_at = first
    contact = Contact(case_id=case.id, buyer_id=order.buyer_id, channel=channel,
                      status="accepted" if channel == "inapp" else "reached", created_at=first)
    session.add(contact)
    offer = result.offers[0] if result.offers else None
    handover = result.handover_reason or (f"remedy of {yuan(offer.amount_fen)} yuan needs approval"
                                          if offer is not None and offer.needs_approval else None)
    if handover is None and rng.random() < 0.1:
        handover = "buyer asked for a person"
    if handover:
        case.handover_reason = handover
        session.add(CaseEvent(case_id=case.id, kind=EventKind.HANDED_OVER.value, detail={"reason": handover},
                              created_at=first + timedelta(minutes=5)))
        # the demo's agent (outreach.demo.staff) claims it, replies and settles it
        claimed = first + timedelta(minutes=rng.uniform(6, 40))
        session.add(CaseEvent(case_id=case.id, kind=EventKind.CLAIMED.value, detail={"staff": "agent"},
                              created_at=claimed))
        session.add(CaseEvent(case_id=case.id, kind=EventKind.AGENT_REPLIED.value, detail={"staff": "agent"},
                              created_at=claimed + timedelta(minutes=rng.uniform(1, 8))))
        case.agent, case.settled_by = "agent", "agent"
    rating = _rating(rng, trust, handover is not None)
    ended_satisfied = (rating >= 4) if rng.random() < 0.85 else (rating < 4)  # words and rating mostly agree
    if channel == "call":  # an agent talked to the buyer: a call record with notes, not a chat
        resolved_at, contact.detail = _call_record(session, rng, case, decision, contact_at, first, offer,
                                                   ended_satisfied)
    else:
        resolved_at = _transcript(session, rng, case, text, offer, first, ended_satisfied,
                                  waits=handover is not None)
    case.resolved_at, case.closed_at = resolved_at, resolved_at
    if offer is not None:
        _pay(session, case, offer, resolved_at, by_person=handover is not None, by_phone=channel == "call")
    if rng.random() > 0.8:
        case.closed_reason = "resolved_no_survey"
        return 0
    asked = resolved_at + timedelta(minutes=1)
    session.add(CaseEvent(case_id=case.id, kind=EventKind.SATISFACTION_ASKED.value, detail={}, created_at=asked))
    if channel != "call":  # on the phone the agent asks and records the answer
        session.add(InboxMessage(buyer_id=case.buyer_id, case_id=case.id, sender="buyer", text=str(rating),
                                 created_at=asked + timedelta(minutes=rng.uniform(0.3, 5))))
    comment = rng.choice(COMMENTS) if rng.random() < 0.3 else None
    recommend = _recommend(rng, rating) if rng.random() < 0.7 else None
    session.add(Satisfaction(case_id=case.id, buyer_id=order.buyer_id, rating=rating, comment=comment,
                             created_at=resolved_at + timedelta(minutes=2), recommend=recommend,
                             recommended_at=resolved_at + timedelta(minutes=3) if recommend is not None else None))
    return 1


def _plan(session: Session, rng: random.Random, case: Case, buyer: Buyer, order: Order, created: datetime
          ) -> tuple[str, datetime, Decision]:
    """The scheduler's own decision for the new case (outreach.scheduling.planner.decide): chat or
    call, and when (a call waits for the buyer's call window), with its reason in the trail."""
    active = created - timedelta(hours=rng.uniform(1, 96)) if rng.random() < 0.8 else None
    view = CaseView(case_id=case.id, buyer_id=buyer.id, status=CaseStatus.NEW.value, severity=case.severity,
                    due_at=created, order_total_fen=order.total_fen, time_zone=buyer.time_zone, phone=buyer.phone,
                    age_band=buyer.age_band, last_app_active_at=active)
    decision = decide(view, created, scheduling_policy())
    channel = "call" if decision.action == "call" else "inapp"
    at = max(decision.at or created, created)
    case.channel = channel
    session.add(CaseEvent(case_id=case.id, kind=EventKind.CHANNEL_CHOSEN.value,
                          detail={"channel": channel, "reason": decision.reason}, created_at=created))
    if channel == "call":
        session.add(CaseEvent(case_id=case.id, kind=EventKind.CALL_BOOKED.value,
                              detail={"at": at.isoformat(), "reason": decision.reason}, created_at=created))
    return channel, at, decision


def _transcript(session: Session, rng: random.Random, case: Case, text: str, offer: Offer | None, first: datetime,
                ended_satisfied: bool, waits: bool) -> datetime:
    """The chat as the bot and the buyer had it: the bot names the problem, the buyer confirms, the
    remedy is offered and carried out (or a person takes over), and the buyer's last words. The bot
    answers within seconds, the buyer after a while, a person (when one takes over) after minutes.
    Returns when the case was settled."""
    opening = f"您好，我是平台客服小助手。看到您反馈：“{text}”，给您添麻烦了，是这样吗？"
    lines: list[tuple[str, str]] = [("bot", opening), ("buyer", rng.choice(["是的", "对", "嗯，是这样"]))]
    if offer is not None and not waits:
        lines += [("bot", offer.say), ("buyer", rng.choice(["好的", "可以", "行"])), ("bot", offer.done)]
    else:
        lines.append(("bot", "这个问题需要人工客服为您处理，已为您转接，请稍候。"))
        if offer is not None:
            lines.append(("agent", offer.done))
    lines.append(("buyer", rng.choice(ENDINGS[ended_satisfied])))
    at = first
    settled = first
    for sender, said in lines:
        if sender == "buyer":
            at += timedelta(minutes=rng.uniform(0.5, 25))
        elif sender == "agent":
            at += timedelta(minutes=rng.uniform(5, 40))
        elif at != first:
            at += timedelta(seconds=rng.uniform(1, 6))
        session.add(InboxMessage(buyer_id=case.buyer_id, case_id=case.id, sender=sender, text=said,
                                 author="客服小李" if sender == "agent" else None, created_at=at))
        if sender != "buyer":
            settled = at
    return max(settled, at)


def _call_record(session: Session, rng: random.Random, case: Case, decision: Decision, due: datetime,
                 first: datetime, offer: Offer | None, ended_satisfied: bool) -> tuple[datetime, str]:
    """The booked call, answered: the agent's notes say what the buyer told and what was agreed.
    Returns when the call ended, and the notes."""
    ended = first + timedelta(minutes=rng.uniform(3, 12))
    agreed = f"按规则办理：{rules().title_of(offer.rule_id)}" if offer is not None else "需进一步核实，由客服跟进"
    mood = "买家表示认可" if ended_satisfied else "买家仍不满意"
    notes = f"电话接通，买家确认问题属实。{agreed}。{mood}。"
    session.add(CallTask(case_id=case.id, buyer_id=case.buyer_id, attempt=1, team=decision.team or "care",
                         priority=decision.priority, due_at=due, status="done", reason=decision.reason[:300],
                         agent="agent", claimed_at=first - timedelta(minutes=1), outcome="reached",
                         notes=notes, created_at=case.created_at,
                         done_at=ended))
    session.add(CaseEvent(case_id=case.id, kind=EventKind.CALL_REACHED.value,
                          detail={"agent": "agent", "attempt": 1, "notes": notes}, created_at=ended))
    return ended, notes


def _pay(session: Session, case: Case, offer: Offer, at: datetime, by_person: bool, by_phone: bool) -> None:
    """The remedy the engine offered first, carried out (a person approved it where the rules say so)."""
    if by_phone:
        reason = f"agreed by phone under rule {offer.rule_id}"
    elif by_person:
        reason = f"agent demo carried out rule {offer.rule_id}"
    else:
        reason = f"buyer accepted offer 1 for {case.category} under rule {offer.rule_id}"
    session.add(Remedy(case_id=case.id, idempotency_key=f"history:{case.id}", rule_id=offer.rule_id,
                       kind=str(offer.kind), amount_fen=offer.amount_fen, coupon_fen=offer.coupon_fen,
                       status="executed", reason=reason, created_at=at))
    kind = EventKind.REMEDY_APPROVED if offer.needs_approval else EventKind.REMEDY_EXECUTED
    session.add(CaseEvent(case_id=case.id, kind=kind.value, detail={"rule": offer.rule_id,
                                                                   "amount_fen": offer.amount_fen},
                          created_at=at))
