"""Words typed a character at a time are read as the words they spell."""

from __future__ import annotations

import pytest

from outreach.dialogue.remedy_words import read_remedy
from outreach.dialogue.spacing import join_spaced_characters
from outreach.dialogue.words import normalize


@pytest.mark.parametrize(("typed", "read"), [
    ("钱 多 久 能 到 账 啊 ？？？ 急 用 ！！！", "钱多久能到账啊？？？急用！！！"),
    ("对 对 对 碎 了 2 个", "对对对碎了2个"),
    ("是的 碎 了 两 个", "是的 碎了两个"),  # words typed normally keep their space
    ("满 意 ！！", "满意！！"),  # all of it, short as it is
    ("😡 😡 😡 气 死 了", "😡😡😡气死了"),
])
def test_a_run_of_single_characters_is_joined_into_words(typed: str, read: str) -> None:
    assert join_spaced_characters(typed) == read


@pytest.mark.parametrize("typed", ["好 5", "是 2个", "我要 退款 谢谢", "1 2 3 4", "", "  "])
def test_words_typed_normally_and_short_runs_beside_words_stay(typed: str) -> None:
    assert join_spaced_characters(typed) == typed


def test_every_reader_reads_the_joined_words() -> None:
    assert normalize("不 要 补 发 ！！！ 退 钱 ！！！") == "不要补发!!!退钱!!!"
    assert read_remedy("不 要 补 发 ！！！ 退 钱 ！！！") == "refund"


@pytest.mark.parametrize(("typed", "read"), [
    ("不 要 退 钱，换 一个 新 的 给 我", "不要退钱，换一个新的给我"),
    ("不用 补 了，那 一条 的 钱 退 给 我", "不用补了，那一条的钱退给我"),
    ("退款 要 扣 手续费 吗？", "退款要扣手续费吗？"),
    ("我 买 3盒 来了 2盒", "我买3盒来了2盒"),  # five short words, no marks: one clause too
])
def test_short_words_typed_with_a_space_after_each_are_joined_into_their_clause(typed: str, read: str) -> None:
    """Learners of Chinese often put a space after every word; where the marks end the clauses, those
    spaces end nothing."""
    assert join_spaced_characters(typed) == read
    assert read_remedy("不 要 退 钱，换 一个 新 的 给 我") == "replace"


@pytest.mark.parametrize("typed", ["是 烂了2斤 整箱都臭了", "是的 碎了两个", "好 5，谢谢", "是 2个 退款"])
def test_clauses_of_longer_words_keep_their_spaces(typed: str) -> None:
    assert join_spaced_characters(typed) == typed
