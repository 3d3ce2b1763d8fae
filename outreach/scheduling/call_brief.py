"""The short Chinese brief an agent reads before dialling: who, what, what the rules allow."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from outreach.diagnosis.taxonomy import taxonomy
from outreach.lifecycle.rating import asked_recently
from outreach.lifecycle.reasons import reason_zh
from outreach.rules.engine import quote, yuan
from outreach.rules.facts import case_facts, main_item
from outreach.rules.loader import rules
from outreach.scheduling.policy import Policy
from outreach.scheduling.windows import local_text
from outreach.store.models import Buyer, CallTask, Case

SEVERITY_ZH = {1: "紧急", 2: "高", 3: "中", 4: "一般"}


def call_brief(session: Session, task: CallTask, now: datetime, policy: Policy) -> dict[str, Any]:
    case: Case = session.get(Case, task.case_id)
    buyer: Buyer = session.get(Buyer, task.buyer_id)
    item = main_item(session, case.order_id)
    result = quote(case_facts(session, case), rules())
    book = rules()
    allowed = [{"rule": o.rule_id, "rule_title": book.title_of(o.rule_id), "amount_fen": o.amount_fen,
                "needs_approval": o.needs_approval, "say": o.say} for o in result.offers]
    lines = [
        f"来电任务 #{task.id}（第 {task.attempt}/{policy.limits.calls.max_attempts} 次）· 案件 {case.id} · "
        f"紧急程度 {SEVERITY_ZH.get(case.severity, case.severity)}",
        f"买家：{buyer.name}（{buyer.age_band}），电话 {buyer.phone or '（无号码）'}，"
        f"当地时间 {local_text(now, buyer.time_zone)}",
        f"订单 {case.order_id}：{item.title}，实付 {yuan(case.order.total_fen)} 元",
        f"问题：{taxonomy().zh(case.category)}",
    ]
    if result.handover_reason:
        lines.append(f"规则：无自动方案，请人工处理（{reason_zh(result.handover_reason)}）")
    elif result.missing_facts:
        lines.append("规则：需先确认受影响的数量，再按规则给出方案")
    for number, offer in enumerate(allowed, start=1):
        approval = "（需审批）" if offer["needs_approval"] else ""
        lines.append(f"方案{number}「{offer['rule_title']}」{approval}：{offer['say']}")
    ask = not asked_recently(session, buyer.id, now, policy.limits.satisfaction.quiet_hours)
    quiet = policy.limits.satisfaction.quiet_hours
    lines.append("问题解决后可询问满意度（1-5 分）" if ask else f"请勿询问满意度（{quiet} 小时内已询问过）")
    lines.append("注意：这是服务回访，不做任何营销推广。")
    return {
        "call_id": task.id,
        "case_id": case.id,
        "attempt": task.attempt,
        "team": task.team,
        "buyer_id": buyer.id,
        "phone": buyer.phone,
        "local_time": local_text(now, buyer.time_zone),
        "category": case.category,
        "severity": case.severity,
        "allowed_remedies": allowed,
        "may_ask_satisfaction": ask,
        "brief": "\n".join(lines),
    }
