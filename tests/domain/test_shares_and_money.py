"""Affected shares are exact fractions of the line; money is rounded once, at the end, half up."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest

from outreach.rules.engine import fen_of, quote
from outreach.rules.loader import rules
from tests.domain.test_rules_engine import crab_facts


@pytest.mark.parametrize(("fen", "share", "expected"), [
    (5990, Fraction(2, 3), 3993),  # 39.9333 -> 39.93, not 2 x 19.96
    (1, Fraction(1, 2), 1),  # half a fen rounds up
    (3, Fraction(1, 2), 2),
    (10000, Fraction(1, 3), 3333),
    (20000, Fraction(2, 3), 13333),
    (39800, Fraction(3, 10), 11940),
    (0, Fraction(1, 2), 0),
])
def test_a_share_of_an_amount_is_rounded_once_to_the_nearest_fen_half_up(fen: int, share: Fraction,
                                                                         expected: int) -> None:
    assert fen_of(fen, share) == expected


def test_two_broken_of_three_pieces_costing_59_90_refund_39_93() -> None:
    facts = crab_facts(label="damaged", order_total_fen=5990, unit_price_fen=1997, quantity=3, unit="个",
                       affected_quantity=2, line_total_fen=5990, live_seafood=False)
    offer = quote(facts, rules()).offers[0]
    assert (offer.kind, offer.amount_fen) == ("refund_share", 3993)
    assert "2个" in offer.say and "39.93元" in offer.say


def test_half_a_box_sold_as_one_piece_refunds_half_the_line() -> None:
    facts = crab_facts(order_total_fen=12900, unit_price_fen=12900, quantity=1, unit="箱", affected_quantity=None,
                       affected_share=Fraction(1, 2), portion_text="一半", live_seafood=False)
    offer = quote(facts, rules()).offers[0]
    assert offer.amount_fen == 6450
    assert "一半" in offer.say and "64.50元" in offer.say


def test_a_third_of_goods_sold_by_weight_refunds_a_third_exactly() -> None:
    facts = crab_facts(order_total_fen=10000, unit_price_fen=2000, quantity=5, unit="斤", affected_quantity=None,
                       affected_share=Fraction(1, 3), portion_text="三分之一", live_seafood=False)
    assert quote(facts, rules()).offers[0].amount_fen == 3333


@pytest.mark.parametrize("share", [Fraction(0), Fraction(-1, 2), Fraction(3, 2)])
def test_a_share_outside_the_line_is_asked_again_never_paid(share: Fraction) -> None:
    facts = crab_facts(affected_quantity=None, affected_share=share)
    result = quote(facts, rules())
    assert result.offers == [] and result.missing_facts == ["affected_quantity"]


@pytest.mark.parametrize("kind", ["food", "snacks", "drinks", "seafood"])
def test_general_foods_are_covered_by_the_unsafe_food_rules(kind: str) -> None:
    facts = crab_facts(label="health_reaction", item_kind=kind, order_total_fen=3990, unit_price_fen=3990,
                       quantity=1, affected_quantity=None, live_seafood=False)
    rule_ids = [o.rule_id for o in quote(facts, rules()).offers]
    assert "unsafe_food_legal_floor" in rule_ids


def test_non_food_gets_no_unsafe_food_floor() -> None:
    facts = crab_facts(label="health_reaction", item_kind="cosmetics", quantity=1, affected_quantity=None)
    assert "unsafe_food_legal_floor" not in [o.rule_id for o in quote(facts, rules()).offers]


def test_every_offer_sentence_takes_its_timing_from_the_rules_timing_section() -> None:
    book = rules()
    facts = dataclasses.replace(crab_facts(), live_seafood=False)
    done = [o.done for o in quote(facts, book).offers]
    assert book.timing.original_route in done[0] and book.timing.reship in done[1]
