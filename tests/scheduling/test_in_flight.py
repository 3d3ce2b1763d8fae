"""A backlog never floods Rasa: at most `dispatch.max_in_flight` conversations are started at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from outreach.scheduling.dispatch import dispatch_once
from outreach.scheduling.dry_run import waiting
from outreach.scheduling.policy import Policy, policy
from outreach.settings import get_settings
from outreach.store.db import session_scope
from outreach.store.models import Case
from outreach.store.types import utcnow
from tests.scheduling.builders import bulk_due_cases
from tests.scheduling.fake_rasa import FakeRasa

TOKEN = "in-flight-token"


def with_in_flight(limit: int) -> Policy:
    base = policy()
    limits = base.limits.copy(deep=True)
    limits.dispatch.max_in_flight = limit
    return Policy(limits=limits, windows=base.windows, holidays=base.holidays,
                  holidays_cover_until=base.holidays_cover_until)


@pytest.fixture
def rasa(db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRasa]:
    fake = FakeRasa(TOKEN, delay_s=0.05).start()
    monkeypatch.setenv("OUTREACH_RASA_URL", fake.url)
    monkeypatch.setenv("OUTREACH_RASA_TOKEN", TOKEN)
    get_settings.cache_clear()
    try:
        yield fake
    finally:
        fake.stop()
        get_settings.cache_clear()


async def test_a_backlog_is_sent_with_at_most_n_conversations_in_flight(rasa: FakeRasa) -> None:
    bulk_due_cases(40, utcnow())
    summary = await dispatch_once(get_settings(), policy=with_in_flight(3))
    assert summary.contacted == 40
    assert rasa.most_in_flight == 3  # used in parallel, never more


async def test_when_rasa_is_down_every_case_stays_due_and_nothing_is_contacted(rasa: FakeRasa) -> None:
    rasa.status = 503
    bulk_due_cases(10, utcnow())
    summary = await dispatch_once(get_settings())
    assert (summary.contacted, summary.failed) == (0, 10)
    with session_scope() as session:
        statuses = dict(session.execute(select(Case.status, func.count(Case.id)).group_by(Case.status)).all())
        leased = session.execute(select(func.count(Case.id)).where(Case.claimed_by.is_not(None))).scalar_one()
    assert statuses == {"new": 10} and leased == 0
    held = waiting(utcnow())  # what `outreach plan` shows: each case, until when and why
    assert len(held) == 10
    assert all(w["reason"].startswith("Rasa did not accept the message (Rasa answered HTTP 503") for w in held)
