"""The offer engine: the remedies the rules allow for a case, best first, never guessing money."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from outreach.diagnosis.taxonomy import NO_PROBLEM
from outreach.rules.schema import PAYING_KINDS, SHARE_KINDS, RemedyRule, RuleBook


@dataclass(frozen=True)
class CaseFacts:
    """What the rules need to know about a case. Times are aware UTC."""

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


@dataclass(frozen=True)
class Offer:
    rule_id: str
    kind: str
    amount_fen: int
    needs_approval: bool
    say: str
    done: str


@dataclass(frozen=True)
class Quote:
    offers: list[Offer] = field(default_factory=list)
    missing_facts: list[str] = field(default_factory=list)
    handover_reason: str | None = None


def yuan(fen: int) -> str:
    """Fen as a yuan string for people: 1250 -> '12.50', 3000 -> '30'."""
    return f"{Decimal(fen) / 100:.2f}" if fen % 100 else str(fen // 100)


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
    raise ValueError(f"unknown condition {condition!r}")


def _amount(rule: RemedyRule, facts: CaseFacts, affected: int, book: RuleBook) -> int:
    if rule.kind == "refund_share":
        return min(facts.unit_price_fen * affected, facts.order_total_fen)
    if rule.kind in ("refund_full", "cancel_refund"):
        return facts.order_total_fen
    if rule.kind == "compensation_percent":
        policy = book.late_compensation
        share = (Decimal(facts.order_total_fen) * policy.percent / 100).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
        return int(min(max(share, policy.min_fen), policy.max_fen))
    return 0  # goods sent again: no money paid


def quote(facts: CaseFacts, book: RuleBook) -> Quote:
    """The allowed offers for a case, best first, or what is missing, or why a person must help."""
    if facts.label == NO_PROBLEM:
        return Quote()
    candidates = book.remedies.get(facts.label)
    if not candidates:
        return Quote(handover_reason=f"no automatic remedy for {facts.label}")
    allowed = [r for r in candidates if all(_condition_holds(c, facts, book) for c in r.when)]
    if not allowed:
        return Quote(handover_reason=f"no rule for {facts.label} applies to this order")
    needs_share = any(rule.kind in SHARE_KINDS for rule in allowed)
    affected = facts.affected_quantity
    if needs_share and affected is None:
        if facts.quantity == 1:
            affected = 1
        else:
            return Quote(missing_facts=["affected_quantity"])
    if affected is not None and not 0 < affected <= facts.quantity:
        return Quote(missing_facts=["affected_quantity"])
    offers = []
    for rule in allowed:
        amount = _amount(rule, facts, affected or 0, book)
        values = {"affected": affected or 0, "unit": facts.unit, "amount": yuan(amount)}
        offers.append(
            Offer(
                rule_id=rule.id,
                kind=rule.kind,
                amount_fen=amount,
                needs_approval=rule.kind in PAYING_KINDS and amount > book.auto_approval_cap_fen,
                say=rule.say.format(**values),
                done=rule.done.format(**values),
            )
        )
    return Quote(offers=offers)
