"""The audit trail of a case: what happened and why."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from outreach.lifecycle.states import EventKind
from outreach.store.models import CaseEvent

log = logging.getLogger("outreach.cases")


def mask(buyer_id: str) -> str:
    """A buyer id for logs: enough to correlate, not enough to identify."""
    return buyer_id[:2] + "***" + buyer_id[-2:] if len(buyer_id) > 4 else "***"


def record(session: Session, case_id: int, kind: EventKind, **detail: Any) -> None:
    kind = EventKind(kind)  # an unknown kind is a programming error
    session.add(CaseEvent(case_id=case_id, kind=kind.value, detail=detail))
    log.info("case=%s event=%s %s", case_id, kind.value, " ".join(f"{k}={v}" for k, v in detail.items()))
