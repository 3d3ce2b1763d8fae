"""The satisfaction survey: ratings in words, the recommendation score, comments, low ratings."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from outreach.cases.conversation import rate, recommend
from outreach.cases.survey import comment_of, parse_recommend
from outreach.diagnosis.numbers import parse_rating
from outreach.store.db import session_scope
from outreach.store.models import Case, Satisfaction
from tests.factories import make_case


@pytest.mark.parametrize("text, rating", [
    ("非常满意", 5), ("还行吧", 3), ("太差劲了", 1), ("五星", 5), ("3分", 3), ("十分满意", 5), ("非常不满意", 1),
    ("不满意", 2), ("一般般", 3), ("只能给一颗星", 1), ("挺满意的，物流快", 4), ("5分 非常满意", 5), ("10分", None),
    ("", None),
])
def test_ratings_are_understood_in_words_and_numbers(text: str, rating: int | None) -> None:
    assert parse_rating(text) == rating


def test_recommendation_scores_and_comments() -> None:
    assert [parse_recommend(t) for t in ("10分", "0", "九分", "11分")] == [10, 0, 9, None]
    assert comment_of("3分，物流太慢了") == "3分，物流太慢了"
    assert comment_of("非常满意") is None and comment_of('/rate{"rating": "5"}') is None


def test_a_low_rating_reopens_the_case_for_a_person(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", status="resolved")
    step = rate(case_id, buyer, 2, "还是臭的")
    assert step.extra["low"] is True
    with session_scope() as session:
        case = session.get(Case, case_id)
        assert case.status == "handed_over" and "low satisfaction rating 2" in case.handover_reason
        assert session.execute(select(Satisfaction.comment)).scalar_one() == "还是臭的"


def test_a_good_rating_closes_and_the_recommendation_is_stored_once(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", status="resolved")
    assert rate(case_id, buyer, 5).extra["low"] is False
    assert recommend(case_id, buyer, 9, "客服很耐心").already_done is False
    assert recommend(case_id, buyer, 3).already_done is True
    with session_scope() as session:
        found = session.execute(select(Satisfaction)).scalar_one()
        assert (found.recommend, found.comment) == (9, "客服很耐心")
        assert session.get(Case, case_id).status == "closed"
