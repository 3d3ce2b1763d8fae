"""Why a case went to a person, why a remedy was paid and why a case closed, as leads and
agents read them.

The code that hands a case over stores its reason in English (logs, developers, the API);
each such sentence has its one Chinese reading here, recognised by its fixed words. A
sentence nobody taught this table is still shown, marked as untranslated, so a new reason
is visible rather than hidden (tests/lifecycle/test_names.py lists every producer's sentence).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from outreach.diagnosis.taxonomy import taxonomy

Match = re.Match


def _label(match: Match, group: str = "label") -> str:
    return taxonomy().zh(match[group]) if match[group] in taxonomy().ids else match[group]


def _rule(match: Match) -> str:
    from outreach.rules.loader import rules

    return rules().title_of(match["rule"])


FACT_ZH = {"current_unit_price_fen": "商品现价", "overcharge_fen": "多收金额", "shortfall_percent": "短缺比例",
           "affected_quantity": "受影响数量", "issue": "具体情形", "weight": "实际重量"}


def _facts(match: Match) -> str:
    return "、".join(FACT_ZH.get(name.strip(), name.strip()) for name in match["what"].split(","))


def _language(name: str) -> str:
    from outreach.diagnosis.language import NAMES, NAMES_ZH

    code = next((c for c, n in NAMES.items() if n == name), None)
    return NAMES_ZH.get(code, name) if code else name


def _no_call(match: Match) -> str:
    why = match["why"]
    return "没有电话号码" if why.startswith("no phone number") else "买家时区未知"


# (pattern on the stored English sentence, its Chinese reading). First match wins.
REASONS: list[tuple[re.Pattern, Callable[[Match], str]]] = [
    (re.compile(r"^buyer asked for a person"), lambda m: "买家要求人工服务"),
    (re.compile(r"^buyer writes in a language the model does not read \((?P<lang>[^)]*)\)"),
     lambda m: f"买家使用模型读不懂的语言（{m['lang']}），由懂该语言的客服接手"),
    (re.compile(r"^remedy of (?P<yuan>[\d.,]+) yuan needs approval"),
     lambda m: f"赔付 {float(m['yuan'].replace(',', '')):,.2f} 元超过自动审批额度，需主管审批"),
    (re.compile(r"^approval rejected: (?P<why>.*)", re.S), lambda m: f"主管驳回赔付：{m['why']}"),
    (re.compile(r"^low satisfaction rating (?P<r>\d)"), lambda m: f"买家满意度评分 {m['r']} 分，需人工回访"),
    (re.compile(r"^reached by phone; the agent follows up"), lambda m: "电话已接通，由客服跟进"),
    (re.compile(r"^facts the rules need are missing: (?P<what>.*)"), lambda m: f"缺少规则所需信息（{_facts(m)}）"),
    (re.compile(r"^no automatic remedy for (?P<label>\w+)"), lambda m: f"「{_label(m)}」没有可自动执行的方案"),
    (re.compile(r"^no rule for (?P<label>\w+) applies to this order"),
     lambda m: f"没有适用于该订单的「{_label(m)}」规则"),
    (re.compile(r"^health reaction"), lambda m: "人身健康问题：人工立即接手并致电买家"),
    (re.compile(r"^buyer declined every offer"), lambda m: "买家拒绝了规则允许的全部方案"),
    (re.compile(r"^accepted offer no longer allowed"), lambda m: "买家接受的方案已不再符合规则"),
    (re.compile(r"^buyer accepted offer (?P<n>\d+) for \w+ under rule (?P<rule>\w+)"),
     lambda m: f"买家在对话中接受第{m['n']}个方案：{_rule(m)}"),
    (re.compile(r"^agreed by phone under rule (?P<rule>\w+)"), lambda m: f"电话中与买家商定：{_rule(m)}"),
    (re.compile(r"^agent (?P<who>\S+) carried out rule (?P<rule>\w+)"),
     lambda m: f"客服 {m['who']} 执行：{_rule(m)}"),
    (re.compile(r".*calls made already"), lambda m: "多次外呼未接通，且应用内无回复"),
    (re.compile(r".*no call possible: (?P<why>.*)"), lambda m: f"应用内无回复，且无法外呼（{_no_call(m)}）"),
    # the scheduler's channel and timing decisions (outreach.scheduling.planner, calls)
    (re.compile(r"^no answer in the app since"), lambda m: "应用内消息无人回复，改为电话联系"),
    (re.compile(r"^severity 1"), lambda m: "紧急程度最高，由专人致电"),
    (re.compile(r"^buyer prefers (?P<ch>inapp|call)"),
     lambda m: "买家偏好" + ("应用内消息" if m["ch"] == "inapp" else "电话")),
    (re.compile(r"^elderly buyer"), lambda m: "60岁以上买家，电话联系"),
    (re.compile(r"^active in the app (?P<h>\d+) h ago"), lambda m: f"买家{m['h']}小时前用过应用，发应用内消息"),
    (re.compile(r"^not active in the app within (?P<h>\d+) h"),
     lambda m: f"买家{m['h']}小时内没用过应用，改为电话联系"),
    (re.compile(r"^no answer on attempt (?P<n>\d+)"), lambda m: f"第{m['n']}次外呼无人接听，稍后在可外呼时段重试"),
    (re.compile(r"^buyer opted out"), lambda m: "买家要求不再联系，所有渠道停止"),
    (re.compile(r"^buyer is being approached about case (?P<n>\d+)"),
     lambda m: f"买家正在处理案件 {m['n']}，同一时间只进行一个对话"),
    (re.compile(r"^contact limit"), lambda m: "已达联系次数上限，稍后再联系"),
    # triage notes on feedback (outreach.cases.triage, looks; outreach.diagnosis.classifier)
    (re.compile(r"^the model cannot decide"), lambda m: "模型无法确定，先由人工判断"),
    (re.compile(r"^written in (?P<lang>.+?): the model reads Chinese only"),
     lambda m: f"使用{_language(m['lang'])}书写，模型只读中文，由人工阅读"),
    (re.compile(r"^empty text"), lambda m: "内容为空"),
    (re.compile(r"^nothing to read"), lambda m: "没有可读的文字"),
    (re.compile(r"^no order named"), lambda m: "没有关联订单，无需处理"),
    (re.compile(r"^a person decided: no problem \((?P<who>[^)]*)\)"), lambda m: f"人工判断没有问题（{m['who']}）"),
    (re.compile(r"^a person found a problem, but no order is named"), lambda m: "人工判断有问题，但没有关联订单"),
]


CLOSED_REASONS = {
    "rated": "买家已评价", "resolved_no_survey": "已解决（未做满意度调查）", "opted_out": "买家要求不再联系",
    "refused_by_buyer": "买家拒绝帮助", "no_answer": "联系不上买家",
    "agent:resolved": "人工结案：已解决", "agent:no_action_needed": "人工结案：无需处理",
    "agent:buyer_unreachable": "人工结案：联系不上买家", "agent:duplicate": "人工结案：重复案件",
    "agent:referred": "人工结案：已转其他部门",
}


def reason_zh(reason: str | None) -> str:
    """The Chinese reading of a stored hand-over or remedy reason ("" for none)."""
    if not reason:
        return ""
    for pattern, reading in REASONS:
        match = pattern.match(reason)
        if match:
            return reading(match)
    return f"其他原因（未翻译）：{reason}"


def closed_reason_zh(reason: str | None) -> str:
    if not reason:
        return ""
    return CLOSED_REASONS.get(reason, f"其他（{reason}）")
