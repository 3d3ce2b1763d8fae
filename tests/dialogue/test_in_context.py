"""The conversation moves on from what the buyer already said: details given with a yes, a
remedy named in their own words, shares, off-script questions with the open question kept."""

from __future__ import annotations

from sqlalchemy import select

from outreach.cases.conversation import (
    accept,
    answer_question,
    choose_problem,
    choose_remedy,
    give_affected,
    open_question,
)
from outreach.rules.loader import rules
from outreach.store.db import session_scope
from outreach.store.models import Case, Remedy
from tests.factories import make_case


def remedy_of(case_id: int) -> Remedy | None:
    with session_scope() as session:
        return session.execute(select(Remedy).where(Remedy.case_id == case_id)).scalar_one_or_none()


def test_a_yes_with_the_count_confirms_and_offers_without_asking_how_many(any_db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=12, unit="个", unit_price_fen=500, live_seafood=False,
                                  kind="fruit")
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="是的，一箱12个有4个是烂的")
    assert step.kind == "offer" and step.offer.amount_fen == 2000
    assert "4个" in step.message


def test_a_yes_that_also_names_the_remedy_carries_it_out(any_db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=10, unit_price_fen=3980)
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="对，死了3只，直接退款吧")
    assert step.kind == "executed" and remedy_of(case_id).amount_fen == 11940


def test_a_named_remedy_at_the_offer_picks_that_offer_not_the_other(any_db: str) -> None:
    case_id, buyer, _ = make_case("missing_item", quantity=3, unit="盒", unit_price_fen=8800, live_seafood=False)
    step = choose_problem(case_id, buyer, "missing_item", "confirmed", text="是的，少了1盒")
    assert step.kind == "offer" and step.offer.kind == "reship_share"  # reship is offered first
    step = choose_remedy(case_id, buyer, "不用补发了，直接退钱吧", step.offer_index)
    assert step.kind == "executed"
    remedy = remedy_of(case_id)
    assert (remedy.kind, remedy.amount_fen) == ("refund_share", 8800)


def test_a_remedy_the_rules_do_not_allow_says_so_and_keeps_the_offer(any_db: str) -> None:
    case_id, buyer, _ = make_case("late_delivery", quantity=1, unit_price_fen=30000, live_seafood=False,
                                  shipped_at=None, delivered_at=None)
    first = choose_problem(case_id, buyer, "late_delivery", "confirmed")
    step = choose_remedy(case_id, buyer, "给我换个新的", first.offer_index)
    assert step.kind == "offer" and step.extra["unavailable"] == "replace" and remedy_of(case_id) is None
    assert choose_remedy(case_id, buyer, "好的", 0) is None  # no remedy named: yes/no decides


def test_half_a_box_is_a_share_and_refunds_half_the_line(any_db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=1, unit="箱", unit_price_fen=12900, live_seafood=False,
                                  kind="fruit", title="麒麟西瓜 整箱")
    choose_problem(case_id, buyer, "spoiled", "confirmed")
    step = give_affected(case_id, buyer, "烂了一半")
    assert step.kind == "offer" and step.offer.amount_fen == 6450 and "一半" in step.message
    accept(case_id, buyer, step.offer_index)
    with session_scope() as session:
        assert session.get(Case, case_id).facts["affected_share"] == "1/2"


def test_out_of_range_amounts_get_the_question_back_with_the_limit(any_db: str) -> None:
    case_id, buyer, _ = make_case("damaged", quantity=10, unit="个", unit_price_fen=500, live_seafood=False)
    choose_problem(case_id, buyer, "damaged", "confirmed")
    for text, status in (("坏了100个", "too_many"), ("0个", "zero"), ("大部分都碎了", "vague"), ("五星", "none")):
        step = give_affected(case_id, buyer, text)
        assert step.kind == "ask_quantity" and step.extra["invalid"] == status and step.extra["max"] == 10
    assert remedy_of(case_id) is None
    assert give_affected(case_id, buyer, "碎了两个").offer.amount_fen == 1000


def test_off_script_questions_are_answered_from_the_case_and_the_offer_stays_open(any_db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=10, unit_price_fen=3980, trust_badge=False)
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="是的 死了3只")
    timing = answer_question(case_id, buyer, "退款多久到账？", step.offer_index)
    assert rules().timing.original_route in timing
    assert "平台客服" in answer_question(case_id, buyer, "你是机器人吗？")
    assert "签收" in answer_question(case_id, buyer, "快递到哪了？")
    assert "假一赔三" in answer_question(case_id, buyer, "能不能假一赔三？")
    assert answer_question(case_id, buyer, "死了3只") is None
    assert step.message in answer_question(case_id, buyer, "能退多少钱？", step.offer_index)
    again = open_question(case_id, buyer, "offering", step.offer_index)
    assert again.kind == "offer" and again.message == step.message
    assert remedy_of(case_id) is None


def test_after_the_remedy_the_timing_answer_names_it(any_db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=10, unit_price_fen=3980, trust_badge=False)
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="是的 死了3只")
    accept(case_id, buyer, step.offer_index)
    answer = answer_question(case_id, buyer, "钱什么时候能到？")
    assert "已办理" in answer and rules().timing.original_route in answer
    assert "已经办理好了" in answer_question(case_id, buyer, "退款办好了吗？")
