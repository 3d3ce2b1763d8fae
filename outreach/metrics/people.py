"""Figures of the people who take over (docs/metrics.md "People"): time to the first human
reply, the hand-over resolution rate and the reopen rate, overall and by agent.

Read from the case trail, which the lifecycle writes: `handed_over`, `claimed`/`taken_over`
(staff), `agent_replied` (staff), `reopened` (settled_by), and the case's `settled_by`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.lifecycle.states import EventKind
from outreach.metrics.facts import filtered
from outreach.metrics.filters import Filters
from outreach.store.models import Case, CaseEvent, StaffUser

AGENT_COLUMNS = ["agent", "claimed", "replied", "minutes_to_first_reply", "resolved", "resolution_rate",
                 "reopened", "reopen_rate"]
K = EventKind


@dataclass
class _Case:
    handed_over: list[datetime] = field(default_factory=list)
    claimed_by: set[str] = field(default_factory=set)
    first_reply: tuple[datetime, str] | None = None
    reopened_from: set[str] = field(default_factory=set)  # who had settled it before it came back
    settled_by: str | None = None


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _minutes(values: list[float]) -> float | None:
    return round(median(values), 1) if values else None


def _read(session: Session, filters: Filters) -> dict[int, _Case]:
    ids = filtered(select(Case.id), filters).scalar_subquery()
    cases: dict[int, _Case] = defaultdict(_Case)
    kinds = [k.value for k in (K.HANDED_OVER, K.CLAIMED, K.TAKEN_OVER, K.AGENT_REPLIED, K.REOPENED)]
    for case_id, kind, detail, at in session.execute(
        select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.detail, CaseEvent.created_at)
        .where(CaseEvent.case_id.in_(ids), CaseEvent.kind.in_(kinds)).order_by(CaseEvent.id)
    ):
        case = cases[case_id]
        detail = detail or {}
        if kind == K.HANDED_OVER.value:
            case.handed_over.append(at)
        elif kind in (K.CLAIMED.value, K.TAKEN_OVER.value):
            case.claimed_by.add(str(detail.get("staff")))
        elif kind == K.AGENT_REPLIED.value and case.first_reply is None:
            case.first_reply = (at, str(detail.get("staff")))
        elif kind == K.REOPENED.value and detail.get("settled_by"):
            case.reopened_from.add(str(detail["settled_by"]))
    for case_id, settled_by in session.execute(
        select(Case.id, Case.settled_by).where(Case.id.in_(list(cases)), Case.settled_by.is_not(None))
    ):
        cases[case_id].settled_by = settled_by
    return {k: v for k, v in cases.items() if v.handed_over}


def _reply_minutes(case: _Case) -> float | None:
    """From the hand-over before the first human reply to that reply."""
    if case.first_reply is None:
        return None
    before = [at for at in case.handed_over if at <= case.first_reply[0]]
    return (case.first_reply[0] - before[-1]).total_seconds() / 60 if before else None


def people_report(session: Session, filters: Filters) -> dict[str, Any]:
    cases = _read(session, filters)
    settled = [c for c in cases.values() if c.settled_by]
    replies = [m for m in (_reply_minutes(c) for c in cases.values()) if m is not None]
    total = {
        "handed_over": len(cases),
        "minutes_to_first_human_reply": _minutes(replies),
        "handover_resolution_rate": _rate(len(settled), len(cases)),
        "reopen_rate": _rate(sum(1 for c in settled if c.settled_by in c.reopened_from), len(settled)),
    }
    agents: dict[str, dict[str, Any]] = defaultdict(lambda: {"claimed": 0, "replies": [], "resolved": 0,
                                                            "reopened": 0})
    for case in cases.values():
        for name in case.claimed_by:
            agents[name]["claimed"] += 1
        if case.first_reply is not None:
            minutes = _reply_minutes(case)
            if minutes is not None:
                agents[case.first_reply[1]]["replies"].append(minutes)
        if case.settled_by:
            agents[case.settled_by]["resolved"] += 1
            if case.settled_by in case.reopened_from:
                agents[case.settled_by]["reopened"] += 1
    shown = dict(session.execute(select(StaffUser.username, StaffUser.display_name)).all())
    rows = []
    for name in sorted(agents):
        a = agents[name]
        rows.append({"agent": name, "name": shown.get(name, name), "claimed": a["claimed"],
                     "replied": len(a["replies"]),
                     "minutes_to_first_reply": _minutes(a["replies"]), "resolved": a["resolved"],
                     "resolution_rate": _rate(a["resolved"], a["claimed"]), "reopened": a["reopened"],
                     "reopen_rate": _rate(a["reopened"], a["resolved"])})
    return {"total": total, "agents": rows}
