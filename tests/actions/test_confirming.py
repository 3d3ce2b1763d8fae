"""At the confirmation, words with no yes or no that give the suspected problem's details confirm
it and move on, in one transaction; words surely naming another problem correct it instead."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import event, select

from actions.answers import ActionChooseProblem
from outreach.store.db import get_engine, session_scope
from outreach.store.models import Case, CaseEvent, Remedy
from tests.actions.test_actions import responses, run, slot, tracker
from tests.factories import make_case


def kinds_of(case_id: int) -> list[str]:
    with session_scope() as session:
        return list(session.execute(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)
                                    .order_by(CaseEvent.id)).scalars())


async def test_the_count_of_the_suspected_problem_confirms_it_and_makes_the_offer_in_one_transaction(
        db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=10, unit_price_fen=3980)
    transactions: list[object] = []

    def begun(connection: object) -> None:
        transactions.append(connection)

    event.listen(get_engine(), "begin", begun)
    try:
        messages, events = await run(ActionChooseProblem(), tracker(
            buyer, intent="spoiled", text="死了3只", slots={"case_id": str(case_id), "stage": "confirming"}))
    finally:
        event.remove(get_engine(), "begin", begun)
    assert responses(messages) == ["utter_offer"] and "119.4" in messages[0]["offer_text"]
    assert slot(events, "stage") == "offering"
    assert len(transactions) == 1  # the case read once, where the words are taken on
    assert kinds_of(case_id)[-3:] == ["problem_confirmed", "affected_quantity", "offered"]


async def test_a_remedy_named_instead_of_a_yes_confirms_and_carries_it_out(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=1, unit="斤", unit_price_fen=6980, title="鲜活基围虾 1斤装",
                                  promises=["fresh_rot_refund"])
    messages, _ = await run(ActionChooseProblem(), tracker(
        buyer, intent="spoiled", text="直接退款吧", slots={"case_id": str(case_id), "stage": "confirming"}))
    assert responses(messages)[0] == "utter_remedy_done"
    with session_scope() as session:
        assert session.execute(select(Remedy.amount_fen).where(Remedy.case_id == case_id)).scalars().all() == [6980]


async def test_details_of_another_problem_named_surely_correct_it_and_confirm_nothing(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=10, unit_price_fen=3980)
    messages, _ = await run(ActionChooseProblem(), tracker(
        buyer, intent="missing_item", text="少了3只", slots={"case_id": str(case_id), "stage": "confirming"}))
    assert responses(messages) == ["utter_problem_noted", "utter_offer"]
    assert "problem_confirmed" not in kinds_of(case_id) and "corrected" in kinds_of(case_id)
    with session_scope() as session:
        assert session.get(Case, case_id).category == "missing_item"


async def test_a_stranger_s_details_confirm_nothing(db: str) -> None:
    case_id, _owner, _ = make_case("spoiled", quantity=10, unit_price_fen=3980)
    messages, _ = await run(ActionChooseProblem(), tracker(
        "B_stranger", intent="spoiled", text="死了3只", slots={"case_id": str(case_id), "stage": "confirming"}))
    assert responses(messages) == ["utter_no_recent_order"]  # the stranger's own orders only: none
    assert "problem_confirmed" not in kinds_of(case_id) and "access_refused" in kinds_of(case_id)


async def test_the_problem_told_in_the_buyer_s_words_is_taken_with_the_case_read_once_for_the_checks(
        db: str) -> None:
    """Whether the case is still talked through and which problem it is about are one read, however
    many of the action's checks ask: the details check, that read, and the choice are three."""
    case_id, buyer, _ = make_case("spoiled", quantity=1, unit="斤", unit_price_fen=6980, title="鲜活基围虾 1斤装",
                                  promises=["fresh_rot_refund"])
    transactions: list[object] = []

    def begun(connection: object) -> None:
        transactions.append(connection)

    confirming = tracker(buyer, intent="spoiled", text="打开全是死的，都臭了",
                         slots={"case_id": str(case_id), "stage": "confirming"})
    confirming.latest_message.update(problems=["spoiled"], problem_clauses={"spoiled": "打开全是死的 都臭了"},
                                     diagnosis={"hurt_probability": 0.99})
    event.listen(get_engine(), "begin", begun)
    try:
        messages, _ = await run(ActionChooseProblem(), confirming)
    finally:
        event.remove(get_engine(), "begin", begun)
    assert responses(messages) == ["utter_problem_noted", "utter_offer"]
    assert len(transactions) == 3


async def test_thanks_at_an_open_question_is_answered_and_the_question_comes_back(db: str) -> None:
    from actions.contact import ActionSmallTalk

    case_id, buyer, _ = make_case("spoiled", status="resolved", quantity=10, unit_price_fen=3980)
    messages, _ = await run(ActionSmallTalk(), tracker(
        buyer, intent="thank", text="谢谢你啊姑娘", slots={"case_id": str(case_id), "stage": "rating"}))
    assert responses(messages)[0] == "utter_thank"
    assert responses(messages)[1:] == ["utter_ask_rating"]  # the rating question again (its buttons are the domain's)
    assert "rated" not in kinds_of(case_id)


async def test_thanks_as_the_answer_to_the_confirmation_confirms(db: str) -> None:
    from actions.contact import ActionSmallTalk

    case_id, buyer, _ = make_case("spoiled", quantity=10, unit_price_fen=3980)
    _, events = await run(ActionSmallTalk(), tracker(
        buyer, intent="thank", text="那你们帮我查一查吧 谢谢", slots={"case_id": str(case_id), "stage": "confirming"}))
    assert "problem_confirmed" in kinds_of(case_id) and slot(events, "stage") == "asking_quantity"


def _buyer_start(buyer: str, text: str, clauses: dict[str, str]) -> Tracker:
    started = tracker(buyer, intent="missing_item", text=text)
    started.latest_message["problem_clauses"] = clauses
    return started


@pytest.mark.parametrize(("title", "text", "clauses", "whole"), [
    # the whole words' likeliest label (missing) is told second: the broken plates, told first, come first
    ("日式粗陶盘子 6个装", "盘子碎了两个 而且还少了一个",
     {"damaged": "盘子碎了两个", "missing_item": "而且还少了一个"}, "missing_item"),
    # the words turn to the broken cups: their focus, whatever was told before
    ("玻璃杯 6只装", "上次说发货慢的那单到了，结果碎了两个杯子",
     {"late_delivery": "上次说发货慢的那单到了", "damaged": "结果碎了两个杯子"}, "damaged"),
    # a scene the model reads as a problem ("快递到了") is not taken before the one told by its signs
    ("加厚玻璃水杯 6只装", "快递到了 打开一看碎了一个",
     {"late_delivery": "快递到了", "damaged": "打开一看碎了一个"}, "damaged"),
])
async def test_of_several_problems_a_buyer_tells_first_the_one_to_take_first(
        db: str, title: str, text: str, clauses: dict[str, str], whole: str) -> None:
    from actions.starting import raise_problem
    from tests.factories import make_order

    buyer, _ = make_order(title=title, kind="home", unit_price_fen=1490, quantity=6)
    dispatcher = CollectingDispatcher()
    await raise_problem(dispatcher, _buyer_start(buyer, text, clauses), whole, None)
    # told by its signs: taken as stated, said back as what we understood, then its offer
    assert dispatcher.messages[0]["response"] == "utter_started_noted"
    assert dispatcher.messages[0]["label_zh"] == "运输破损"
