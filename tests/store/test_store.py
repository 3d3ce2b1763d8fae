"""The store on both databases: migrations, UTC times, and the constraints the domain relies on."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError, StatementError

from outreach.store.db import get_engine, session_scope
from outreach.store.migrate import current_revision, upgrade
from outreach.store.models import Base, Case, Feedback, InboxMessage, Remedy, Satisfaction
from tests.factories import make_case, make_order


def test_migrations_create_every_table_and_are_idempotent(any_db: str) -> None:
    upgrade(any_db)  # a second upgrade changes nothing
    assert current_revision(any_db) is not None
    tables = set(inspect(get_engine(any_db)).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_times_come_back_as_aware_utc_whatever_zone_went_in(any_db: str) -> None:
    shanghai = timezone(timedelta(hours=8))
    _, order_id = make_order(paid_at=datetime(2026, 11, 20, 21, 5, tzinfo=shanghai))
    with session_scope() as session:
        from outreach.store.models import Order

        paid = session.get(Order, order_id).paid_at
    assert paid.tzinfo is not None and paid.utcoffset() == timedelta(0)
    assert paid == datetime(2026, 11, 20, 13, 5, tzinfo=timezone.utc)


def test_a_naive_time_is_refused(any_db: str) -> None:
    buyer, order = make_order()
    with pytest.raises(StatementError, match="naive datetime"), session_scope() as session:
        session.add(
            Feedback(
                buyer_id=buyer, order_id=order, source="review", text="坏了", created_at=datetime(2026, 11, 20, 12, 0)
            )
        )


def test_one_open_case_per_incident_is_enforced_by_the_database(any_db: str) -> None:
    case_id, buyer, order = make_case("spoiled")
    with pytest.raises(IntegrityError), session_scope() as session:
        session.add(
            Case(
                buyer_id=buyer,
                order_id=order,
                open_key=f"{buyer}:{order}",
                suspected_category="damaged",
                category="damaged",
                severity=3,
            )
        )
    with session_scope() as session:
        session.get(Case, case_id).open_key = None  # closing frees the incident
        session.add(
            Case(
                buyer_id=buyer,
                order_id=order,
                open_key=f"{buyer}:{order}",
                suspected_category="damaged",
                category="damaged",
                severity=3,
            )
        )
    with session_scope() as session:
        assert len(session.execute(select(Case).where(Case.order_id == order)).scalars().all()) == 2


def test_ledger_and_ratings_refuse_a_second_row_and_bad_values(any_db: str) -> None:
    case_id, buyer, _ = make_case("spoiled")
    with session_scope() as session:
        session.add(
            Remedy(
                case_id=case_id,
                idempotency_key="case:1:remedy",
                rule_id="r",
                kind="refund_share",
                amount_fen=100,
                status="executed",
                reason="test",
            )
        )
    for bad in (
        Remedy(
            case_id=case_id,
            idempotency_key="case:1:remedy",
            rule_id="r",
            kind="refund_share",
            amount_fen=100,
            status="executed",
            reason="again",
        ),
        Remedy(
            case_id=case_id,
            idempotency_key="other",
            rule_id="r",
            kind="refund_share",
            amount_fen=-1,
            status="executed",
            reason="negative",
        ),
        Satisfaction(case_id=case_id, buyer_id=buyer, rating=6),
    ):
        with pytest.raises(IntegrityError), session_scope() as session:
            session.add(bad)


def test_chinese_emoji_and_long_text_are_stored_intact(any_db: str) -> None:
    buyer, _ = make_order()
    text = "螃蟹死了😭" + "啊" * 9_990
    with session_scope() as session:
        session.add(
            InboxMessage(buyer_id=buyer, sender="buyer", text=text, buttons=[{"title": "是的", "payload": "/a"}])
        )
    with session_scope() as session:
        stored = session.execute(select(InboxMessage)).scalar_one()
        assert stored.text == text and stored.buttons[0]["title"] == "是的"
