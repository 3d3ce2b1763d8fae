"""The satisfaction survey after a settled case: a 1-5 rating, the optional 0-10
recommendation question (for NPS) and a free-text comment.

A rating of 1 or 2 reopens the case for a person, as the best help desks do.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from sqlalchemy.orm import Session

from outreach.diagnosis.numbers import RATING_WORDS, first_number, scored_number
from outreach.lifecycle import events, machine
from outreach.lifecycle.states import PERSON_HOLDS, CaseStatus, EventKind
from outreach.store.models import Case, Satisfaction

LOW_RATING = 2
MAX_COMMENT_CHARS = 500
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


def record_rating(session: Session, case: Case, rating: int, now: datetime, comment: str | None = None) -> bool:
    """Store the rating once. Returns True when the rating is low and the case went to a person."""
    if not 1 <= rating <= 5:
        raise ValueError(f"rating {rating} is outside 1-5")
    session.add(Satisfaction(case_id=case.id, buyer_id=case.buyer_id, rating=rating, created_at=now,
                             comment=comment[:MAX_COMMENT_CHARS] if comment else None))
    events.record(session, case.id, EventKind.RATED, rating=rating, comment=bool(comment))
    status = CaseStatus(case.status)
    if rating <= LOW_RATING:
        reason = f"low satisfaction rating {rating}: a person follows up"
        if status in PERSON_HOLDS:  # a person has it already: they see why
            case.handover_reason = reason
            events.record(session, case.id, EventKind.HANDED_OVER, reason=reason)
        else:
            machine.hand_over(session, case, reason)
        return True
    if status is CaseStatus.RESOLVED:
        machine.close(session, case, "rated", EventKind.CLOSED, now)
    return False


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
