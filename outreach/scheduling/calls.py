"""The call queue for human agents: booking, claiming the most urgent due call, outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from outreach.lifecycle import events, machine
from outreach.lifecycle.consent import is_opted_out
from outreach.lifecycle.states import CaseStatus, EventKind
from outreach.scheduling.capacity import CapacityBook
from outreach.scheduling.limits import NOT_COUNTED, contact_hold, longest_window
from outreach.scheduling.planner import CaseView, Decision, priority
from outreach.scheduling.policy import Policy
from outreach.scheduling.windows import UnknownTimeZone, local_text, next_call_time
from outreach.store.models import Buyer, CallTask, Case, Contact

OUTCOMES = ("reached", "no_answer", "wrong_number", "refused", "opted_out")


class CallError(ValueError):
    """An agent's command cannot be carried out; the message says why and what to do."""


def book_call(session: Session, case: Case, view: CaseView, decision: Decision, now: datetime,
              capacity: CapacityBook, attempt: int = 1) -> CallTask:
    """Queue a call for the agents at the decision's slot, moved on if the team's hour is full."""
    slot = capacity.place(decision.team or "", decision.at or now, view.time_zone, view.severity)
    reason = decision.reason if slot == decision.at else (
        f"{decision.reason}; team {decision.team} full: moved to {local_text(slot, view.time_zone)}")
    task = CallTask(case_id=case.id, buyer_id=case.buyer_id, attempt=attempt, team=decision.team,
                    priority=decision.priority, due_at=slot, status="queued", reason=reason[:300], created_at=now)
    session.add(task)
    case.channel, case.hold_reason = "call", None
    case.claimed_by = case.claimed_until = None
    detail = {"attempt": attempt, "team": decision.team, "at": slot.isoformat(), "reason": reason}
    if case.status == CaseStatus.NEW:
        machine.move(session, case, CaseStatus.CALLING, EventKind.CALL_BOOKED, **detail)
    else:
        events.record(session, case.id, EventKind.CALL_BOOKED, **detail)
    return task


def book_callback(session: Session, case: Case, now: datetime, policy: Policy, reason: str) -> CallTask | None:
    """A person calls back a buyer handed over mid-chat (e.g. a health reaction), once per case.

    Returns the open call task (new or already queued), or None when no call is possible
    (no phone number, unknown time zone, buyer opted out).
    """
    open_task = session.execute(
        select(CallTask).where(CallTask.case_id == case.id, CallTask.status.in_(("queued", "claimed")))
    ).scalars().first()
    if open_task is not None:
        return open_task
    buyer = session.get(Buyer, case.buyer_id)
    if not buyer.phone or is_opted_out(session, case.buyer_id):
        return None
    view = view_for_retry(case, buyer)
    try:
        slot = next_call_time(now, buyer.time_zone, case.severity, policy)
    except UnknownTimeZone:
        return None
    decision = Decision(case_id=case.id, buyer_id=case.buyer_id, action="call", at=slot,
                        team=policy.limits.team_for(case.severity).name, priority=priority(view), reason=reason)
    return book_call(session, case, view, decision, now, CapacityBook.load(session, policy, now),
                     attempt=attempts_made(session, case.id) + 1)


def counted_contacts(session: Session, buyer_id: str, now: datetime) -> list[datetime]:
    return list(session.execute(
        select(Contact.created_at).where(Contact.buyer_id == buyer_id, Contact.created_at > now - longest_window(),
                                         Contact.status.not_in(NOT_COUNTED))
    ).scalars())


@dataclass(frozen=True)
class Claimed:
    task_id: int
    case_id: int


def _postpone(session: Session, task: CallTask, until: datetime, reason: str) -> None:
    task.due_at, task.reason = until, reason[:300]
    events.record(session, task.case_id, EventKind.CALL_POSTPONED, task=task.id, until=until.isoformat(), reason=reason)


def _cancel(session: Session, task: CallTask, reason: str, now: datetime) -> None:
    task.status, task.done_at, task.reason = "cancelled", now, reason[:300]
    events.record(session, task.case_id, EventKind.CALL_CANCELLED, task=task.id, reason=reason)


def _check_still_callable(session: Session, task: CallTask, now: datetime, policy: Policy) -> bool:
    """At claim time: the buyer may still be called right now, or the task is moved or cancelled."""
    case = session.get(Case, task.case_id)
    buyer = session.get(Buyer, task.buyer_id)
    if case.status == CaseStatus.CLOSED or is_opted_out(session, task.buyer_id):
        _cancel(session, task, "case closed or buyer opted out", now)
        return False
    try:
        slot = next_call_time(now, buyer.time_zone, case.severity, policy)
    except UnknownTimeZone as exc:
        _cancel(session, task, str(exc), now)
        return False
    if slot > now:
        _postpone(session, task, slot, f"outside the call window: waits until {local_text(slot, buyer.time_zone)}")
        return False
    hold = contact_hold(counted_contacts(session, task.buyer_id, now), now, policy.limits.contact)
    if hold:
        slot = next_call_time(hold.until, buyer.time_zone, case.severity, policy)
        _postpone(session, task, slot, f"{hold.reason}: waits until {local_text(slot, buyer.time_zone)}")
        return False
    return True


def claim_next(session: Session, agent: str, now: datetime, policy: Policy, team: str | None = None) -> Claimed | None:
    """The most urgent due call, claimed for `agent`; stale claims of absent agents return to the queue."""
    stale = now - timedelta(minutes=policy.limits.calls.claim_timeout_minutes)
    while True:
        query = (
            select(CallTask)
            .where(CallTask.due_at <= now,
                   or_(CallTask.status == "queued", (CallTask.status == "claimed") & (CallTask.claimed_at < stale)))
            .order_by(CallTask.priority.desc(), CallTask.due_at, CallTask.id)
            .limit(20)
            .with_for_update(skip_locked=True)
        )
        if team:
            query = query.where(CallTask.team == team)
        tasks = session.execute(query).scalars().all()
        if not tasks:
            return None
        for task in tasks:
            if _check_still_callable(session, task, now, policy):
                if task.status == "claimed":
                    events.record(session, task.case_id, EventKind.CALL_RECLAIMED, task=task.id,
                                  previous_agent=task.agent)
                task.status, task.agent, task.claimed_at = "claimed", agent, now
                events.record(session, task.case_id, EventKind.CALL_CLAIMED, task=task.id, agent=agent)
                return Claimed(task.id, task.case_id)
        session.flush()  # every candidate was moved or cancelled: look again


def attempts_made(session: Session, case_id: int) -> int:
    return session.execute(
        select(func.count(CallTask.id)).where(CallTask.case_id == case_id, CallTask.status == "done")
    ).scalar_one()


def view_for_retry(case: Case, buyer: Buyer) -> CaseView:
    return CaseView(case_id=case.id, buyer_id=case.buyer_id, status=case.status, severity=case.severity,
                    due_at=case.due_at, order_total_fen=case.order.total_fen, time_zone=buyer.time_zone,
                    phone=buyer.phone, age_band=buyer.age_band, last_app_active_at=buyer.last_app_active_at)


def book_retry(session: Session, task: CallTask, now: datetime, policy: Policy) -> CallTask:
    """The next attempt after no answer, after a growing delay and inside a window."""
    case, buyer = session.get(Case, task.case_id), session.get(Buyer, task.buyer_id)
    delay = timedelta(minutes=policy.limits.calls.retry_delays_minutes[task.attempt - 1])
    view = view_for_retry(case, buyer)
    slot = next_call_time(now + delay, buyer.time_zone, case.severity, policy)
    decision = Decision(case_id=case.id, buyer_id=case.buyer_id, action="call", at=slot, team=task.team,
                        priority=priority(view),
                        reason=f"no answer on attempt {task.attempt}: retry after {delay} in the next window")
    return book_call(session, case, view, decision, now, CapacityBook.load(session, policy, now),
                     attempt=task.attempt + 1)
