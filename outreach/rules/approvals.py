"""The approval queue: a person approves or rejects a remedy the rules would not pay alone.

Approving pays the remedy (once), resolves the case and tells the buyer in the app;
rejecting keeps the case with a person and tells the buyer why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.cases import events
from outreach.inbox import messages
from outreach.rules.engine import yuan
from outreach.rules.loader import rules
from outreach.rules.payments import pay_once
from outreach.store.models import Approval, Case, Remedy
from outreach.store.types import utcnow

REASONS_ZH = {"above_cap": "超过自动赔付上限", "verification": "需人工核实（法定赔偿）",
              "buyer_risk": "买家近90天退款较多"}


class ApprovalError(ValueError):
    pass


@dataclass(frozen=True)
class Decision:
    approval_id: int
    case_id: int
    status: str
    already_decided: bool
    paid_fen: int


def pending(session: Session, limit: int = 200) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Approval, Remedy, Case)
        .join(Remedy, Remedy.id == Approval.remedy_id).join(Case, Case.id == Approval.case_id)
        .where(Approval.status == "pending").order_by(Case.severity, Approval.requested_at, Approval.id).limit(limit)
    ).all()
    return [as_dict(approval, remedy, case) for approval, remedy, case in rows]


def as_dict(approval: Approval, remedy: Remedy, case: Case) -> dict[str, Any]:
    return {"id": approval.id, "case_id": case.id, "buyer": events.mask(case.buyer_id), "order_id": case.order_id,
            "category": case.category, "severity": case.severity, "rule": remedy.rule_id, "kind": remedy.kind,
            "amount_fen": remedy.amount_fen, "amount_yuan": yuan(remedy.amount_fen), "coupon_fen": remedy.coupon_fen,
            "reasons": list(approval.reasons), "reasons_zh": [REASONS_ZH.get(r, r) for r in approval.reasons],
            "status": approval.status, "requested_at": approval.requested_at.isoformat(),
            "decided_by": approval.decided_by, "decision_reason": approval.decision_reason}


def _claim(session: Session, approval_id: int) -> Approval:
    approval = session.execute(
        select(Approval).where(Approval.id == approval_id).with_for_update()
    ).scalar_one_or_none()
    if approval is None:
        raise ApprovalError(f"no approval {approval_id}; `outreach approvals list` shows the pending ones")
    return approval


def _ask_rating(session: Session, case: Case, now: datetime) -> None:
    """The case is settled: the satisfaction question follows, unless asked too recently."""
    from outreach.cases.survey import rating_question
    from outreach.scheduling.policy import policy
    from outreach.scheduling.satisfaction import open_question

    if open_question(session, case, now, policy()):
        question, buttons = rating_question()
        messages.append(session, case.buyer_id, "bot", question, buttons, case_id=case.id)


def decide(session: Session, approval_id: int, approve: bool, by: str, reason: str) -> Decision:
    """Approve or reject once; the same decision again changes nothing, the opposite one is refused."""
    if not reason.strip():
        raise ApprovalError("a reason is required: say why, for the audit trail and the buyer")
    wanted = "approved" if approve else "rejected"
    approval = _claim(session, approval_id)
    remedy = session.get(Remedy, approval.remedy_id)
    case = session.get(Case, approval.case_id)
    if approval.status != "pending":
        if approval.status != wanted:
            raise ApprovalError(f"approval {approval_id} was already {approval.status} by {approval.decided_by}")
        return Decision(approval.id, case.id, approval.status, True, remedy.amount_fen if approve else 0)
    now = utcnow()
    approval.status, approval.decided_at, approval.decided_by = wanted, now, by[:64]
    approval.decision_reason = reason[:500]
    book = rules()
    if approve:
        remedy.status = "executed"
        pay_once(session, remedy)
        case.status, case.resolved_at = "resolved", now
        text = book.approval_message.format(amount=yuan(remedy.amount_fen), done=approval.done_text)
    else:
        remedy.status = "rejected"
        case.status, case.handover_reason = "handed_over", f"approval rejected: {reason}"[:300]
        text = book.rejection_message.format(reason=reason)
    events.record(session, case.id, "remedy_" + wanted, rule=remedy.rule_id, amount_fen=remedy.amount_fen,
                  by=by, reason=reason)
    if text:
        messages.append(session, case.buyer_id, "bot", text, case_id=case.id)
    if approve:
        _ask_rating(session, case, now)
    return Decision(approval.id, case.id, wanted, False, remedy.amount_fen if approve else 0)
