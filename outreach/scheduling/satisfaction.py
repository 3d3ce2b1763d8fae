"""The satisfaction question: once per case, only once the case is settled, and never to the
same buyer again within the quiet time (limits.yml: satisfaction.quiet_hours)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.cases import events, survey
from outreach.scheduling.policy import Policy
from outreach.store.models import Case, CaseEvent, Satisfaction

SETTLED = ("resolved", "handed_over")


def may_ask_satisfaction(session: Session, case: Case, now: datetime, policy: Policy) -> bool:
    if case.status not in SETTLED:
        return False  # never while the conversation is still going
    rated = session.execute(select(Satisfaction.id).where(Satisfaction.case_id == case.id)).first()
    return rated is None and not asked_recently(session, case.buyer_id, now, policy)


def asked_recently(session: Session, buyer_id: str, now: datetime, policy: Policy) -> bool:
    since = now - timedelta(hours=policy.limits.satisfaction.quiet_hours)
    buyer_cases = select(Case.id).where(Case.buyer_id == buyer_id).scalar_subquery()
    asked = session.execute(
        select(CaseEvent.id).where(CaseEvent.case_id.in_(buyer_cases), CaseEvent.kind.in_(("satisfaction_asked",
                                                                                          "rated")),
                                   CaseEvent.created_at > since).limit(1)
    ).first()
    return asked is not None


def record_rating(session: Session, case: Case, rating: int, now: datetime) -> None:
    """A rating given to an agent on a call: the same rules as in chat (outreach.cases.survey)."""
    survey.record_rating(session, case, rating, now)


def open_question(session: Session, case: Case, now: datetime, policy: Policy) -> bool:
    """At the end of a settled conversation: ask the satisfaction question, or close without it.

    Returns whether to ask. Asking is recorded (it counts for the quiet time); when the buyer
    was asked within the quiet time, a resolved case closes here instead, with the reason.
    """
    if may_ask_satisfaction(session, case, now, policy):
        events.record(session, case.id, "satisfaction_asked")
        return True
    if case.status == "resolved":
        case.status, case.closed_at, case.closed_reason, case.open_key = "closed", now, "resolved_no_survey", None
        events.record(session, case.id, "satisfaction_skipped",
                      reason=f"buyer asked within {policy.limits.satisfaction.quiet_hours} h")
    return False
