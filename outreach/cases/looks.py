"""The needs-a-look list: feedback the model could not decide (or could not read) waits here for a
person instead of going into outreach. A person's decision is final for that feedback: a problem
label opens (or joins) the buyer's case as triage would have, no_problem closes it, and either way
the label is kept to train the next model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from outreach.cases.triage import open_case_for
from outreach.diagnosis.decisions import Decision
from outreach.diagnosis.learned import LabelSource, record_label
from outreach.diagnosis.severity import severity_of
from outreach.diagnosis.taxonomy import NO_PROBLEM, Taxonomy
from outreach.lifecycle import events
from outreach.lifecycle.states import EventKind
from outreach.store.db import session_scope
from outreach.store.models import Buyer, Feedback, Order
from outreach.store.types import utcnow


@dataclass(frozen=True)
class LookItem:
    feedback_id: int
    buyer_id: str
    order_id: str | None
    text: str
    guess: str | None  # the model's best guess, if it read the text at all
    hurt_probability: float | None
    language: str | None
    note: str | None
    created_at: datetime

    def as_dict(self) -> dict:
        return {"feedback_id": self.feedback_id, "buyer_id": self.buyer_id, "order_id": self.order_id,
                "text": self.text, "guess": self.guess, "hurt_probability": self.hurt_probability,
                "language": self.language, "note": self.note, "created_at": self.created_at.isoformat()}


class LookError(ValueError):
    """A decision that cannot be taken; the message says why (in Chinese for the dashboard)."""


def waiting(session: Session, limit: int = 200) -> list[LookItem]:
    """Feedback waiting for a person, oldest first."""
    rows = session.execute(
        select(Feedback).where(Feedback.decision == Decision.LOOK.value, Feedback.looked_at.is_(None))
        .order_by(Feedback.created_at, Feedback.id).limit(limit)
    ).scalars()
    return [
        LookItem(f.id, f.buyer_id, f.order_id, f.text, None if f.language not in (None, "zh") else f.category,
                 None if f.hurt_probability is None else f.hurt_probability / 1000, f.language, f.triage_note,
                 f.created_at)
        for f in rows
    ]


@dataclass(frozen=True)
class LookDecision:
    feedback_id: int
    label: str
    case_id: int | None
    case_opened: bool


def decide(feedback_id: int, label: str, staff: str, tax: Taxonomy) -> LookDecision:
    """A person's label for a waiting feedback. Exactly one decision wins, on any database: the
    feedback is claimed with a compare-and-set on its undecided state."""
    if label not in tax.ids:
        raise LookError(f"未知的问题类型 {label!r}，可选：{'、'.join(tax.ids)}")
    with session_scope() as session:
        feedback = session.get(Feedback, feedback_id)
        if feedback is None or feedback.decision != Decision.LOOK.value:
            raise LookError(f"反馈 {feedback_id} 不在待人工判断列表中")
        claimed = session.execute(
            update(Feedback).where(Feedback.id == feedback_id, Feedback.looked_at.is_(None))
            .values(looked_at=utcnow(), looked_by=staff[:64])
        ).rowcount
        if not claimed:
            raise LookError(f"反馈 {feedback_id} 已由其他人判断过")
        session.refresh(feedback)
        model_label = feedback.category
        record_label(session, text=feedback.text, label=label, source=LabelSource.LOOK_DECIDED,
                     feedback_id=feedback.id, staff=staff, model_version=feedback.model_version,
                     model_label=model_label)
        feedback.category = label
        if label == NO_PROBLEM:
            feedback.triage_note = f"a person decided: no problem ({staff})"[:200]
            return LookDecision(feedback.id, label, None, False)
        order = session.get(Order, feedback.order_id) if feedback.order_id else None
        if order is None:
            feedback.triage_note = "a person found a problem, but no order is named: nothing to act on"
            return LookDecision(feedback.id, label, None, False)
        buyer = session.get(Buyer, feedback.buyer_id)
        severity = severity_of(label, feedback.text, age_band=buyer.age_band if buyer else None,
                               order_total_fen=order.total_fen, tax=tax)
        feedback.severity = severity.level
        case, created = open_case_for(session, feedback, order, label, severity.level, feedback.model_version)
        feedback.case_id = case.id
        events.record(session, case.id, EventKind.LOOK_DECIDED, feedback=feedback.id, label=label, by=staff,
                      model_label=model_label)
        return LookDecision(feedback.id, label, case.id, created)
