"""The satisfaction question: once per settled case, never to the same buyer again within 48 hours."""

from __future__ import annotations

from sqlalchemy import select

from outreach.cases.conversation import accept, choose_problem, rate
from outreach.store.db import session_scope
from outreach.store.models import Case, CaseEvent
from tests.factories import make_case


def settle(case_id: int, buyer_id: str) -> dict:
    choose_problem(case_id, buyer_id, "spoiled", "confirmed")
    return accept(case_id, buyer_id, 0).extra


def test_the_second_settled_case_within_48_hours_closes_without_asking_again(db: str) -> None:
    first, buyer, _ = make_case("spoiled", quantity=1)
    second, _, _ = make_case("spoiled", quantity=1, buyer_id=buyer)
    assert settle(first, buyer)["ask_rating"] is True
    assert rate(first, buyer, 5).kind == "rated"
    assert settle(second, buyer)["ask_rating"] is False
    with session_scope() as session:
        case = session.get(Case, second)
        assert (case.status, case.closed_reason, case.open_key) == ("closed", "resolved_no_survey", None)
        skipped = session.execute(select(CaseEvent.detail).where(
            CaseEvent.case_id == second, CaseEvent.kind == "satisfaction_skipped")).scalar_one()
    assert skipped == {"reason": "buyer asked within 48 h"}
    assert rate(second, buyer, 1).kind == "closed"  # a late rating changes nothing


def test_another_buyer_is_asked_as_usual(db: str) -> None:
    first, buyer, _ = make_case("spoiled", quantity=1)
    other, other_buyer, _ = make_case("spoiled", quantity=1)
    assert settle(first, buyer)["ask_rating"] is True
    assert settle(other, other_buyer)["ask_rating"] is True
