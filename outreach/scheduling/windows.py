"""Call windows in the buyer's time zone: is a call allowed now, and if not, from when.

All inputs and outputs are aware UTC datetimes; the buyer's zone is used only inside.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from outreach.scheduling.policy import Policy

SEARCH_DAYS = 400  # a year of holidays cannot close every window


class UnknownTimeZone(ValueError):
    """The buyer's time zone is not an IANA name: no call can be placed safely."""


@lru_cache(maxsize=1024)
def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UnknownTimeZone(f"unknown time zone {name!r}: set an IANA name such as Asia/Shanghai") from exc


def _local(day: date, clock: object, tz: ZoneInfo) -> datetime:
    """A wall-clock time on a local day, normalised through UTC (a time skipped by DST moves on)."""
    naive = datetime.combine(day, clock)  # type: ignore[arg-type]
    return naive.replace(tzinfo=tz).astimezone(timezone.utc).astimezone(tz)


def blocked_day(day: date, severity: int, policy: Policy) -> bool:
    return day in policy.holidays and policy.windows.holiday_applies(severity)


def next_call_time(now: datetime, tz_name: str | None, severity: int, policy: Policy) -> datetime:
    """The earliest moment at or after `now` (UTC) when this buyer may be called, in UTC."""
    tz = zone(tz_name)
    local_now = now.astimezone(tz)
    for offset in range(SEARCH_DAYS):
        day = local_now.date() + timedelta(days=offset)
        if blocked_day(day, severity, policy):
            continue
        for window in policy.windows.windows:
            start, end = _local(day, window.start, tz), _local(day, window.end, tz)
            if local_now < end and start < end:
                return max(start, local_now).astimezone(timezone.utc)
    raise ValueError(f"no call window in the next {SEARCH_DAYS} days: check call_windows.yml and holidays.yml")


def may_call_at(moment: datetime, tz_name: str | None, severity: int, policy: Policy) -> bool:
    return next_call_time(moment, tz_name, severity, policy) == moment.astimezone(timezone.utc)


def local_text(moment: datetime, tz_name: str | None) -> str:
    """A UTC moment as the buyer's wall clock, for people: '2026-12-01 20:55 (Asia/Shanghai)'."""
    return f"{moment.astimezone(zone(tz_name)):%Y-%m-%d %H:%M} ({tz_name})"
