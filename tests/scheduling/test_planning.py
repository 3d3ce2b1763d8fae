"""Channel choice, contact limits and bad configuration: decisions with a frozen clock, each with its reason."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from outreach.scheduling.limits import contact_hold
from outreach.scheduling.planner import CaseView, decide
from outreach.scheduling.policy import (
    PolicyError,
    load_call_windows,
    load_holidays,
    load_limits,
    policy,
)

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai
POLICY = policy()
LIMITS = POLICY.limits.contact


def view(**changes: object) -> CaseView:
    base = dict(case_id=1, buyer_id="B1", status="new", severity=3, due_at=NOW, order_total_fen=3980,
                time_zone="Asia/Shanghai", phone="13800000000", age_band="30-44",
                last_app_active_at=NOW - timedelta(hours=3))
    return CaseView(**{**base, **changes})  # type: ignore[arg-type]


def test_an_active_buyer_gets_an_in_app_chat_now() -> None:
    decision = decide(view(), NOW, POLICY)
    assert (decision.action, decision.at, decision.reason) == ("inapp", NOW, "active in the app 3 h ago")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"severity": 1}, "severity 1: a person calls"),
        ({"age_band": "60+"}, "elderly buyer (60+): a call rather than chat"),
        ({"last_app_active_at": None}, "not active in the app within 168 h"),
        ({"last_app_active_at": NOW - timedelta(days=8)}, "not active in the app within 168 h"),
        ({"status": "contacted", "unanswered_since": NOW - timedelta(hours=5)},
         "no answer in the app since 2026-11-30 21:00 UTC"),
    ],
)
def test_a_call_is_chosen_for_severity_one_elderly_inactive_and_unanswered_buyers(changes: dict, reason: str) -> None:
    decision = decide(view(**changes), NOW, POLICY)
    assert (decision.action, decision.at, decision.reason) == ("call", NOW, reason)
    assert decision.team == ("urgent" if changes.get("severity") == 1 else "general")


def test_a_call_at_night_is_booked_for_the_next_window_and_says_so() -> None:
    night = datetime(2026, 12, 1, 13, 30, tzinfo=timezone.utc)  # 21:30 in Shanghai
    decision = decide(view(age_band="60+"), night, POLICY)
    assert decision.action == "call"
    assert decision.at == datetime(2026, 12, 2, 1, 0, tzinfo=timezone.utc)
    assert decision.reason.endswith("outside the call window: waits until 2026-12-02 09:00 (Asia/Shanghai)")


@pytest.mark.parametrize(
    ("changes", "missing"),
    [({"phone": None}, "no phone number on file"), ({"time_zone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'")],
)
def test_a_call_that_cannot_be_placed_falls_back_to_chat_with_a_visible_reason(changes: dict, missing: str) -> None:
    decision = decide(view(severity=1, **changes), NOW, POLICY)
    assert decision.action == "inapp"
    assert decision.reason.startswith("severity 1: a person calls, but " + missing)
    unanswered = decide(view(status="contacted", unanswered_since=NOW - timedelta(hours=5), **changes), NOW, POLICY)
    assert unanswered.action == "handover" and missing in unanswered.reason


def test_an_opted_out_buyer_is_closed_on_every_channel() -> None:
    for changes in ({}, {"severity": 1}, {"age_band": "60+"}):
        decision = decide(view(opted_out=True, **changes), NOW, POLICY)
        assert (decision.action, decision.reason) == ("close", "buyer opted out: every channel stopped")


def test_a_buyer_in_another_conversation_waits() -> None:
    decision = decide(view(busy_with=7, busy_until=NOW + timedelta(hours=20)), NOW, POLICY)
    assert decision.action == "hold" and "case 7" in decision.reason and "2026-12-01 22:00 UTC" in decision.reason


def test_carrier_limits_one_a_minute_and_five_an_hour() -> None:
    assert contact_hold([NOW - timedelta(seconds=61)], NOW, LIMITS) is None
    hold = contact_hold([NOW - timedelta(seconds=20)], NOW, LIMITS)
    assert hold and hold.until == NOW + timedelta(seconds=40) and "per_minute=1" in hold.reason
    relaxed = LIMITS.copy(update={"per_day": 10})
    five = [NOW - timedelta(minutes=m) for m in (2, 10, 20, 30, 50)]
    hold = contact_hold(five, NOW, relaxed)
    assert hold and hold.until == NOW + timedelta(minutes=10) and "per_hour=5" in hold.reason


def test_three_a_day_and_ten_in_thirty_days() -> None:
    day = [NOW - timedelta(hours=h) for h in (1, 5, 23)]
    hold = contact_hold(day, NOW, LIMITS)
    assert hold and hold.until == NOW + timedelta(hours=1) and "per_day=3" in hold.reason
    month = [NOW - timedelta(days=d) for d in (2, 3, 5, 6, 8, 9, 12, 15, 20, 29)]
    hold = contact_hold(month, NOW, LIMITS)
    assert hold and hold.until == NOW + timedelta(days=1) and "per_30_days=10" in hold.reason
    assert contact_hold(month[:-1] + [NOW - timedelta(days=31)], NOW, LIMITS) is None


def test_limits_hold_a_chat_and_push_a_call_past_them() -> None:
    attempts = tuple(NOW - timedelta(hours=h) for h in (1, 2, 3))
    chat = decide(view(attempts=attempts), NOW, POLICY)
    assert (chat.action, chat.at) == ("hold", NOW + timedelta(hours=21))
    call = decide(view(attempts=attempts, age_band="60+"), NOW, POLICY)
    assert call.action == "call" and call.at == NOW + timedelta(hours=23)  # free at 07:00 local, window at 09:00
    assert call.reason.endswith("contact limit per_day=3 reached (3 in 1 day, 0:00:00) and outside the call window: "
                                "waits until 2026-12-02 09:00 (Asia/Shanghai)")


GOOD_LIMITS = Path(__file__).resolve().parents[2] / "outreach" / "defaults" / "limits.yml"


@pytest.mark.parametrize(
    ("loader", "text", "message"),
    [
        (load_limits, "channel: [unclosed", "cannot read the limits"),
        (load_limits, GOOD_LIMITS.read_text(encoding="utf-8").replace("per_day: 3", "per_day: -1"),
         "contact -> per_day"),
        (load_limits, GOOD_LIMITS.read_text(encoding="utf-8").replace("per_day: 3", "per_dya: 3"),
         "per_dya\n  extra fields not permitted"),
        (load_limits, GOOD_LIMITS.read_text(encoding="utf-8").replace("severities: [3, 4]", "severities: [3]"),
         "no team takes calls of severity \\[4\\]"),
        (load_call_windows, "windows:\n  - {start: '09:00', end: '12:30'}\n  - {start: '12:00', end: '21:00'}\n",
         "overlap"),
        (load_call_windows, "windows:\n  - {start: '21:00', end: '09:00'}\n", "ends before it starts"),
        (load_holidays, "covers_until: 2026-12-31\nholidays:\n  - {date: 2026-02-30, name: 春节}\n",
         "cannot read the holidays .*day is out of range"),
        (load_holidays, "covers_until: 2026-12-31\nholidays:\n  - {date: soon, name: 春节}\n",
         "holidays -> 0 -> date"),
    ],
)
def test_a_bad_policy_file_stops_with_the_file_and_the_problem(tmp_path: Path, loader, text: str,  # noqa: ANN001
                                                                message: str) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match=message) as caught:
        loader(path)
    assert str(path) in str(caught.value)


def test_the_scheduler_refuses_to_start_on_a_bad_limits_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture) -> None:
    from outreach.cli import main

    bad = tmp_path / "limits.yml"
    bad.write_text("contact: {per_day: many}\n", encoding="utf-8")
    monkeypatch.setenv("OUTREACH_LIMITS_FILE", str(bad))
    monkeypatch.setenv("OUTREACH_VAR_DIR", str(tmp_path))
    policy.cache_clear()
    try:
        assert main(["plan", "--json"]) == 2
    finally:
        policy.cache_clear()
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: invalid limits") and "per_day" in err
