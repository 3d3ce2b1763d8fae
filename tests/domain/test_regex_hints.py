"""The quick pre-check before the vague-complaint patterns: a text without any required character
cannot match, so skipping it never changes a diagnosis."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from outreach.diagnosis.regex_hints import required_chars, union_of_required
from outreach.diagnosis.taxonomy import taxonomy


def test_required_characters_of_phrases_branches_and_optional_parts() -> None:
    assert required_chars("(?<![没不无])有(点|些)?毛病") == frozenset("病")
    assert required_chars("出(了)?(点|些)?问题") == frozenset("题")
    assert required_chars("坑人|上当") == frozenset("人当")
    assert required_chars("(太|很)?") is None and required_chars("a*") is None and required_chars(".") is None


PIECES = ["有点问题", "不太满意", "太差了", "后悔买了", "挺好", "没有问题", "不对劲", "垃圾", "质量", "，", "很",
          "失望"]


@given(st.lists(st.sampled_from(PIECES), max_size=6))
def test_a_text_the_hints_skip_never_matches_a_vague_pattern(parts: list[str]) -> None:
    patterns = taxonomy().vague_complaints
    hints = union_of_required(patterns)
    assert hints is not None
    text = "".join(parts)
    if not any(ch in text for ch in hints):
        assert re.search("|".join(f"(?:{p})" for p in patterns), text) is None
