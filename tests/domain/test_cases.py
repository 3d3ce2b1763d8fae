"""Cases on both databases: triage opens one case per incident, the conversation settles it once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from outreach.cases.conversation import (
    CaseClosed,
    CaseNotFound,
    NotYourCase,
    accept,
    brief,
    choose_problem,
    decline,
    give_affected_quantity,
    hand_over,
    open_conversation,
    opt_out,
    rate,
)
from outreach.cases.report import case_report
from outreach.cases.triage import triage
from outreach.rules.loader import rules
from outreach.store.db import session_scope
from outreach.store.migrate import alembic_config
from outreach.store.models import Case, CaseEvent, Feedback, OptOut, Remedy, Satisfaction
from outreach.store.types import utcnow
from tests.factories import make_case, make_order


def add_feedback(buyer_id: str, order_id: str | None, text: str, source: str = "review", minutes_ago: int = 60) -> int:
    with session_scope() as session:
        row = Feedback(
            buyer_id=buyer_id,
            order_id=order_id,
            source=source,
            text=text,
            created_at=utcnow() - timedelta(minutes=minutes_ago),
        )
        session.add(row)
        session.flush()
        return row.id


def count(model, **where) -> int:
    with session_scope() as session:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return session.execute(query).scalar_one()


def load_case(case_id: int) -> Case:
    with session_scope() as session:
        return session.get(Case, case_id)


def event_kinds(case_id: int) -> list[str]:
    with session_scope() as session:
        return list(
            session.execute(select(CaseEvent.kind).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)).scalars()
        )


def crab_case_offering() -> tuple[int, str]:
    """10 live crabs, 3 dead, confirmed by the buyer: the share refund of 119.40 yuan is on offer."""
    case_id, buyer_id, _ = make_case("spoiled")
    assert choose_problem(case_id, buyer_id, "spoiled", "confirmed").kind == "ask_quantity"
    step = give_affected_quantity(case_id, buyer_id, 3)
    assert step.kind == "offer" and step.offer_index == 0
    return case_id, buyer_id


# --- triage ------------------------------------------------------------------------------------


def test_triage_opens_one_case_per_buyer_and_order_and_ignores_satisfied_buyers(any_db: str) -> None:
    now = utcnow()
    buyer, crabs = make_order(shipped_at=now - timedelta(days=2), delivered_at=now - timedelta(hours=6))
    _, oranges = make_order(
        buyer_id=buyer,
        title="赣南脐橙 10斤装",
        kind="fruit",
        unit_price_fen=5990,
        quantity=2,
        unit="箱",
        live_seafood=False,
        shipped_at=now - timedelta(days=2),
        delivered_at=now - timedelta(hours=6),
    )
    happy_buyer, happy_order = make_order()
    crab_lines = [
        add_feedback(buyer, crabs, "收到的大闸蟹死了三只，还有股臭味", "review", 50),
        add_feedback(buyer, crabs, "螃蟹一打开就发臭，好几只都不动了", "chat", 40),
        add_feedback(buyer, crabs, "吃了这螃蟹全家拉肚子，孩子还吐了", "message", 30),
    ]
    orange_line = add_feedback(buyer, oranges, "橙子烂了一半，还长毛了", "comment", 20)
    happy_line = add_feedback(happy_buyer, happy_order, "收到了，很满意，谢谢主播", "review", 10)
    loose_line = add_feedback(buyer, None, "上次买的口红是假的，专柜验过了", "comment", 5)

    summary = triage()

    assert summary.as_dict() == {"diagnosed": 6, "hurt": 5, "cases_opened": 2, "attached": 2, "without_order": 1,
                                 "needs_look": 0}
    with session_scope() as session:
        cases = session.execute(select(Case).order_by(Case.id)).scalars().all()
        assert [(c.buyer_id, c.order_id, c.status) for c in cases] == [(buyer, crabs, "new"), (buyer, oranges, "new")]
        crab_case = cases[0]
        assert crab_case.category == "spoiled"
        assert crab_case.severity == 1  # raised by the later health report about the same crabs
        assert crab_case.open_key == f"{buyer}:{crabs}"
        attached = session.execute(select(Feedback.id).where(Feedback.case_id == crab_case.id)).scalars().all()
        assert sorted(attached) == crab_lines
        assert session.get(Feedback, orange_line).case_id == cases[1].id
        happy = session.get(Feedback, happy_line)
        assert (happy.category, happy.case_id) == ("no_problem", None)
        assert happy.diagnosed_at is not None
        loose = session.get(Feedback, loose_line)
        assert loose.case_id is None and loose.category == "counterfeit"
        assert loose.triage_note == "no order named: nothing to act on"
    assert "severity_raised" in event_kinds(crab_case.id)
    assert count(Case, buyer_id=happy_buyer) == 0


def test_triage_diagnoses_each_feedback_only_once(any_db: str) -> None:
    buyer, order = make_order()
    add_feedback(buyer, order, "收到的大闸蟹死了三只，还有股臭味")
    assert triage().diagnosed == 1
    assert triage().as_dict() == {"diagnosed": 0, "hurt": 0, "cases_opened": 0, "attached": 0, "without_order": 0,
                                  "needs_look": 0}
    assert count(Case) == 1


# --- the conversation ---------------------------------------------------------------------------


def test_confirm_offer_accept_rate_settles_the_case_once_and_frees_the_incident(any_db: str) -> None:
    case_id, buyer_id, order_id = make_case("spoiled")
    opened = open_conversation(case_id, buyer_id)
    assert (opened.label, opened.label_zh, opened.unit, opened.status) == ("spoiled", "生鲜变质", "只", "contacted")

    asked = choose_problem(case_id, buyer_id, "spoiled", "confirmed")
    assert asked.kind == "ask_quantity" and asked.extra == {"missing": ["affected_quantity"]}
    assert give_affected_quantity(case_id, buyer_id, 11).kind == "ask_quantity"
    offer = give_affected_quantity(case_id, buyer_id, 3)
    assert offer.kind == "offer" and offer.remedies_left == 1
    assert (offer.offer.rule_id, offer.offer.amount_fen) == ("spoiled_share_refund", 11940)
    assert load_case(case_id).status == "offering"

    done = accept(case_id, buyer_id, 0)
    assert done.kind == "executed" and done.already_done is False
    assert done.extra["rule"] == "spoiled_share_refund"
    again = accept(case_id, buyer_id, 0)
    assert again.kind == "executed" and again.already_done is True
    assert accept(case_id, buyer_id, 1).already_done is True  # another index cannot add a second remedy
    with session_scope() as session:
        remedies = session.execute(select(Remedy).where(Remedy.case_id == case_id)).scalars().all()
        assert [(r.rule_id, r.kind, r.amount_fen, r.status) for r in remedies] == [
            ("spoiled_share_refund", "refund_share", 11940, "executed")
        ]
    assert load_case(case_id).status == "resolved"

    rated = rate(case_id, buyer_id, 5)
    assert rated.kind == "rated" and rated.extra == {"rating": 5, "low": False}
    closed = load_case(case_id)
    assert (closed.status, closed.closed_reason, closed.open_key) == ("closed", "rated", None)
    assert closed.closed_at is not None

    add_feedback(buyer_id, order_id, "又发现两只螃蟹也是死的，太臭了", minutes_ago=1)
    assert triage().cases_opened == 1
    with session_scope() as session:
        cases = session.execute(select(Case.id, Case.status).where(Case.order_id == order_id).order_by(Case.id)).all()
    assert [tuple(c) for c in cases][0] == (case_id, "closed")
    assert len(cases) == 2 and cases[1].id != case_id and cases[1].status == "new"

    report = case_report(case_id)
    assert report["rating"]["rating"] == 5
    assert [r["amount_fen"] for r in report["remedies"]] == [11940]
    assert report["order"]["total_yuan"] == "398"
    kinds = [e["kind"] for e in report["events"]]
    for kind in (
        "conversation_opened",
        "problem_confirmed",
        "facts_missing",
        "affected_quantity",
        "offered",
        "remedy_executed",
        "rated",
    ):
        assert kind in kinds
    assert kinds.count("remedy_executed") == 1


def test_declining_walks_through_the_offers_then_hands_over(any_db: str) -> None:
    case_id, buyer_id = crab_case_offering()
    second = decline(case_id, buyer_id, 0)
    assert second.kind == "offer" and second.offer_index == 1
    assert second.offer.kind == "reship_share" and second.remedies_left == 0
    assert "补发3只" in second.message
    last = decline(case_id, buyer_id, 1)
    assert last.kind == "handover"
    assert "人工客服" in last.message
    case = load_case(case_id)
    assert case.status == "handed_over"
    assert case.handover_reason == "buyer declined every offer the rules allow"
    assert count(Remedy, case_id=case_id) == 0
    assert decline(case_id, buyer_id, 2).kind == "closed"


def test_a_yes_or_no_to_an_offer_no_longer_open_changes_nothing_and_shows_the_open_one(any_db: str) -> None:
    """A tap repeated after its answer was lost (the replica that declined offer 0 died before the
    buyer saw offer 1) must neither decline offer 1 nor carry out anything the buyer did not see."""
    case_id, buyer_id = crab_case_offering()
    assert decline(case_id, buyer_id, 0).offer_index == 1
    again = decline(case_id, buyer_id, 0)  # the same tap again
    assert (again.kind, again.offer_index, again.extra.get("moved_on")) == ("offer", 1, True)
    stale_yes = accept(case_id, buyer_id, 0)  # a yes to the offer already declined
    assert (stale_yes.kind, stale_yes.offer_index, stale_yes.extra.get("moved_on")) == ("offer", 1, True)
    assert count(Remedy, case_id=case_id) == 0 and load_case(case_id).status == "offering"
    with session_scope() as session:
        declines = session.execute(select(CaseEvent.detail).where(
            CaseEvent.case_id == case_id, CaseEvent.kind == "declined")).scalars().all()
    assert declines == [{"index": 0}]  # one decline recorded, not two
    assert accept(case_id, buyer_id, 1).kind == "executed"  # the offer the buyer saw last


def test_refund_above_the_cap_waits_for_approval_and_hands_over(any_db: str) -> None:
    case_id, buyer_id, _ = make_case(
        "wrong_item",
        title="羊绒大衣 M码 驼色",
        kind="apparel",
        unit_price_fen=89900,
        quantity=1,
        unit="件",
        live_seafood=False,
    )
    first = choose_problem(case_id, buyer_id, "wrong_item", "confirmed")
    assert first.offer.kind == "reship_full"
    assert decline(case_id, buyer_id, 0).offer.needs_approval is True
    step = accept(case_id, buyer_id, 1)
    assert step.kind == "pending_approval" and step.extra == {"rule": "wrong_item_full_refund", "amount": "899"}
    with session_scope() as session:
        remedy = session.execute(select(Remedy).where(Remedy.case_id == case_id)).scalar_one()
        assert (remedy.status, remedy.amount_fen) == ("pending_approval", 89900)
    assert load_case(case_id).status == "pending_approval"  # with a person: the bot stays silent
    assert accept(case_id, buyer_id, 1).kind == "pending_approval"
    assert count(Remedy, case_id=case_id) == 1


def test_buyer_saying_no_problem_is_thanked_and_the_case_closes_without_a_rating(any_db: str) -> None:
    case_id, buyer_id, _ = make_case("spoiled")
    step = choose_problem(case_id, buyer_id, "no_problem", "corrected")
    assert (step.kind, step.extra["ask_rating"]) == ("no_problem", False)
    case = load_case(case_id)
    assert (case.status, case.category, case.suspected_category) == ("closed", "no_problem", "spoiled")
    assert "satisfaction_asked" not in event_kinds(case_id)
    assert count(Remedy) == 0
    assert "corrected" in event_kinds(case_id)


def test_a_health_reaction_is_handed_to_a_person_at_once(any_db: str) -> None:
    case_id, buyer_id, _ = make_case("spoiled")
    step = choose_problem(case_id, buyer_id, "health_reaction", "corrected")
    assert step.kind == "handover"
    case = load_case(case_id)
    assert case.status == "handed_over" and case.handover_reason == rules().person_first["health_reaction"]


def test_a_health_reaction_handed_over_mid_chat_books_one_call_and_says_when(any_db: str) -> None:
    from outreach.store.models import CallTask

    case_id, buyer_id, _ = make_case("spoiled")
    step = choose_problem(case_id, buyer_id, "health_reaction", "corrected")
    assert "138****0000" in step.message and "打电话" in step.message and "13800000000" not in step.message
    again = hand_over(case_id, buyer_id, "buyer asked for a person")  # a second hand-over books nothing more
    assert again.kind == "handover"
    with session_scope() as session:
        calls = session.execute(select(CallTask).where(CallTask.case_id == case_id)).scalars().all()
        assert [(c.status, c.attempt) for c in calls] == [("queued", 1)]
        assert "handed over in chat" in calls[0].reason
        assert session.get(Case, case_id).status == "handed_over"
    assert event_kinds(case_id).count("call_booked") == 1


def test_a_health_reaction_of_a_buyer_without_a_phone_stays_with_a_person_in_the_app(any_db: str) -> None:
    from outreach.store.models import Buyer, CallTask

    case_id, buyer_id, _ = make_case("spoiled")
    with session_scope() as session:
        session.get(Buyer, buyer_id).phone = None
    step = choose_problem(case_id, buyer_id, "health_reaction", "corrected")
    assert step.message == rules().handover_message
    assert count(CallTask, case_id=case_id) == 0


def test_unknown_or_garbled_case_ids_are_not_found(any_db: str) -> None:
    _, buyer_id, _ = make_case("spoiled")
    for bad in (999999, "abc", None, "1; drop table cases"):
        with pytest.raises(CaseNotFound):
            open_conversation(bad, buyer_id)  # type: ignore[arg-type]


def test_a_case_no_longer_new_cannot_be_opened_again(any_db: str) -> None:
    case_id, buyer_id = crab_case_offering()
    accept(case_id, buyer_id, 0)
    with pytest.raises(CaseClosed):
        open_conversation(case_id, buyer_id)


def test_a_quantity_sent_after_the_case_closed_does_not_reopen_it(any_db: str) -> None:
    case_id, buyer_id = crab_case_offering()
    accept(case_id, buyer_id, 0)
    rate(case_id, buyer_id, 5)
    step = give_affected_quantity(case_id, buyer_id, 2)  # a late or replayed "2只" from the chat
    case = load_case(case_id)
    assert (case.status, case.affected_quantity) == ("closed", 3)
    assert step.kind == "closed"


# --- another buyer ----------------------------------------------------------------------------


def _every_operation_as(intruder: str, case_id: int) -> list:
    return [
        lambda: open_conversation(case_id, intruder),
        lambda: brief(case_id, intruder),
        lambda: choose_problem(case_id, intruder, "no_problem", "corrected"),
        lambda: give_affected_quantity(case_id, intruder, 10),
        lambda: accept(case_id, intruder, 0),
        lambda: decline(case_id, intruder, 0),
        lambda: hand_over(case_id, intruder, "我要人工"),
        lambda: rate(case_id, intruder, 1),
    ]


def test_a_buyer_who_does_not_own_the_case_changes_nothing(any_db: str) -> None:
    case_id, owner = crab_case_offering()
    intruder, _ = make_order()
    for operation in _every_operation_as(intruder, case_id):
        with pytest.raises(NotYourCase):
            operation()
    case = load_case(case_id)
    assert (case.status, case.category, case.affected_quantity, case.buyer_id) == ("offering", "spoiled", 3, owner)
    assert count(Remedy) == 0
    assert count(Satisfaction) == 0
    assert event_kinds(case_id).count("access_refused") == 8
    assert accept(case_id, owner, 0).kind == "executed"  # the owner can still settle it


def test_refused_access_is_recorded_with_a_masked_buyer_id(any_db: str) -> None:
    case_id, _ = crab_case_offering()
    with pytest.raises(NotYourCase):
        open_conversation(case_id, "B_intruder_9527")
    with pytest.raises(NotYourCase):
        brief(case_id, "B_intruder_9527")
    with session_scope() as session:
        refusals = (
            session.execute(
                select(CaseEvent.detail).where(CaseEvent.case_id == case_id, CaseEvent.kind == "access_refused")
            )
            .scalars()
            .all()
        )
    assert refusals == [{"buyer": "B_***27"}, {"buyer": "B_***27"}]
    assert load_case(case_id).status == "offering"


# --- opt-out and rating ---------------------------------------------------------------------


def test_opt_out_closes_open_cases_once_and_keeps_the_buyers_words(any_db: str) -> None:
    first, buyer_id, _ = make_case("spoiled", status="new", contacted=False)
    second, _, _ = make_case("late_delivery", status="contacted", buyer_id=buyer_id)
    settled, _, _ = make_case("wrong_item", status="resolved", buyer_id=buyer_id)
    bystander, other_buyer, _ = make_case("spoiled", status="contacted")

    assert opt_out(buyer_id, "别再联系我了，烦死了") == 3
    # the settled case waiting for its rating closes too: the rating will never be asked now
    for case_id in (first, second, settled):
        case = load_case(case_id)
        assert (case.status, case.closed_reason, case.open_key) == ("closed", "opted_out", None)
        assert "closed_opted_out" in event_kinds(case_id)
    assert load_case(bystander).status == "contacted"
    with session_scope() as session:
        rows = session.execute(select(OptOut).where(OptOut.buyer_id == buyer_id)).scalars().all()
        assert [(r.channel, r.source_text, r.revoked_at) for r in rows] == [("all", "别再联系我了，烦死了", None)]

    assert opt_out(buyer_id, "别再联系我") == 0
    assert count(OptOut, buyer_id=buyer_id) == 1
    assert count(OptOut, buyer_id=other_buyer) == 0


def test_rating_outside_one_to_five_is_refused_and_nothing_is_stored(any_db: str) -> None:
    case_id, buyer_id = crab_case_offering()
    accept(case_id, buyer_id, 0)
    for bad in (0, 6, -1, 10):
        with pytest.raises(ValueError):
            rate(case_id, buyer_id, bad)
    assert count(Satisfaction) == 0
    assert load_case(case_id).status == "resolved"


def test_rating_twice_keeps_the_first_rating(any_db: str) -> None:
    case_id, buyer_id = crab_case_offering()
    accept(case_id, buyer_id, 0)
    assert rate(case_id, buyer_id, 2).already_done is False
    second = rate(case_id, buyer_id, 5)
    assert second.already_done is True and second.extra == {"rating": 2}
    with session_scope() as session:
        ratings = session.execute(select(Satisfaction.rating).where(Satisfaction.case_id == case_id)).scalars().all()
    assert ratings == [2]


def test_a_conversation_still_going_is_not_rated(any_db: str) -> None:
    case_id, buyer_id = crab_case_offering()
    assert rate(case_id, buyer_id, 4).kind == "closed"
    assert count(Satisfaction) == 0


# --- storage --------------------------------------------------------------------------------


def test_migrations_accept_a_database_url_with_percent_escapes() -> None:
    url = "postgresql://care:p%40ss@127.0.0.1:5432/outreach?options=-csearch_path%3Dcare"
    assert alembic_config(url).get_main_option("sqlalchemy.url") == url


# --- the agents' queue ------------------------------------------------------------------------


def test_handed_over_cases_form_the_agents_queue_most_urgent_first(db: str) -> None:
    from outreach.scheduling.policy import policy
    from outreach.workspace.queue import queue as agents_queue

    mild, mild_buyer, _ = make_case("service_attitude")
    urgent, urgent_buyer, _ = make_case("health_reaction")
    with session_scope() as session:
        session.get(Case, urgent).severity = 1
    hand_over(mild, mild_buyer, "buyer asked for a person")
    hand_over(urgent, urgent_buyer, "health reaction needs a person")
    with session_scope() as session:
        queue = agents_queue(session, utcnow(), policy().limits.agents)
    assert [(row["case_id"], row["reason"]) for row in queue] == [
        (urgent, "health reaction needs a person"),
        (mild, "buyer asked for a person"),
    ]
    assert queue[0]["category_zh"] == "人身健康"
