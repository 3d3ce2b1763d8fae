"""The dashboard's pages, built from the same reports as `outreach metrics` and `outreach case show`."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from outreach.dashboard.charts import (
    csat_by_group,
    daily_cases,
    daily_csat,
    every_day,
    hurt_by_group,
    satisfaction_compared,
)
from outreach.dashboard.html import CHART_SCRIPTS, chart, esc, fmt, link, page, post_form, select, table
from outreach.dashboard.phones import PhoneView
from outreach.diagnosis.taxonomy import taxonomy
from outreach.display import kind_zh, local_minute, yuan
from outreach.importing.schema import SOURCE_ZH
from outreach.lifecycle.reasons import CLOSED_REASONS, FACT_ZH, closed_reason_zh, reason_zh
from outreach.lifecycle.states import CaseStatus, EventKind
from outreach.metrics.filters import Filters
from outreach.metrics.report import BADGE_ZH, CHANNEL_ZH
from outreach.rules.loader import rules
from outreach.rules.schema import KIND_ZH
from outreach.scheduling.call_brief import SEVERITY_ZH
from outreach.store.models import Contact, Remedy

KPIS = [("csat", "满意度 CSAT", "%"), ("nps", "NPS", ""), ("reach_rate", "触达率", "%"),
        ("resolution_rate", "解决率", "%"), ("first_contact_resolution", "首次联系解决率", "%"),
        ("handover_rate", "转人工率", "%"), ("optout_rate", "拒绝联系率", "%"),
        ("minutes_to_first_contact", "发现到首次联系（分钟，中位数）", ""),
        ("hours_to_resolution", "发现到解决（小时，中位数）", ""), ("repurchase_30d", "30天复购率", "%"),
        ("repurchase_90d", "90天复购率", "%")]
GROUP_ZH = {"day": "日期", "label": "问题类型", "merchant": "商家", "channel": "渠道", "badge": "店铺标识"}
GROUP_COLUMNS = [("name", "分组"), ("cases", "案件数"), ("hurt_cases", "受伤案件"), ("reach_rate", "触达率%"),
                 ("resolution_rate", "解决率%"), ("first_contact_resolution", "首次解决率%"),
                 ("handover_rate", "转人工率%"), ("optout_rate", "拒绝联系率%"), ("ratings", "评价数"),
                 ("csat", "CSAT%"), ("nps_responses", "NPS 回答数"), ("nps", "NPS"), ("paid", "赔付金额")]


def filter_form(action: str, values: dict[str, Any], merchants: list[tuple[str, str]], by: str | None = None) -> str:
    labels = [(label, taxonomy().zh(label)) for label in taxonomy().ids]
    grouping = ""
    if by is not None:
        grouping = select("by", list(GROUP_ZH.items()), by, "分组")
    return (
        f'<form method="get" action="{esc(action)}" class="filters" id="filters">'
        f'<label>开始日期<input type="date" name="since" value="{esc(values.get("since"))}"></label>'
        f'<label>结束日期<input type="date" name="until" value="{esc(values.get("until"))}"></label>'
        + select("label", labels, values.get("label"), "问题类型")
        + select("merchant", merchants, values.get("merchant"), "商家")
        + select("channel", list(CHANNEL_ZH.items()), values.get("channel"), "渠道")
        + select("badge", list(BADGE_ZH.items()), values.get("badge"), "店铺标识")
        + select("rule", [(r.id, r.title) for group in rules().remedies.values() for r in group], values.get("rule"),
                 "赔付规则")
        + grouping + '<button type="submit">查询</button></form>'
    )


# The count behind each rate, shown beside it ("n=45").
KPI_BASES = {"csat": ("ratings", "个评分"), "nps": ("nps_responses", "个回答"), "reach_rate": ("cases", "个案件"),
             "resolution_rate": ("reached", "个触达"), "first_contact_resolution": ("reached", "个触达"),
             "handover_rate": ("reached", "个触达"), "optout_rate": ("reached", "个触达"),
             "minutes_to_first_contact": ("reached", "个触达"), "hours_to_resolution": ("reached", "个触达")}


def _kpi_base(total: dict[str, Any], key: str) -> str:
    if key not in KPI_BASES:
        return ""
    base, what = KPI_BASES[key]
    return f'<small class="muted" data-base="{esc(key)}">{esc(total[base])}{esc(what)}</small>'


def _kpis(total: dict[str, Any], values: dict[str, Any]) -> str:
    """The headline figures, each with its count; a card opens the cases behind the figures."""
    cases = link("/dashboard/cases", values)
    cards = "".join(
        f'<div class="kpi"><span>{esc(title)}</span><strong data-metric="{esc(key)}">{esc(fmt(total[key], unit))}'
        f'</strong> {_kpi_base(total, key)}<a class="behind" href="{cases}">查看案件</a></div>'
        for key, title, unit in KPIS)
    money = (f'<div class="kpi"><span>赔付总额</span><strong data-metric="paid_fen">{esc(yuan(total["paid_fen"]))}'
             f'</strong></div><div class="kpi"><span>每案赔付</span><strong data-metric="paid_per_case_fen">'
             f'{esc(yuan(total["paid_per_case_fen"]))}</strong></div>'
             f'<div class="kpi"><span>案件数 / 受伤案件</span><strong data-metric="cases">{total["cases"]}</strong>'
             f' / <strong data-metric="hurt_cases">{total["hurt_cases"]}</strong></div>')
    return f'<section class="kpis">{cards}{money}</section>'


def _inferred(report: dict[str, Any], values: dict[str, Any]) -> str:
    """Satisfaction inferred from buyers' last words, beside the surveyed CSAT, never mixed in."""
    inferred, total = report.get("inferred"), report["total"]
    if not inferred:
        return '<p class="muted">推断满意度暂不可用（诊断模型未能加载）。</p>'
    interval = inferred["satisfied_rate_interval"]
    band = f"，95%区间 {interval[0]:g}%–{interval[1]:g}%" if interval else ""
    text = (f"问卷：{inferred['closed_cases']}个已结案案件中{inferred['surveyed']}个有评分"
            f"（覆盖 {fmt(inferred['survey_coverage'], '%')}），满意度 {fmt(total['csat'], '%')}。"
            f"推断：{inferred['inferred']}个案件能读出买家最后说的话（覆盖 {fmt(inferred['coverage'], '%')}），"
            f"其中{inferred['satisfied']}个满意（{fmt(inferred['satisfied_rate'], '%')}{band}）。"
            f"两者都有的{inferred['both']}个案件中，推断与问卷一致 {fmt(inferred['agreement'], '%')}。"
            "推断满意度单独统计，不计入问卷满意度。")
    return (f'<section id="inferred"><h3>问卷覆盖不到的满意度</h3><p id="inferred-summary">{esc(text)}</p>'
            + chart("chart-satisfaction", satisfaction_compared(total, inferred, values)) + "</section>")


def _rows(groups: list[dict[str, Any]], by: str, values: dict[str, Any]) -> list[dict[str, Any]]:
    """Each group's row; its name opens the group's cases (a day: that day's)."""
    rows = []
    for g in groups:
        narrow = {"since": g["key"], "until": g["key"]} if by == "day" else {by: g["key"]}
        href = link("/dashboard/cases", {**values, **narrow})
        rows.append({**g, "paid": yuan(g["paid_fen"]), "name": f'<a href="{href}">{esc(g["name"])}</a>'})
    return rows


def overview_page(member: Any, report: dict[str, Any], values: dict[str, Any], merchants: list[tuple[str, str]],
                  csv_link: str) -> str:
    total, by = report["total"], report["by"]
    breakdowns = report["breakdowns"]
    days = breakdowns["day"]
    since, until = date.fromisoformat(report["filters"]["since"]), date.fromisoformat(report["filters"]["until"])
    days = every_day(since, until, breakdowns["day"])
    charts = (
        chart("chart-csat-daily", daily_csat(days, values), "wide")
        + chart("chart-cases-daily", daily_cases(days, values), "wide")
        + chart("chart-hurt-label", hurt_by_group("按问题类型：受伤案件", breakdowns["label"], values, "label"), "tall")
        + chart("chart-csat-channel", csat_by_group("按渠道：满意度", breakdowns["channel"], values, "channel"))
        + chart("chart-hurt-merchant", hurt_by_group("按商家：受伤案件", breakdowns["merchant"], values, "merchant"),
                "tall")
    )
    badge_rows = [{"name": g["name"], "nps": g["nps"], "nps_responses": g["nps_responses"], "csat": g["csat"]}
                  for g in breakdowns["badge"]]
    nps_table = table([("name", "店铺"), ("nps", "NPS"), ("nps_responses", "回答数"), ("csat", "CSAT%")],
                      badge_rows, "nps-by-badge")
    book = rules()
    paid = [{"rule": book.title_of(rule), "cases": v["cases"], "paid": yuan(v["fen"]),
             "open": f'<a href="{link("/dashboard/cases", {**values, "rule": rule})}">查看案件</a>'}
            for rule, v in total["paid_by_rule"].items()]
    body = (
        filter_form("/dashboard/", values, merchants, by) + _kpis(total, values)
        + f'<section class="charts">{charts}</section>' + _inferred(report, values)
        + f"<h3>信任购店铺与其他店铺的 NPS</h3>{nps_table}"
        + f'<h3>按{esc(GROUP_ZH[by])}</h3><p><a href="{csv_link}" id="export-groups">导出 CSV</a></p>'
        + table(GROUP_COLUMNS, _rows(report["groups"], by, values), "groups", raw={"name"})
        + "<h3>按规则的赔付</h3>"
        + table([("rule", "规则"), ("cases", "案件数"), ("paid", "金额"), ("open", "")], paid, "paid-by-rule",
                raw={"open"})
        + _people(report["people"])
    )
    return page("总览", body, member, script=CHART_SCRIPTS)


PEOPLE_KPIS = [("handed_over", "转人工案件", ""), ("minutes_to_first_human_reply", "首次人工回复（分钟，中位数）", ""),
               ("handover_resolution_rate", "转人工解决率", "%"), ("reopen_rate", "重开率", "%")]
AGENT_COLUMNS_ZH = [("name", "客服"), ("claimed", "接手案件"), ("replied", "首次回复案件"),
                    ("minutes_to_first_reply", "首次回复（分钟，中位数）"), ("resolved", "解决"),
                    ("resolution_rate", "解决率%"), ("reopened", "重开"), ("reopen_rate", "重开率%")]


def _people(people: dict[str, Any]) -> str:
    """The people who take over: hand-overs, time to the first human reply, resolution and reopen rates."""
    total = people["total"]
    cards = "".join(
        f'<div class="kpi"><span>{esc(title)}</span><strong data-metric="{esc(key)}">{esc(fmt(total[key], unit))}'
        f"</strong></div>" for key, title, unit in PEOPLE_KPIS)
    return (f'<h3>人工客服</h3><section class="kpis">{cards}</section>'
            + table(AGENT_COLUMNS_ZH, people["agents"], "agents"))


def _p_text(p_value: float | None) -> str:
    if p_value is None:
        return "—（未评估）"
    return "&lt; 0.000001" if p_value == 0 else f"= {p_value:g}"


def merchants_page(member: Any, report: dict[str, Any], values: dict[str, Any], csv_link: str) -> str:
    """Each merchant in plain words first (what stands out and by how much); the statistics behind
    the judgement are one click away (a <details> per merchant and the method note)."""
    items = []
    for r in report["merchants"]:
        cases = link("/dashboard/cases", {"since": values.get("since"), "until": values.get("until"),
                                          "merchant": r["merchant_id"]})
        interval = f"{fmt(r['hurt_rate_low'])}–{fmt(r['hurt_rate_high'], '%')}"
        stats = (f"受伤率 {fmt(r['hurt_rate'], '%')}（95%区间 {interval}），"
                 f"同类商家 {r['peer_orders']} 单，受伤率 {fmt(r['peer_hurt_rate'], '%')}；"
                 f"单侧二项检验 p {_p_text(r['p_value'])}，判为异常的阈值 p &lt; {report['threshold']:g}")
        flag = '<span class="flag">异常</span>' if r["flagged"] else ""
        items.append(
            f'<li class="merchant{" flagged" if r["flagged"] else ""}" data-merchant="{esc(r["merchant_id"])}">'
            f'{flag}<strong>{esc(r["name"])}</strong><span class="muted">（{esc(r["kind_zh"])}）</span>'
            f'<p class="summary">{esc(r["summary_zh"])}</p>'
            f'<a href="{cases}">查看该商家的案件</a>'
            f'<details><summary>统计依据</summary><p>{stats}</p></details></li>')
    method = (f'<details id="method"><summary>怎么判断“明显高于同类商家”</summary><p>'
              "把每个商家的受伤率与同一品类其他商家合并后的受伤率比较；"
              f"订单少于 {report['min_orders']} 单的商家不评估。"
              f"在“和同类商家一样”的假设下，这么多受伤订单偶然出现的概率（单侧二项检验的 p 值）要小于 "
              f"{report['alpha']} ÷ 评估的商家数（{report['assessed']}），"
              f"即 {report['threshold']:g}，"
              "这样即使商家很多，也几乎不会有普通商家被误标为异常。</p></details>")
    flagged = sum(1 for r in report["merchants"] if r["flagged"])
    lead = (f'<p class="headline">{flagged} 家商家的受伤率明显高于同类商家。</p>' if flagged
            else '<p class="headline">没有商家的受伤率明显高于同类商家。</p>')
    body = (
        f'<form method="get" action="/dashboard/merchants" class="filters">'
        f'<label>开始日期<input type="date" name="since" value="{esc(values.get("since"))}"></label>'
        f'<label>结束日期<input type="date" name="until" value="{esc(values.get("until"))}"></label>'
        f'<button type="submit">查询</button></form>{lead}'
        f'<p><a href="{csv_link}">导出 CSV</a></p><ul id="outliers" class="merchants">{"".join(items)}</ul>{method}'
    )
    return page("商家异常（风控）", body, member)


def cases_page(member: Any, rows: list[dict[str, Any]], values: dict[str, Any], merchants: list[tuple[str, str]],
               csv_link: str, more: bool) -> str:
    shown = [{**r, "open": f'<a href="/dashboard/cases/{int(r["case_id"])}">{int(r["case_id"])}</a>'} for r in rows]
    columns = [("open", "案件"), ("created_local", "发现时间"), ("label_zh", "问题"), ("merchant_name", "商家"),
               ("channel_zh", "渠道"), ("status_zh", "状态"), ("rating", "评分"), ("comment", "买家评价")]
    note = '<p class="muted">只显示最近 500 条，请缩小筛选范围。</p>' if more else ""
    body = (filter_form("/dashboard/cases", values, merchants) + f'<p><a href="{csv_link}">导出 CSV</a></p>'
            + note + table(columns, shown, "cases", raw={"open"}))
    return page("案件列表", body, member)


def _phone(member: Any, case_id: int, phone: PhoneView) -> str:
    if phone.revealed:  # escaped, not masked: the one place a full number is shown
        return (f'<span id="phone">{escape(phone.shown)}</span>'
                '<span class="muted">（已记录本次查看）</span>')
    button = ""
    if phone.may_reveal:
        button = post_form(f"/dashboard/cases/{case_id}/phone", member,
                           '<button type="submit" id="reveal-phone">显示完整号码（拨打来电任务）</button>', "inline")
    return f'<span id="phone">{esc(phone.shown)}</span>{button}'


def case_page(member: Any, report: dict[str, Any], phone: PhoneView) -> str:
    case, diagnosis, order = report["case"], report["diagnosis"], report["order"]
    book = rules()
    items = "；".join(f"{i['title']}（{kind_zh(i['kind'])}）× {i['quantity']}" for i in order["items"])
    facts = [("状态", CaseStatus(case["status"]).zh), ("买家", case["buyer_id"]), ("订单", order["id"]),
             ("商品", items), ("店铺", order["shop"]), ("信任购", "是" if order["trust_badge"] else "否"),
             ("实付", yuan(order["total_fen"])),
             ("问题", f"{diagnosis['category_zh']}，紧急程度 {SEVERITY_ZH.get(diagnosis['severity'], '—')}"),
             ("付款", local_minute(order["paid_at"])), ("发货", local_minute(order["shipped_at"]) or "未发货"),
             ("签收", local_minute(order["delivered_at"]) or "未签收"),
             ("发现", local_minute(case["created_at"])), ("首次联系", local_minute(case["first_contact_at"])),
             ("解决", local_minute(case["resolved_at"])), ("转人工原因", reason_zh(case["handover_reason"])),
             ("结案原因", closed_reason_zh(case["closed_reason"]))]
    rating = report["rating"]
    if rating:
        facts += [("评分", rating["rating"]), ("推荐意愿（0-10）", rating.get("recommend")),
                  ("买家评价", rating.get("comment"))]
    inferred = report.get("inferred")
    if inferred:
        facts.append(("推断满意度", f"{'满意' if inferred['satisfied'] else '不满意'}"
                                    f"（依据买家最后的话，P(满意) {inferred['probability']:.2f}）"))
    info = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v if v not in (None, '') else '—')}</dd>" for k, v in facts)
    info += f"<dt>电话</dt><dd>{_phone(member, int(case['id']), phone)}</dd>"
    who = {"bot": "小助手", "buyer": "买家", "agent": "人工客服"}
    transcript = "".join(
        f'<li class="msg {esc(m["sender"])}"><span class="who">{esc(who.get(m["sender"], "系统"))}'
        f'</span><span class="text">{esc(m["text"])}</span><time>{esc(local_minute(m["created_at"]))}</time></li>'
        for m in report["transcript"]) or '<li class="muted">没有对话记录</li>'
    feedback = table([("source", "来源"), ("text", "买家原话"), ("category", "诊断"), ("created_at", "时间")],
                     [{**f, "source": SOURCE_ZH.get(f["source"], f["source"]), "category": taxonomy().zh(f["category"])
                       if f["category"] in taxonomy().ids else (f["category"] or "待判断"),
                       "created_at": local_minute(f["created_at"])} for f in report["feedback"]], "feedback")
    remedies = table([("rule", "规则"), ("kind", "方式"), ("amount", "金额"), ("status", "状态"), ("reason", "依据"),
                      ("at", "时间")],
                     [{"rule": book.title_of(r["rule"]), "kind": KIND_ZH.get(r["kind"], r["kind"]),
                       "amount": yuan(r["amount_fen"]), "status": Remedy.STATUS_ZH.get(r["status"], r["status"]),
                       "reason": reason_zh(r["reason"]), "at": local_minute(r["at"])} for r in report["remedies"]],
                     "remedies")
    contacts = table([("channel", "渠道"), ("status", "结果"), ("detail", "说明"), ("at", "时间")],
                     [{"channel": CHANNEL_ZH.get(c["channel"], c["channel"]),
                       "status": Contact.STATUS_ZH.get(c["status"], c["status"]), "detail": c["detail"] or "",
                       "at": local_minute(c["at"])} for c in report["contacts"]], "contacts")
    trail = table([("kind", "事件"), ("detail", "规则与原因"), ("at", "时间")],
                  [{"kind": _event_zh(e["kind"]), "detail": _detail(e["detail"], book),
                    "at": local_minute(e["at"])} for e in report["events"]], "events")
    body = (f'<dl class="facts">{info}</dl><h3>对话记录</h3><ul id="transcript">{transcript}</ul>'
            f"<h3>买家反馈</h3>{feedback}<h3>赔付与规则</h3>{remedies}<h3>联系记录</h3>{contacts}"
            f"<h3>处理轨迹（规则追踪）</h3>{trail}")
    return page(f"案件 {int(case['id'])}", body, member)


def _event_zh(kind: str) -> str:
    try:
        return EventKind(kind).zh
    except ValueError:
        return kind


# The trail's detail keys as leads read them; values of rule, status and reason keys are named too.
DETAIL_ZH = {"reason": "原因", "rule": "规则", "channel": "渠道", "staff": "客服", "agent": "客服", "rating": "评分",
             "from": "原状态", "to": "新状态", "amount": "金额", "amount_fen": "金额", "label": "问题类型",
             "category": "问题类型", "note": "备注", "task": "外呼任务", "at": "时间", "by": "处理人",
             "settled_by": "原处理人", "comment": "附评价", "quantity": "数量", "outcome": "结果",
             "severity": "紧急程度", "feedback": "反馈", "recommend": "推荐意愿", "worker": "调度进程",
             "detail": "说明", "issue": "具体情形", "status": "状态", "remedy": "赔付", "score": "分数",
             "attempt": "外呼次数", "notes": "通话记录", "said": "买家原话", "share": "受影响比例", "chars": "字数",
             "message": "消息编号", "team": "外呼组", "index": "方案序号", "facts": "缺少的信息", "model": "诊断模型",
             "created": "新记录", "started_by": "发起方", "weighed_g": "实称（克）", "promised_g": "标称（克）",
             "until": "截止", "role": "角色", "old": "原问题", "new": "新问题", "next_case": "下一个案件",
             "after_case": "前一个案件", "labels": "问题类型", "minutes": "分钟", "ahead": "前面排队",
             "buyer": "买家", "retry_in_s": "重试间隔（秒）", "previous_agent": "原客服"}


def _detail_value(key: str, value: Any, book: Any) -> str:
    if key == "rule" and isinstance(value, str):
        return book.title_of(value)
    if key in ("from", "to", "status"):
        try:
            return CaseStatus(value).zh
        except ValueError:
            return str(value)
    if key == "reason" and value in CLOSED_REASONS:  # why a case closed ("rated", "agent:resolved")
        return closed_reason_zh(value)
    if key in ("reason", "note") and isinstance(value, str):
        return reason_zh(value).removeprefix("其他原因（未翻译）：")
    if key == "channel":
        return CHANNEL_ZH.get(str(value), str(value))
    if key in ("label", "category", "old", "new") and value in taxonomy().ids:
        return taxonomy().zh(value)
    if key == "facts" and isinstance(value, list):
        return "、".join(FACT_ZH.get(str(v), str(v)) for v in value)
    if key == "started_by":
        return {"buyer": "买家", "platform": "平台"}.get(str(value), str(value))
    if key == "labels" and isinstance(value, list):
        return "、".join(taxonomy().zh(v) if v in taxonomy().ids else str(v) for v in value)
    if key == "amount_fen" and isinstance(value, int):
        return yuan(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "at" and isinstance(value, str):
        try:
            return local_minute(value)
        except ValueError:
            return value
    return str(value)


def _detail(detail: Any, book: Any) -> str:
    if isinstance(detail, dict):  # a value nobody gave (None) is left out, not shown as "None"
        return "；".join(f"{DETAIL_ZH.get(k, k)}：{_detail_value(k, v, book)}" for k, v in detail.items()
                        if v is not None)
    return str(detail or "")


def login_page(notice: str = "", next_path: str = "/dashboard/") -> str:
    body = (f'<form method="post" action="/dashboard/login" class="login" id="login">'
            f'<input type="hidden" name="next" value="{esc(next_path)}">'
            '<label>用户名<input name="username" autocomplete="username" required></label>'
            '<label>密码<input name="password" type="password" autocomplete="current-password" required></label>'
            '<button type="submit">登录</button></form>')
    return page("登录", body, None, notice)


def message_page(member: Any, title: str, text: str) -> str:
    return page(title, f'<p><a href="{link("/dashboard/")}">返回</a></p>', member, text)


def filters_values(filters: Filters | None, raw: dict[str, str]) -> dict[str, Any]:
    return filters.as_dict() if filters is not None else dict(raw)


def looks_page(member: Any, items: list[Any], notice: str = "") -> str:
    """Feedback the model could not decide (or could not read), each with a form to decide it."""
    tax = taxonomy()
    options = "".join(f'<option value="{esc(label)}">{esc(tax.zh(label))}</option>' for label in tax.ids)
    rows = []
    for item in items:
        guess = (f"P(受伤) {item.hurt_probability:.2f}，倾向「{tax.zh(item.guess)}」"
                 if item.hurt_probability is not None and item.guess else f"语言：{item.language or '未知'}")
        choose = f'<select name="label" aria-label="判断结果">{options}</select><button type="submit">确定</button>'
        form = post_form(f"/dashboard/looks/{int(item.feedback_id)}", member, choose, "inline look")
        rows.append({"id": item.feedback_id, "text": item.text, "buyer": item.buyer_id, "order": item.order_id or "—",
                     "model": guess, "note": reason_zh(item.note), "decide": form})
    body = ('<p class="muted">模型无法确定的反馈（或模型读不懂的语言）先由人工判断，不会自动联系买家。'
            "判断为问题的会开案并进入联系流程；每条判断都会成为下一版模型的训练样本。</p>"
            + table([("id", "编号"), ("text", "买家原话"), ("buyer", "买家"), ("order", "订单"), ("model", "模型判断"),
                     ("note", "说明"), ("decide", "人工判断")], rows, "looks", raw={"decide"}))
    return page("待人工判断", body, member, notice)


WORKSPACE_OUTCOMES = [("resolved", "已解决"), ("no_action_needed", "无需处理"), ("buyer_unreachable", "联系不上买家"),
                      ("duplicate", "重复案件"), ("referred", "已转其他部门")]


def workspace_page(member: Any) -> str:
    """The agents' workspace: a shell the script fills from the agent API (outreach.dashboard.agent_api)."""
    outcomes = "".join(f'<option value="{esc(v)}">{esc(t)}</option>' for v, t in WORKSPACE_OUTCOMES)
    approvals = ('<section id="approvals"><h3>待审批赔付</h3><div id="approval-list" class="muted">加载中…</div>'
                 "</section>") if member.role == "lead" else ""
    body = (
        f'<div id="workspace" data-csrf="{esc(member.form_token)}" data-me="{esc(member.username)}" '
        f'data-role="{esc(member.role)}">'
        '<p id="ws-notice" class="notice" role="alert" hidden></p>'
        '<div class="ws-columns"><section id="queue"><h3>待处理队列</h3>'
        '<div id="queue-list" class="muted">加载中…</div></section>'
        '<section id="case" hidden><h3 id="case-title"></h3><dl id="case-facts"></dl>'
        '<div id="case-actions" class="ws-actions">'
        '<button type="button" id="claim">接手</button><button type="button" id="release">释放</button>'
        '<button type="button" id="hand-back">交还机器人（请买家评价）</button>'
        f'<select id="outcome" aria-label="结案结果">{outcomes}</select>'
        '<button type="button" id="close">结案</button></div>'
        '<h4>规则允许的方案</h4><div id="offers"></div>'
        '<h4>与买家的对话（实时）</h4><div id="chat" class="ws-chat" role="log" aria-live="polite"></div>'
        '<form id="reply-form" class="ws-reply"><textarea id="reply" rows="3" maxlength="2100" '
        'placeholder="以人工客服身份回复买家（最多 2000 字）"></textarea>'
        '<button type="submit" id="send-reply">发送</button></form></section></div>'
        f"{approvals}</div>"
    )
    return page("客服工作台", body, member, script="/static/workspace.js")
