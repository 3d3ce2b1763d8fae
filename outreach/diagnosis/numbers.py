"""Small numbers and ratings as buyers write them: '3', '３个', '三只', '两盒', '五星', '4分'."""

from __future__ import annotations

import re
import unicodedata

_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "三": 3, "叁": 3, "四": 4,
           "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_CHINESE_NUMBER = re.compile(r"[零〇一壹二两贰三叁四肆五伍六陆七柒八捌九玖十拾百]+")
_ARABIC = re.compile(r"\d+")


def _chinese_to_int(text: str) -> int | None:
    """Chinese numerals below 1000: 三 -> 3, 十二 -> 12, 二十 -> 20, 一百零五 -> 105."""
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch in "十拾":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def first_number(text: str) -> int | None:
    """The first whole number written in the text, in digits or Chinese numerals."""
    text = unicodedata.normalize("NFKC", text or "")
    candidates = []
    arabic = _ARABIC.search(text)
    if arabic and len(arabic.group()) <= 6:
        candidates.append((arabic.start(), int(arabic.group())))
    chinese = _CHINESE_NUMBER.search(text)
    if chinese:
        value = _chinese_to_int(chinese.group())
        if value is not None:
            candidates.append((chinese.start(), value))
    return min(candidates)[1] if candidates else None


def parse_rating(text: str) -> int | None:
    """A 1-5 rating, or None when the text holds no rating in range."""
    value = first_number(text)
    return value if value is not None and 1 <= value <= 5 else None
