"""Dispatch against a fake Rasa endpoint served in-process: contacted once, retried on failure."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from aiohttp import web
from sqlalchemy import select, update

from outreach.cases.conversation import opt_out
from outreach.inbox.messages import active_case_id, append
from outreach.processes import free_port
from outreach.scheduling.dispatch import dispatch_once
from outreach.scheduling.policy import policy as default_policy
from outreach.scheduling.rasa_client import OUTREACH_INTENT
from outreach.settings import get_settings
from outreach.store.db import session_scope
from outreach.store.models import Case, CaseEvent, Contact
from outreach.store.types import utcnow
from tests.factories import make_case, make_order

RASA_TOKEN = "rasa-test-token-蟹"
QUIET = {"calls_booked": 0, "held": 0, "handed_over": 0}
GREETING = "您好，我是平台客服，看到您的大闸蟹有问题，想帮您处理一下。"


@dataclass
class FakeRasa:
    url: str = ""
    calls: list[dict] = field(default_factory=list)
    status: int = 200
    messages: list[dict] = field(default_factory=lambda: [{"text": GREETING}])


def point_at(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("OUTREACH_RASA_URL", url)
    monkeypatch.setenv("OUTREACH_RASA_TOKEN", RASA_TOKEN)
    get_settings.cache_clear()


@pytest.fixture
async def rasa(db: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeRasa]:
    fake = FakeRasa()

    async def trigger_intent(request: web.Request) -> web.Response:
        if request.query.get("token") != RASA_TOKEN:
            return web.json_response({"status": "failure", "reason": "NotAuthenticated"}, status=401)
        fake.calls.append(
            {"conversation": request.match_info["id"], "query": dict(request.query), "body": await request.json()}
        )
        if fake.status != 200:
            return web.Response(status=fake.status, text="Internal Server Error")
        return web.json_response({"tracker": {}, "messages": fake.messages})

    app = web.Application()
    app.router.add_post("/conversations/{id}/trigger_intent", trigger_intent)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    fake.url = f"http://127.0.0.1:{port}"
    point_at(monkeypatch, fake.url)
    try:
        yield fake
    finally:
        await runner.cleanup()
        get_settings.cache_clear()


def new_case(label: str = "spoiled", severity: int = 3, **order: object) -> tuple[int, str]:
    case_id, buyer_id, _ = make_case(label, status="new", contacted=False, **order)
    with session_scope() as session:
        session.execute(update(Case).where(Case.id == case_id).values(severity=severity))
    return case_id, buyer_id


def load_case(case_id: int) -> Case:
    with session_scope() as session:
        return session.get(Case, case_id)


def contacts(case_id: int) -> list[tuple[str, str, str]]:
    with session_scope() as session:
        rows = session.execute(select(Contact).where(Contact.case_id == case_id).order_by(Contact.id)).scalars()
        return [(c.channel, c.status, c.detail) for c in rows]


async def test_a_due_case_is_contacted_once(rasa: FakeRasa) -> None:
    case_id, buyer_id = new_case()
    summary = await dispatch_once(get_settings())
    assert summary.as_dict() == {"contacted": 1, "failed": 0, "held_opted_out": 0, **QUIET}
    assert rasa.calls == [
        {
            "conversation": buyer_id,
            "query": {"output_channel": "inapp", "token": RASA_TOKEN},
            "body": {"name": OUTREACH_INTENT, "entities": {"case_id": str(case_id)}},
        }
    ]
    assert contacts(case_id) == [("inapp", "accepted", "conversation started")]
    case = load_case(case_id)
    assert case.status == "contacted"
    assert case.first_contact_at is not None

    with session_scope() as session:
        assert active_case_id(session, buyer_id) == case_id  # the bot's first message is filed under the case
        assert append(session, buyer_id, "bot", GREETING + "\x00")["case_id"] == case_id

    again = await dispatch_once(get_settings())
    assert again.as_dict() == {"contacted": 0, "failed": 0, "held_opted_out": 0, **QUIET}
    assert len(rasa.calls) == 1
    assert len(contacts(case_id)) == 1


@pytest.mark.parametrize("status", [500, 503, 401])
async def test_an_error_from_rasa_marks_nothing_contacted_and_retries_later(
    rasa: FakeRasa, status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    if status == 401:
        monkeypatch.setenv("OUTREACH_RASA_TOKEN", "wrong-token")
        get_settings.cache_clear()
    rasa.status = status
    case_id, _ = new_case()
    before = utcnow()
    summary = await dispatch_once(get_settings())
    assert summary.as_dict() == {"contacted": 0, "failed": 1, "held_opted_out": 0, **QUIET}
    [(channel, outcome, detail)] = contacts(case_id)
    assert (channel, outcome) == ("inapp", "failed")
    assert f"HTTP {status}" in detail
    case = load_case(case_id)
    assert case.status == "new"
    assert case.first_contact_at is None
    assert case.due_at > before + timedelta(seconds=50)

    calls = len(rasa.calls)
    again = await dispatch_once(get_settings())
    assert again.as_dict() == {"contacted": 0, "failed": 0, "held_opted_out": 0, **QUIET}
    assert len(rasa.calls) == calls  # not due again before the retry delay


async def test_rasa_sending_no_message_counts_as_a_failed_contact(rasa: FakeRasa) -> None:
    rasa.messages = []
    case_id, _ = new_case()
    assert (await dispatch_once(get_settings())).failed == 1
    assert contacts(case_id)[0][1] == "failed"
    assert load_case(case_id).status == "new"


async def test_a_closed_port_marks_nothing_contacted_and_retries_later(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_at(monkeypatch, f"http://127.0.0.1:{free_port()}")
    case_id, _ = new_case()
    before = utcnow()
    summary = await dispatch_once(get_settings())
    assert summary.as_dict() == {"contacted": 0, "failed": 1, "held_opted_out": 0, **QUIET}
    [(_, outcome, detail)] = contacts(case_id)
    assert outcome == "failed" and "unreachable" in detail
    case = load_case(case_id)
    assert (case.status, case.first_contact_at) == ("new", None)
    assert case.due_at > before
    with session_scope() as session:
        kinds = session.execute(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)).scalars().all()
    assert "contact_failed" in kinds and "contacted" not in kinds


async def test_repeated_failures_wait_longer_each_time(rasa: FakeRasa) -> None:
    rasa.status = 500
    case_id, _ = new_case()
    delays = []
    for _ in range(3):
        with session_scope() as session:
            session.execute(update(Case).where(Case.id == case_id).values(due_at=utcnow() - timedelta(seconds=1)))
        start = utcnow()
        await dispatch_once(get_settings())
        delays.append(load_case(case_id).due_at - start)
    assert delays[0] < delays[1] < delays[2]
    assert timedelta(seconds=50) < delays[0] <= timedelta(minutes=1, seconds=5)
    assert [c[1] for c in contacts(case_id)] == ["failed"] * 3

    rasa.status = 200
    with session_scope() as session:
        session.execute(update(Case).where(Case.id == case_id).values(due_at=utcnow() - timedelta(seconds=1)))
    assert (await dispatch_once(get_settings())).contacted == 1
    assert load_case(case_id).status == "contacted"


async def test_an_opted_out_buyer_is_never_sent_to_rasa(rasa: FakeRasa) -> None:
    buyer_id, _ = make_order()
    assert opt_out(buyer_id, "别再联系我") == 0
    held, _ = new_case(buyer_id=buyer_id)  # opened later by triage, before the scheduler ran
    other, other_buyer = new_case()
    summary = await dispatch_once(get_settings())
    assert summary.as_dict() == {"contacted": 1, "failed": 0, "held_opted_out": 1, **QUIET}
    assert [call["conversation"] for call in rasa.calls] == [other_buyer]
    case = load_case(held)
    assert (case.status, case.closed_reason, case.open_key, case.first_contact_at) == (
        "closed",
        "opted_out",
        None,
        None,
    )
    assert contacts(held) == []
    assert load_case(other).status == "contacted"


async def test_cases_are_sent_most_severe_first(rasa: FakeRasa) -> None:
    minor, minor_buyer = new_case("late_delivery", severity=4)
    urgent, urgent_buyer = new_case("spoiled", severity=2)
    middle, middle_buyer = new_case("damaged", severity=3)
    later, _ = new_case("spoiled", severity=2)
    with session_scope() as session:
        session.execute(update(Case).where(Case.id == later).values(due_at=utcnow() + timedelta(hours=1)))
    # One at a time, so that the order the bot is called in is the order they were sent in
    # (several in flight may reach it in any order).
    policy = default_policy()
    one_at_a_time = policy.limits.copy(update={"dispatch": policy.limits.dispatch.copy(update={"max_in_flight": 1})})
    summary = await dispatch_once(get_settings(), policy=dataclasses.replace(policy, limits=one_at_a_time))
    assert summary.contacted == 3
    assert [call["conversation"] for call in rasa.calls] == [urgent_buyer, middle_buyer, minor_buyer]
    assert load_case(later).status == "new"


async def test_severity_one_and_elderly_buyers_get_a_call_not_a_chat(rasa: FakeRasa) -> None:
    urgent, _ = new_case("health_reaction", severity=1)
    elderly, _ = new_case("spoiled", severity=3, age_band="60+")
    summary = await dispatch_once(get_settings())
    assert (summary.contacted, summary.calls_booked) == (0, 2)
    assert rasa.calls == []
    for case_id in (urgent, elderly):
        case = load_case(case_id)
        assert (case.status, case.channel, case.first_contact_at) == ("calling", "call", None)


async def test_dispatch_limit_sends_only_the_most_severe(rasa: FakeRasa) -> None:
    new_case(severity=4)
    urgent, urgent_buyer = new_case(severity=2)
    assert (await dispatch_once(get_settings(), limit=1)).contacted == 1
    assert [call["conversation"] for call in rasa.calls] == [urgent_buyer]


async def test_a_buyer_has_one_conversation_at_a_time(rasa: FakeRasa) -> None:
    first, buyer_id = new_case("spoiled", severity=2)
    second, _ = new_case("late_delivery", severity=4, buyer_id=buyer_id)
    assert (await dispatch_once(get_settings())).contacted == 1
    assert [call["body"]["entities"]["case_id"] for call in rasa.calls] == [str(first)]

    for status in ("offering", "resolved", "handed_over"):  # talking, awaiting a rating, with a person
        with session_scope() as session:
            session.execute(update(Case).where(Case.id == first).values(status=status))
        assert (await dispatch_once(get_settings())).contacted == 0, status

    with session_scope() as session:  # rated and closed: the next case may start
        session.execute(update(Case).where(Case.id == first).values(status="closed", open_key=None))
    later = utcnow() + timedelta(minutes=6)  # a held case is looked at again within minutes, not hours
    assert (await dispatch_once(get_settings(), now=later)).contacted == 1
    assert rasa.calls[-1]["body"]["entities"]["case_id"] == str(second)
