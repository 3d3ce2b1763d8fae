"""A scheduler worker that dies after the bot's opening reached the buyer leaves a lease on a
case the buyer then moves on (answers, is handed over, opts out): the next pass after the
lease ran out records the contact once and frees the case."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from outreach.inbox.messages import append
from outreach.scheduling.dispatch import dispatch_once
from outreach.settings import get_settings
from outreach.store.db import session_scope
from outreach.store.models import Case, CaseEvent, Contact
from outreach.store.types import utcnow
from tests.factories import make_case

LEASE = timedelta(seconds=25)


def left_by_dead_worker(status: str, delivered: bool) -> int:
    """A case leased by a worker that died mid-send; the buyer has since moved it to `status`."""
    case_id, buyer, _ = make_case("spoiled", status="new", contacted=False)
    now = utcnow()
    with session_scope() as session:
        case = session.get(Case, case_id)
        case.claimed_by, case.claimed_until, case.first_contact_at = "host:999999", now + LEASE, now
        if delivered:
            append(session, buyer, "bot", "您好，我是平台客服小助手……是这个问题吗？", case_id=case_id)
        case.status = status
    return case_id


def state(case_id: int) -> tuple[str | None, list[str], int]:
    with session_scope() as session:
        case = session.get(Case, case_id)
        contacts = session.execute(select(Contact.status).where(Contact.case_id == case_id)).scalars().all()
        contacted_events = session.execute(
            select(CaseEvent.id).where(CaseEvent.case_id == case_id, CaseEvent.kind == "contacted")
        ).all()
        return case.claimed_by, list(contacts), len(contacted_events)


async def test_the_contact_of_a_case_answered_during_a_dead_workers_lease_is_recorded_once(db: str) -> None:
    answered = left_by_dead_worker("offering", delivered=True)
    settings, start = get_settings(), utcnow()

    await dispatch_once(settings, now=start + LEASE / 2)
    assert state(answered) == ("host:999999", [], 0)  # the lease still runs: maybe the worker lives

    for later in (LEASE * 2, LEASE * 3):
        await dispatch_once(settings, now=start + later)
        assert state(answered) == (None, ["accepted"], 1)


async def test_a_dead_workers_lease_on_a_case_closed_before_any_delivery_is_freed_without_a_contact(
    db: str,
) -> None:
    closed = left_by_dead_worker("closed", delivered=False)
    await dispatch_once(get_settings(), now=utcnow() + LEASE * 2)
    assert state(closed) == (None, [], 0)
