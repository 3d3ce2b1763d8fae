"""Who answers a buyer: the bot, or a person who owns the case."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.inbox.messages import active_case_id
from outreach.store.models import Case


def human_owns_conversation(session: Session, buyer_id: str) -> bool:
    """True while the buyer's active case is handed over: the bot stays silent then."""
    case_id = active_case_id(session, buyer_id)
    if case_id is None:
        return False
    status = session.execute(select(Case.status).where(Case.id == case_id)).scalar_one()
    return status == "handed_over"
