"""The satisfaction question: once per case, only once the case is settled, never while a
conversation is still going, never to an opted-out buyer (except at the end of a conversation
the buyer started themselves after opting out: it is their own conversation, not a contact),
and never to the same buyer again within the quiet time (limits.yml: satisfaction.quiet_hours,
passed in by the caller)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter

from outreach.lifecycle import consent, events, machine
from outreach.lifecycle.states import PERSON_HOLDS, RATABLE, CaseStatus, EventKind
from outreach.store.models import Case, CaseEvent, OptOut, Satisfaction

LOW_RATING = 2  # a rating of 1 or 2 reopens the case for a person, as the best help desks do
# A low rating corrected this soon after it was given ("手滑点错了 是4分") is taken back, while no person
# has taken the case yet.
CORRECTION_MINUTES = 30
MAX_COMMENT_CHARS = 500


def may_ask(session: Session, case: Case, now: datetime, quiet_hours: int) -> bool:
    if CaseStatus(case.status) not in RATABLE:
        return False  # never while the conversation is still going
    opted_out, rated, asked = session.execute(_MAY_ASK, {
        "buyer_id": case.buyer_id, "case_id": case.id, "since": now - timedelta(hours=quiet_hours)}).one()
    if opted_out and not _started_by_buyer_since_opt_out(session, case):
        return False
    return not (rated or asked)


def _started_by_buyer_since_opt_out(session: Session, case: Case) -> bool:
    """Whether the buyer opened this case's conversation themselves after their latest opt-out
    in force (asked only for an opted-out buyer, so the extra reads are rare)."""
    opted_at = session.execute(
        select(func.max(OptOut.created_at)).where(OptOut.buyer_id == case.buyer_id, OptOut.revoked_at.is_(None))
    ).scalar_one_or_none()
    opened = session.execute(
        select(CaseEvent.detail, CaseEvent.created_at)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == EventKind.CONVERSATION_OPENED.value)
    ).all()
    return opted_at is not None and any(
        (detail or {}).get("started_by") == "buyer" and created_at >= opted_at for detail, created_at in opened)


def _asked_since(buyer_id: str | BindParameter, since: datetime | BindParameter) -> Select:
    buyer_cases = select(Case.id).where(Case.buyer_id == buyer_id).scalar_subquery()
    return select(CaseEvent.id).where(CaseEvent.case_id.in_(buyer_cases),
                                      CaseEvent.kind.in_((EventKind.SATISFACTION_ASKED.value, EventKind.RATED.value)),
                                      CaseEvent.created_at > since)


# Not opted out, not rated, not asked within the quiet time: one statement, not three. Built once:
# a statement built per call costs more CPU than its round trip.
_MAY_ASK = select(
    exists(consent.opt_outs_of(bindparam("buyer_id"))),
    exists(select(Satisfaction.id).where(Satisfaction.case_id == bindparam("case_id"))),
    exists(_asked_since(bindparam("buyer_id"), bindparam("since"))),
)


def asked_recently(session: Session, buyer_id: str, now: datetime, quiet_hours: int) -> bool:
    since = now - timedelta(hours=quiet_hours)
    return session.execute(_asked_since(buyer_id, since).limit(1)).first() is not None


def open_question(session: Session, case: Case, now: datetime, quiet_hours: int) -> bool:
    """At the end of a settled conversation: ask the satisfaction question, or close without it.

    Returns whether to ask. Asking is recorded (it counts for the quiet time); when the buyer
    may not be asked, a resolved case closes here instead, with the reason.
    """
    if may_ask(session, case, now, quiet_hours):
        events.record(session, case.id, EventKind.SATISFACTION_ASKED)
        return True
    if CaseStatus(case.status) is CaseStatus.RESOLVED:
        machine.close(session, case, "resolved_no_survey", EventKind.CLOSED, now)
        events.record(session, case.id, EventKind.SATISFACTION_SKIPPED,
                      reason=f"buyer asked within {quiet_hours} h")
    return False


def record_rating(session: Session, case: Case, rating: int, now: datetime, comment: str | None = None) -> bool:
    """Store the rating once. Returns True when the rating is low and the case went to a person."""
    if not 1 <= rating <= 5:
        raise ValueError(f"rating {rating} is outside 1-5")
    session.add(Satisfaction(case_id=case.id, buyer_id=case.buyer_id, rating=rating, created_at=now,
                             comment=comment[:MAX_COMMENT_CHARS] if comment else None))
    events.record(session, case.id, EventKind.RATED, rating=rating, comment=bool(comment))
    status = CaseStatus(case.status)
    if rating <= LOW_RATING:
        reason = f"low satisfaction rating {rating}: a person follows up"
        if status in PERSON_HOLDS:  # a person has it already: they see why
            case.handover_reason = reason
            events.record(session, case.id, EventKind.HANDED_OVER, reason=reason)
        else:
            machine.hand_over(session, case, reason)
        return True
    if status is CaseStatus.RESOLVED:
        machine.close(session, case, "rated", EventKind.CLOSED, now)
    return False


def correct_low_rating(session: Session, case: Case, rating: int, now: datetime, text: str) -> bool:
    """A low rating the buyer says was a slip, corrected to a content one while the case waits for a
    person because of it: the rating is replaced, the case closes as rated, and the correction is
    recorded with the buyer's words. False (nothing changed) when a person has the case already, the
    case went to a person for another reason, the rating is old, or the new one is low too."""
    if not LOW_RATING < rating <= 5 or CaseStatus(case.status) is not CaseStatus.HANDED_OVER:
        return False
    found = session.execute(select(Satisfaction).where(Satisfaction.case_id == case.id)).scalar_one_or_none()
    if found is None or found.rating > LOW_RATING or not (case.handover_reason or "").startswith("low satisfaction") \
            or now - found.created_at > timedelta(minutes=CORRECTION_MINUTES):
        return False
    was, found.rating = found.rating, rating
    events.record(session, case.id, EventKind.RATING_CORRECTED, was=was, rating=rating, text=text[:200])
    machine.close(session, case, "rated", EventKind.CLOSED, now)
    return True


def correct_rating(session: Session, case: Case, rating: int, now: datetime, text: str) -> bool:
    """A rating the buyer takes back in their next words ("啊说错了 是满意 还没到非常的程度" after
    非常满意), soon after it closed the case (CORRECTION_MINUTES): the rating is replaced and the
    correction recorded with the buyer's words; a low one sends the case to a person, as a low rating
    does. False (nothing changed) when the case was not closed by its rating, the rating is the same
    or old, or there is none."""
    if not 1 <= rating <= 5 or CaseStatus(case.status) is not CaseStatus.CLOSED or case.closed_reason != "rated":
        return False
    found = session.execute(select(Satisfaction).where(Satisfaction.case_id == case.id)).scalar_one_or_none()
    if found is None or found.rating == rating or now - found.created_at > timedelta(minutes=CORRECTION_MINUTES):
        return False
    was, found.rating = found.rating, rating
    events.record(session, case.id, EventKind.RATING_CORRECTED, was=was, rating=rating, text=text[:200])
    if rating <= LOW_RATING:
        machine.hand_over(session, case, f"low satisfaction rating {rating} (corrected from {was}): "
                                         "a person follows up")
    return True
