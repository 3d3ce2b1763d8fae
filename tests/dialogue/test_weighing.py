"""What buyers' words say about weighing the goods (outreach.dialogue.weighing)."""

from __future__ import annotations

import pytest

from outreach.dialogue.weighing import (
    Weighing,
    read_weighing,
    says_weighed,
    short_by,
    weighing_clauses,
    weighs_beyond_promise,
    whole_weighed_below,
)


@pytest.mark.parametrize(("text", "grams"), [
    ("少了半斤", 250),
    ("差了3两", 150),
    ("不够2斤", 1000),
    ("就两斤六两 差了快半斤呢", None),  # two weights: which one is short is not said by one
    ("少了1斤2两", 600),  # the 两 after the 斤 belongs to the shortfall
    ("差了快半斤", None),  # a guess: what was weighed is asked
    ("少了差不多两斤吧", None),
    ("少了两个", None),  # pieces, not weight
    ("", None),
])
def test_the_grams_said_to_be_missing(text: str, grams: int | None) -> None:
    assert short_by(text) == grams


@pytest.mark.parametrize(("text", "weighed"), [
    ("标的1斤 实际称了才8两", True),
    ("秤上是1斤7两", True),
    ("少了半斤", True),
    ("一共只有7斤3两", True),
    ("去掉箱子是3斤8两", True),  # a net weight: the packaging taken off
    ("扣掉泡沫箱 4斤2两", True),
    ("去咯箱子是8斤2两", True),
    ("买的5斤装", False),  # a weight, but nothing says it was weighed
    ("3斤8两", False),
    ("烂了好几个", False),
])
def test_whether_the_words_tell_a_weighing(text: str, weighed: bool) -> None:
    assert says_weighed(text) is weighed


def test_a_promise_alone_is_not_a_weighing() -> None:
    assert not weighs_beyond_promise("说好的8斤")
    assert weighs_beyond_promise("说好的8斤 称了只有7斤")


def test_the_clauses_of_a_weighing_are_kept_and_the_rest_left_out() -> None:
    text = "烂了好几个，我上秤称了，一共才8斤，太过分了"
    kept = weighing_clauses(text)
    assert "我上秤称了" in kept and "一共才8斤" in kept
    assert "烂了好几个" not in kept and "太过分" not in kept
    assert weighing_clauses("烂了好几个 太过分了") == ""


def test_a_weighing_of_the_whole_below_the_promise_is_found_but_not_one_of_the_rot() -> None:
    assert whole_weighed_below("烂了2斤 整箱称了一下才8斤7两", 5000) == "整箱称了一下才8斤7两"
    assert whole_weighed_below("称了一下 烂的有2斤", 5000) == ""
    assert whole_weighed_below("整箱称了一下才10斤", 5000) == ""  # not below what was promised


@pytest.mark.parametrize(("text", "listed", "expected"), [
    # the listing's weight wins over a promise the buyer quotes
    ("标称100斤，实际1斤8两", 1000, Weighing(1000, 900)),
    # the weighed amount, not a promise told after it
    ("一共只有7斤3两 说好的8斤", 4000, Weighing(4000, 3650)),
    # a shortfall of the listing's weight
    ("少了半斤", 2500, Weighing(2500, 2250)),
    # a shortfall as big as the whole is no weighing
    ("少了5斤", 2500, None),
    # no listing weight: the first weight is the promise, the second what was weighed
    ("标的1斤 实际称了才8两", None, Weighing(500, 400)),
    ("称了只有8两", None, None),
    # a weight far above the promise is not a weighing of these goods
    ("称了有50斤", 2500, None),
    ("烂了好几个", 2500, None),
])
def test_the_promised_and_weighed_weight(text: str, listed: int | None, expected: Weighing | None) -> None:
    assert read_weighing(text, listed) == expected


@pytest.mark.parametrize(("text", "taken_back"), [
    ("不对 刚才是连箱子一起称的", True),
    ("称的时候没去皮", True),
    ("刚才连箱子一起称的 去掉箱子是3斤8两", False),  # the new weight is told: it is read, not asked
    ("称了4斤", False),
])
def test_a_weighing_taken_back_without_a_new_weight(text: str, taken_back: bool) -> None:
    from outreach.dialogue.weighing import takes_back_weighing

    assert takes_back_weighing(text) is taken_back
