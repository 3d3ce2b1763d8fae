"""Many due cases at once (one transaction, bulk inserts), for worker tests and the benchmark."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import insert

from outreach.store.db import session_scope
from outreach.store.models import Buyer, Case, Merchant, Order, OrderItem, Shop

ZONES = ["Asia/Shanghai", "Asia/Urumqi", "Europe/Berlin", "America/Los_Angeles"]
AGE_BANDS = ["18-29", "30-44", "45-59", "60+"]


def bulk_due_cases(count: int, now: datetime, *, seed: int = 7, prefix: str = "BK", mixed: bool = False,
                   chunk: int = 5000) -> list[int]:
    """`count` new, due cases, one buyer each. mixed=False: every buyer active in the app,
    severity 3, aged 30-44 (all in-app chats); mixed=True: zones, ages, severities, activity
    and phones vary as in real traffic. Returns the case ids."""
    rng = random.Random(seed)
    ids: list[int] = []
    with session_scope() as session:
        session.execute(insert(Merchant).values(id=f"{prefix}M", name="批量商家", kind="seafood"))
        session.execute(insert(Shop).values(id=f"{prefix}S", merchant_id=f"{prefix}M", name="批量店", trust_badge=True))
        for start in range(0, count, chunk):
            numbers = range(start, min(start + chunk, count))
            buyers, orders, items, cases = [], [], [], []
            for n in numbers:
                buyer, order = f"{prefix}{n:07d}", f"{prefix}O{n:07d}"
                active = not mixed or rng.random() < 0.8
                buyers.append({
                    "id": buyer, "name": "王女士", "created_at": now,
                    "phone": None if mixed and rng.random() < 0.03 else "13800000000",
                    "time_zone": rng.choice(ZONES) if mixed else "Asia/Shanghai",
                    "age_band": rng.choice(AGE_BANDS) if mixed else "30-44",
                    "last_app_active_at": now - timedelta(hours=rng.randrange(1, 300 if mixed else 100))
                    if active else None,
                })
                total = rng.randrange(990, 200_000)
                orders.append({"id": order, "buyer_id": buyer, "shop_id": f"{prefix}S", "total_fen": total,
                               "paid_at": now - timedelta(days=3), "promised_ship_hours": 48,
                               "delivered_at": now - timedelta(hours=5), "created_at": now})
                items.append({"order_id": order, "title": "阳澄湖大闸蟹", "kind": "seafood", "unit_price_fen": total,
                              "quantity": 1, "unit": "只", "promises": [], "live_seafood": True})
                cases.append({"buyer_id": buyer, "order_id": order, "open_key": f"{buyer}:{order}",
                              "suspected_category": "spoiled", "category": "spoiled",
                              "severity": rng.choice([1, 2, 3, 3, 4]) if mixed else 3, "status": "new",
                              "created_at": now, "due_at": now - timedelta(minutes=rng.randrange(1, 600))})
            session.execute(insert(Buyer), buyers)
            session.execute(insert(Order), orders)
            session.execute(insert(OrderItem), items)
            session.execute(insert(Case), cases)
        ids = list(session.execute(Case.__table__.select().with_only_columns(Case.id)
                                   .where(Case.buyer_id.like(f"{prefix}%"))).scalars())
    return ids
