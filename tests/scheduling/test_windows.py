"""Call windows with a frozen clock: buyers' time zones, midnight, the noon pause, holidays, DST."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from outreach.scheduling.planner import CaseView, decide
from outreach.scheduling.policy import Holiday, Holidays, build_policy, load_call_windows, load_limits
from outreach.scheduling.windows import UnknownTimeZone, may_call_at, next_call_time

ZONES = ["Asia/Shanghai", "Asia/Urumqi", "Europe/Berlin", "America/Los_Angeles"]
NATIONAL_DAY = [date(2026, 10, d) for d in range(1, 8)]


def policy_with(holidays: list[date]):  # noqa: ANN201
    return build_policy(load_limits(), load_call_windows(),
                        Holidays(covers_until=date(2026, 12, 31),
                                 holidays=[Holiday(date=d, name="假日") for d in holidays]))


POLICY = policy_with(NATIONAL_DAY)


def local(text: str, zone: str) -> datetime:
    """A buyer's wall-clock time as aware UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def next_local(text: str, zone: str, severity: int = 3) -> str:
    moment = next_call_time(local(text, zone), zone, severity, POLICY)
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("zone", ZONES)
def test_a_call_inside_the_window_is_placed_at_once(zone: str) -> None:
    assert next_local("2026-12-01 10:30", zone) == "2026-12-01 10:30"
    assert next_local("2026-12-01 20:59", zone) == "2026-12-01 20:59"


@pytest.mark.parametrize("zone", ZONES)
def test_the_evening_waits_for_nine_the_next_morning_across_midnight(zone: str) -> None:
    assert next_local("2026-12-01 21:00", zone) == "2026-12-02 09:00"
    assert next_local("2026-12-01 23:59", zone) == "2026-12-02 09:00"
    assert next_local("2026-12-02 00:00", zone) == "2026-12-02 09:00"
    assert next_local("2026-12-02 08:59", zone) == "2026-12-02 09:00"


@pytest.mark.parametrize("zone", ZONES)
def test_the_noon_pause_waits_for_two_oclock(zone: str) -> None:
    assert next_local("2026-12-01 12:00", zone) == "2026-12-01 14:00"
    assert next_local("2026-12-01 13:59", zone) == "2026-12-01 14:00"
    assert next_local("2026-12-01 11:59", zone) == "2026-12-01 11:59"


def test_the_same_moment_is_day_for_one_buyer_and_night_for_another() -> None:
    moment = datetime(2026, 12, 1, 12, 55, tzinfo=timezone.utc)  # 20:55 in Shanghai
    assert may_call_at(moment, "Asia/Shanghai", 3, POLICY)
    assert may_call_at(moment, "Asia/Urumqi", 3, POLICY)  # 18:55
    assert not may_call_at(moment, "Europe/Berlin", 3, POLICY)  # 13:55: the noon pause ends at 14:00
    assert not may_call_at(moment + timedelta(minutes=5), "Asia/Shanghai", 3, POLICY)  # 21:00 in Shanghai
    assert may_call_at(moment + timedelta(minutes=5), "Europe/Berlin", 3, POLICY)  # 14:00 in Berlin
    assert not may_call_at(moment, "America/Los_Angeles", 3, POLICY)  # 04:55


@pytest.mark.parametrize("zone", ZONES)
def test_holidays_wait_unless_severity_one(zone: str) -> None:
    assert next_local("2026-09-30 20:30", zone) == "2026-09-30 20:30"
    assert next_local("2026-09-30 21:30", zone) == "2026-10-08 09:00"  # the whole National Day week
    assert next_local("2026-10-03 10:00", zone, severity=2) == "2026-10-08 09:00"
    assert next_local("2026-10-03 10:00", zone, severity=1) == "2026-10-03 10:00"
    assert next_local("2026-10-03 12:30", zone, severity=1) == "2026-10-03 14:00"  # still no noon calls


def test_windows_follow_daylight_saving_in_berlin_and_los_angeles() -> None:
    # Berlin springs forward on 2026-03-29, Los Angeles on 2026-03-08: 09:00 local moves in UTC.
    assert next_call_time(local("2026-03-28 22:00", "Europe/Berlin"), "Europe/Berlin", 3, POLICY) == datetime(
        2026, 3, 29, 7, 0, tzinfo=timezone.utc)
    assert next_call_time(local("2026-03-27 22:00", "Europe/Berlin"), "Europe/Berlin", 3, POLICY) == datetime(
        2026, 3, 28, 8, 0, tzinfo=timezone.utc)
    assert next_local("2026-03-08 01:30", "America/Los_Angeles") == "2026-03-08 09:00"
    assert next_local("2026-11-01 01:30", "America/Los_Angeles") == "2026-11-01 09:00"


def test_an_unknown_time_zone_is_an_error_not_a_guess() -> None:
    with pytest.raises(UnknownTimeZone, match="Mars/Olympus"):
        next_call_time(datetime(2026, 12, 1, tzinfo=timezone.utc), "Mars/Olympus", 3, POLICY)


def allowed_locally(moment: datetime, zone: str, severity: int) -> bool:
    """The norms, stated independently of the implementation."""
    wall = moment.astimezone(ZoneInfo(zone))
    minutes = wall.hour * 60 + wall.minute
    in_hours = 9 * 60 <= minutes < 21 * 60 and not 12 * 60 <= minutes < 14 * 60
    return in_hours and (severity == 1 or wall.date() not in NATIONAL_DAY)


def test_ten_thousand_simulated_cases_and_not_one_call_outside_the_window() -> None:
    rng = random.Random(2026)
    start = datetime(2026, 9, 25, tzinfo=timezone.utc)  # across the National Day holidays
    calls = 0
    for n in range(10_000):
        now = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 20))
        zone = rng.choice(ZONES)
        view = CaseView(case_id=n, buyer_id=f"B{n}", status="new", severity=rng.choice([1, 2, 3, 4]), due_at=now,
                        order_total_fen=rng.randrange(100, 500_000), time_zone=zone, phone="13800000000",
                        age_band=rng.choice(["18-29", "30-44", "45-59", "60+"]),
                        last_app_active_at=now - timedelta(hours=rng.randrange(1, 400)),
                        attempts=tuple(now - timedelta(minutes=rng.randrange(1, 3000))
                                       for _ in range(rng.choice([0, 0, 1, 3]))))
        decision = decide(view, now, POLICY)
        if decision.action != "call":
            continue
        calls += 1
        assert decision.at >= now
        assert allowed_locally(decision.at, zone, view.severity), (view, decision)
        earlier = decision.at - timedelta(minutes=1)
        if earlier >= now and not decision.reason.count("contact limit"):
            assert not allowed_locally(earlier, zone, view.severity), "a call waited longer than needed"
    assert calls > 3000  # the simulation really exercised calls
