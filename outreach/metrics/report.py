"""`outreach metrics` and the dashboard read their numbers here, and only here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from outreach.csv_export import Column, export
from outreach.diagnosis.taxonomy import taxonomy
from outreach.display import yuan
from outreach.metrics.facts import CaseFacts, load_facts
from outreach.metrics.figures import figures, grouped
from outreach.metrics.inferred import Reader, inferred_report
from outreach.metrics.people import people_report
from outreach.store.db import session_scope
from outreach.store.types import utcnow

CHANNEL_ZH = {"inapp": "应用内消息", "call": "电话", "none": "未联系"}
BADGE_ZH = {"trust": "信任购", "other": "普通店铺"}
KEYS: dict[str, Callable[[CaseFacts], tuple[str, str]]] = {
    "day": lambda c: (c.day.isoformat(), c.day.isoformat()),
    "label": lambda c: (c.label, taxonomy().zh(c.label)),
    "merchant": lambda c: (c.merchant_id, c.merchant_name),
    "channel": lambda c: (c.channel, CHANNEL_ZH.get(c.channel, c.channel)),
    "badge": lambda c: (c.badge, BADGE_ZH[c.badge]),
}
# The flat columns of a CSV export, in order (paid_by_rule has its own table).
COLUMNS = ["cases", "hurt_cases", "reached", "reach_rate", "resolution_rate", "first_contact_resolution",
           "handover_rate", "optout_rate", "minutes_to_first_contact", "hours_to_resolution", "ratings", "csat",
           "nps_responses", "nps", "paid_fen", "paid_per_case_fen", "repurchase_30d", "repurchase_90d"]


def metrics_report(filters: Any, by: str | None = None, as_of: datetime | None = None,
                   also: tuple[str, ...] = (), reader: Reader | None = None) -> dict[str, Any]:
    """Figures for the cases flagged in the filters' range, overall and per group.

    `also` adds more groupings under "breakdowns" from the same reading (the dashboard's charts).
    With a `reader` (the diagnosis model), "inferred" holds the satisfaction inferred from the
    buyers' last words (outreach.metrics.inferred), apart from the surveyed figures.
    """
    as_of = as_of or utcnow()
    with session_scope() as session:
        cases = load_facts(session, filters, as_of)
        people = people_report(session, filters)
        inferred = inferred_report(session, filters, reader) if reader is not None else None
    report: dict[str, Any] = {"filters": filters.as_dict(), "as_of": as_of.isoformat(), "total": figures(cases),
                              "people": people}
    if inferred is not None:
        report["inferred"] = inferred
    if by:
        report["by"] = by
        report["groups"] = grouped(cases, KEYS[by])
    if also:
        report["breakdowns"] = {name: grouped(cases, KEYS[name]) for name in also}
    return report


# The Chinese header of each column for people; money columns are shown in yuan to them.
COLUMN_ZH = {
    "key": "分组编号", "name": "分组", "cases": "案件数", "hurt_cases": "受伤案件数", "reached": "触达案件数",
    "reach_rate": "触达率（%）", "resolution_rate": "解决率（%）", "first_contact_resolution": "首次联系解决率（%）",
    "handover_rate": "转人工率（%）", "optout_rate": "拒绝联系率（%）",
    "minutes_to_first_contact": "发现到首次联系（分钟，中位数）", "hours_to_resolution": "发现到解决（小时，中位数）",
    "ratings": "评价数", "csat": "满意度CSAT（%）", "nps_responses": "NPS回答数", "nps": "NPS",
    "paid_fen": "赔付总额（元）", "paid_per_case_fen": "每案赔付（元）", "repurchase_30d": "30天复购率（%）",
    "repurchase_90d": "90天复购率（%）",
}
REPORT_COLUMNS: list[Column] = [
    (key, COLUMN_ZH[key], key.replace("_fen", "_yuan") if key.endswith("_fen") else key)
    for key in ["key", "name"] + COLUMNS
]


def report_csv(report: dict[str, Any], machine: bool = False) -> str:
    """One row per group (or the total alone): for people Chinese headers and yuan, for
    machines the columns of COLUMNS under their English names, money in fen."""
    rows = report.get("groups") or [{"key": "total", "name": "合计", **report["total"]}]
    rows = [{**row, **{k.replace("_fen", "_yuan"): yuan(row[k], unit=False).replace(",", "")
                       for k in ("paid_fen", "paid_per_case_fen") if row.get(k) is not None}} for row in rows]
    return export(rows, REPORT_COLUMNS, machine)
