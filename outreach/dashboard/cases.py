"""The case list behind the dashboard's 案件 page and its CSV export."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from outreach.diagnosis.taxonomy import taxonomy
from outreach.metrics.facts import filtered
from outreach.metrics.filters import Filters
from outreach.metrics.report import CHANNEL_ZH
from outreach.store.db import session_scope
from outreach.store.models import Case, Merchant, Satisfaction, Shop

MAX_ROWS = 500
CASE_COLUMNS = ["case_id", "created_at", "label", "label_zh", "merchant_id", "merchant_name", "channel",
                "channel_zh", "status", "rating", "recommend", "comment"]


def list_cases(filters: Filters, limit: int = MAX_ROWS) -> tuple[list[dict[str, Any]], bool]:
    """The most recent cases flagged in the range (newest first), and whether there were more."""
    query = filtered(
        select(Case.id, Case.created_at, Case.category, Shop.merchant_id, Merchant.name, Case.channel, Case.status,
               Satisfaction.rating, Satisfaction.recommend, Satisfaction.comment), filters,
    ).outerjoin(Satisfaction, Satisfaction.case_id == Case.id)
    with session_scope() as session:
        rows = session.execute(query.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit + 1)).all()
    result = [
        {"case_id": r[0], "created_at": r[1].isoformat(timespec="minutes"), "label": r[2],
         "label_zh": taxonomy().zh(r[2]), "merchant_id": r[3], "merchant_name": r[4], "channel": r[5] or "none",
         "channel_zh": CHANNEL_ZH.get(r[5] or "none", r[5]), "status": r[6], "rating": r[7], "recommend": r[8],
         "comment": r[9]}  # masked where it is shown: on the page (esc) and in the export (csv_export)
        for r in rows[:limit]
    ]
    return result, len(rows) > limit


def merchant_options() -> list[tuple[str, str]]:
    with session_scope() as session:
        return [(r[0], r[1]) for r in session.execute(select(Merchant.id, Merchant.name).order_by(Merchant.id))]
