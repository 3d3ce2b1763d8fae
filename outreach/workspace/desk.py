"""What a person does with a handed-over case: claim, release, reply, offer and carry out a
remedy, approve or reject (leads), hand back to the bot, close with an outcome.

Each operation is one transaction on the caller's session and changes the case only through
outreach.lifecycle. A refusal raises DeskError (an HTTP status, a Chinese reason and a short
code) before anything is written, or a LifecycleError that rolls the transaction back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from outreach.inbox import messages
from outreach.inbox.bot_texts import RATING_QUESTION, bot_response
from outreach.lifecycle import approvals, events, machine, rating
from outreach.lifecycle.remedies import carry_out
from outreach.lifecycle.states import STATUS_ZH, CaseStatus, EventKind
from outreach.rules.engine import Offer, quote, yuan
from outreach.rules.facts import case_facts
from outreach.rules.schema import RuleBook
from outreach.store.models import Approval, Case

MAX_REPLY_CHARS = 2000
# How a person may close a case (cases.closed_reason "agent:<outcome>").
OUTCOMES = {"resolved": "已解决", "no_action_needed": "无需处理", "buyer_unreachable": "联系不上买家",
            "duplicate": "重复案件", "referred": "已转其他部门"}
S = CaseStatus


class DeskError(ValueError):
    def __init__(self, status: int, zh: str, reason: str) -> None:
        super().__init__(f"{reason}: {zh}")
        self.status, self.zh, self.reason = status, zh, reason


@dataclass(frozen=True)
class Staff:
    """Who acts: the dashboard member (outreach.dashboard.accounts.StaffMember has these fields)."""

    username: str
    display_name: str
    role: str

    @property
    def lead(self) -> bool:
        return self.role == "lead"


def load(session: Session, case_id: int, version: int | None = None) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise DeskError(404, f"没有编号为 {case_id} 的案件。", "no_such_case")
    if version is not None and case.version != version:
        raise machine.StaleCase(case.id, f"version {version}", f"version {case.version}")
    return case


def _owned(session: Session, case_id: int, staff: Staff, version: int | None) -> Case:
    """The case, if `staff` holds it (claimed, or its remedy waiting for a lead)."""
    case = load(session, case_id, version)
    if case.status not in (S.CLAIMED, S.PENDING_APPROVAL) or case.agent is None:
        raise DeskError(409, f"案件 {case.id} 还没有人接手，请先接手再操作。", "not_claimed")
    if case.agent != staff.username:
        raise DeskError(403, f"案件 {case.id} 由 {case.agent} 处理中，只有接手的人可以操作。", "claimed_by_other")
    return case


def _claimed(session: Session, case_id: int, staff: Staff, version: int | None) -> Case:
    """The case, if `staff` holds it and no remedy of it waits for a lead (which decides first)."""
    case = _owned(session, case_id, staff, version)
    if case.status != S.CLAIMED:
        raise DeskError(409, f"案件 {case.id} 的赔付正在等待主管审批，审批后才能继续处理。", "awaiting_approval")
    return case


def claim(session: Session, case_id: int, staff: Staff, now: datetime, version: int | None = None) -> Case:
    """One person at a time: the first claim wins; a lead may take a claimed case over."""
    case = load(session, case_id, version)
    if case.status == S.CLAIMED:
        if case.agent == staff.username:
            return case
        if not staff.lead:
            raise DeskError(409, f"案件 {case.id} 已由 {case.agent} 接手。", "already_claimed")
        machine.move(session, case, S.CLAIMED, EventKind.TAKEN_OVER, expected=S.CLAIMED,
                     changes={"agent": staff.username, "agent_since": now}, staff=staff.username,
                     previous_agent=case.agent)
        return case
    if case.status != S.HANDED_OVER:
        raise DeskError(409, f"案件 {case.id} 当前为「{STATUS_ZH[S(case.status)]}」，不在待接手队列中。",
                        "not_waiting")
    machine.move(session, case, S.CLAIMED, EventKind.CLAIMED, expected=S.HANDED_OVER,
                 changes={"agent": staff.username, "agent_since": now}, staff=staff.username)
    return case


def release(session: Session, case_id: int, staff: Staff, version: int | None = None) -> Case:
    """Back to the queue, for someone else (the owner, or a lead)."""
    case = load(session, case_id, version)
    if case.status != S.CLAIMED:
        raise DeskError(409, f"案件 {case.id} 没有被接手，无需释放。", "not_claimed")
    if case.agent != staff.username and not staff.lead:
        raise DeskError(403, f"案件 {case.id} 由 {case.agent} 处理中，只有本人或主管可以释放。", "claimed_by_other")
    previous = case.agent
    machine.move(session, case, S.HANDED_OVER, EventKind.RELEASED, expected=S.CLAIMED,
                 changes={"agent": None, "agent_since": None}, staff=staff.username, previous_agent=previous)
    return case


def check_reply(text: Any) -> str:
    if not isinstance(text, str):
        raise DeskError(400, "回复内容必须是文字。", "bad_text")
    cleaned = messages.clean_text(text, limit=MAX_REPLY_CHARS + 1)
    if not cleaned:
        raise DeskError(400, "回复内容不能为空。", "empty_reply")
    if len(cleaned) > MAX_REPLY_CHARS:
        raise DeskError(400, f"回复内容不能超过 {MAX_REPLY_CHARS} 个字，请分几次发送。", "reply_too_long")
    return cleaned


def reply(session: Session, case_id: int, staff: Staff, text: Any, version: int | None = None) -> dict[str, Any]:
    """The person's words in the buyer's chat, shown as 人工客服 with their display name."""
    cleaned = check_reply(text)
    case = _owned(session, case_id, staff, version)
    message = messages.append(session, case.buyer_id, "agent", cleaned, case_id=case.id, author=staff.display_name)
    events.record(session, case.id, EventKind.AGENT_REPLIED, staff=staff.username, message=message["id"],
                  chars=len(cleaned))
    return message


def allowed_offers(session: Session, case: Case, book: RuleBook) -> list[Offer]:
    return list(quote(case_facts(session, case), book).offers)


def offer_as_dict(offer: Offer) -> dict[str, Any]:
    from outreach.rules.loader import rules

    return {"rule": offer.rule_id, "rule_title": rules().title_of(offer.rule_id), "kind": offer.kind,
            "amount_fen": offer.amount_fen,
            "amount_yuan": yuan(offer.amount_fen), "coupon_fen": offer.coupon_fen,
            "needs_approval": offer.needs_approval, "approval_reasons": list(offer.approval_reasons),
            "say": offer.say}


def _offer(session: Session, case: Case, rule_id: Any, book: RuleBook) -> Offer:
    offers = allowed_offers(session, case, book)
    found = next((o for o in offers if o.rule_id == rule_id), None)
    if found is None:
        allowed = "、".join(o.rule_id for o in offers) or "无"
        raise DeskError(400, f"规则不允许为案件 {case.id} 提供「{str(rule_id)[:64]}」；可用方案：{allowed}。",
                        "offer_not_allowed")
    return found


def offer(session: Session, case_id: int, staff: Staff, rule_id: Any, book: RuleBook,
          version: int | None = None) -> dict[str, Any]:
    """Propose an offer the rules allow: its sentence goes to the buyer from the person."""
    case = _claimed(session, case_id, staff, version)
    chosen = _offer(session, case, rule_id, book)
    message = messages.append(session, case.buyer_id, "agent", chosen.say, case_id=case.id, author=staff.display_name)
    events.record(session, case.id, EventKind.OFFERED, rule=chosen.rule_id, amount_fen=chosen.amount_fen,
                  staff=staff.username)
    return message


def settle(session: Session, case_id: int, staff: Staff, rule_id: Any, book: RuleBook, now: datetime,
           quiet_hours: int, version: int | None = None) -> dict[str, Any]:
    """Carry out an offer once, through the ledger. Within the rules' automatic authority it is
    paid and the bot asks for the rating; above it a lead must approve first."""
    case = _claimed(session, case_id, staff, version)
    chosen = _offer(session, case, rule_id, book)
    remedy, created = carry_out(session, case, chosen, f"agent {staff.username} carried out rule {chosen.rule_id}",
                                channel="agent", by=staff.username, now=now)
    if not created:
        raise DeskError(409, f"案件 {case.id} 已执行过赔付（{remedy.rule_id}），每个案件只执行一次。",
                        "already_settled")
    if remedy.status == "pending_approval":
        messages.append(session, case.buyer_id, "agent", book.handover_message, case_id=case.id,
                        author=staff.display_name)
        return {"remedy": remedy.status, "rule": remedy.rule_id, "amount_fen": remedy.amount_fen}
    messages.append(session, case.buyer_id, "agent", chosen.done, case_id=case.id, author=staff.display_name)
    asked = _ask_rating(session, case, now, quiet_hours)
    return {"remedy": remedy.status, "rule": remedy.rule_id, "amount_fen": remedy.amount_fen, "rating_asked": asked}


def _ask_rating(session: Session, case: Case, now: datetime, quiet_hours: int) -> bool:
    if not rating.open_question(session, case, now, quiet_hours):
        return False
    question, buttons = bot_response(RATING_QUESTION)
    messages.append(session, case.buyer_id, "bot", question, buttons, case_id=case.id)
    return True


def hand_back(session: Session, case_id: int, staff: Staff, now: datetime, quiet_hours: int,
              version: int | None = None) -> dict[str, Any]:
    """The person is done: the case is settled and the bot asks the buyer for the rating."""
    case = _claimed(session, case_id, staff, version)
    machine.settle(session, case, EventKind.HANDED_BACK, now, settled_by=staff.username, staff=staff.username)
    return {"rating_asked": _ask_rating(session, case, now, quiet_hours)}


def close(session: Session, case_id: int, staff: Staff, outcome: Any, now: datetime,
          version: int | None = None) -> Case:
    if outcome not in OUTCOMES:
        raise DeskError(400, f"结案结果必须是以下之一：{'、'.join(f'{k}（{v}）' for k, v in OUTCOMES.items())}。",
                        "bad_outcome")
    case = _claimed(session, case_id, staff, version)
    machine.close(session, case, f"agent:{outcome}", EventKind.CLOSED, now, staff=staff.username)
    if outcome == "resolved":  # the person settled it (the hand-over resolution and reopen rates)
        case.settled_by = staff.username
    return case


def decide(session: Session, approval_id: int, staff: Staff, approve: bool, reason: Any,
           quiet_hours: int) -> approvals.Decision:
    """A lead approves or rejects a remedy; the first decision wins."""
    if not staff.lead:
        raise DeskError(403, "只有客服主管可以审批赔付。", "lead_only")
    if not isinstance(reason, str):
        raise DeskError(400, "请填写审批理由。", "bad_reason")
    if session.get(Approval, approval_id) is None:
        raise DeskError(404, f"没有编号为 {approval_id} 的审批。", "no_such_approval")
    return approvals.decide(session, approval_id, approve, staff.username, reason[:500], quiet_hours=quiet_hours)
