"""`outreach demo seed`: buyers, shops, orders and feedback in every label, reproducibly.

Products and feedback texts come from data/seed/; everything goes through the same
validation and storage as `outreach import`.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import yaml
from sqlalchemy import func, select

from outreach.demo.fit import fits
from outreach.diagnosis.taxonomy import NO_PROBLEM, taxonomy
from outreach.importing.jsonl import store_feedback, store_orders
from outreach.importing.schema import FeedbackIn, OrderIn
from outreach.settings import PROJECT_ROOT
from outreach.store.db import session_scope
from outreach.store.models import Order
from outreach.store.types import utcnow

SEED_DIR = PROJECT_ROOT / "data" / "seed"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
TIME_ZONES = [("Asia/Shanghai", 80), ("Asia/Urumqi", 6), ("Asia/Hong_Kong", 5), ("Europe/Berlin", 4),
              ("America/Los_Angeles", 5)]
AGE_BANDS = [("18-29", 30), ("30-44", 35), ("45-59", 20), ("60+", 15)]
# Delivered-goods problems, reported soon after receipt.
AFTER_DELIVERY = {"quality_defect", "damaged", "spoiled", "wrong_item", "missing_item", "not_as_described",
                  "counterfeit", "health_reaction", NO_PROBLEM}


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def load_seed_file(name: str) -> dict[str, Any]:
    return yaml.safe_load((SEED_DIR / name).read_text(encoding="utf-8"))


def fitting_pairs(catalog: dict[str, Any], texts: dict[str, dict[str, list[str]]], label: str, kind: str
                  ) -> list[tuple[dict[str, Any], str]]:
    """Every (product, feedback text) of a kind where the text can be about the product."""
    nouns = catalog.get("nouns", {}).get(kind, [])
    return [(product, text) for product in catalog[kind] for text in texts[label].get(kind) or []
            if fits(text, product, nouns)]


def _kinds_for(texts: dict[str, dict[str, list[str]]], label: str) -> list[str]:
    return sorted(kind for kind, group in texts[label].items() if group)


def _add_price_facts(order: dict[str, Any], text: str) -> None:
    """What the platform's payment records and listing show for a price complaint."""
    from outreach.rules.facts import issue_from_words
    from outreach.rules.loader import rules

    issue = issue_from_words(rules(), "price_issue", [text])
    total, item = order["total_fen"], order["items"][0]
    if issue == "double_charge":
        order["charged_fen"] = total * 2
    elif issue == "coupon_not_applied":
        order["charged_fen"] = total + min(3000, total // 5)
    elif issue == "surprise_fee":
        order["charged_fen"] = total + 2000
    elif issue == "price_drop":
        item["current_unit_price_fen"] = item["unit_price_fen"] * 7 // 10


def build(seed_value: int, now: datetime, orders_wanted: int = 240) -> tuple[list[OrderIn], list[FeedbackIn]]:
    rng = random.Random(seed_value)
    catalog = load_seed_file("catalog.yml")
    texts = load_seed_file("feedback_texts.yml")
    merchants = catalog["merchants"]
    labels = taxonomy().ids
    buyers = []
    for n in range(1, orders_wanted // 2 + 1):
        active = rng.random() < 0.8
        buyers.append({
            "id": f"B{n:04d}",
            "name": rng.choice(SURNAMES) + rng.choice(["先生", "女士"]),
            "phone": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
            "time_zone": _weighted(rng, TIME_ZONES),
            "age_band": _weighted(rng, AGE_BANDS),
            "last_app_active_at": (now - timedelta(hours=rng.randrange(1, 240))).isoformat() if active else None,
        })
    orders: list[OrderIn] = []
    feedback: list[FeedbackIn] = []
    for n in range(1, orders_wanted + 1):
        # The first orders cover every label three times; the rest are mostly satisfied buyers.
        if n <= len(labels) * 3:
            label = labels[(n - 1) % len(labels)]
        elif rng.random() < 0.35:
            label = None  # no feedback at all
        else:
            label = NO_PROBLEM if rng.random() < 0.6 else rng.choice(labels)
        kinds = ([k for k in _kinds_for(texts, label) if fitting_pairs(catalog, texts, label, k)] if label
                 else sorted(catalog.keys() - {"merchants", "nouns"}))
        kind = rng.choice(kinds)
        shop_index = rng.choice([i for i, m in enumerate(merchants) if m["kind"] == kind] or [0])
        merchant = merchants[shop_index]
        # the product and the text together, so that the feedback is about the item bought
        product, text = rng.choice(fitting_pairs(catalog, texts, label, kind) if label
                                   else [(p, "") for p in catalog[kind]])
        quantity = 1 if product["price_fen"] > 20000 else rng.choice([1, 1, 2, 3, 4, 5])
        buyer = rng.choice(buyers)
        paid = now - timedelta(hours=rng.randrange(30, 24 * 12))
        ship_hours = product["ship_hours"]
        shipped = delivered = None
        if label == "late_delivery" and rng.random() < 0.6:
            paid = now - timedelta(hours=ship_hours + rng.randrange(6, 72))  # unshipped past the promise
        else:
            late = label == "late_delivery"
            delay = ship_hours + rng.randrange(4, 48) if late else rng.randrange(2, ship_hours)
            shipped = paid + timedelta(hours=delay)
            arrival = shipped + timedelta(hours=rng.randrange(18, 72))
            delivered = arrival if arrival < now - timedelta(hours=1) else None
            if label in AFTER_DELIVERY and delivered is None:  # received lately: the whole order moves back
                shipped = now - timedelta(hours=rng.randrange(40, 90))
                delivered = now - timedelta(hours=rng.randrange(2, 30))
                paid = shipped - timedelta(hours=delay)
        order = {
            "order_id": f"O2026{n:05d}",
            "buyer": buyer,
            "shop": {"id": f"S{shop_index + 1:02d}", "name": merchant["name"], "trust_badge": merchant["trust_badge"],
                     "merchant_id": f"M{shop_index + 1:02d}", "merchant_name": merchant["name"], "merchant_kind": kind},
            "items": [{"title": product["title"], "kind": kind, "unit_price_fen": product["price_fen"],
                       "quantity": quantity, "unit": product["unit"], "promises": product.get("promises", []),
                       "live_seafood": bool(product.get("live_seafood"))}],
            "total_fen": product["price_fen"] * quantity,
            "paid_at": paid.isoformat(),
            "promised_ship_hours": ship_hours,
            "shipped_at": shipped.isoformat() if shipped else None,
            "delivered_at": delivered.isoformat() if delivered else None,
        }
        if label is None:
            orders.append(OrderIn.parse_obj(order))
            continue
        if label == "price_issue":
            _add_price_facts(order, text)
        orders.append(OrderIn.parse_obj(order))
        start = delivered or paid + timedelta(hours=ship_hours)
        reported = min(now - timedelta(minutes=5), start + timedelta(hours=rng.uniform(0.5, 20)))
        feedback.append(FeedbackIn.parse_obj({
            "feedback_id": f"F{n:05d}",
            "buyer_id": buyer["id"],
            "order_id": f"O2026{n:05d}",
            "source": rng.choice(["review", "comment", "message", "chat"]),
            "text": text,
            "created_at": reported.isoformat(),
        }))
    return orders, feedback


def seed(seed_value: int = 2026, force: bool = False, now: datetime | None = None) -> dict[str, Any]:
    with session_scope() as session:
        existing = session.execute(select(func.count(Order.id))).scalar_one()
    if existing and not force:
        return {"orders": 0, "feedback": 0, "skipped_existing_orders": existing}
    orders, feedback = build(seed_value + existing, now or utcnow())
    if existing:  # --force on a seeded database: new ids after the existing ones
        orders, feedback = _renumber(orders, feedback, existing)
    stored_orders = store_orders(orders)
    if not stored_orders.ok:
        raise RuntimeError("; ".join(stored_orders.errors))
    stored_feedback = store_feedback(feedback)
    if not stored_feedback.ok:
        raise RuntimeError("; ".join(stored_feedback.errors))
    summary = {"orders": stored_orders.stored, "feedback": stored_feedback.stored,
               "buyers": len({o.buyer.id for o in orders})}
    if not existing:
        from outreach.demo.history import seed_history
        from outreach.demo.staff import seed_staff

        summary.update(seed_history(now or utcnow(), seed_value))
        summary.update(seed_staff())
    return summary


def _renumber(orders: list[OrderIn], feedback: list[FeedbackIn], offset: int) -> tuple[list, list]:
    tag = f"R{offset}"
    for order in orders:
        order.order_id = f"{order.order_id}{tag}"
    for item in feedback:
        item.feedback_id = f"{item.feedback_id}{tag}"
        item.order_id = f"{item.order_id}{tag}" if item.order_id else None
    return orders, feedback

