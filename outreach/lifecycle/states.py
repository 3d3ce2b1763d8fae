"""The case's statuses, the kinds of event in its trail, and the one table of allowed moves.

Every module that changes a case's status asks `outreach.lifecycle.machine.move`, which
refuses any move this table does not list. docs/architecture.md draws the table.
"""

from __future__ import annotations

from enum import Enum


class CaseStatus(str, Enum):
    NEW = "new"  # flagged, waiting for the scheduler
    CALLING = "calling"  # a call is booked for an agent
    CONTACTED = "contacted"  # the bot opened the chat, or the buyer was reached by phone
    OFFERING = "offering"  # the bot offers a remedy the rules allow
    HANDED_OVER = "handed_over"  # waits in the agents' queue; the bot stays silent
    CLAIMED = "claimed"  # a person owns it (cases.agent); the bot stays silent
    PENDING_APPROVAL = "pending_approval"  # a remedy above the automatic cap waits for a lead
    RESOLVED = "resolved"  # settled: the remedy is carried out, the rating question may be open
    CLOSED = "closed"  # rated, closed by a person, refused or opted out; closed_reason says which

    def __str__(self) -> str:
        return self.value

    @property
    def zh(self) -> str:
        """The status as leads and agents read it."""
        return STATUS_ZH[self]


S = CaseStatus
STATUS_ZH: dict[CaseStatus, str] = {
    S.NEW: "待联系", S.CALLING: "待外呼", S.CONTACTED: "已联系", S.OFFERING: "方案协商中",
    S.HANDED_OVER: "待人工接手", S.CLAIMED: "人工处理中", S.PENDING_APPROVAL: "待主管审批",
    S.RESOLVED: "已解决待评价", S.CLOSED: "已关闭",
}

# The only moves a case can make. A status missing on the right of its own row cannot be
# "moved" to itself: a same-status move is a no-op refused like any other unlisted move.
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.NEW: frozenset({S.CALLING, S.CONTACTED, S.OFFERING, S.HANDED_OVER, S.RESOLVED, S.CLOSED}),
    S.CALLING: frozenset({S.NEW, S.CONTACTED, S.HANDED_OVER, S.RESOLVED, S.PENDING_APPROVAL, S.CLOSED}),
    S.CONTACTED: frozenset({S.NEW, S.CALLING, S.OFFERING, S.HANDED_OVER, S.RESOLVED, S.PENDING_APPROVAL,
                            S.CLOSED}),
    S.OFFERING: frozenset({S.OFFERING, S.HANDED_OVER, S.RESOLVED, S.PENDING_APPROVAL, S.CLOSED}),
    S.HANDED_OVER: frozenset({S.CLAIMED, S.RESOLVED, S.PENDING_APPROVAL, S.CLOSED}),
    S.CLAIMED: frozenset({S.CLAIMED, S.HANDED_OVER, S.RESOLVED, S.PENDING_APPROVAL, S.CLOSED}),
    S.PENDING_APPROVAL: frozenset({S.RESOLVED, S.HANDED_OVER, S.CLAIMED, S.CLOSED}),
    S.RESOLVED: frozenset({S.HANDED_OVER, S.CLOSED}),
    S.CLOSED: frozenset({S.HANDED_OVER}),  # reopened for a person (a low rating after closing)
}

OPEN = frozenset(s for s in CaseStatus if s is not S.CLOSED)
PERSON_HOLDS = frozenset({S.HANDED_OVER, S.CLAIMED, S.PENDING_APPROVAL})  # the bot stays silent
NOT_SETTLED = frozenset({S.NEW, S.CALLING, S.CONTACTED, S.OFFERING})  # the bot or the scheduler works on it
RATABLE = frozenset({S.RESOLVED, S.HANDED_OVER, S.CLAIMED})  # the satisfaction question may be answered


class EventKind(str, Enum):
    """What a case's trail (case_events.kind) records."""

    OPENED = "opened"
    FEEDBACK_ATTACHED = "feedback_attached"
    SEVERITY_RAISED = "severity_raised"
    CHANNEL_CHOSEN = "channel_chosen"
    HELD = "held"
    CALL_BOOKED = "call_booked"
    CALL_CLAIMED = "call_claimed"
    CALL_RECLAIMED = "call_reclaimed"
    CALL_POSTPONED = "call_postponed"
    CALL_CANCELLED = "call_cancelled"
    CALL_REACHED = "call_reached"
    CALL_NO_ANSWER = "call_no_answer"
    CALL_WRONG_NUMBER = "call_wrong_number"
    CALL_REFUSED = "call_refused"
    CALL_OPTED_OUT = "call_opted_out"
    CONTACTED = "contacted"
    CONTACT_FAILED = "contact_failed"
    CONVERSATION_OPENED = "conversation_opened"
    ACCESS_REFUSED = "access_refused"
    PROBLEM_CONFIRMED = "problem_confirmed"
    PROBLEM_CORRECTED = "problem_corrected"
    PROBLEM_STATED = "problem_stated"  # a buyer who started the conversation named it surely: no confirmation asked
    ORDER_CORRECTED = "order_corrected"  # the buyer picked the wrong order: the case moved to theirs
    CORRECTED = "corrected"
    ISSUE_NAMED = "issue_named"
    MORE_PROBLEMS = "more_problems"  # the buyer named several problems: the others follow this one
    FACTS_MISSING = "facts_missing"
    AFFECTED_QUANTITY = "affected_quantity"
    WEIGHED = "weighed"
    OFFERED = "offered"
    DECLINED = "declined"
    REMEDY_EXECUTED = "remedy_executed"
    REMEDY_PENDING_APPROVAL = "remedy_pending_approval"
    REMEDY_APPROVED = "remedy_approved"
    REMEDY_REJECTED = "remedy_rejected"
    HANDED_OVER = "handed_over"
    REOPENED = "reopened"
    CLAIMED = "claimed"
    TAKEN_OVER = "taken_over"
    RELEASED = "released"
    AGENT_REPLIED = "agent_replied"
    WAIT_ACKNOWLEDGED = "wait_acknowledged"
    HANDED_BACK = "handed_back"
    SATISFACTION_ASKED = "satisfaction_asked"
    SATISFACTION_SKIPPED = "satisfaction_skipped"
    RATED = "rated"
    RATING_CORRECTED = "rating_corrected"  # a low rating given by a slip, corrected before a person took it
    RECOMMEND_ANSWERED = "recommend_answered"
    CLOSED = "closed"
    CLOSED_OPTED_OUT = "closed_opted_out"
    OPTED_OUT = "opted_out"
    OPTED_IN = "opted_in"
    LOOK_DECIDED = "look_decided"
    PHONE_REVEALED = "phone_revealed"
    STAFF_ACTION = "staff_action"  # the agent API's audit line for every call

    def __str__(self) -> str:
        return self.value

    @property
    def zh(self) -> str:
        """The event as leads and agents read it in a case's trail."""
        return EVENT_ZH[self]


E = EventKind
EVENT_ZH: dict[EventKind, str] = {
    E.OPENED: "开案", E.FEEDBACK_ATTACHED: "关联买家反馈", E.SEVERITY_RAISED: "提高紧急程度",
    E.CHANNEL_CHOSEN: "选定联系渠道", E.HELD: "暂缓联系", E.CALL_BOOKED: "预约外呼", E.CALL_CLAIMED: "客服领取外呼",
    E.CALL_RECLAIMED: "外呼任务被收回", E.CALL_POSTPONED: "外呼改期", E.CALL_CANCELLED: "外呼取消",
    E.CALL_REACHED: "电话接通", E.CALL_NO_ANSWER: "电话无人接听", E.CALL_WRONG_NUMBER: "号码错误",
    E.CALL_REFUSED: "买家拒接", E.CALL_OPTED_OUT: "电话中要求不再联系", E.CONTACTED: "已联系买家",
    E.CONTACT_FAILED: "联系失败", E.CONVERSATION_OPENED: "买家打开对话", E.ACCESS_REFUSED: "拒绝访问",
    E.PROBLEM_CONFIRMED: "买家确认问题", E.PROBLEM_CORRECTED: "买家更正问题",
    E.PROBLEM_STATED: "买家说明问题", E.ORDER_CORRECTED: "买家更正订单",
    E.CORRECTED: "人工更正诊断",
    E.ISSUE_NAMED: "确认具体情形", E.FACTS_MISSING: "缺少规则所需信息", E.AFFECTED_QUANTITY: "确认受影响数量",
    E.WEIGHED: "确认实际重量", E.OFFERED: "提出方案", E.DECLINED: "买家拒绝方案", E.REMEDY_EXECUTED: "方案已执行",
    E.REMEDY_PENDING_APPROVAL: "方案待主管审批", E.REMEDY_APPROVED: "主管批准方案", E.REMEDY_REJECTED: "主管驳回方案",
    E.HANDED_OVER: "转人工", E.REOPENED: "重新打开", E.CLAIMED: "客服接手", E.TAKEN_OVER: "客服强制接手",
    E.RELEASED: "客服释放案件", E.AGENT_REPLIED: "人工客服回复", E.WAIT_ACKNOWLEDGED: "告知买家等待",
    E.HANDED_BACK: "交还机器人", E.SATISFACTION_ASKED: "询问满意度", E.SATISFACTION_SKIPPED: "未询问满意度",
    E.RATED: "买家评分", E.RATING_CORRECTED: "买家更正评分", E.RECOMMEND_ANSWERED: "回答推荐意愿", E.CLOSED: "结案",
    E.CLOSED_OPTED_OUT: "买家拒绝联系后结案",
    E.OPTED_OUT: "买家要求不再联系", E.OPTED_IN: "买家重新同意联系", E.LOOK_DECIDED: "人工判断反馈",
    E.PHONE_REVEALED: "查看完整号码", E.STAFF_ACTION: "客服操作记录", E.MORE_PROBLEMS: "买家还反映了其他问题",
}


def remedy_event(remedy_status: str) -> EventKind:
    """The trail's kind for a remedy in a ledger status (executed, pending_approval, approved, rejected)."""
    return EventKind("remedy_" + remedy_status)


def allowed(current: CaseStatus | str, target: CaseStatus | str) -> bool:
    try:
        return CaseStatus(target) in TRANSITIONS[CaseStatus(current)]
    except ValueError:
        return False


def human_owns(case: tuple[int, str] | None) -> bool:
    """True while the buyer's active case (inbox.messages.active_case: id and status) waits for, or
    is with, a person (handed over, claimed, or its remedy waiting for a lead): the bot stays silent."""
    return case is not None and case[1] in PERSON_HOLDS
