"""足斤足两: the buyer says what the goods weighed; the shortfall is refunded, never guessed."""

from __future__ import annotations

import pytest

from outreach.cases.conversation import choose_problem, give_weighed
from outreach.diagnosis.weights import shortfall_percent, weights_in
from outreach.store.db import session_scope
from outreach.store.models import Case
from tests.factories import make_case

ORANGES = {"title": "赣南脐橙 现摘现发 10斤整箱", "kind": "fruit", "unit_price_fen": 4990, "quantity": 1, "unit": "箱",
           "live_seafood": False, "promises": ["weight_guarantee"]}


@pytest.mark.parametrize(("text", "grams"), [
    ("4斤2两", [2100]), ("4.2斤", [2100]), ("2.1公斤", [2100]), ("２．１ｋｇ", [2100]), ("500g", [500]),
    ("八斤七两", [4350]), ("4斤半", [2250]), ("标称5斤，实际4斤2两", [2500, 2100]), ("两斤", [1000]),
    ("果径75mm", []), ("没称", []), ("", []), ("🍊🍊 重量不对", []),
])
def test_weights_are_read_in_market_units_and_metric(text: str, grams: list[int]) -> None:
    assert weights_in(text) == grams


def test_the_shortfall_is_whole_percent_rounded_up_and_never_negative() -> None:
    assert [shortfall_percent(5000, w) for w in (5000, 5200, 4350, 4999, 0)] == [0, 0, 13, 1, 100]


def test_a_short_box_of_oranges_is_weighed_by_the_buyer_and_the_shortfall_refunded(any_db: str) -> None:
    case_id, buyer_id, _ = make_case("not_as_described", text="称了一下只有八斤多，缺斤少两", **ORANGES)
    step = choose_problem(case_id, buyer_id, "not_as_described", "confirmed")
    assert step.kind == "ask_weight" and step.extra["promised"] == "10斤"
    step = give_weighed(case_id, buyer_id, "八斤七两")
    assert (step.offer.rule_id, step.offer.amount_fen) == ("short_weight_refund", 649)  # 13% of 49.90
    with session_scope() as session:
        facts = session.get(Case, case_id).facts
    assert (facts["promised_g"], facts["weighed_g"], facts["shortfall_percent"]) == (5000, 4350, 13)


def test_without_a_stated_weight_the_buyer_gives_both_and_nonsense_is_asked_again(any_db: str) -> None:
    case_id, buyer_id, _ = make_case("not_as_described", text="分量不足", **{**ORANGES, "title": "赣南脐橙 大果"})
    step = choose_problem(case_id, buyer_id, "not_as_described", "confirmed")
    assert step.kind == "ask_weight" and step.extra["promised"] is None
    assert give_weighed(case_id, buyer_id, "4斤").extra["invalid"] is True  # promised weight unknown
    assert give_weighed(case_id, buyer_id, "不知道").kind == "ask_weight"
    step = give_weighed(case_id, buyer_id, "写的5斤，实际只有4斤")
    assert (step.offer.rule_id, step.offer.amount_fen) == ("short_weight_refund", 998)  # 20%


def test_goods_that_weigh_enough_get_the_other_remedies_and_no_shortfall_money(any_db: str) -> None:
    case_id, buyer_id, _ = make_case("not_as_described", text="感觉分量不足", **ORANGES)
    choose_problem(case_id, buyer_id, "not_as_described", "confirmed")
    step = give_weighed(case_id, buyer_id, "称了有10斤1两")
    assert step.offer.rule_id == "not_as_described_return_refund"


def test_an_item_sold_by_the_jin_promises_its_quantity(any_db: str) -> None:
    case_id, buyer_id, _ = make_case("not_as_described", text="缺斤少两", **{**ORANGES, "unit": "斤", "quantity": 5,
                                                                          "unit_price_fen": 998})
    assert choose_problem(case_id, buyer_id, "not_as_described", "confirmed").extra["promised"] == "5斤"


def test_what_the_buyer_says_was_promised_never_overrides_the_listing(any_db: str) -> None:
    """A buyer claiming a promise of 100斤 on a 2斤 listing is refunded against the listing's 2斤."""
    case_id, buyer_id, _ = make_case("not_as_described", text="缺斤少两",
                                     **{**ORANGES, "title": "赣南脐橙 2斤装", "unit_price_fen": 13800})
    choose_problem(case_id, buyer_id, "not_as_described", "confirmed")
    step = give_weighed(case_id, buyer_id, "说好的100斤，实际只有1斤8两")
    assert (step.offer.rule_id, step.offer.amount_fen) == ("short_weight_refund", 1380)  # 10% of 138
    with session_scope() as session:
        assert session.get(Case, case_id).facts["promised_g"] == 1000


def test_a_correction_claiming_another_promised_weight_than_the_listing_is_not_taken(any_db: str) -> None:
    case_id, buyer_id, _ = make_case("missing_item", text="少发了", **{**ORANGES, "title": "赣南脐橙 2斤装"})
    step = choose_problem(case_id, buyer_id, "not_as_described", "corrected", text="标称100斤实际2斤")
    assert step.kind == "confirm" and step.extra["listing"] == "2斤"
    with session_scope() as session:
        assert session.get(Case, case_id).category == "missing_item"


def test_a_yes_that_gives_the_weighing_needs_no_weight_question(any_db: str) -> None:
    case_id, buyer_id, _ = make_case("not_as_described", text="缺斤少两", **ORANGES)
    step = choose_problem(case_id, buyer_id, "not_as_described", "confirmed", text="是的 我拿秤称了只有八斤七两")
    assert (step.kind, step.offer.rule_id, step.offer.amount_fen) == ("offer", "short_weight_refund", 649)


def test_a_yes_with_a_lone_weight_that_is_no_weighing_still_asks(any_db: str) -> None:
    case_id, buyer_id, _ = make_case("not_as_described", text="缺斤少两", **ORANGES)
    step = choose_problem(case_id, buyer_id, "not_as_described", "confirmed", text="是的 少了差不多两斤吧")
    assert step.kind == "ask_weight"  # "少了两斤" is how much is missing, not what it weighed


@pytest.mark.parametrize(("text", "grams"), [("半斤装", [250]), ("少了半斤", [250]), ("半公斤", [500]),
                                             ("一斤半", [750]), ("两斤半", [1250])])
def test_half_a_unit_is_a_weight(text: str, grams: list[int]) -> None:
    assert weights_in(text) == grams


def test_a_shortfall_told_exactly_is_the_weighing(any_db: str) -> None:
    case_id, buyer_id, _ = make_case("not_as_described", text="缺斤少两", **ORANGES)
    step = choose_problem(case_id, buyer_id, "not_as_described", "confirmed", text="是的 少了半斤")
    # 9.5斤 of 10斤: 5 % of 49.90
    assert (step.kind, step.offer.rule_id, step.offer.amount_fen) == ("offer", "short_weight_refund", 250)


def test_a_shortfall_said_beside_the_weighing_is_not_what_was_weighed(any_db: str) -> None:
    case_id, buyer_id, _ = make_case("not_as_described", text="缺斤少两", **ORANGES)
    step = choose_problem(case_id, buyer_id, "not_as_described", "confirmed",
                          text="是的 称了一下 就八斤七两 差了一斤多呢")
    assert (step.kind, step.offer.rule_id, step.offer.amount_fen) == ("offer", "short_weight_refund", 649)


def test_a_weighing_told_beside_rot_is_the_short_weight_too(any_db: str) -> None:
    case_id, buyer_id, _ = make_case("spoiled", text="橙子烂了", **{**ORANGES, "promises": ["fresh_rot_refund",
                                                                                        "weight_guarantee"]})
    choose_problem(case_id, buyer_id, None, "confirmed", text="是的 烂了2斤 整箱称了一下才8斤7两")
    with session_scope() as session:
        waiting = session.get(Case, case_id).facts.get("more_problems")
    assert [item["label"] for item in waiting] == ["not_as_described"]


def test_a_weight_told_as_the_promise_after_the_weighing_is_not_what_was_weighed(any_db: str) -> None:
    case_id, buyer_id, _ = make_case("not_as_described", text="缺斤少两", **ORANGES)
    step = choose_problem(case_id, buyer_id, "not_as_described", "confirmed",
                          text="是 我上秤称了 一共只有8斤7两 说好的10斤")
    assert (step.kind, step.offer.rule_id, step.offer.amount_fen) == ("offer", "short_weight_refund", 649)


def test_a_buyer_who_starts_with_the_weighing_is_not_asked_for_it_again(any_db: str) -> None:
    from datetime import timedelta

    from outreach.cases.conversation import raise_problem
    from outreach.store.types import utcnow
    from tests.factories import make_order

    buyer_id, _ = make_order(shipped_at=utcnow() - timedelta(days=2), delivered_at=utcnow() - timedelta(hours=5),
                             **ORANGES)
    step = raise_problem(buyer_id, "你们这橙子不够秤啊 标的10斤 我拿家里的秤一称只有9斤2两", "not_as_described")
    assert step.kind == "confirm"
    step = choose_problem(step.case_id, buyer_id, "not_as_described", "confirmed", text="是的")
    assert step.kind == "offer" and step.offer.kind == "refund_shortfall"
    assert step.offer.amount_fen == 399  # 49.90 x 8 % (10斤 listed, 9斤2两 weighed)
