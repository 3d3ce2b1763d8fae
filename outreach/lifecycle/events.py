"""The audit trail of a case: what happened and why."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from outreach.lifecycle.states import EventKind
from outreach.store.models import CaseEvent
from outreach.store.types import utcnow

log = logging.getLogger("outreach.cases")


def mask(buyer_id: str) -> str:
    """A buyer id for logs: enough to correlate, not enough to identify."""
    return buyer_id[:2] + "***" + buyer_id[-2:] if len(buyer_id) > 4 else "***"


# Written with SQLAlchemy Core, at once: nothing reads an event back as an object in the
# transaction that records it, and the ORM's unit of work cost more than the insert itself.
_INSERT = insert(CaseEvent.__table__)


def record(session: Session, case_id: int, kind: EventKind, **detail: Any) -> None:
    kind = EventKind(kind)  # an unknown kind is a programming error
    session.execute(_INSERT, {"case_id": case_id, "kind": kind.value, "detail": detail, "created_at": utcnow()})
    log.info("case=%s event=%s %s", case_id, kind.value, " ".join(f"{k}={v}" for k, v in detail.items()))
