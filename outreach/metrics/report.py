"""`outreach metrics` and the dashboard read their numbers here, and only here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from outreach.csv_export import to_csv
from outreach.diagnosis.taxonomy import taxonomy
from outreach.metrics.facts import CaseFacts, load_facts
from outreach.metrics.figures import figures, grouped
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
                   also: tuple[str, ...] = ()) -> dict[str, Any]:
    """Figures for the cases flagged in the filters' range, overall and per group.

    `also` adds more groupings under "breakdowns" from the same reading (the dashboard's charts).
    """
    as_of = as_of or utcnow()
    with session_scope() as session:
        cases = load_facts(session, filters, as_of)
        people = people_report(session, filters)
    report: dict[str, Any] = {"filters": filters.as_dict(), "as_of": as_of.isoformat(), "total": figures(cases),
                              "people": people}
    if by:
        report["by"] = by
        report["groups"] = grouped(cases, KEYS[by])
    if also:
        report["breakdowns"] = {name: grouped(cases, KEYS[name]) for name in also}
    return report


def report_csv(report: dict[str, Any]) -> str:
    """One row per group (or the total alone), the columns of COLUMNS."""
    rows = report.get("groups") or [{"key": "total", "name": "合计", **report["total"]}]
    return to_csv(rows, ["key", "name"] + COLUMNS)
