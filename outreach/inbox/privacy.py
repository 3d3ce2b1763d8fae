"""Buyers' mobile numbers are shown as 139****5678: in every log line a process writes and
wherever staff read buyers' words. Buyers type their numbers into chats and reviews, and
agents into call notes, so masking the phone column alone is not enough.

People write a number in many ways: 13912345678, 139-1234-5678, 139.1234.5678,
139_1234_5678, +86 139 1234 5678, in full-width digits (１３９１２３４５６７８) from a Chinese
input method. The text is normalised first (every decimal digit to its ASCII digit, one
character for one, so positions stay), the numbers are found in the normalised text, and
their places in the original text are replaced; the rest of the text is left as written.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

# Between the 3-4-4 groups and after the country code: up to three of these (" - ", "．").
_GAP = r"[\s\-._·‐‑‒–—―−－．＿/]{0,3}"
# A mainland mobile number in normalised text (ASCII digits), optionally +86.
_MOBILE = re.compile(rf"(?<![0-9])(?:[+＋]?86{_GAP})?(1[3-9][0-9]){_GAP}[0-9]{{4}}{_GAP}([0-9]{{4}})(?![0-9])")
_ANY_DIGIT = re.compile(r"\d")
MASK = "****"
NO_NUMBER = "（无号码）"


class _AsciiDigits(dict):
    """A str.translate table, filled as characters are met: a decimal digit of any script
    (full-width ０-９ included) to its ASCII digit, anything else to itself."""

    def __missing__(self, code: int) -> int:
        digit = unicodedata.decimal(chr(code), None)
        self[code] = code if digit is None else ord("0") + digit
        return self[code]


_ASCII_DIGITS = _AsciiDigits()


def normalise_digits(text: str) -> str:
    """`text` with every decimal digit written as an ASCII digit; same length, same positions."""
    return text.translate(_ASCII_DIGITS)


def mask_phones(text: str) -> str:
    """Every mobile number in `text`, however written, as 139****5678."""
    if not _ANY_DIGIT.search(text):
        return text
    normalised = normalise_digits(text)
    parts, end = [], 0
    for match in _MOBILE.finditer(normalised):
        parts += [text[end:match.start()], match[1], MASK, match[2]]
        end = match.end()
    return "".join(parts) + text[end:] if parts else text


def mask_phone_number(phone: str | None) -> str:
    """A stored phone number as staff see it: 139****5678 for a mobile number (a +86 prefix
    and separators dropped), the last four digits of anything else, （无号码） for none."""
    digits = "".join(ch for ch in normalise_digits(phone or "") if "0" <= ch <= "9")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) == 11:
        return digits[:3] + MASK + digits[-4:]
    return MASK + digits[-4:] if len(digits) >= 7 else NO_NUMBER


def install_log_masking() -> None:
    """Masks mobile numbers in every log record this process creates, whichever logger or
    handler it goes to (Rasa's and aiohttp's included). Idempotent."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_phones", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed log call is the logging module's to report
            return record
        masked = mask_phones(message)
        if masked != message:
            record.msg, record.args = masked, None
        return record

    factory.masks_phones = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
