"""Weights as buyers and listings write them: '5斤', '4斤2两', '4.2斤', '2.1公斤', '500g', '三两'.

Used for the 足斤足两 guarantee: what the listing promised against what the buyer weighed.
Amounts are whole grams; a 斤 is 500 g and a 两 50 g (the market units of mainland China).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from outreach.diagnosis.numbers import chinese_to_int

GRAMS = {"斤": 500, "两": 50, "公斤": 1000, "千克": 1000, "kg": 1000, "克": 1, "g": 1}
_NUMBER = r"(\d+(?:\.\d+)?|[零〇一壹二两贰三叁四肆五伍六陆七柒八捌九玖十拾百]+)"
_UNIT = r"(公斤|千克|kg|斤|两|克|g)"
# One weight: a number and unit, optionally followed by a number of 两 ('4斤2两', '4斤半').
_WEIGHT = re.compile(_NUMBER + r"\s*" + _UNIT + r"(?:\s*(半|" + _NUMBER + r"\s*两))?", re.IGNORECASE)


def _amount(raw: str) -> Decimal | None:
    if re.fullmatch(r"\d+(?:\.\d+)?", raw):
        try:
            return Decimal(raw)
        except InvalidOperation:
            return None
    value = chinese_to_int(raw)
    return Decimal(value) if value is not None else None


_HALF_UNIT = re.compile(r"(?<![\d一二两三四五六七八九十百千.])半(?=\s*(?:公斤|千克|斤|kg))")


def weights_in(text: str) -> list[int]:
    """Every weight written in the text, in grams, in order; nothing for text without one."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = _HALF_UNIT.sub("0.5", text)  # "半斤装", "少了半斤": half of the unit (not the 半 of "一斤半")
    found = []
    for match in _WEIGHT.finditer(text):
        amount = _amount(match.group(1))
        if amount is None:
            continue
        unit = GRAMS[match.group(2)]
        grams = amount * unit
        if match.group(3) == "半":
            grams += unit // 2
        elif match.group(4) is not None:
            extra = _amount(match.group(4))
            grams += (extra or 0) * GRAMS["两"]
        if grams > 0:
            found.append(int(grams))
    return found


def shortfall_percent(promised_g: int, weighed_g: int) -> int:
    """How much of the promised weight is missing, in whole percent (rounded up; 0 when none)."""
    if promised_g <= 0 or weighed_g >= promised_g:
        return 0
    missing = promised_g - weighed_g
    return min(100, -(-missing * 100 // promised_g))
