"""The store's clock: the wall clock, except where the demo replays the past (`clock_at`)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from outreach.store.db import session_scope
from outreach.store.models import Buyer
from outreach.store.types import clock_at, utcnow


def test_inside_the_block_the_product_works_at_the_given_time_and_after_it_at_the_wall_clock() -> None:
    past = datetime(2026, 11, 3, 8, 30, tzinfo=timezone.utc)
    with clock_at(past):
        assert utcnow() == past
        with clock_at(past + timedelta(minutes=5)):
            assert utcnow() == past + timedelta(minutes=5)
        assert utcnow() == past
    assert abs(utcnow() - datetime.now(timezone.utc)) < timedelta(seconds=5)


def test_a_time_in_another_zone_is_kept_in_utc_and_a_naive_one_is_refused() -> None:
    shanghai = timezone(timedelta(hours=8))
    with clock_at(datetime(2026, 11, 3, 16, 30, tzinfo=shanghai)):
        assert utcnow() == datetime(2026, 11, 3, 8, 30, tzinfo=timezone.utc) and utcnow().tzinfo == timezone.utc
    with pytest.raises(ValueError, match="naive"):
        with clock_at(datetime(2026, 11, 3, 8, 30)):
            pass


def test_rows_written_inside_the_block_are_dated_then(db: str) -> None:
    past = datetime(2026, 10, 1, 2, 3, 4, tzinfo=timezone.utc)
    with clock_at(past), session_scope() as session:
        session.add(Buyer(id="B-clock", name="张三", phone="13800000000", time_zone="Asia/Shanghai"))
    with session_scope() as session:
        assert session.get(Buyer, "B-clock").created_at == past
