"""What-if: replay past cases under other rules and compare money and outcomes with today's rules.

Each stored case is quoted under both rule books with the same facts. The buyer is assumed to
take the remedy they took in reality when the rules still allow it, else the best offer. An
outcome is `auto` (paid or re-shipped without a person), `person` (handed over, or waiting
for an approval) or `ask` (the bot must first ask the buyer a fact, e.g. how many pieces).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.rules.engine import ASKABLE_FACTS, Quote, quote
from outreach.rules.facts import case_facts
from outreach.rules.ledger import existing
from outreach.rules.schema import RuleBook
from outreach.store.models import Case, Merchant, Order, Shop

OUTCOMES = ("auto", "person", "ask")


@dataclass(frozen=True)
class Outcome:
    kind: str  # auto, person, ask
    rule: str | None
    paid_fen: int  # paid without a person
    approval_fen: int  # waiting for a person's approval


def outcome(result: Quote, taken_rule: str | None) -> Outcome:
    if result.missing_facts:
        kind = "ask" if set(result.missing_facts) <= set(ASKABLE_FACTS) else "person"
        return Outcome(kind, None, 0, 0)
    if not result.offers:
        return Outcome("auto" if result.handover_reason is None else "person", None, 0, 0)
    chosen = next((o for o in result.offers if o.rule_id == taken_rule), result.offers[0])
    if result.handover_reason is not None or chosen.needs_approval:
        return Outcome("person", chosen.rule_id, 0, chosen.amount_fen if chosen.needs_approval else 0)
    return Outcome("auto", chosen.rule_id, chosen.amount_fen, 0)


def _empty() -> dict[str, int]:
    row = {"cases": 0, "changed": 0}
    for side in ("old", "new"):
        row.update({f"paid_fen_{side}": 0, f"approval_fen_{side}": 0})
        row.update({f"{kind}_{side}": 0 for kind in OUTCOMES})
    return row


def _add(row: dict[str, int], old: Outcome, new: Outcome) -> None:
    row["cases"] += 1
    row["changed"] += old != new
    for side, result in (("old", old), ("new", new)):
        row[f"paid_fen_{side}"] += result.paid_fen
        row[f"approval_fen_{side}"] += result.approval_fen
        row[f"{result.kind}_{side}"] += 1


def simulate(session: Session, old: RuleBook, new: RuleBook, since: datetime | None = None,
             examples: int = 10) -> dict[str, Any]:
    query = (select(Case, Merchant.name).join(Order, Order.id == Case.order_id).join(Shop, Shop.id == Order.shop_id)
             .join(Merchant, Merchant.id == Shop.merchant_id).where(Case.category != "no_problem").order_by(Case.id))
    if since is not None:
        query = query.where(Case.created_at >= since)
    by_label: dict[str, dict[str, int]] = defaultdict(_empty)
    by_merchant: dict[str, dict[str, int]] = defaultdict(_empty)
    total = _empty()
    changed: list[dict[str, Any]] = []
    for case, merchant in session.execute(query).all():
        remedy = existing(session, case.id)
        taken = remedy.rule_id if remedy is not None else None
        before = outcome(quote(case_facts(session, case, old, now=case.created_at), old), taken)
        after = outcome(quote(case_facts(session, case, new, now=case.created_at), new), taken)
        for row in (by_label[case.category], by_merchant[merchant], total):
            _add(row, before, after)
        if before != after and len(changed) < examples:
            changed.append({"case_id": case.id, "label": case.category, "merchant": merchant,
                            "old": before.__dict__, "new": after.__dict__})
    return {"since": since.isoformat() if since else None, "total": total,
            "by_label": dict(sorted(by_label.items())), "by_merchant": dict(sorted(by_merchant.items())),
            "changed_examples": changed}
