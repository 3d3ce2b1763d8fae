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
