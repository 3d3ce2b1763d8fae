"""The store on both databases: migrations, UTC times, and the constraints the domain relies on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, inspect, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

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


@contextmanager
def statements_sent(session: Session) -> Iterator[list[str]]:
    sent: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _case_row(buyer: str, order: str, key: str, **values: object) -> Case:
    return Case(buyer_id=buyer, order_id=order, open_key=key, suspected_category="spoiled", category="spoiled",
                severity=3, **values)


def test_insert_once_stores_a_row_as_a_flush_would_and_the_second_gets_the_first(any_db: str) -> None:
    from outreach.store.db import insert_once
    from outreach.store.models import Case as CaseRow

    buyer, order = make_order()
    columns = CaseRow.__table__.columns
    # left unset (defaults), set to None (NULL; JSON's null), a JSON value, a time
    values = {"facts": None, "affected_quantity": None, "due_at": None, "handover_reason": "h", "status": "contacted",
              "first_contact_at": datetime(2026, 12, 5, 8, 0, tzinfo=timezone.utc)}
    with session_scope() as session:
        flushed = _case_row(buyer, order, "by-flush", **values)
        session.add(flushed)
        session.flush()
        once, created = insert_once(session, _case_row(buyer, order, "by-insert-once", **values),
                                    lambda: None)
        assert created and once.id != flushed.id and once in session
        assert inspect(once).persistent
        same = [c.key for c in columns if c.key not in ("id", "open_key", "created_at", "due_at")]
        with statements_sent(session) as sent:
            assert [getattr(once, k) for k in same] == [getattr(flushed, k) for k in same]
        assert sent == []  # the row's values are known as after a flush: none is loaded
        assert once.due_at.tzinfo is not None and once.created_at.tzinfo is not None
        raw = {row.open_key: row for row in session.execute(select(*columns).where(
            CaseRow.id.in_([flushed.id, once.id]))).all()}
        assert [getattr(raw["by-insert-once"], k) for k in same] == [getattr(raw["by-flush"], k) for k in same]
        assert raw["by-insert-once"].due_at is not None and raw["by-insert-once"].version == 0

        again, created = insert_once(session, _case_row(buyer, order, "by-insert-once"), lambda: session.execute(
            select(CaseRow).where(CaseRow.open_key == "by-insert-once")).scalar_one())
        assert not created and again is once
        session.add(_case_row(buyer, order, "still-usable"))  # the transaction goes on after the lost race


def test_insert_once_lets_a_conflict_it_was_not_told_about_surface(any_db: str) -> None:
    from outreach.store.db import insert_once

    buyer, order = make_order()
    with session_scope() as session:
        session.add(_case_row(buyer, order, "taken"))
    with pytest.raises(IntegrityError), session_scope() as session:
        insert_once(session, _case_row(buyer, order, "taken"), lambda: None)


def test_concurrent_remedies_for_one_case_record_and_pay_exactly_one(any_db: str) -> None:
    """The ledger without the case's lock: writers racing on the unique key, each in its own
    transaction, all end with the one remedy and the one payment."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from outreach.rules import ledger
    from outreach.rules.engine import Offer
    from outreach.store.models import Payment

    case_id, _buyer, _ = make_case("spoiled")
    offer = Offer(rule_id="spoiled_share_refund", kind="refund_share", amount_fen=11940, needs_approval=False,
                  say="", done="")
    writers = 16
    start = threading.Barrier(writers)

    def record(_: int) -> tuple[int, bool]:
        start.wait(timeout=60)
        with session_scope() as session:
            remedy, created = ledger.execute_once(session, case_id, offer, "race")
            return remedy.id, created

    with ThreadPoolExecutor(max_workers=writers) as pool:
        results = list(pool.map(record, range(writers)))
    assert sum(created for _, created in results) == 1 and len({remedy for remedy, _ in results}) == 1
    with session_scope() as session:
        remedies = session.execute(select(Remedy.id).where(Remedy.case_id == case_id)).scalars().all()
        paid = session.execute(select(Payment.amount_fen).where(Payment.case_id == case_id)).scalars().all()
    assert remedies == [results[0][0]] and paid == [11940]
