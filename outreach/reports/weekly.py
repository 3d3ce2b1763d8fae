"""`outreach report weekly --out FILE.pdf|FILE.html`: the week's headline figures beside the
week before, the dashboard's charts as static images, satisfaction inferred beside the survey,
and the merchants that stand out, ready to send (docs/metrics.md#weekly-report).

Figures come from the same reports as the dashboard (outreach.metrics); charts from the same
ECharts options (outreach.dashboard.charts), drawn to SVG by ECharts under Node; the PDF is
the HTML printed by headless Chromium. Everything shown passes through `esc`.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from outreach.dashboard.charts import (
    csat_by_group,
    daily_cases,
    daily_csat,
    every_day,
    hurt_by_group,
    satisfaction_compared,
)
from outreach.dashboard.html import esc, fmt
from outreach.display import lead_zone, local_minute, yuan
from outreach.metrics.filters import parse_filters, today
from outreach.metrics.outliers import outliers_report
from outreach.metrics.report import metrics_report
from outreach.reports.render import charts_to_svg, html_to_pdf
from outreach.store.types import utcnow

WEEK = 7
OUTLIER_DAYS = 30  # a week is too few orders per merchant to judge; the outliers look at 30 days
HEADLINES = [("cases", "案件数", "", None), ("hurt_cases", "受伤案件", "", None),
             ("csat", "满意度 CSAT", "%", "ratings"),
             ("nps", "NPS", "", "nps_responses"), ("reach_rate", "触达率", "%", "cases"),
             ("resolution_rate", "解决率", "%", "reached"), ("handover_rate", "转人工率", "%", "reached"),
             ("minutes_to_first_contact", "发现到首次联系（分钟，中位数）", "", "reached")]
CSS = """
body { font-family: "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei", sans-serif; color: #1f2933;
       margin: 24px; font-size: 13px; max-width: 900px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 20px 0 8px; border-bottom: 2px solid #1d4ed8; page-break-after: avoid; }
.muted { color: #6b7280; }
table { border-collapse: collapse; width: 100%; } th, td { border-bottom: 1px solid #e5e7eb; padding: 5px 8px;
  text-align: left; } th { background: #eef2ff; }
td.num { text-align: right; }
figure.report-chart { margin: 8px 0; page-break-inside: avoid; } figure.report-chart svg { width: 100%; height: auto; }
.flagged { border-left: 4px solid #dc2626; padding: 4px 10px; margin: 6px 0; background: #fef2f2; }
"""


def week_filters(until: date | None = None) -> tuple[Any, Any]:
    """This week (7 days up to `until`, included) and the week before."""
    until = until or today()
    this = parse_filters({"since": (until - timedelta(days=WEEK - 1)).isoformat(), "until": until.isoformat()})
    before_until = until - timedelta(days=WEEK)
    before = parse_filters({"since": (before_until - timedelta(days=WEEK - 1)).isoformat(),
                            "until": before_until.isoformat()}, now=until)
    return this, before


def build(until: date | None = None, reader: Any = None) -> dict[str, Any]:
    this, before = week_filters(until)
    report = metrics_report(this, "label", also=("day", "label", "channel"), reader=reader)
    previous = metrics_report(before)
    outliers = outliers_report(parse_filters({"since": (this.until - timedelta(days=OUTLIER_DAYS - 1)).isoformat(),
                                              "until": this.until.isoformat()}))
    return {"filters": this.as_dict(), "report": report, "previous": previous["total"], "outliers": outliers}


def _change(now: Any, then: Any, unit: str) -> str:
    if now is None or then is None:
        return "—"
    delta = round(now - then, 1)
    if abs(delta) < 1e-9:
        return "持平"
    word = "上升" if delta > 0 else "下降"
    return f"{word} {abs(delta):g}{esc(unit)}"


def _headlines(total: dict[str, Any], previous: dict[str, Any]) -> str:
    rows = []
    for key, title, unit, base in HEADLINES:
        count = f"（{total[base]}）" if base else ""
        shown = esc(fmt(total[key], unit)) + esc(count)
        rows.append(f"<tr><td>{esc(title)}</td><td class=\"num\" data-metric=\"{esc(key)}\">{shown}</td>"
                    f"<td class=\"num\">{esc(fmt(previous[key], unit))}</td>"
                    f"<td>{_change(total[key], previous[key], '个百分点' if unit == '%' else '')}</td></tr>")
    rows.append(f"<tr><td>赔付总额</td><td class=\"num\" data-metric=\"paid_fen\">{esc(yuan(total['paid_fen']))}</td>"
                f"<td class=\"num\">{esc(yuan(previous['paid_fen']))}</td><td></td></tr>")
    return ('<table id="headlines"><thead><tr><th>指标</th><th>本周（样本数）</th><th>上周</th><th>变化</th></tr>'
            f"</thead><tbody>{''.join(rows)}</tbody></table>")


def _inferred_text(report: dict[str, Any]) -> str:
    inferred = report.get("inferred")
    if not inferred:
        return "推断满意度未计算（诊断模型未加载）。"
    return (f"问卷覆盖 {fmt(inferred['survey_coverage'], '%')} 的已结案案件（{inferred['surveyed']}/"
            f"{inferred['closed_cases']}），满意度 {fmt(report['total']['csat'], '%')}；"
            f"从买家最后说的话推断覆盖 {fmt(inferred['coverage'], '%')}（{inferred['inferred']}个），"
            f"推断满意 {fmt(inferred['satisfied_rate'], '%')}；两者都有的{inferred['both']}个案件中一致 "
            f"{fmt(inferred['agreement'], '%')}。推断结果单独列出，不计入问卷满意度。")


def _outliers(outliers: dict[str, Any]) -> str:
    flagged = [r for r in outliers["merchants"] if r["flagged"]]
    if not flagged:
        return '<p id="outliers">没有商家的受伤率明显高于同类商家。</p>'
    items = "".join(f'<div class="flagged"><strong>{esc(r["name"])}</strong>（{esc(r["kind_zh"])}）：'
                    f"{esc(r['summary_zh'])}</div>" for r in flagged)
    return f'<div id="outliers">{items}</div>'


def render_html(data: dict[str, Any]) -> str:
    report, filters = data["report"], data["filters"]
    breakdowns = report["breakdowns"]
    days = every_day(date.fromisoformat(filters["since"]), date.fromisoformat(filters["until"]), breakdowns["day"])
    options = [(daily_csat(days, filters), 760, 300), (daily_cases(days, filters), 760, 280),
               (hurt_by_group("按问题类型：受伤案件", breakdowns["label"], filters, "label"), 760, 340),
               (csat_by_group("按渠道：满意度", breakdowns["channel"], filters, "channel"), 760, 220)]
    if report.get("inferred"):
        options.append((satisfaction_compared(report["total"], report["inferred"], filters), 760, 220))
    charts = "".join(f'<figure class="report-chart">{svg}</figure>' for svg in charts_to_svg(options))
    made = local_minute(utcnow())
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>主动关怀周报 {esc(filters['since'])} 至 {esc(filters['until'])}</title><style>{CSS}</style>"
        "</head><body>"
        f"<h1>主动关怀周报</h1><p class=\"muted\">{esc(filters['since'])} 至 {esc(filters['until'])}"
        f"（按发现日期，{esc(str(lead_zone()))}）· 生成于 {esc(made)}</p>"
        f"<h2>本周要点</h2>{_headlines(report['total'], data['previous'])}"
        f"<h2>满意度：问卷与推断</h2><p id=\"inferred\">{esc(_inferred_text(report))}</p>"
        f"<h2>需要风控关注的商家（近{OUTLIER_DAYS}天）</h2>{_outliers(data['outliers'])}"
        f"<h2>图表</h2>{charts}"
        "</body></html>"
    )


def write_report(out: Path, until: date | None = None, reader: Any = None) -> Path:
    """Write the report as HTML or PDF, by the file's suffix."""
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise ValueError(f"{out}: the report is written as .pdf or .html")
    if reader is None:
        from outreach.diagnosis.registry import load_diagnoser

        reader = load_diagnoser()
    html = render_html(build(until, reader))
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".pdf":
        html_to_pdf(html, out)
    else:
        out.write_text(html, encoding="utf-8")
    return out
