"""Building stored buyers, orders, feedback and cases for tests, with realistic defaults."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

from outreach.store.db import session_scope
from outreach.store.models import Buyer, Case, Feedback, Merchant, Order, OrderItem, Shop
from outreach.store.types import utcnow

_ids = count(1)


def make_order(
    *,
    buyer_id: str | None = None,
    title: str = "阳澄湖大闸蟹 鲜活 公4两母3两",
    kind: str = "seafood",
    unit_price_fen: int = 3980,
    quantity: int = 10,
    unit: str = "只",
    promises: list[str] | None = None,
    live_seafood: bool = True,
    paid_at: datetime | None = None,
    shipped_at: datetime | None = None,
    delivered_at: datetime | None = None,
    promised_ship_hours: int = 48,
    age_band: str = "30-44",
    trust_badge: bool = True,
    charged_fen: int | None = None,
    current_unit_price_fen: int | None = None,
) -> tuple[str, str]:
    """Store a buyer (if new), shop and order with one item. Returns (buyer id, order id)."""
    n = next(_ids)
    buyer_id = buyer_id or f"B9{n:04d}"
    now = utcnow()
    paid_at = paid_at or now - timedelta(days=3)
    with session_scope() as session:
        if session.get(Buyer, buyer_id) is None:
            session.add(Buyer(id=buyer_id, name="王女士", phone="13800000000", time_zone="Asia/Shanghai",
                              age_band=age_band, last_app_active_at=now))
        session.add(Merchant(id=f"M{n}", name="蟹老大水产", kind=kind))
        session.add(Shop(id=f"S{n}", merchant_id=f"M{n}", name="蟹老大旗舰店", trust_badge=trust_badge))
        session.flush()
        order_id = f"O{n:06d}"
        session.add(Order(id=order_id, buyer_id=buyer_id, shop_id=f"S{n}", total_fen=unit_price_fen * quantity,
                          charged_fen=charged_fen, paid_at=paid_at, promised_ship_hours=promised_ship_hours,
                          shipped_at=shipped_at, delivered_at=delivered_at))
        session.add(OrderItem(order_id=order_id, title=title, kind=kind, unit_price_fen=unit_price_fen,
                              quantity=quantity, unit=unit, promises=promises or [], live_seafood=live_seafood,
                              current_unit_price_fen=current_unit_price_fen))
    return buyer_id, order_id


def make_case(
    label: str = "spoiled", *, status: str = "contacted", contacted: bool = True, text: str = "螃蟹死了好几只",
    **order: object
) -> tuple[int, str, str]:
    """A case for a delivered order, reported an hour after delivery. Returns (case id, buyer, order)."""
    now = utcnow()
    order.setdefault("shipped_at", now - timedelta(days=2))
    order.setdefault("delivered_at", now - timedelta(hours=5))
    buyer_id, order_id = make_order(**order)  # type: ignore[arg-type]
    with session_scope() as session:
        case = Case(buyer_id=buyer_id, order_id=order_id, open_key=f"{buyer_id}:{order_id}",
                    suspected_category=label, category=label, severity=3, status=status,
                    first_contact_at=now if contacted else None)
        session.add(case)
        session.flush()
        delivered = order["delivered_at"]
        session.add(Feedback(buyer_id=buyer_id, order_id=order_id, source="review", text=text,
                             created_at=(delivered or now) + timedelta(hours=1),  # type: ignore[operator]
                             diagnosed_at=now, category=label, case_id=case.id))
        return case.id, buyer_id, order_id
