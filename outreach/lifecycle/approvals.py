"""The approval queue: a lead approves or rejects a remedy the rules would not pay alone.

Approving pays the remedy (once), settles the case and tells the buyer in the app; rejecting
gives the case back to its person (or the agents' queue) and tells the buyer why. The
decision is a compare-and-set on the approval row (UPDATE ... WHERE status = 'pending'), so of
an approve and a reject sent at once exactly one wins, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from outreach.inbox import messages
from outreach.inbox.bot_texts import RATING_QUESTION, bot_response
from outreach.lifecycle import events, machine, rating
from outreach.lifecycle.states import CaseStatus, remedy_event
from outreach.rules.engine import yuan
from outreach.rules.loader import rules
from outreach.rules.payments import pay_once
from outreach.store.models import Approval, Case, Remedy
from outreach.store.types import utcnow

REASONS_ZH = {"above_cap": "超过自动赔付上限", "verification": "需人工核实（法定赔偿）",
              "buyer_risk": "买家近90天退款较多"}


STATUS_ZH = {"approved": "批准", "rejected": "驳回"}


class ApprovalError(ValueError):
    def __init__(self, message: str, zh: str = "") -> None:
        super().__init__(message)
        self.zh = zh or message


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
            "category": case.category, "severity": case.severity, "rule": remedy.rule_id,
            "rule_title": rules().title_of(remedy.rule_id), "kind": remedy.kind,
            "amount_fen": remedy.amount_fen, "amount_yuan": yuan(remedy.amount_fen), "coupon_fen": remedy.coupon_fen,
            "reasons": list(approval.reasons), "reasons_zh": [REASONS_ZH.get(r, r) for r in approval.reasons],
            "status": approval.status, "requested_at": approval.requested_at.isoformat(),
            "decided_by": approval.decided_by, "decision_reason": approval.decision_reason}


def _ask_rating(session: Session, case: Case, now: datetime, quiet_hours: int) -> None:
    """The case is settled: the satisfaction question follows, unless asked too recently."""

    if rating.open_question(session, case, now, quiet_hours):
        question, buttons = bot_response(RATING_QUESTION)
        messages.append(session, case.buyer_id, "bot", question, buttons, case_id=case.id)


def _already(approval: Approval, wanted: str, remedy: Remedy) -> Decision:
    if approval.status != wanted:
        raise ApprovalError(f"approval {approval.id} was already {approval.status} by {approval.decided_by}",
                            f"这笔赔付已被 {approval.decided_by} {STATUS_ZH.get(approval.status, approval.status)}，"
                            "不能再更改。")
    return Decision(approval.id, approval.case_id, approval.status, True,
                    remedy.amount_fen if wanted == "approved" else 0)


def decide(session: Session, approval_id: int, approve: bool, by: str, reason: str, *, quiet_hours: int
           ) -> Decision:
    """Approve or reject once; the same decision again changes nothing, the opposite one is refused."""
    if not reason.strip():
        raise ApprovalError("a reason is required: say why, for the audit trail and the buyer",
                            "请填写审批理由（会记录在案并告知买家）。")
    wanted = "approved" if approve else "rejected"
    approval = session.get(Approval, approval_id)
    if approval is None:
        raise ApprovalError(f"no approval {approval_id}; `outreach approvals list` shows the pending ones",
                            f"没有编号为 {approval_id} 的审批。")
    remedy = session.get(Remedy, approval.remedy_id)
    if approval.status != "pending":
        return _already(approval, wanted, remedy)
    now = utcnow()
    won = session.execute(
        update(Approval).where(Approval.id == approval_id, Approval.status == "pending")
        .values(status=wanted, decided_at=now, decided_by=by[:64], decision_reason=reason[:500])
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    session.expire(approval)
    if not won:  # another decision came first
        return _already(approval, wanted, remedy)
    case = session.get(Case, approval.case_id)
    status = CaseStatus(case.status)
    book = rules()
    if approve:
        remedy.status = "executed"
        pay_once(session, remedy)
        if status in (CaseStatus.PENDING_APPROVAL, CaseStatus.HANDED_OVER, CaseStatus.CLAIMED):
            machine.settle(session, case, None, now, settled_by=case.agent or by)
        text = book.approval_message.format(amount=yuan(remedy.amount_fen), done=approval.done_text)
    else:
        remedy.status = "rejected"
        if status is CaseStatus.PENDING_APPROVAL:
            back = CaseStatus.CLAIMED if case.agent else CaseStatus.HANDED_OVER
            machine.move(session, case, back, None, changes={"handover_reason": f"approval rejected: {reason}"[:300]})
        text = book.rejection_message.format(reason=reason)
    events.record(session, case.id, remedy_event(wanted), rule=remedy.rule_id, amount_fen=remedy.amount_fen,
                  by=by, reason=reason)
    if text:
        messages.append(session, case.buyer_id, "bot", text, case_id=case.id)
    if approve:
        _ask_rating(session, case, now, quiet_hours)
    return Decision(approval.id, case.id, wanted, False, remedy.amount_fen if approve else 0)
