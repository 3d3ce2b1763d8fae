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

from outreach.cases import events
from outreach.cases.conversation import close_for_opt_out, record_opt_out
from outreach.cases.facts import case_facts
from outreach.rules import ledger
from outreach.rules.engine import quote, yuan
from outreach.rules.loader import rules
from outreach.scheduling.calls import OUTCOMES, CallError, book_retry
from outreach.scheduling.policy import Policy
from outreach.scheduling.satisfaction import may_ask_satisfaction, record_rating
from outreach.store.models import CallTask, Case, Contact


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
        case.status, case.handover_reason = "handed_over", reason[:300]
        events.record(session, case.id, "handed_over", reason=reason)
        return "handed over to a person: " + reason
    case.status, case.channel, case.due_at, case.hold_reason = "new", "inapp", now, None
    events.record(session, case.id, "channel_chosen", channel="inapp", reason=reason)
    return "in-app chat instead: " + reason


def _reached(session: Session, case: Case, remedy_rule: str | None, now: datetime) -> tuple[str, dict]:
    case.first_contact_at = case.first_contact_at or now
    if case.status in ("new", "calling"):
        case.status = "contacted"
    if remedy_rule is None:
        case.status, case.handover_reason = "handed_over", "reached by phone; the agent follows up"
        events.record(session, case.id, "handed_over", reason=case.handover_reason)
        return "the agent owns the case (no remedy recorded)", {}
    offers = quote(case_facts(session, case), rules()).offers
    offer = next((o for o in offers if o.rule_id == remedy_rule), None)
    if offer is None:
        allowed = ", ".join(o.rule_id for o in offers) or "none"
        raise CallError(f"remedy {remedy_rule!r} is not allowed for case {case.id}; the rules allow: {allowed}")
    remedy, created = ledger.execute_once(session, case.id, offer, f"agreed by phone under rule {offer.rule_id}")
    events.record(session, case.id, "remedy_" + remedy.status, rule=remedy.rule_id, amount_fen=remedy.amount_fen,
                  created=created, channel="call")
    if remedy.status == "pending_approval":
        case.status, case.handover_reason = "handed_over", f"remedy of {yuan(remedy.amount_fen)} yuan needs approval"
        return "remedy waits for approval by a person", {"rule": remedy.rule_id, "amount_fen": remedy.amount_fen}
    case.status, case.resolved_at = "resolved", now
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
    events.record(session, case.id, "call_" + outcome, task=task.id, agent=agent, attempt=task.attempt, notes=notes)
    extra: dict[str, Any] = {}
    if outcome == "reached":
        next_step, extra = _reached(session, case, remedy_rule, now)
        if rating is not None:
            if not may_ask_satisfaction(session, case, now, policy):
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
        case.status, case.closed_at, case.closed_reason, case.open_key = "closed", now, "refused_by_buyer", None
        events.record(session, case.id, "closed", reason="buyer refused help on the phone")
        next_step = "case closed"
    else:
        record_opt_out(session, case.buyer_id, notes or "opted out on the phone")
        close_for_opt_out(session, case.buyer_id, now)
        next_step = "every channel stopped for this buyer"
    return CallResult(task.id, case.id, outcome, case.status, next_step, extra=extra)
