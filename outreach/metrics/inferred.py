"""Satisfaction inferred for every closed case, where surveys can't reach (docs/metrics.md).

A survey hears only the buyers who answer it. For each closed case in a report's range, the
buyer's last messages before the satisfaction question (or before closing, if never asked) are
read by the diagnosis model: the buyer ended satisfied when P(hurt) of those words is below one
half, i.e. the model's no_problem score wins. The rating answer itself is never read, so the
inference stays independent of the survey it is compared with. Cases whose buyer wrote
nothing, or wrote in a language the model does not read, are not inferred (coverage says how
many were). The figure is kept apart from the surveyed CSAT, never mixed into it; where both
exist, agreement says how often they match.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outreach.lifecycle.states import CaseStatus, EventKind
from outreach.metrics.facts import filtered
from outreach.metrics.figures import percent, wilson
from outreach.metrics.filters import Filters
from outreach.store.models import Case, CaseEvent, InboxMessage, Satisfaction

# How many of the buyer's last messages are read together: the last one, how the buyer ended.
# (An earlier "是的" confirming the problem reads as hurt and would drown a closing "好的，谢谢".)
LAST_MESSAGES = 1
SATISFIED_BELOW = 0.5  # P(hurt) below this: the buyer ended satisfied
MAX_CHARS = 400


class Reader(Protocol):
    """What is needed of the diagnosis model (outreach.diagnosis.classifier.Diagnoser)."""

    def diagnose_many(self, texts: list[str]) -> list[Any]: ...


@dataclass(frozen=True)
class Inference:
    case_id: int
    probability: float  # P(satisfied) = 1 - P(hurt) of the buyer's last words
    satisfied: bool


def last_words(session: Session, case_ids: list[int]) -> dict[int, str]:
    """Per case, the buyer's last messages before the satisfaction question, joined."""
    asked: dict[int, datetime] = dict(session.execute(
        select(CaseEvent.case_id, func.min(CaseEvent.created_at))
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.kind == EventKind.SATISFACTION_ASKED.value)
        .group_by(CaseEvent.case_id)).all())
    said: dict[int, list[str]] = defaultdict(list)
    for case_id, text, at in session.execute(
        select(InboxMessage.case_id, InboxMessage.text, InboxMessage.created_at)
        .where(InboxMessage.case_id.in_(case_ids), InboxMessage.sender == "buyer")
        .order_by(InboxMessage.case_id, InboxMessage.created_at, InboxMessage.id)
    ):
        if case_id in asked and at >= asked[case_id]:
            continue  # the rating answer and whatever followed it
        if text and text.strip():
            said[case_id].append(text.strip())
    return {case_id: "。".join(texts[-LAST_MESSAGES:])[-MAX_CHARS:] for case_id, texts in said.items()}


def infer(reader: Reader, words: dict[int, str]) -> dict[int, Inference]:
    ids = list(words)
    results = reader.diagnose_many([words[i] for i in ids]) if ids else []
    out = {}
    for case_id, diagnosis in zip(ids, results):
        if getattr(diagnosis, "language", "zh") != "zh":
            continue  # the model does not read it: not guessed
        p = 1.0 - float(diagnosis.hurt_probability)
        out[case_id] = Inference(case_id, round(p, 3), p > 1.0 - SATISFIED_BELOW)
    return out


def inferred_report(session: Session, filters: Filters, reader: Reader) -> dict[str, Any]:
    """Coverage, the inferred satisfied rate, and its agreement with surveyed ratings."""
    closed = list(session.execute(
        filtered(select(Case.id), filters).where(Case.status == CaseStatus.CLOSED.value)).scalars())
    inferred = infer(reader, last_words(session, closed)) if closed else {}
    ratings = dict(session.execute(
        select(Satisfaction.case_id, Satisfaction.rating).where(Satisfaction.case_id.in_(closed))).all()) if closed \
        else {}
    both = [case_id for case_id in inferred if case_id in ratings]
    agree = sum(1 for case_id in both if inferred[case_id].satisfied == (ratings[case_id] >= 4))
    satisfied = sum(1 for i in inferred.values() if i.satisfied)
    interval = wilson(satisfied, len(inferred))
    return {
        "closed_cases": len(closed),
        "inferred": len(inferred),
        "coverage": percent(len(inferred), len(closed)),
        "satisfied": satisfied,
        "satisfied_rate": percent(satisfied, len(inferred)),
        "satisfied_rate_interval": list(interval) if interval else None,
        "surveyed": len(ratings),
        "survey_coverage": percent(len(ratings), len(closed)),
        "both": len(both),
        "agreement": percent(agree, len(both)),
        "cases": {str(k): {"probability": v.probability, "satisfied": v.satisfied} for k, v in inferred.items()},
    }


def case_inference(session: Session, case_id: int, reader: Reader) -> dict[str, Any] | None:
    """The inference for one closed case (the case page), or None."""
    found = infer(reader, last_words(session, [case_id])).get(case_id)
    return None if found is None else {"probability": found.probability, "satisfied": found.satisfied}
