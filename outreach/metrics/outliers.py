"""Merchants whose hurt rate stands out from their peers (same product kind), for risk control.

For each merchant with at least `min_orders` orders in the range, the peers' pooled hurt
rate p0 (the other merchants of the same kind) is the expected rate. Under "this merchant
is like its peers", its hurt orders follow Binomial(n, p0); the one-sided p-value is
P(X >= hurt). A merchant is flagged when that p-value is below alpha divided by the number
of merchants assessed (Bonferroni), so that with many merchants none is flagged by chance.
See docs/metrics.md.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from scipy.stats import binom
from sqlalchemy import case, func, select

from outreach.diagnosis.taxonomy import NO_PROBLEM, taxonomy
from outreach.display import kind_zh
from outreach.metrics.figures import wilson
from outreach.metrics.filters import Filters
from outreach.store.db import session_scope
from outreach.store.models import Case, Merchant, Order, Shop

MIN_ORDERS = 20
ALPHA = 0.05


@dataclass(frozen=True)
class MerchantVolume:
    merchant_id: str
    name: str
    kind: str
    orders: int
    hurt: int


def merchant_volumes(filters: Filters) -> list[MerchantVolume]:
    """Orders paid in the range per merchant, and how many of them have a hurt case."""
    hurt_orders = select(Case.order_id).where(Case.category != NO_PROBLEM).distinct().scalar_subquery()
    query = (
        select(Merchant.id, Merchant.name, func.coalesce(Merchant.kind, ""), func.count(Order.id),
               func.sum(case((Order.id.in_(hurt_orders), 1), else_=0)))
        .join(Shop, Shop.merchant_id == Merchant.id)
        .join(Order, Order.shop_id == Shop.id)
        .where(Order.paid_at >= filters.start_utc, Order.paid_at < filters.end_utc)
        .group_by(Merchant.id, Merchant.name, Merchant.kind)
        .order_by(Merchant.id)
    )
    with session_scope() as session:
        return [MerchantVolume(r[0], r[1], r[2], int(r[3]), int(r[4] or 0)) for r in session.execute(query).all()]


def find_outliers(volumes: list[MerchantVolume], min_orders: int = MIN_ORDERS, alpha: float = ALPHA
                  ) -> list[dict[str, Any]]:
    """Every merchant with its figures, whether it was assessed, and whether it is flagged."""
    by_kind: dict[str, list[MerchantVolume]] = defaultdict(list)
    for volume in volumes:
        by_kind[volume.kind].append(volume)
    assessed = [v for v in volumes if v.orders >= min_orders and _peers(by_kind, v)[0] > 0]
    threshold = alpha / len(assessed) if assessed else alpha
    rows = []
    for volume in volumes:
        peer_orders, peer_hurt = _peers(by_kind, volume)
        peer_rate = peer_hurt / peer_orders if peer_orders else None
        row: dict[str, Any] = {
            "merchant_id": volume.merchant_id, "name": volume.name, "kind": volume.kind,
            "orders": volume.orders, "hurt_orders": volume.hurt,
            "hurt_rate": round(100.0 * volume.hurt / volume.orders, 1) if volume.orders else None,
            "peer_orders": peer_orders,
            "peer_hurt_rate": round(100.0 * peer_rate, 1) if peer_rate is not None else None,
            "p_value": None, "flagged": False, "note": "",
        }
        if volume.orders < min_orders:
            row["note"] = "too_few_orders"
        elif not peer_orders:
            row["note"] = "no_peers"
        else:
            p0 = min(max(peer_rate or 0.0, 0.5 / peer_orders), 1.0)  # a clean peer group still allows one hurt order
            p_value = float(binom.sf(volume.hurt - 1, volume.orders, p0))
            row["p_value"] = round(p_value, 6)
            row["flagged"] = volume.hurt / volume.orders > p0 and p_value < threshold
            row["note"] = "stands_out" if row["flagged"] else "in_line"
        rows.append(row)
    return sorted(rows, key=lambda r: (not r["flagged"], r["p_value"] if r["p_value"] is not None else 2.0,
                                       r["merchant_id"]))


def _peers(by_kind: dict[str, list[MerchantVolume]], volume: MerchantVolume) -> tuple[int, int]:
    others = [v for v in by_kind[volume.kind] if v.merchant_id != volume.merchant_id]
    return sum(v.orders for v in others), sum(v.hurt for v in others)


def hurt_labels(filters: Filters) -> dict[str, list[tuple[str, int]]]:
    """Per merchant, its hurt cases on orders paid in the range by final label, most first."""
    query = (
        select(Shop.merchant_id, Case.category, func.count(func.distinct(Case.order_id)))
        .join(Order, Order.id == Case.order_id).join(Shop, Shop.id == Order.shop_id)
        .where(Case.category != NO_PROBLEM, Order.paid_at >= filters.start_utc, Order.paid_at < filters.end_utc)
        .group_by(Shop.merchant_id, Case.category)
    )
    out: dict[str, list[tuple[str, int]]] = defaultdict(list)
    with session_scope() as session:
        for merchant_id, label, n in session.execute(query):
            out[merchant_id].append((label, int(n)))
    return {k: sorted(v, key=lambda pair: (-pair[1], pair[0])) for k, v in out.items()}


def explain(row: dict[str, Any], days: int, min_orders: int, labels: list[tuple[str, int]]) -> str:
    """What stands out, in the words a lead uses (近30天受伤率 18%，同类商家平均 6%，120单里有22单)."""
    if row["note"] == "too_few_orders":
        return f"近{days}天只有{row['orders']}单，少于{min_orders}单，暂不评估"
    if row["note"] == "no_peers":
        return f"没有同品类（{kind_zh(row['kind'])}）的其他商家可比，暂不评估"
    text = (f"近{days}天受伤率 {row['hurt_rate']:g}%，同类商家平均 {row['peer_hurt_rate']:g}%，"
            f"{row['orders']}单里有{row['hurt_orders']}单")
    if labels:
        text += "；主要问题：" + "、".join(f"{taxonomy().zh(label)} {n}单" for label, n in labels[:2])
    if row["flagged"]:
        return text + "。明显高于同类商家，建议风控复核"
    return text + "。与同类商家没有明显差别"


def outliers_report(filters: Filters, min_orders: int = MIN_ORDERS, alpha: float = ALPHA) -> dict[str, Any]:
    rows = find_outliers(merchant_volumes(filters), min_orders, alpha)
    assessed = sum(1 for r in rows if r["p_value"] is not None)
    days = (filters.until - filters.since).days + 1
    labels = hurt_labels(filters)
    for row in rows:
        row["kind_zh"] = kind_zh(row["kind"])
        interval = wilson(row["hurt_orders"], row["orders"])
        row["hurt_rate_low"], row["hurt_rate_high"] = interval if interval else (None, None)
        row["summary_zh"] = explain(row, days, min_orders, labels.get(row["merchant_id"], []))
        row["flag_zh"] = "异常" if row["flagged"] else ""
    return {"filters": {"since": filters.since.isoformat(), "until": filters.until.isoformat()},
            "min_orders": min_orders, "alpha": alpha, "assessed": assessed,
            "threshold": round(alpha / assessed, 6) if assessed else alpha, "merchants": rows}


OUTLIER_COLUMNS = [
    ("merchant_id", "商家编号", "merchant_id"), ("name", "商家", "name"), ("kind", "品类", "kind_zh"),
    ("orders", "订单数", "orders"), ("hurt_orders", "受伤订单数", "hurt_orders"),
    ("hurt_rate", "受伤率（%）", "hurt_rate"),
    ("hurt_rate_low", "受伤率95%区间下限（%）", "hurt_rate_low"),
    ("hurt_rate_high", "受伤率95%区间上限（%）", "hurt_rate_high"), ("peer_orders", "同类商家订单数", "peer_orders"),
    ("peer_hurt_rate", "同类商家受伤率（%）", "peer_hurt_rate"), ("p_value", "p值", "p_value"),
    ("flagged", "异常", "flag_zh"), ("note", "结论", "summary_zh"),
]
