"""What an agent's call outcome does to the case. Each outcome is recorded once per call.

reached      the buyer talked: a remedy the rules allow is recorded as in chat, or the
             agent keeps the case (handed over to a person)
no_answer    another attempt after a growing delay; after the last, in-app chat instead
wrong_number in-app chat instead (or a person, if chat was already tried)
refused      the buyer does not want help: the case closes
opted_out    the buyer wants no contact: every channel stops at once, for good
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from outreach.lifecycle import consent, events, machine
from outreach.lifecycle.rating import may_ask, record_rating
from outreach.lifecycle.remedies import carry_out
from outreach.lifecycle.states import PERSON_HOLDS, CaseStatus, EventKind
from outreach.rules.engine import quote
from outreach.rules.facts import case_facts
from outreach.rules.loader import rules
from outreach.scheduling.calls import OUTCOMES, CallError, book_retry
from outreach.scheduling.policy import Policy
from outreach.store.models import CallTask, Case, Contact

S = CaseStatus


@dataclass
class CallResult:
    task_id: int
    case_id: int
    outcome: str
    case_status: str
    next_step: str
    already_done: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _fall_back_to_inapp(session: Session, case: Case, reason: str, now: datetime) -> str:
    if case.first_contact_at is not None:  # chat was tried already: a person decides
        if case.status not in PERSON_HOLDS:
            machine.hand_over(session, case, reason)
        return "handed over to a person: " + reason
    case.channel, case.due_at, case.hold_reason = "inapp", now, None
    if case.status == S.NEW:
        events.record(session, case.id, EventKind.CHANNEL_CHOSEN, channel="inapp", reason=reason)
    else:
        machine.move(session, case, S.NEW, EventKind.CHANNEL_CHOSEN, channel="inapp", reason=reason)
    return "in-app chat instead: " + reason


def _reached(session: Session, case: Case, remedy_rule: str | None, agent: str, now: datetime) -> tuple[str, dict]:
    case.first_contact_at = case.first_contact_at or now
    if case.status in (S.NEW, S.CALLING):
        machine.move(session, case, S.CONTACTED, EventKind.CONTACTED, channel="call", agent=agent)
    if remedy_rule is None:
        if case.status not in PERSON_HOLDS:
            machine.hand_over(session, case, "reached by phone; the agent follows up")
        return "the agent owns the case (no remedy recorded)", {}
    offers = quote(case_facts(session, case), rules()).offers
    offer = next((o for o in offers if o.rule_id == remedy_rule), None)
    if offer is None:
        allowed = ", ".join(o.rule_id for o in offers) or "none"
        raise CallError(f"remedy {remedy_rule!r} is not allowed for case {case.id}; the rules allow: {allowed}")
    remedy, _ = carry_out(session, case, offer, f"agreed by phone under rule {offer.rule_id}", channel="call",
                          by=agent, now=now)
    if remedy.status == "pending_approval":
        return "remedy waits for approval by a person", {"rule": remedy.rule_id, "amount_fen": remedy.amount_fen}
    return "remedy recorded", {"rule": remedy.rule_id, "amount_fen": remedy.amount_fen}


def finish_call(session: Session, task_id: int, outcome: str, notes: str, agent: str, now: datetime,
                policy: Policy, remedy_rule: str | None = None, rating: int | None = None) -> CallResult:
    if outcome not in OUTCOMES:
        raise CallError(f"unknown outcome {outcome!r}; use one of {', '.join(OUTCOMES)}")
    task = session.get(CallTask, task_id, with_for_update=True)
    if task is None:
        raise CallError(f"no call {task_id}; `outreach calls next` shows the next one")
    case = session.get(Case, task.case_id, with_for_update=True)
    if task.status == "done":
        if task.outcome != outcome:
            raise CallError(f"call {task_id} was already recorded as {task.outcome}; it cannot become {outcome}")
        return CallResult(task.id, case.id, outcome, case.status, "nothing: already recorded", already_done=True)
    if task.status != "claimed":
        raise CallError(f"call {task_id} is {task.status}; claim a call with `outreach calls next` first")
    task.status, task.outcome, task.notes, task.done_at = "done", outcome, notes[:2000], now
    session.add(Contact(case_id=case.id, buyer_id=case.buyer_id, channel="call", status=outcome,
                        detail=f"agent {agent}: {notes}"[:500], created_at=now))
    events.record(session, case.id, EventKind("call_" + outcome), task=task.id, agent=agent, attempt=task.attempt,
                  notes=notes)
    extra: dict[str, Any] = {}
    if outcome == "reached":
        next_step, extra = _reached(session, case, remedy_rule, agent, now)
        if rating is not None:
            if not may_ask(session, case, now, policy.limits.satisfaction.quiet_hours):
                raise CallError("the satisfaction question may not be asked on this case now (asked in the "
                                f"last {policy.limits.satisfaction.quiet_hours} h, or already rated)")
            record_rating(session, case, rating, now)
            next_step += f"; rated {rating}"
    elif outcome == "no_answer":
        if task.attempt < policy.limits.calls.max_attempts:
            retry = book_retry(session, task, now, policy)
            next_step = f"attempt {retry.attempt} booked for {retry.due_at.isoformat()}"
        else:
            next_step = _fall_back_to_inapp(session, case, f"{task.attempt} calls unanswered", now)
    elif outcome == "wrong_number":
        next_step = _fall_back_to_inapp(session, case, "wrong phone number", now)
    elif outcome == "refused":
        machine.close(session, case, "refused_by_buyer", EventKind.CLOSED, now, note="buyer refused help on the phone")
        next_step = "case closed"
    else:
        consent.opt_out(session, case.buyer_id, notes or "opted out on the phone", now)
        next_step = "every channel stopped for this buyer"
    return CallResult(task.id, case.id, outcome, case.status, next_step, extra=extra)
