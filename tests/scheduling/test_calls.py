"""The agents' call queue with a frozen clock: booking, claiming, outcomes, retries, capacity."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from outreach.cases.conversation import opt_out
from outreach.scheduling.apply import claim_and_apply
from outreach.scheduling.call_brief import call_brief
from outreach.scheduling.call_outcomes import finish_call
from outreach.scheduling.calls import CallError, claim_next
from outreach.scheduling.policy import Policy, policy
from outreach.store.db import session_scope
from outreach.store.models import CallTask, Case, CaseEvent, Contact, InboxMessage, Remedy
from tests.factories import make_case

EVENING = datetime(2026, 12, 1, 12, 55, tzinfo=timezone.utc)  # 20:55 in Shanghai
POLICY = policy()


def due_case(label: str = "spoiled", severity: int = 3, **order: object) -> int:
    case_id, _, _ = make_case(label, status="new", contacted=False, **order)
    with session_scope() as session:
        session.execute(update(Case).where(Case.id == case_id).values(severity=severity, due_at=EVENING))
    return case_id


def plan(now: datetime, rules: Policy = POLICY) -> dict:
    sends, counts = claim_and_apply(now, rules, "test-worker", 100)
    assert sends == [], "these tests book calls only"
    return dict(counts)


def claim(now: datetime, agent: str = "agent-li", rules: Policy = POLICY) -> tuple[int, dict] | None:
    with session_scope() as session:
        claimed = claim_next(session, agent, now, rules)
        if claimed is None:
            return None
        return claimed.task_id, call_brief(session, session.get(CallTask, claimed.task_id), now, rules)


def done(task_id: int, outcome: str, now: datetime, **kwargs: object):  # noqa: ANN201
    with session_scope() as session:
        return finish_call(session, task_id, outcome, kwargs.pop("notes", "备注"), "agent-li", now, POLICY,
                           **kwargs)  # type: ignore[arg-type]


def calls_of(case_id: int) -> list[tuple[int, str, str | None, datetime]]:
    with session_scope() as session:
        return [(t.attempt, t.status, t.outcome, t.due_at) for t in session.execute(
            select(CallTask).where(CallTask.case_id == case_id).order_by(CallTask.attempt)).scalars()]


def load(case_id: int) -> Case:
    with session_scope() as session:
        return session.get(Case, case_id)


def test_an_urgent_call_is_claimed_with_a_chinese_brief_of_what_the_rules_allow(any_db: str) -> None:
    minor = due_case("spoiled", severity=3, age_band="60+", quantity=1)
    urgent = due_case("spoiled", severity=1, quantity=1)
    assert plan(EVENING) == {"call": 2}
    assert load(urgent).status == "calling" and load(urgent).channel == "call"

    task_id, brief = claim(EVENING + timedelta(minutes=2))
    assert brief["case_id"] == urgent and brief["team"] == "urgent"  # severity before age
    assert "生鲜变质" in brief["brief"] and "当地时间 2026-12-01 20:57 (Asia/Shanghai)" in brief["brief"]
    assert [r["rule"] for r in brief["allowed_remedies"]] == ["spoiled_share_refund", "spoiled_reship_share"]
    assert "不做任何营销" in brief["brief"]
    # Nobody else gets the claimed call; at 21:05 the other call waits for the morning.
    assert claim(EVENING + timedelta(minutes=10), agent="agent-wang") is None
    [(_, status, _, due)] = calls_of(minor)
    assert status == "queued" and due == datetime(2026, 12, 2, 1, 0, tzinfo=timezone.utc)  # 09:00 local

    result = done(task_id, "reached", EVENING + timedelta(minutes=6), remedy_rule="spoiled_share_refund", rating=5)
    assert (result.case_status, result.extra["rule"]) == ("closed", "spoiled_share_refund")
    again = done(task_id, "reached", EVENING + timedelta(minutes=7), remedy_rule="spoiled_share_refund")
    assert again.already_done
    with pytest.raises(CallError, match="already recorded as reached"):
        done(task_id, "no_answer", EVENING + timedelta(minutes=8))
    with session_scope() as session:
        remedies = session.execute(select(Remedy.rule_id).where(Remedy.case_id == urgent)).scalars().all()
        contacts = session.execute(select(Contact.channel, Contact.status).where(Contact.case_id == urgent)).all()
    assert remedies == ["spoiled_share_refund"]  # once, however often the agent records it
    assert contacts == [("call", "reached")]


def test_no_answer_retries_with_growing_delays_then_falls_back_to_chat(db: str) -> None:
    case_id = due_case(severity=2, age_band="60+")
    now = datetime(2026, 12, 2, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai: no window in the way
    plan(now)
    for attempt in (1, 2, 3):
        claimed = claim(now)
        assert claimed is not None, attempt
        result = done(claimed[0], "no_answer", now)
        tasks = calls_of(case_id)
        if attempt < 3:
            assert tasks[-1][0] == attempt + 1 and tasks[-1][1] == "queued"
            now = tasks[-1][3]
    delays = [b[3] - a[3] for a, b in zip(calls_of(case_id), calls_of(case_id)[1:])]
    assert delays == [timedelta(minutes=30), timedelta(hours=2)]  # limits.yml calls.retry_delays_minutes
    assert result.next_step == "in-app chat instead: 3 calls unanswered"
    case = load(case_id)
    assert (case.status, case.channel) == ("new", "inapp")


def test_calls_wait_for_the_window_and_for_the_contact_limits(db: str) -> None:
    case_id = due_case(severity=2, age_band="60+")
    night = datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)  # 22:00 in Shanghai
    plan(night)
    assert claim(night) is None
    morning = datetime(2026, 12, 2, 1, 0, tzinfo=timezone.utc)
    assert calls_of(case_id)[0][3] == morning
    task_id, _ = claim(morning)
    done(task_id, "no_answer", morning)
    with session_scope() as session:  # three other contacts that day: the retry waits for the daily limit
        for minutes in (5, 10):
            session.add(Contact(case_id=case_id, buyer_id=load(case_id).buyer_id, channel="inapp",
                                status="accepted", created_at=morning + timedelta(minutes=minutes)))
    retry_due = calls_of(case_id)[-1][3]
    assert claim(retry_due) is None
    with session_scope() as session:
        postponed = session.execute(select(CaseEvent.detail).where(
            CaseEvent.case_id == case_id, CaseEvent.kind == "call_postponed")).scalars().all()
    assert "per_day=3" in postponed[-1]["reason"]


def test_an_opt_out_on_the_phone_stops_every_channel_at_once(db: str) -> None:
    case_id = due_case(severity=1)
    buyer = load(case_id).buyer_id
    other = due_case("late_delivery", severity=4, buyer_id=buyer)
    plan(EVENING)
    task_id, _ = claim(EVENING)
    done(task_id, "opted_out", EVENING, notes="别再给我打电话了")
    assert {load(case_id).status, load(other).status} == {"closed"}
    assert plan(EVENING + timedelta(days=1)) == {}
    assert claim(EVENING + timedelta(days=1)) is None


def test_an_opt_out_in_chat_cancels_queued_calls(db: str) -> None:
    case_id = due_case(severity=1)
    plan(EVENING)
    assert opt_out(load(case_id).buyer_id, "别再联系我") == 1
    assert calls_of(case_id)[0][1] == "cancelled"
    assert claim(EVENING) is None


def test_wrong_number_and_refusal(db: str) -> None:
    wrong = due_case(severity=1)
    refused = due_case(severity=2, age_band="60+")
    plan(EVENING)
    first, _ = claim(EVENING)
    second, _ = claim(EVENING)
    assert done(first, "wrong_number", EVENING).next_step == "in-app chat instead: wrong phone number"
    assert (load(wrong).status, load(wrong).channel) == ("new", "inapp")
    done(second, "refused", EVENING)
    assert (load(refused).status, load(refused).closed_reason) == ("closed", "refused_by_buyer")


def test_a_remedy_the_rules_do_not_allow_is_refused(db: str) -> None:
    case_id = due_case(severity=1, quantity=1)
    plan(EVENING)
    task_id, _ = claim(EVENING)
    with pytest.raises(CallError, match="the rules allow: spoiled_share_refund, spoiled_reship_share"):
        done(task_id, "reached", EVENING, remedy_rule="counterfeit_tenfold")
    assert calls_of(case_id)[0][1] == "claimed"  # nothing recorded: the agent can correct it


def test_a_team_takes_no_more_calls_an_hour_than_its_capacity(db: str) -> None:
    limits = POLICY.limits.copy(deep=True)
    limits.calls.teams[0].capacity_per_hour = 2
    small = Policy(limits=limits, windows=POLICY.windows, holidays=POLICY.holidays,
                   holidays_cover_until=POLICY.holidays_cover_until)
    ids = [due_case(severity=1) for _ in range(3)]
    morning = datetime(2026, 12, 2, 2, 30, tzinfo=timezone.utc)  # 10:30 in Shanghai
    plan(morning, small)
    slots = sorted(calls_of(i)[0][3] for i in ids)
    assert slots[:2] == [morning, morning]
    assert slots[2] == datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)  # the next hour


def test_an_unanswered_chat_becomes_a_call_after_the_configured_time(db: str) -> None:
    case_id, buyer_id, _ = make_case("spoiled", status="contacted", contacted=True)
    with session_scope() as session:
        session.execute(update(Case).where(Case.id == case_id).values(channel="inapp",
                                                                      first_contact_at=EVENING - timedelta(hours=3)))
    assert plan(EVENING) == {}  # three hours: still waiting for an answer
    assert plan(EVENING + timedelta(hours=1, minutes=1)) == {"call": 1}
    [(attempt, status, _, _)] = calls_of(case_id)
    assert (attempt, status) == (1, "queued")

    answered, _, _ = make_case("damaged", status="contacted", contacted=True)
    with session_scope() as session:
        session.execute(update(Case).where(Case.id == answered).values(channel="inapp",
                                                                       first_contact_at=EVENING - timedelta(hours=9)))
        session.add(InboxMessage(buyer_id=load(answered).buyer_id, case_id=answered, sender="buyer", text="在的",
                                 buttons=[]))
    assert plan(EVENING + timedelta(hours=2)) == {}


def test_plan_at_shows_what_would_happen_and_what_waits_until_when(db: str, capsys: pytest.CaptureFixture) -> None:
    from outreach.cli import main

    chat = due_case(severity=3)
    call = due_case(severity=3, age_band="60+")
    night_call = due_case(severity=2, age_band="60+")
    with session_scope() as session:
        session.execute(update(Case).where(Case.id == night_call).values(due_at=EVENING - timedelta(hours=1)))
    assert main(["plan", "--at", "2026-12-01T20:55+08:00", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    by_case = {d["case_id"]: d for d in report["decisions"]}
    assert by_case[chat]["action"] == "inapp" and by_case[chat]["reason"].startswith("active in the app")
    assert by_case[call]["action"] == "call" and by_case[call]["at_local"] == "2026-12-01 20:55 (Asia/Shanghai)"
    assert report["summary"] == {"inapp": 1, "call": 2}
    assert main(["plan", "--at", "2026-12-01T21:01+08:00", "--json"]) == 0
    later = {d["case_id"]: d for d in json.loads(capsys.readouterr().out)["decisions"]}
    assert later[call]["at_local"] == "2026-12-02 09:00 (Asia/Shanghai)"
    assert "outside the call window: waits until 2026-12-02 09:00" in later[call]["reason"]
    assert load(chat).status == "new" and load(chat).channel is None  # a dry run changes nothing
