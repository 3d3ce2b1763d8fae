"""The case list behind the dashboard's 案件 page and its CSV export."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from outreach.csv_export import Column
from outreach.diagnosis.taxonomy import taxonomy
from outreach.display import local_minute
from outreach.lifecycle.states import CaseStatus
from outreach.metrics.facts import filtered
from outreach.metrics.filters import Filters
from outreach.metrics.report import CHANNEL_ZH
from outreach.store.db import session_scope
from outreach.store.models import Case, Merchant, Satisfaction, Shop

MAX_ROWS = 500
# Machine key (ISO UTC times, English codes), Chinese header, key of what people read.
CASE_COLUMNS: list[Column] = [
    ("case_id", "案件编号", "case_id"), ("created_at", "发现时间", "created_local"), ("label", "问题类型", "label_zh"),
    ("merchant_id", "商家编号", "merchant_id"), ("merchant_name", "商家", "merchant_name"),
    ("channel", "渠道", "channel_zh"), ("status", "状态", "status_zh"), ("rating", "评分（1-5）", "rating"),
    ("recommend", "推荐意愿（0-10）", "recommend"), ("comment", "买家评价", "comment"),
]


def list_cases(filters: Filters, limit: int = MAX_ROWS) -> tuple[list[dict[str, Any]], bool]:
    """The most recent cases flagged in the range (newest first), and whether there were more."""
    query = filtered(
        select(Case.id, Case.created_at, Case.category, Shop.merchant_id, Merchant.name, Case.channel, Case.status,
               Satisfaction.rating, Satisfaction.recommend, Satisfaction.comment), filters,
    ).outerjoin(Satisfaction, Satisfaction.case_id == Case.id)
    with session_scope() as session:
        rows = session.execute(query.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit + 1)).all()
    result = [
        {"case_id": r[0], "created_at": r[1].isoformat(timespec="minutes"), "created_local": local_minute(r[1]),
         "status_zh": CaseStatus(r[6]).zh, "label": r[2],
         "label_zh": taxonomy().zh(r[2]), "merchant_id": r[3], "merchant_name": r[4], "channel": r[5] or "none",
         "channel_zh": CHANNEL_ZH.get(r[5] or "none", r[5]), "status": r[6], "rating": r[7], "recommend": r[8],
         "comment": r[9]}  # masked where it is shown: on the page (esc) and in the export (csv_export)
        for r in rows[:limit]
    ]
    return result, len(rows) > limit


def merchant_options() -> list[tuple[str, str]]:
    with session_scope() as session:
        return [(r[0], r[1]) for r in session.execute(select(Merchant.id, Merchant.name).order_by(Merchant.id))]
