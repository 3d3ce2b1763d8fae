"""Reading due cases and everything the planner needs about their buyers, in bulk."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from outreach.lifecycle.states import CaseStatus
from outreach.scheduling.limits import NOT_COUNTED, longest_window
from outreach.scheduling.planner import CaseView
from outreach.scheduling.policy import Policy
from outreach.store.models import Buyer, CallTask, Case, Contact, InboxMessage, OptOut, Order

CHUNK = 5000
S = CaseStatus
# A buyer in one of these keeps other cases waiting (one conversation at a time), for the window.
IN_CONVERSATION = tuple(s.value for s in (S.CONTACTED, S.OFFERING, S.RESOLVED, S.HANDED_OVER, S.CLAIMED,
                                          S.PENDING_APPROVAL))


def due_query(now: datetime, policy: Policy) -> Select:
    """Cases the scheduler must decide on at `now`, most urgent first.

    New cases that are due and not leased by a worker, and cases contacted in the app that
    got no answer within the configured time and have no call yet.
    """
    quiet_since = now - timedelta(minutes=policy.limits.channel.inapp_no_answer_after_minutes)
    answered = exists().where(InboxMessage.case_id == Case.id, InboxMessage.sender == "buyer")
    has_call = exists().where(CallTask.case_id == Case.id)
    new_and_due = and_(
        Case.status == S.NEW.value,
        Case.due_at <= now,
        or_(Case.claimed_until.is_(None), Case.claimed_until < now),
    )
    unanswered = and_(
        Case.status == S.CONTACTED.value,
        Case.channel == "inapp",
        Case.first_contact_at <= quiet_since,
        ~answered,
        ~has_call,
    )
    return (
        select(Case.id, Case.buyer_id, Case.status, Case.severity, Case.due_at, Case.first_contact_at,
               Order.total_fen, Buyer.time_zone, Buyer.phone, Buyer.age_band, Buyer.last_app_active_at,
               Buyer.preferred_channel)
        .join(Buyer, Buyer.id == Case.buyer_id)
        .join(Order, Order.id == Case.order_id)
        .where(or_(new_and_due, unanswered))
        .order_by(Case.severity, Case.due_at, Case.id)
    )


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _buyer_facts(session: Session, buyers: list[str], now: datetime, policy: Policy) -> tuple[
    set[str], dict[str, list[datetime]], dict[str, tuple[int, datetime | None]]
]:
    """Opted-out buyers, counted contacts per buyer, and cases keeping a buyer busy."""
    opted: set[str] = set()
    attempts: dict[str, list[datetime]] = defaultdict(list)
    busy: dict[str, tuple[int, datetime | None]] = {}
    window = timedelta(hours=policy.limits.dispatch.conversation_window_hours)
    for chunk in _chunks(buyers):
        opted.update(session.execute(
            select(OptOut.buyer_id).where(OptOut.buyer_id.in_(chunk), OptOut.revoked_at.is_(None))
        ).scalars())
        for buyer_id, at in session.execute(
            select(Contact.buyer_id, Contact.created_at).where(
                Contact.buyer_id.in_(chunk), Contact.created_at > now - longest_window(),
                Contact.status.not_in(NOT_COUNTED),
            )
        ):
            attempts[buyer_id].append(at)
        for case_id, buyer_id, status, first_contact in session.execute(
            select(Case.id, Case.buyer_id, Case.status, Case.first_contact_at).where(
                Case.buyer_id.in_(chunk),
                or_(
                    and_(Case.status.in_(IN_CONVERSATION), Case.first_contact_at > now - window),
                    Case.status == S.CALLING.value,
                    Case.claimed_until > now,
                ),
            )
        ):
            until = first_contact + window if status in IN_CONVERSATION and first_contact else None
            busy.setdefault(buyer_id, (case_id, until))
    return opted, attempts, busy


def _calls_made(session: Session, case_ids: list[int]) -> dict[int, int]:
    made: dict[int, int] = {}
    for chunk in _chunks(case_ids):
        made.update(session.execute(
            select(CallTask.case_id, func.count(CallTask.id)).where(
                CallTask.case_id.in_(chunk), CallTask.status == "done"
            ).group_by(CallTask.case_id)
        ).all())
    return made


def build_views(session: Session, rows: Iterable, now: datetime, policy: Policy,
                first_in_batch: dict[str, int] | None = None) -> list[CaseView]:
    """CaseViews for due rows (from due_query), in the rows' order.

    A buyer appears once per batch: later cases of the same buyer are marked busy with
    the first, so a buyer is never approached about two cases at once.
    """
    rows = list(rows)
    opted, attempts, busy = _buyer_facts(session, sorted({r[1] for r in rows}), now, policy)
    made = _calls_made(session, [r[0] for r in rows if r[2] == S.CONTACTED])
    views: list[CaseView] = []
    first_in_batch = {} if first_in_batch is None else first_in_batch
    no_attempts: tuple[datetime, ...] = ()
    # Plain tuple unpacking: attribute access on 100,000 rows costs more than the planning.
    for (case_id, buyer_id, status, severity, due_at, first_contact, total_fen, time_zone, phone, age_band,
         last_active, preferred) in rows:
        busy_with, busy_until = busy.get(buyer_id, (None, None))
        if busy_with == case_id:
            busy_with = busy_until = None
        if busy_with is None:
            busy_with = first_in_batch.setdefault(buyer_id, case_id)
            if busy_with == case_id:
                busy_with = None
        contacted = status == S.CONTACTED
        buyer_attempts = attempts.get(buyer_id)
        views.append(CaseView(
            case_id, buyer_id, status, severity, due_at, total_fen, time_zone, phone, age_band, last_active,
            preferred, buyer_id in opted, busy_with, busy_until,
            tuple(buyer_attempts) if buyer_attempts else no_attempts,
            first_contact if contacted else None, made.get(case_id, 0) if contacted else 0,
        ))
    return views
