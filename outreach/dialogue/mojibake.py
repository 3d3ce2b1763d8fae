"""Chinese text garbled on the way ("å°‘äº†ä¸¤åŒ"): UTF-8 bytes shown as Windows-1252 or Latin-1
characters by a phone or a keyboard app. Repaired back to the characters meant, so the buyer's
words are read instead of being taken for another language."""

from __future__ import annotations

import re

# A run of the characters such a garbling is made of: Latin-1 letters and the Windows-1252 extras.
_GARBLED_RUN = re.compile(r"[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
                          r"\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]{2,}")
# A garbled Chinese character starts with the lead byte of a three-byte UTF-8 sequence (E3-E9:
# ã ä å æ ç è é) or of the full-width forms (EF: ï).
_LEAD = re.compile(r"[ã-éï]")
_CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _byte(char: str) -> bytes:
    try:
        return char.encode("cp1252")
    except UnicodeEncodeError:
        return char.encode("latin-1", errors="ignore")


def repair_mojibake(text: str) -> str:
    """`text` with each garbled run turned back into the Chinese it was; runs that do not decode
    to Chinese, and text with none, are left as they are ("Café" stays)."""
    if not text or not _LEAD.search(text):
        return text

    def repaired(run: re.Match[str]) -> str:
        fixed = b"".join(_byte(char) for char in run.group()).decode("utf-8", errors="ignore")
        return fixed if _CHINESE.search(fixed) else run.group()

    return _GARBLED_RUN.sub(repaired, text)
