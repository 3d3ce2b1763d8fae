"""Column types shared by the models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.types import DateTime, TypeDecorator


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, hands back aware UTC; refuses naive input so no local time slips in."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store times as aware datetimes in UTC")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


# The time the product works at: the wall clock, except inside `clock_at` (the demo replays the
# weeks before it through the product's own code, at the times they happened).
_REPLAYED: ContextVar[datetime | None] = ContextVar("outreach_replayed_time", default=None)


def utcnow() -> datetime:
    replayed = _REPLAYED.get()
    return replayed if replayed is not None else datetime.now(timezone.utc)


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Within the block (this thread or task only), `utcnow()` is `moment`: what the product does
    there is stored as done then."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: give the time in UTC")
    token = _REPLAYED.set(moment.astimezone(timezone.utc))
    try:
        yield
    finally:
        _REPLAYED.reset(token)


# The years a time the assistant works with may lie in: orders, feedback, `outreach plan --at`.
# Checked before any arithmetic, so year 1 or 9999 (where a time zone's offset or a day added
# leaves the datetime range) is an error message, not an OverflowError.
SUPPORTED_YEARS = range(2000, 2100)


def check_year(moment: datetime) -> datetime:
    """`moment` if its year is supported; else ValueError saying which years are."""
    if moment.year not in SUPPORTED_YEARS:
        raise ValueError(f"year {moment.year:04d} is outside {SUPPORTED_YEARS[0]}-{SUPPORTED_YEARS[-1]}; "
                         "check the date")
    return moment
