"""Satisfaction inferred from the buyer's last words for every closed case, beside the survey and
never mixed into it: coverage, the inferred rate, and agreement where both exist."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outreach.diagnosis.classifier import Diagnoser
from outreach.diagnosis.registry import load_diagnoser
from outreach.lifecycle.states import EventKind
from outreach.metrics.filters import parse_filters
from outreach.metrics.report import metrics_report
from outreach.store.db import session_scope
from outreach.store.models import CaseEvent, InboxMessage, Satisfaction
from outreach.store.types import utcnow
from tests.factories import make_case


@pytest.fixture(scope="module")
def reader() -> Diagnoser:
    return load_diagnoser()


def closed_case(*words: str, rating: int | None = None) -> int:
    case_id, buyer_id, _ = make_case("spoiled", status="closed")
    now = utcnow()
    with session_scope() as session:
        for n, text in enumerate(words):
            session.add(InboxMessage(buyer_id=buyer_id, case_id=case_id, sender="buyer", text=text,
                                     created_at=now - timedelta(minutes=30 - n)))
        if rating is not None:
            session.add(CaseEvent(case_id=case_id, kind=EventKind.SATISFACTION_ASKED.value, detail={},
                                  created_at=now - timedelta(minutes=10)))
            session.add(InboxMessage(buyer_id=buyer_id, case_id=case_id, sender="buyer", text=f"{rating}分",
                                     created_at=now - timedelta(minutes=9)))
            session.add(Satisfaction(case_id=case_id, buyer_id=buyer_id, rating=rating))
    return case_id


def test_every_closed_case_is_inferred_apart_from_the_survey(db: str, reader: Diagnoser) -> None:
    pleased = closed_case("是的", "好的，谢谢，处理得挺快的", rating=5)
    angry = closed_case("是的", "这么处理我不满意，太敷衍了", rating=1)
    disagree = closed_case("是的", "行，这样可以，谢谢", rating=2)  # words and rating disagree
    unsurveyed = closed_case("是的", "好的没问题了")
    closed_case("Thanks, all good now", rating=4)  # a language the model does not read: not guessed
    report = metrics_report(parse_filters({}), reader=reader)
    inferred, total = report["inferred"], report["total"]
    assert inferred["closed_cases"] == 5 and inferred["inferred"] == 4 and inferred["coverage"] == 80.0
    assert inferred["satisfied"] == 3 and inferred["satisfied_rate"] == 75.0
    assert inferred["both"] == 3 and inferred["agreement"] == 66.7  # pleased and angry agree, one does not
    assert inferred["cases"][str(angry)]["satisfied"] is False
    assert inferred["cases"][str(pleased)]["satisfied"] and inferred["cases"][str(unsurveyed)]["satisfied"]
    assert str(disagree) in inferred["cases"]
    assert total["ratings"] == 4 and total["csat"] == 50.0  # the survey's own figure, untouched


def test_the_rating_answer_is_never_read_as_the_last_words(db: str, reader: Diagnoser) -> None:
    only_rated = closed_case(rating=5)  # the buyer wrote nothing but the answer to the question
    report = metrics_report(parse_filters({}), reader=reader)["inferred"]
    assert str(only_rated) not in report["cases"] and report["coverage"] == 0.0 and report["surveyed"] == 1
