"""The dashboard's charts as Apache ECharts options, built here once and drawn twice: by the
browser (static/charts.js with the ECharts the project installs from the npm registry, served
from its own files) and, for the weekly report, as static SVG by the same library under Node
(outreach.reports.render).

Options are plain JSON: each data item may carry `tip` (the hover text, counts and intervals
included) and `link` (the dashboard's case list behind that figure); charts.js wires both up.
Every day of the range is on the axis, days without cases as zero; every rate has its count
beside it and, where the sample is small, its 95% interval.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from outreach.metrics.figures import wilson

SMALL_SAMPLE = 30  # below this many answers a rate is shown with its interval drawn
BLUE, ORANGE, GREY, GREEN = "#1d4ed8", "#f59e0b", "#9ca3af", "#16a34a"
FONT = "WenQuanYi Micro Hei, PingFang SC, Microsoft YaHei, sans-serif"


def cases_link(filters: dict[str, Any], **narrow: Any) -> str:
    """The case list behind a figure: the page's filters, narrowed to the figure's group."""
    params = {k: v for k, v in {**filters, **narrow}.items() if v not in (None, "")}
    return "/dashboard/cases?" + urlencode(params)


def every_day(since: date, until: date, rows: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any] | None]]:
    """(day, that day's figures or None) for each day of the range, empty days included."""
    by_day = {row["key"]: row for row in rows}
    days = [(since + timedelta(days=n)).isoformat() for n in range((until - since).days + 1)]
    return [(day, by_day.get(day)) for day in days]


def _base(title: str, subtitle: str = "") -> dict[str, Any]:
    return {
        "title": {"text": title, "subtext": subtitle, "left": 8, "textStyle": {"fontSize": 14}},
        "textStyle": {"fontFamily": FONT},
        "tooltip": {"trigger": "item", "confine": True},
        "grid": {"left": 56, "right": 56, "top": 92, "bottom": 40, "containLabel": False},
        "animation": False,
    }


def _share_tip(name: str, part: int, whole: int, what: str) -> str:
    if not whole:
        return f"{name}：没有{what}"
    interval = wilson(part, whole)
    low, high = interval if interval else (0.0, 0.0)
    return f"{name}：{100 * part / whole:.1f}%（{whole}个{what}中{part}个；95%区间 {low:g}%–{high:g}%）"


def daily_csat(days: list[tuple[str, dict[str, Any] | None]], filters: dict[str, Any]) -> dict[str, Any]:
    """CSAT per day (line, 0-100%) with its 95% band and the number of ratings per day (bars)."""
    line, low, band, counts = [], [], [], []
    for day, row in days:
        ratings = row["ratings"] if row else 0
        satisfied = round(row["csat"] * ratings / 100) if row and row["csat"] is not None else 0
        link = cases_link(filters, since=day, until=day)
        tip = _share_tip(day, satisfied, ratings, "评分")
        if ratings:
            lo, hi = wilson(satisfied, ratings) or (0.0, 0.0)
            line.append({"value": row["csat"], "tip": tip, "link": link})
            low.append(lo)
            band.append(round(hi - lo, 1))
        else:
            line.append({"value": "-", "tip": tip, "link": link})
            low.append("-")
            band.append("-")
        counts.append({"value": ratings, "tip": f"{day}：{ratings}个评分", "link": link})
    option = _base("每日满意度 CSAT", "4-5分占1-5分评分的比例；阴影为95%区间，柱为评分数")
    option["xAxis"] = {"type": "category", "data": [d for d, _ in days], "axisLabel": {"hideOverlap": True}}
    option["yAxis"] = [
        {"type": "value", "name": "满意度（%）", "min": 0, "max": 100},
        {"type": "value", "name": "评分数", "minInterval": 1, "splitLine": {"show": False}},
    ]
    option["legend"] = {"top": 8, "right": 8, "data": ["满意度", "评分数"]}
    option["series"] = [
        {"name": "评分数", "type": "bar", "yAxisIndex": 1, "data": counts, "itemStyle": {"color": "#dbeafe"},
         "barMaxWidth": 18},
        {"name": "区间下限", "type": "line", "data": low, "stack": "ci", "symbol": "none",
         "lineStyle": {"opacity": 0}, "tooltip": {"show": False}, "silent": True},
        {"name": "95%区间", "type": "line", "data": band, "stack": "ci", "symbol": "none",
         "lineStyle": {"opacity": 0}, "areaStyle": {"color": BLUE, "opacity": 0.12}, "tooltip": {"show": False},
         "silent": True},
        {"name": "满意度", "type": "line", "data": line, "connectNulls": False, "symbolSize": 7,
         "itemStyle": {"color": BLUE}, "lineStyle": {"color": BLUE, "width": 2}},
    ]
    return option


def daily_cases(days: list[tuple[str, dict[str, Any] | None]], filters: dict[str, Any]) -> dict[str, Any]:
    """Cases and hurt cases per day, every day shown (zero days too)."""
    option = _base("每日案件数", "按发现日期；含无案件的日子")
    option["xAxis"] = {"type": "category", "data": [d for d, _ in days], "axisLabel": {"hideOverlap": True}}
    option["yAxis"] = {"type": "value", "name": "案件数", "minInterval": 1}
    option["legend"] = {"top": 8, "right": 8, "data": ["受伤案件", "其他案件"]}
    hurt, other = [], []
    for day, row in days:
        cases, hurting = (row["cases"], row["hurt_cases"]) if row else (0, 0)
        link = cases_link(filters, since=day, until=day)
        tip = f"{day}：{cases}个案件，其中受伤{hurting}个"
        hurt.append({"value": hurting, "tip": tip, "link": link})
        other.append({"value": cases - hurting, "tip": tip, "link": link})
    option["series"] = [
        {"name": "受伤案件", "type": "bar", "stack": "cases", "data": hurt, "itemStyle": {"color": ORANGE}},
        {"name": "其他案件", "type": "bar", "stack": "cases", "data": other, "itemStyle": {"color": GREY}},
    ]
    return option


def hurt_by_group(title: str, groups: list[dict[str, Any]], filters: dict[str, Any], key: str) -> dict[str, Any]:
    """Hurt cases per group (label, merchant), largest on top; a bar opens the group's cases."""
    rows = sorted(groups, key=lambda g: (g["hurt_cases"], g["cases"]))
    option = _base(title, "受伤案件数；悬停看该组全部案件数")
    option["grid"] = {"left": 130, "right": 60, "top": 64, "bottom": 32}
    option["xAxis"] = {"type": "value", "name": "案件", "minInterval": 1}
    option["yAxis"] = {"type": "category", "data": [g["name"] for g in rows], "axisLabel": {"width": 120,
                                                                                           "overflow": "truncate"}}
    data = []
    for g in rows:
        share = f"{100 * g['hurt_cases'] / g['cases']:.0f}%" if g["cases"] else "—"
        data.append({"value": g["hurt_cases"], "link": cases_link(filters, **{key: g["key"]}),
                     "tip": f"{g['name']}：{g['cases']}个案件中受伤{g['hurt_cases']}个（{share}）",
                     "label": {"show": True, "position": "right", "formatter": str(g["hurt_cases"])}})
    option["series"] = [{"type": "bar", "data": data, "itemStyle": {"color": ORANGE}, "barMaxWidth": 22}]
    return option


def csat_by_group(title: str, groups: list[dict[str, Any]], filters: dict[str, Any], key: str) -> dict[str, Any]:
    """CSAT per group with the number of ratings beside it; where the sample is small, its 95%
    interval is written beside the bar (and is always in the hover text)."""
    option = _base(title, f"满意度与评分数；少于{SMALL_SAMPLE}个评分时附95%区间")
    option["grid"] = {"left": 100, "right": 190, "top": 64, "bottom": 32}
    option["xAxis"] = {"type": "value", "name": "%", "min": 0, "max": 100}
    option["yAxis"] = {"type": "category", "data": [g["name"] for g in groups]}
    bars = []
    for g in groups:
        ratings = g["ratings"]
        satisfied = round((g["csat"] or 0) * ratings / 100)
        interval = wilson(satisfied, ratings)
        label = "无评分"
        if ratings:
            label = f"{g['csat']:g}%（n={ratings}）"
            if ratings < SMALL_SAMPLE and interval:
                label = f"{g['csat']:g}%（n={ratings}，区间{interval[0]:g}–{interval[1]:g}%）"
        bars.append({"value": g["csat"] if ratings else 0, "link": cases_link(filters, **{key: g["key"]}),
                     "tip": _share_tip(g["name"], satisfied, ratings, "评分"),
                     "label": {"show": True, "position": "right", "formatter": label}})
    option["series"] = [{"name": "满意度", "type": "bar", "data": bars, "itemStyle": {"color": BLUE},
                         "barMaxWidth": 22}]
    return option


def satisfaction_compared(surveyed: dict[str, Any], inferred: dict[str, Any], filters: dict[str, Any]
                          ) -> dict[str, Any]:
    """Surveyed CSAT beside satisfaction inferred from the buyers' last words, each with its count."""
    option = _base("满意度：问卷与推断", "问卷只覆盖回答的买家；推断覆盖每个已结案的对话，两者分开统计")
    option["grid"] = {"left": 130, "right": 150, "top": 64, "bottom": 32}
    option["xAxis"] = {"type": "value", "name": "%", "min": 0, "max": 100}
    names = ["问卷满意度 CSAT", "推断满意度"]
    option["yAxis"] = {"type": "category", "data": names}
    rows = [(surveyed.get("csat"), surveyed.get("ratings", 0), "评分"),
            (inferred.get("satisfied_rate"), inferred.get("inferred", 0), "推断")]
    data = []
    for name, (rate, n, what) in zip(names, rows):
        satisfied = round((rate or 0) * n / 100)
        data.append({"value": rate if n else 0, "tip": _share_tip(name, satisfied, n, what),
                     "link": cases_link(filters),
                     "label": {"show": True, "position": "right",
                               "formatter": f"{rate:g}%（n={n}）" if n and rate is not None else "无数据"}})
    option["series"] = [{"type": "bar", "data": data, "itemStyle": {"color": GREEN}, "barMaxWidth": 22}]
    return option
