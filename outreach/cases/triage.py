"""Triage: diagnose new feedback and open one case per buyer and incident."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.diagnosis.classifier import Diagnoser, Diagnosis
from outreach.diagnosis.decisions import Decision
from outreach.lifecycle import events
from outreach.lifecycle.states import CaseStatus, EventKind
from outreach.store.db import insert_once, session_scope
from outreach.store.models import Buyer, Case, Feedback, Order
from outreach.store.types import utcnow

BATCH = 500


@dataclass
class TriageSummary:
    diagnosed: int = 0
    hurt: int = 0
    cases_opened: int = 0
    attached: int = 0
    without_order: int = 0
    needs_look: int = 0  # a person decides first (outreach look list)

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def incident_key(buyer_id: str, order_id: str) -> str:
    """One incident per buyer and order: every report about the order joins one case."""
    return f"{buyer_id}:{order_id}"


def open_case_for(session: Session, feedback: Feedback, order: Order, label: str, severity: int,
                  model_version: str | None = None) -> tuple[Case, bool]:
    key = incident_key(feedback.buyer_id, order.id)
    case = session.execute(select(Case).where(Case.open_key == key)).scalar_one_or_none()
    if case is not None:
        if severity < case.severity:
            case.severity = severity
            events.record(session, case.id, EventKind.SEVERITY_RAISED, severity=severity, feedback=feedback.id,
                          model=model_version)
        return case, False
    case = Case(
        buyer_id=feedback.buyer_id,
        order_id=order.id,
        open_key=key,
        suspected_category=label,
        category=label,
        severity=severity,
        status=CaseStatus.NEW.value,
        due_at=utcnow(),
    )
    case, created = insert_once(  # another triage may open it meanwhile
        session, case, lambda: session.execute(select(Case).where(Case.open_key == key)).scalar_one_or_none()
    )
    if not created:
        return case, False
    events.record(session, case.id, EventKind.OPENED, label=label, severity=severity, feedback=feedback.id,
                  model=model_version)
    return case, True


def note_diagnosis(feedback: Feedback, result: Diagnosis) -> None:
    """What the model said about a feedback, with its version and decision."""
    feedback.category = result.category
    feedback.confidence = round(result.confidence * 1000)
    feedback.severity = result.severity
    feedback.hurt_probability = round(result.hurt_probability * 1000)
    feedback.decision = result.decision.value
    feedback.model_version = result.model_version
    feedback.language = result.language
    feedback.diagnosed_at = utcnow()
    if result.decision is Decision.LOOK:
        feedback.triage_note = (result.note or "the model cannot decide: a person looks first")[:200]


def triage_batch(session: Session, batch: list[Feedback], diagnoser: Diagnoser, summary: TriageSummary) -> None:
    for feedback in batch:
        order = session.get(Order, feedback.order_id) if feedback.order_id else None
        buyer = session.get(Buyer, feedback.buyer_id)
        result = diagnoser.diagnose(
            feedback.text,
            age_band=buyer.age_band if buyer else None,
            order_total_fen=order.total_fen if order else None,
        )
        note_diagnosis(feedback, result)
        summary.diagnosed += 1
        if result.decision is Decision.LOOK:
            summary.needs_look += 1
            continue
        if not result.hurt:
            continue
        summary.hurt += 1
        if order is None:
            feedback.triage_note = "no order named: nothing to act on"
            summary.without_order += 1
            continue
        case, created = open_case_for(session, feedback, order, result.category, result.severity,
                                      result.model_version)
        feedback.case_id = case.id
        if created:
            summary.cases_opened += 1
        else:
            summary.attached += 1
            events.record(session, case.id, EventKind.FEEDBACK_ATTACHED, feedback=feedback.id, label=result.category,
                          model=result.model_version)


def triage(diagnoser: Diagnoser | None = None, progress: Callable[[int], None] | None = None) -> TriageSummary:
    """Diagnose every undiagnosed feedback, in batches, each batch one transaction."""
    diagnoser = diagnoser or Diagnoser.load()
    summary = TriageSummary()
    while True:
        with session_scope() as session:
            batch = list(
                session.execute(
                    select(Feedback).where(Feedback.diagnosed_at.is_(None)).order_by(Feedback.id).limit(BATCH)
                ).scalars()
            )
            if not batch:
                return summary
            triage_batch(session, batch, diagnoser, summary)
        if progress:
            progress(summary.diagnosed)
