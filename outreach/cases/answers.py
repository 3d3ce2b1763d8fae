"""Answers to a buyer's off-script question, from the knowledge file and the buyer's own case:
refund timing of their remedy, logistics from the order, the remedy's status, what the rules
allow and why, and who they are talking to."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from outreach.diagnosis.taxonomy import taxonomy
from outreach.dialogue.knowledge import Knowledge, knowledge
from outreach.dialogue.remedy_words import REMEDY_KINDS, remedy_named
from outreach.lifecycle.states import CaseStatus
from outreach.rules import ledger
from outreach.rules.engine import CaseFacts, Offer, quote, yuan
from outreach.rules.facts import case_facts
from outreach.rules.loader import rules
from outreach.rules.schema import REFUND_KINDS, RuleBook
from outreach.store.models import Buyer, Case, Order
from outreach.store.types import utcnow


def _local(moment: datetime, tz_name: str | None) -> str:
    from outreach.scheduling.windows import zone

    return f"{moment.astimezone(zone(tz_name or 'Asia/Shanghai')):%m月%d日 %H:%M}"


def _offers_text(offers: list[Offer], book: RuleBook, amounts: bool = True) -> str:
    """The offers named for the buyer; without `amounts` (the affected part not told yet) a refund
    is named by how it is counted, not by a sum."""
    names = []
    for offer in offers:
        if offer.kind in ("reship_share", "reship_full"):
            names.append("补发或换新")
        elif offer.kind == "legal_multiple":
            names.append(f"人工核实后{book.rule(offer.rule_id).multiple}倍赔偿{yuan(offer.amount_fen)}元")
        elif offer.kind in ("coupon", "compensation_percent"):
            names.append(f"{yuan(offer.amount_fen)}元补偿")
        else:
            names.append(f"退款{yuan(offer.amount_fen)}元" if amounts else "按受影响的部分退款")
    return "、".join(dict.fromkeys(names)) or "转人工客服核实处理"


def _timing(book: RuleBook, kind: str, rule_id: str, trust_badge: bool) -> str:
    rule = book.rule(rule_id)
    return book.timing_of(kind, rule.fast_refund or (trust_badge and kind in REFUND_KINDS), rule.return_goods)


def logistics_answer(session: Session, order: Order, known: Knowledge | None = None,
                     now: datetime | None = None) -> str:
    """Where the order is: delivered, on its way, or not shipped yet and by when it should be (or
    should have been: the promise missed is said as such)."""
    known = known or knowledge()
    tz = session.get(Buyer, order.buyer_id).time_zone
    if order.delivered_at is not None:
        return known.answer("logistics", "delivered", delivered_at=_local(order.delivered_at, tz))
    if order.shipped_at is not None:
        return known.answer("logistics", "shipped", shipped_at=_local(order.shipped_at, tz))
    if order.paid_at is not None:
        deadline = order.paid_at + timedelta(hours=order.promised_ship_hours)
        situation = "overdue" if (now or utcnow()) > deadline else "unshipped"
        return known.answer("logistics", situation, promised_hours=str(order.promised_ship_hours),
                            deadline=_local(deadline, tz))
    return known.answer("logistics", "unknown")


def _offer_asked_about(text: str, offers: list[Offer], current: Offer | None) -> Offer | None:
    """The offer a timing question is about: the open one, unless the words name a remedy of another
    kind, then the offer of that kind (None when there is none: the general answer)."""
    named = remedy_named(text) if text else None  # "补发的话要多久能到": a condition, still the subject
    if named is None or current is None or current.kind in REMEDY_KINDS.get(named, ()):
        return current
    return next((o for o in offers if o.kind in REMEDY_KINDS.get(named, ())), None)


# Topics answered the same for every case (no facts of the order needed), with no case too.
GENERAL_ONLY = ("invoice", "fees", "privacy", "scam")


def answer_for_case(session: Session, case: Case | None, topic: str, offer_index: int,
                    book: RuleBook | None = None, known: Knowledge | None = None, text: str = "") -> str:
    """The answer to `topic` for this case (None: the buyer has no case open). `text`: the words
    asked, when they name another remedy than the open offer ("补发的话要多久能到" at a refund offer:
    the re-ship's timing; "要是退款几天到账" at a re-ship offer: the refund's)."""
    book = book or rules()
    known = known or knowledge()
    timing = book.timing
    if topic in GENERAL_ONLY:
        return known.answer(topic, "general")
    if topic == "review":  # why a person checks first, and how long that takes (the rules' timing)
        return known.answer(topic, "general", review=timing.review)
    if topic == "several" and case is not None:
        waiting = [taxonomy().zh(str(item["label"] if isinstance(item, dict) else item))
                   for item in (case.facts or {}).get("more_problems") or []]
        first = taxonomy().zh(case.category or case.suspected_category)
        if not waiting:
            return known.answer(topic, "one", first=first)
        return known.answer(topic, "queued", first=first, rest="、".join(f"「{w}」" for w in waiting))
    if topic == "who" or case is None:
        if topic == "refund_timing":
            return known.answer(topic, "general", fast_refund=timing.fast_refund,
                                original_route=timing.original_route, after_return=timing.after_return)
        if topic == "who":
            return known.answer("who", "bot")
        return known.answer("why", "none")
    facts = case_facts(session, case, book)
    result = quote(facts, book)
    remedy = ledger.existing(session, case.id)
    offer = result.offers[offer_index] if 0 <= offer_index < len(result.offers) else None
    if topic == "refund_timing":
        if remedy is not None:
            when = _timing(book, remedy.kind, remedy.rule_id, facts.trust_badge)
            situation = "pending" if remedy.status == "pending_approval" else "done"
            return known.answer(topic, situation, remedy=_remedy_name(remedy.kind), timing=when,
                                review=timing.review)
        asked = _offer_asked_about(text, result.offers, offer)
        if asked is not None:
            when = _timing(book, asked.kind, asked.rule_id, facts.trust_badge)
            if asked.needs_approval:  # "核实要多久？" of a legal multiple: the review comes first
                return known.answer(topic, "offer_review", timing=when, review=timing.review)
            return known.answer(topic, "offer", timing=when)
        return known.answer(topic, "general", fast_refund=timing.fast_refund, original_route=timing.original_route,
                            after_return=timing.after_return)
    if topic == "remedy_status":
        if remedy is None:
            return known.answer(topic, "none")
        if remedy.status == "pending_approval":
            return known.answer(topic, "pending", review=timing.review)
        return known.answer(topic, "done", remedy=_remedy_name(remedy.kind),
                            timing=_timing(book, remedy.kind, remedy.rule_id, facts.trust_badge))
    if topic == "logistics":
        asked = _offer_asked_about(text, result.offers, offer) if remedy_named(text or "") else None
        if asked is not None and asked.kind in REMEDY_KINDS["reship"]:
            # "补发的话几天能发出来": when the re-ship on offer goes out, not where the order is
            return known.answer("refund_timing", "offer",
                                timing=_timing(book, asked.kind, asked.rule_id, facts.trust_badge))
        return logistics_answer(session, session.get(Order, case.order_id), known)
    if topic == "how_much":
        if offer is not None:
            return known.answer(topic, "offer", offer=offer.say)
        if "affected_quantity" in result.missing_facts:
            return known.answer(topic, "share", line_total=yuan(facts.line_total()), quantity=str(facts.quantity),
                                unit=facts.unit)
        return known.answer(topic, "none")
    label = taxonomy().zh(case.category)
    if topic == "legal_multiple":
        legal = [o for o in result.offers if o.kind == "legal_multiple"]
        if legal:
            rule = book.rule(legal[0].rule_id)
            return known.answer(topic, "allowed", law=rule.law or "按照法律规定", multiple=str(rule.multiple),
                                floor=yuan(rule.floor_fen))
        return known.answer(topic, "not_applicable", label=label, offers=_offers_text(result.offers, book))
    if topic in ("why", "more"):  # ("more": more than the offer asked for, "起码给张50的券")
        if not result.offers:
            return known.answer(topic, "none")
        if (offer is not None and offer.kind in FIXED_KINDS) or all(o.kind in FIXED_KINDS for o in result.offers):
            # "就五块钱的券？", "就5块钱？" of a late-shipping compensation: the same for every buyer
            return known.answer(topic, "fixed", label=label, offers=_offers_text(result.offers, book))
        return known.answer(topic, "offers", label=label, offers=_offers_text(result.offers, book),
                            line_total=yuan(facts.line_total()))
    if topic == "return_goods":  # asked at the offer, or before it ("能不能直接退货退款啊" at the count question)
        offers, amounts = result.offers, True
        if not offers and result.missing_facts:
            offers, amounts = _offers_for_any_amount(facts, book), False
        returning = [o for o in offers if book.rule(o.rule_id).return_goods]
        if returning:
            return known.answer(topic, "allowed", offer=returning[0].say)
        return known.answer(topic, "not_needed", offers=_offers_text(offers, book, amounts))
    if topic == "freight":
        if offer is None and not result.offers and result.missing_facts:
            guesses = _offers_for_any_amount(facts, book)
            offer = guesses[0] if guesses else None
        paid = offer is not None and (book.rule(offer.rule_id).return_goods or offer.kind == "reship_full")
        return known.answer(topic, "paid" if paid else "none")
    raise KeyError(f"unknown topic {topic!r}")


# Offers whose amount is the platform's standard, whatever was paid or affected.
FIXED_KINDS = {"coupon", "compensation_percent"}


def _offers_for_any_amount(facts: CaseFacts, book: RuleBook) -> list[Offer]:
    """Before the amount is known: the offers the rules would make, for any amount (their kinds and
    whether the goods go back hold; their sums do not)."""
    return quote(dataclasses.replace(facts, affected_quantity=facts.affected_quantity or 1,
                                     shortfall_percent=facts.shortfall_percent or 1), book).offers


def _remedy_name(kind: str) -> str:
    return {"reship_share": "补发", "reship_full": "重新发货", "coupon": "优惠券补偿",
            "compensation_percent": "延迟发货补偿", "legal_multiple": "赔偿"}.get(kind, "退款")


# What a buyer waiting for a lead's approval may ask the bot, though a person holds the case:
# where the money is and how long the review takes ("审核大概要多久？").
WHILE_PENDING = ("refund_timing", "remedy_status")


def answer_while_pending(session: Session, case: Case, text: str) -> str | None:
    """The answer to a question about the money or the review, asked while the case's remedy waits
    for a lead (the bot hears nothing else then); None for anything else."""
    if case.status != CaseStatus.PENDING_APPROVAL:
        return None
    topic = knowledge().topic_of(text, offered=True)
    return answer_for_case(session, case, topic, 0, text=text) if topic in WHILE_PENDING else None

