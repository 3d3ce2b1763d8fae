"""The agents' queue (handed-over chats and due calls, most urgent first, with the waiting time
against the reply target) and the one acknowledgement a waiting buyer gets."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from outreach.diagnosis.taxonomy import taxonomy
from outreach.inbox import messages
from outreach.lifecycle import events
from outreach.lifecycle.reasons import reason_zh
from outreach.lifecycle.states import PERSON_HOLDS, STATUS_ZH, CaseStatus, EventKind
from outreach.scheduling.policy import AgentLimits
from outreach.store.models import CallTask, Case, CaseEvent

WAIT_TEXT = ("您好，已为您转接人工客服，前面还有 {ahead} 位用户在等待，"
             "预计约 {minutes} 分钟内会有客服在这里回复您，请稍候。")


def _since(case: Case) -> datetime:
    return case.handed_over_at or case.created_at


def queue(session: Session, now: datetime, limits: AgentLimits, limit: int = 200) -> list[dict[str, Any]]:
    """Cases with people (waiting, claimed, waiting for a lead) and due calls: waiting for a
    person first, then by severity and waiting time."""
    cases = session.execute(
        select(Case).where(Case.status.in_([s.value for s in PERSON_HOLDS]))
        .order_by(Case.severity, func.coalesce(Case.handed_over_at, Case.created_at), Case.id).limit(limit)
    ).scalars().all()
    calls = session.execute(
        select(CallTask, Case).join(Case, Case.id == CallTask.case_id)
        .where(CallTask.status == "queued", CallTask.due_at <= now)
        .order_by(CallTask.priority.desc(), CallTask.due_at).limit(limit)
    ).all()
    rows = []
    for case in cases:
        waited = max(0, int((now - _since(case)).total_seconds() // 60))
        waiting = case.status == CaseStatus.HANDED_OVER
        rows.append({
            "kind": "chat", "case_id": case.id, "version": case.version, "status": case.status,
            "status_zh": STATUS_ZH[CaseStatus(case.status)], "agent": case.agent, "severity": case.severity,
            "category": case.category, "category_zh": taxonomy().zh(case.category), "reason": case.handover_reason,
            "reason_zh": reason_zh(case.handover_reason),
            "waiting_since": _since(case).isoformat(), "waited_minutes": waited,
            "target_minutes": limits.reply_target_minutes,
            "over_target": waiting and waited > limits.reply_target_minutes,
            "_order": (0 if waiting else 1, case.severity, _since(case)),
        })
    for task, case in calls:
        waited = max(0, int((now - task.due_at).total_seconds() // 60))
        rows.append({
            "kind": "call", "case_id": case.id, "version": case.version, "status": case.status,
            "status_zh": "待外呼", "agent": None, "severity": case.severity, "category": case.category,
            "category_zh": taxonomy().zh(case.category), "reason": task.reason, "reason_zh": reason_zh(task.reason),
            "call_id": task.id,
            "waiting_since": task.due_at.isoformat(), "waited_minutes": waited,
            "target_minutes": limits.reply_target_minutes, "over_target": waited > limits.reply_target_minutes,
            "_order": (0, case.severity, task.due_at),
        })
    rows.sort(key=lambda row: row.pop("_order"))
    return rows


def _ahead(session: Session, case: Case) -> int:
    """Waiting cases a person will take before this one (more urgent, or as urgent and earlier)."""
    since = _since(case)
    return session.execute(
        select(func.count(Case.id)).where(
            Case.status == CaseStatus.HANDED_OVER.value, Case.id != case.id,
            or_(Case.severity < case.severity,
                and_(Case.severity == case.severity, func.coalesce(Case.handed_over_at, Case.created_at) < since)))
    ).scalar_one()


def acknowledge_wait(session: Session, case_id: int, now: datetime, limits: AgentLimits) -> dict[str, Any] | None:
    """A buyer wrote while waiting for a person: say so once per hand-over, with the expected wait."""
    case = session.get(Case, case_id)
    if case is None or case.status != CaseStatus.HANDED_OVER:
        return None
    told = session.execute(
        select(CaseEvent.id).where(CaseEvent.case_id == case.id, CaseEvent.kind == EventKind.WAIT_ACKNOWLEDGED.value,
                                   CaseEvent.created_at >= _since(case)).limit(1)
    ).first()
    if told is not None:
        return None
    ahead = _ahead(session, case)
    minutes = limits.reply_target_minutes + ahead * limits.minutes_per_case_ahead
    minutes = max(1, math.ceil(minutes))
    message = messages.append(session, case.buyer_id, "system", WAIT_TEXT.format(ahead=ahead, minutes=minutes),
                              case_id=case.id)
    events.record(session, case.id, EventKind.WAIT_ACKNOWLEDGED, ahead=ahead, minutes=minutes)
    return message
