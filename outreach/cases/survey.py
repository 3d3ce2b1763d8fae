"""The satisfaction survey after a settled case: reading the buyer's words (the comment, the
optional 0-10 recommendation answer for NPS). Storing the 1-5 rating, which may reopen the case,
is the lifecycle's (outreach.lifecycle.rating.record_rating).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from sqlalchemy.orm import Session

from outreach.diagnosis.numbers import RATING_WORDS, first_number, scored_number
from outreach.lifecycle import events
from outreach.lifecycle.rating import MAX_COMMENT_CHARS
from outreach.lifecycle.states import EventKind
from outreach.store.models import Satisfaction

_SCORE_TEXT = re.compile(r"[\d零〇一壹二两贰三叁四肆五伍六陆七柒八捌九玖十拾百]+\s*(?:颗|个)?\s*(?:分|星)?")
_FILLER = re.compile(r"[\s\W_]|[吧呀啊吗呢了的给打就我们你是个颗星分评价]")


def comment_of(text: str) -> str | None:
    """The buyer's words when they say more than the score itself, else None.

    "3分，物流太慢了" is a comment; "五星", "非常满意吧" or a button's payload are not.
    """
    original = (text or "").strip()
    text = unicodedata.normalize("NFKC", original)
    if not text or text.startswith("/"):
        return None
    rest = _SCORE_TEXT.sub("", text)
    for word in sorted(RATING_WORDS, key=len, reverse=True):
        rest = rest.replace(word, "")
    rest = _FILLER.sub("", rest)
    return original[:MAX_COMMENT_CHARS] if len(rest) >= 2 else None


def parse_recommend(text: str) -> int | None:
    """A 0-10 answer to "how likely are you to recommend us", or None."""
    value = scored_number(text)
    if value is None:
        value = first_number(text)
    return value if value is not None and 0 <= value <= 10 else None


def record_recommend(session: Session, found: Satisfaction, score: int, now: datetime,
                     comment: str | None = None) -> bool:
    """Store the 0-10 answer once, adding the comment; False when it was given before."""
    if not 0 <= score <= 10:
        raise ValueError(f"recommendation score {score} is outside 0-10")
    if found.recommend is not None:
        return False
    found.recommend, found.recommended_at = score, now
    if comment:
        found.comment = "\n".join(filter(None, [found.comment, comment]))[:MAX_COMMENT_CHARS]
    events.record(session, found.case_id, EventKind.RECOMMEND_ANSWERED, score=score)
    return True
