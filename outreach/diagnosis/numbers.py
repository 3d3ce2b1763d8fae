"""Small numbers and ratings as buyers write them: '3', '３个', '三只', '两盒', '五星', '4分', '还行吧'."""

from __future__ import annotations

import re
import unicodedata

_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "三": 3, "叁": 3, "四": 4,
           "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_CHINESE_NUMBER = re.compile(r"[零〇一壹二两贰三叁四肆五伍六陆七柒八捌九玖十拾百]+")
_ARABIC = re.compile(r"\d+")


def chinese_to_int(text: str) -> int | None:
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
        value = chinese_to_int(chinese.group())
        if value is not None:
            candidates.append((chinese.start(), value))
    return min(candidates)[1] if candidates else None


# Ratings in words, as buyers answer "how satisfied are you". Longer phrases are tried
# first, so "非常不满意" is never read as "非常满意" and "不满意" never as "满意".
RATING_WORDS: dict[str, int] = {
    "非常不满意": 1, "十分不满意": 1, "特别不满意": 1, "很不满意": 1, "极不满意": 1,
    "太差劲": 1, "差劲": 1, "太差": 1, "很差": 1, "非常差": 1,
    "极差": 1, "垃圾": 1, "差评": 1, "糟糕": 1,
    "不太满意": 2, "不满意": 2, "不怎么样": 2, "比较差": 2, "有点差": 2, "较差": 2,
    "还行": 3, "一般": 3, "凑合": 3, "马马虎虎": 3, "还可以": 3, "中评": 3, "过得去": 3,
    "比较满意": 4, "挺满意": 4, "还不错": 4, "不错": 4, "挺好": 4, "满意": 4,
    "非常满意": 5, "十分满意": 5, "特别满意": 5, "超级满意": 5, "很满意": 5, "太满意": 5, "满分": 5,
    "完美": 5, "太棒": 5, "好评": 5,
}
_BY_LENGTH = sorted(RATING_WORDS, key=len, reverse=True)
_SCORED = re.compile(  # '十分满意' says 'very satisfied', not ten points
    r"(\d+|[零〇一壹二两贰三叁四肆五伍六陆七柒八捌九玖十拾]+)\s*(?:颗|个|粒)?\s*(?:分|星)(?!钟|满意|不满|之)")


def scored_number(text: str) -> int | None:
    """A number written as a score: '3分', '五星', '一颗星', '10分'; of several, the last
    ("3分吧……算了 给4分" gives 4: a buyer corrects a score by saying another)."""
    matches = list(_SCORED.finditer(unicodedata.normalize("NFKC", text or "")))
    if not matches:
        return None
    match = matches[-1]
    raw = match.group(1)
    return int(raw) if raw.isdigit() else chinese_to_int(raw)


def rating_word(text: str) -> str | None:
    """The rating phrase in the text ('还行', '非常满意'), longest first, or None."""
    return next((word for word in _BY_LENGTH if word in (text or "")), None)


def parse_rating(text: str) -> int | None:
    """A 1-5 rating in digits, Chinese numerals or words ('5', '五星', '3分', '非常满意', '还行吧',
    '太差劲了'), or None when the text holds no rating in range."""
    value = scored_number(text)
    if value is None:
        word = rating_word(text)
        value = RATING_WORDS[word] if word else first_number(text)
    return value if value is not None and 1 <= value <= 5 else None
