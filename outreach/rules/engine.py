"""The offer engine: the remedies the rules allow for a case, best first, never guessing money.

Pure: the same facts and rules always give the same quote. Amounts are integer fen.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from outreach.diagnosis.taxonomy import NO_PROBLEM
from outreach.rules.schema import (
    GOODS_KINDS,
    KIND_FACTS,
    LINE_REFUND_KINDS,
    PAYING_KINDS,
    REFUND_KINDS,
    SHARE_KINDS,
    RemedyRule,
    RuleBook,
)

# Facts the bot can ask the buyer for; any other missing fact goes to a person.
ASKABLE_FACTS = ("affected_quantity", "issue", "shortfall_percent")


@dataclass(frozen=True)
class CaseFacts:
    """What the rules need to know about a case. Times are aware UTC; money integer fen."""

    label: str
    order_total_fen: int
    unit_price_fen: int
    quantity: int
    unit: str
    paid_at: datetime
    promised_ship_hours: int
    reported_at: datetime
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    live_seafood: bool = False
    affected_quantity: int | None = None
    promises: tuple[str, ...] = ()
    trust_badge: bool = False
    item_kind: str = ""
    issue: str | None = None  # e.g. price_issue: double_charge (rules file: issues)
    current_unit_price_fen: int | None = None  # price protection: the price now
    overcharge_fen: int | None = None  # double charge, unapplied coupon, surprise fee
    shortfall_percent: int | None = None  # weight guarantee: how much was missing
    loss_fen: int | None = None  # unsafe food: the buyer's loss (3x loss may beat 10x price)
    appraisal_fee_fen: int | None = None  # counterfeit without the badge: refunded on top
    refunds_90d: int = 0  # the buyer's paid remedies in the last 90 days (buyer-risk gate)
    # The affected part of the line as an exact fraction when it is not whole pieces ("烂了一半",
    # "坏了2斤" of 5斤, "三分之一"); None: affected_quantity / quantity.
    affected_share: Fraction | None = None
    portion_text: str | None = None  # how the buyer's share is said back ("一半", "2斤"); None: pieces
    line_total_fen: int | None = None  # what the line cost; None: unit price x quantity
    line_refunded_fen: int = 0  # given back for the line's goods by other cases of the order

    def line_total(self) -> int:
        if self.line_total_fen is not None:
            return self.line_total_fen
        return self.unit_price_fen * self.quantity

    def share(self, affected: int) -> Fraction:
        """The affected part of the line, exact: a stated share, else pieces over pieces bought."""
        if self.affected_share is not None:
            return self.affected_share
        return Fraction(affected, self.quantity)


@dataclass(frozen=True)
class Offer:
    rule_id: str
    kind: str
    amount_fen: int
    needs_approval: bool
    say: str
    done: str
    coupon_fen: int = 0
    approval_reasons: tuple[str, ...] = ()  # above_cap, verification, buyer_risk
    fast_refund: bool = False
    return_freight_paid: bool = False
    report_merchant: bool = False
    law: str | None = None
    value_fen: int = 0  # the money paid, or what goods sent again are worth (approval cap)


@dataclass(frozen=True)
class Quote:
    offers: list[Offer] = field(default_factory=list)
    missing_facts: list[str] = field(default_factory=list)
    handover_reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "offers": [dict(asdict(o), approval_reasons=list(o.approval_reasons), amount_yuan=yuan(o.amount_fen))
                       for o in self.offers],
            "missing_facts": list(self.missing_facts),
            "ask_buyer": [f for f in self.missing_facts if f in ASKABLE_FACTS],
            "handover_reason": self.handover_reason,
        }


def yuan(fen: int) -> str:
    """Fen as a yuan string for people: 1250 -> '12.50', 3000 -> '30'."""
    return f"{Decimal(fen) / 100:.2f}" if fen % 100 else str(fen // 100)


def _percent(fen: int, percent: int | Decimal) -> int:
    return int((Decimal(fen) * Decimal(percent) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fen_of(fen: int, share: Fraction) -> int:
    """`share` of an amount in fen, exact until this one rounding to the nearest fen, half up."""
    exact = Fraction(fen) * share
    whole, rest = divmod(exact.numerator, exact.denominator)
    return whole + (1 if 2 * rest >= exact.denominator else 0)


def _condition_holds(condition: str, facts: CaseFacts, book: RuleBook) -> bool:
    if condition == "delivered":
        return facts.delivered_at is not None
    if condition == "within_evidence_window":
        if facts.delivered_at is None:
            return False
        hours = book.live_seafood_window_hours if facts.live_seafood else book.evidence_window_hours
        return facts.reported_at - facts.delivered_at <= timedelta(hours=hours)
    if condition == "unshipped":
        return facts.shipped_at is None
    if condition == "ship_promise_missed":
        deadline = facts.paid_at + timedelta(hours=facts.promised_ship_hours)
        return (facts.shipped_at or facts.reported_at) > deadline
    if condition in ("trust_badge", "no_trust_badge"):
        return facts.trust_badge == (condition == "trust_badge")
    if condition == "food":
        return facts.item_kind in book.food_kinds
    if condition == "within_price_protection":
        return facts.reported_at - facts.paid_at <= timedelta(days=book.price_protection_days)
    raise ValueError(f"unknown condition {condition!r}")


def _applies(rule: RemedyRule, facts: CaseFacts, book: RuleBook) -> bool:
    """Conditions, promises and issue; facts still unknown are checked later."""
    if not set(rule.promises) <= set(facts.promises) or set(rule.without_promises) & set(facts.promises):
        return False
    if rule.issues and facts.issue not in rule.issues:
        return False
    return all(_condition_holds(c, facts, book) for c in rule.when)


def _amount(rule: RemedyRule, facts: CaseFacts, affected: int, book: RuleBook) -> int:
    total = facts.order_total_fen
    if rule.kind == "refund_share":  # the share of what the line cost, rounded once at the end
        return min(fen_of(facts.line_total(), facts.share(affected)), total)
    if rule.kind in ("refund_full", "cancel_refund"):
        return total
    if rule.kind == "compensation_percent":
        policy = book.late_compensation
        return min(max(_percent(total, policy.percent), policy.min_fen), policy.max_fen, total)
    if rule.kind == "refund_difference":
        drop = max(facts.unit_price_fen - (facts.current_unit_price_fen or 0), 0)
        return min(drop * facts.quantity, total)
    if rule.kind == "refund_excess":
        return min(facts.overcharge_fen or 0, total)
    if rule.kind == "refund_shortfall":
        return min(_percent(total, min(facts.shortfall_percent or 0, 100)), total)
    if rule.kind == "coupon":
        return min(rule.coupon_fen, total)
    if rule.kind == "legal_multiple":
        base = max(total * rule.multiple, (facts.loss_fen or 0) * rule.loss_multiple, rule.floor_fen)
        return base + ((facts.appraisal_fee_fen or 0) if rule.add_appraisal_fee else 0)
    return 0  # goods sent again: no money paid


def goods_value(rule: RemedyRule, facts: CaseFacts, affected: int) -> int:
    """What the goods a reship sends are worth: it counts towards the approval cap like money."""
    if rule.kind == "reship_full":
        return facts.line_total()
    if rule.kind == "reship_share":
        return fen_of(facts.line_total(), facts.share(affected))
    return 0


def _missing(rule: RemedyRule, facts: CaseFacts) -> list[str]:
    missing = []
    if (rule.kind in SHARE_KINDS and facts.affected_quantity is None and facts.affected_share is None
            and facts.quantity != 1):
        missing.append("affected_quantity")
    needed = KIND_FACTS.get(rule.kind)
    if needed and getattr(facts, needed) is None:
        missing.append(needed)
    return missing


def _approval_reasons(rule: RemedyRule, amount: int, facts: CaseFacts, book: RuleBook) -> tuple[str, ...]:
    """Why a person approves; `amount` is the money paid, or the value of the goods sent again."""
    if rule.kind not in PAYING_KINDS | GOODS_KINDS or amount == 0:
        return ()
    reasons = []
    if rule.verify:
        reasons.append("verification")
    if amount > book.auto_approval_cap_fen:
        reasons.append("above_cap")
    if facts.refunds_90d >= book.buyer_risk.refunds_90d and rule.kind in PAYING_KINDS:  # refunds, not goods
        reasons.append("buyer_risk")
    return tuple(reasons)


def _shipping_words(facts: CaseFacts, book: RuleBook) -> str:
    if facts.shipped_at is None:
        return book.shipping.unshipped
    return book.shipping.in_transit if facts.delivered_at is None else book.shipping.delivered


def _offer(rule: RemedyRule, facts: CaseFacts, affected: int, book: RuleBook) -> Offer:
    amount = _amount(rule, facts, affected, book)
    portion = facts.portion_text or f"{affected}{facts.unit}"
    values = {"affected": affected, "unit": facts.unit, "amount": yuan(amount), "coupon": yuan(rule.coupon_fen),
              "multiple": rule.multiple, "portion": portion,
              "timing": book.timing_of(rule.kind, rule.fast_refund or (facts.trust_badge and rule.kind in REFUND_KINDS),
                                        rule.return_goods),
              "shipping": _shipping_words(facts, book)}
    badge = facts.trust_badge and rule.kind in REFUND_KINDS
    freight_paid = badge and rule.return_goods  # 退货补运费 only where the goods go back
    note = (book.trust_badge.note if freight_paid else book.trust_badge.fast_note) if badge else ""
    say = rule.say.format(**values) + note
    value = amount if rule.kind in PAYING_KINDS else goods_value(rule, facts, affected)
    reasons = _approval_reasons(rule, value, facts, book)
    return Offer(rule_id=rule.id, kind=rule.kind, amount_fen=amount, value_fen=value, needs_approval=bool(reasons),
                 say=say,
                 done=rule.done.format(**values) + note, coupon_fen=0 if rule.kind == "coupon" else rule.coupon_fen,
                 approval_reasons=reasons, fast_refund=rule.fast_refund or badge, return_freight_paid=freight_paid,
                 report_merchant=rule.report_merchant, law=rule.law)


def _affected_valid(facts: CaseFacts) -> bool:
    if facts.affected_share is not None and not 0 < facts.affected_share <= 1:
        return False
    return facts.affected_quantity is None or 0 < facts.affected_quantity <= facts.quantity


def _within_what_was_paid(offers: list[Offer], facts: CaseFacts) -> list[Offer]:
    """Offers that keep the money given back for the line's goods, over every case of the order,
    within what the line cost; once it is all given back, no goods are sent again either."""
    if not facts.line_refunded_fen:
        return offers
    left = facts.line_total() - facts.line_refunded_fen
    return [o for o in offers if not (o.kind in LINE_REFUND_KINDS and o.amount_fen > left)
            and not (o.kind in GOODS_KINDS and left <= 0)]


def quote(facts: CaseFacts, book: RuleBook) -> Quote:
    """The allowed offers for a case, best first, or what is missing, or why a person must help."""
    if facts.label == NO_PROBLEM:
        return Quote()
    candidates = book.remedies.get(facts.label) or []
    person_first = book.person_first.get(facts.label)
    if not candidates and not person_first:
        return Quote(handover_reason=f"no automatic remedy for {facts.label}")
    if candidates and all(r.issues for r in candidates) and facts.issue is None and not person_first:
        return Quote(missing_facts=["issue"])
    allowed = [r for r in candidates if _applies(r, facts, book)]
    missing = sorted({f for rule in allowed for f in _missing(rule, facts)})
    if not _affected_valid(facts) and any(r.kind in SHARE_KINDS for r in allowed):
        missing = sorted(set(missing) | {"affected_quantity"})
    if person_first:  # a person decides; they see what the rules allow so far
        allowed = [r for r in allowed if not _missing(r, facts)] if _affected_valid(facts) else []
        missing = []
    if missing:
        return Quote(missing_facts=missing)
    affected = facts.affected_quantity or 1
    offers = [_offer(rule, facts, affected, book) for rule in allowed]
    offers = [o for o in offers if o.amount_fen > 0 or o.kind not in PAYING_KINDS]  # nothing to pay: no offer
    offers = _within_what_was_paid(offers, facts)
    if person_first:
        return Quote(offers=offers, handover_reason=person_first)
    if not offers:
        return Quote(handover_reason=f"no rule for {facts.label} applies to this order")
    return Quote(offers=offers)
