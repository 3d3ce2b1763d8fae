"""The case's statuses, the kinds of event in its trail, and the one table of allowed moves.

Every module that changes a case's status asks `outreach.lifecycle.machine.move`, which
refuses any move this table does not list. docs/architecture.md draws the table.
"""

from __future__ import annotations

from enum import Enum


class CaseStatus(str, Enum):
    NEW = "new"  # flagged, waiting for the scheduler
    CALLING = "calling"  # a call is booked for an agent
    CONTACTED = "contacted"  # the bot opened the chat, or the buyer was reached by phone
    OFFERING = "offering"  # the bot offers a remedy the rules allow
    HANDED_OVER = "handed_over"  # waits in the agents' queue; the bot stays silent
    CLAIMED = "claimed"  # a person owns it (cases.agent); the bot stays silent
    PENDING_APPROVAL = "pending_approval"  # a remedy above the automatic cap waits for a lead
    RESOLVED = "resolved"  # settled: the remedy is carried out, the rating question may be open
    CLOSED = "closed"  # rated, closed by a person, refused or opted out; closed_reason says which

    def __str__(self) -> str:
        return self.value


S = CaseStatus

# The only moves a case can make. A status missing on the right of its own row cannot be
# "moved" to itself: a same-status move is a no-op refused like any other unlisted move.
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.NEW: frozenset({S.CALLING, S.CONTACTED, S.OFFERING, S.HANDED_OVER, S.RESOLVED, S.CLOSED}),
    S.CALLING: frozenset({S.NEW, S.CONTACTED, S.HANDED_OVER, S.RESOLVED, S.PENDING_APPROVAL, S.CLOSED}),
    S.CONTACTED: frozenset({S.NEW, S.CALLING, S.OFFERING, S.HANDED_OVER, S.RESOLVED, S.PENDING_APPROVAL,
                            S.CLOSED}),
    S.OFFERING: frozenset({S.OFFERING, S.HANDED_OVER, S.RESOLVED, S.PENDING_APPROVAL, S.CLOSED}),
    S.HANDED_OVER: frozenset({S.CLAIMED, S.RESOLVED, S.PENDING_APPROVAL, S.CLOSED}),
    S.CLAIMED: frozenset({S.CLAIMED, S.HANDED_OVER, S.RESOLVED, S.PENDING_APPROVAL, S.CLOSED}),
    S.PENDING_APPROVAL: frozenset({S.RESOLVED, S.HANDED_OVER, S.CLAIMED, S.CLOSED}),
    S.RESOLVED: frozenset({S.HANDED_OVER, S.CLOSED}),
    S.CLOSED: frozenset({S.HANDED_OVER}),  # reopened for a person (a low rating after closing)
}

OPEN = frozenset(s for s in CaseStatus if s is not S.CLOSED)
PERSON_HOLDS = frozenset({S.HANDED_OVER, S.CLAIMED, S.PENDING_APPROVAL})  # the bot stays silent
NOT_SETTLED = frozenset({S.NEW, S.CALLING, S.CONTACTED, S.OFFERING})  # the bot or the scheduler works on it
RATABLE = frozenset({S.RESOLVED, S.HANDED_OVER, S.CLAIMED})  # the satisfaction question may be answered


class EventKind(str, Enum):
    """What a case's trail (case_events.kind) records."""

    OPENED = "opened"
    FEEDBACK_ATTACHED = "feedback_attached"
    SEVERITY_RAISED = "severity_raised"
    CHANNEL_CHOSEN = "channel_chosen"
    HELD = "held"
    CALL_BOOKED = "call_booked"
    CALL_CLAIMED = "call_claimed"
    CALL_RECLAIMED = "call_reclaimed"
    CALL_POSTPONED = "call_postponed"
    CALL_CANCELLED = "call_cancelled"
    CALL_REACHED = "call_reached"
    CALL_NO_ANSWER = "call_no_answer"
    CALL_WRONG_NUMBER = "call_wrong_number"
    CALL_REFUSED = "call_refused"
    CALL_OPTED_OUT = "call_opted_out"
    CONTACTED = "contacted"
    CONTACT_FAILED = "contact_failed"
    CONVERSATION_OPENED = "conversation_opened"
    ACCESS_REFUSED = "access_refused"
    PROBLEM_CONFIRMED = "problem_confirmed"
    PROBLEM_CORRECTED = "problem_corrected"
    CORRECTED = "corrected"
    ISSUE_NAMED = "issue_named"
    MORE_PROBLEMS = "more_problems"  # the buyer named several problems: the others follow this one
    FACTS_MISSING = "facts_missing"
    AFFECTED_QUANTITY = "affected_quantity"
    WEIGHED = "weighed"
    OFFERED = "offered"
    DECLINED = "declined"
    REMEDY_EXECUTED = "remedy_executed"
    REMEDY_PENDING_APPROVAL = "remedy_pending_approval"
    REMEDY_APPROVED = "remedy_approved"
    REMEDY_REJECTED = "remedy_rejected"
    HANDED_OVER = "handed_over"
    REOPENED = "reopened"
    CLAIMED = "claimed"
    TAKEN_OVER = "taken_over"
    RELEASED = "released"
    AGENT_REPLIED = "agent_replied"
    WAIT_ACKNOWLEDGED = "wait_acknowledged"
    HANDED_BACK = "handed_back"
    SATISFACTION_ASKED = "satisfaction_asked"
    SATISFACTION_SKIPPED = "satisfaction_skipped"
    RATED = "rated"
    RECOMMEND_ANSWERED = "recommend_answered"
    CLOSED = "closed"
    CLOSED_OPTED_OUT = "closed_opted_out"
    OPTED_OUT = "opted_out"
    OPTED_IN = "opted_in"
    LOOK_DECIDED = "look_decided"
    PHONE_REVEALED = "phone_revealed"
    STAFF_ACTION = "staff_action"  # the agent API's audit line for every call

    def __str__(self) -> str:
        return self.value


def remedy_event(remedy_status: str) -> EventKind:
    """The trail's kind for a remedy in a ledger status (executed, pending_approval, approved, rejected)."""
    return EventKind("remedy_" + remedy_status)


def allowed(current: CaseStatus | str, target: CaseStatus | str) -> bool:
    try:
        return CaseStatus(target) in TRANSITIONS[CaseStatus(current)]
    except ValueError:
        return False


def human_owns(case: tuple[int, str] | None) -> bool:
    """True while the buyer's active case (inbox.messages.active_case: id and status) waits for, or
    is with, a person (handed over, claimed, or its remedy waiting for a lead): the bot stays silent."""
    return case is not None and case[1] in PERSON_HOLDS
