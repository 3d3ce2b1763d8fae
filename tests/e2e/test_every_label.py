"""Every problem label settled through the real bot: the platform's import, triage, the
in-app opening, and the buyer's answers in Chinese up to the remedy the rules allow (or the
person they require). One conversation per label, each with its own buyer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from outreach.diagnosis.taxonomy import taxonomy
from outreach.store.types import utcnow
from tests.support.stack import Buyer, cli, write_jsonl

YES = ("是的", "/affirm")


@dataclass(frozen=True)
class Path:
    label: str  # the label the conversation ends on
    complaint: str  # the buyer's review the platform flagged
    item: dict[str, Any]
    answers: list[tuple[str, str | None]]  # what the buyer says (text, button payload)
    expect: str  # in the bot's last reply
    rule: str | None = None  # the remedy accepted with the offer's yes button, if any
    order: dict[str, Any] = field(default_factory=dict)


def item(title: str, kind: str, price: int, quantity: int = 1, unit: str = "件", **more: Any) -> dict[str, Any]:
    return {"title": title, "kind": kind, "unit_price_fen": price, "quantity": quantity, "unit": unit, **more}


UNSHIPPED = {"shipped_at": None, "delivered_at": None, "promised_ship_hours": 24}
PATHS = [
    Path("quality_defect", "新买的蓝牙耳机用了三天就断连，质量太差", item("降噪蓝牙耳机", "electronics", 15900),
         [YES], "159元", "quality_return_refund"),
    Path("damaged", "快递箱子压扁了，里面的玻璃杯碎了两个", item("手工玻璃杯 6只装", "home", 1500, 6, "个"),
         [YES, ("碎了两个", None)], "30元", "damaged_share_refund"),
    Path("spoiled", "收到的荔枝一半都发霉了，没法吃", item("妃子笑荔枝", "fruit", 2000, 5, "斤",
                                                     promises=["fresh_rot_refund"]),
         [YES, ("2斤", None)], "40元", "spoiled_share_refund"),
    Path("late_delivery", "下单好几天了还没发货，物流一直没有信息", item("加绒卫衣", "apparel", 12900),
         [YES], "129元", "unshipped_cancel_refund", order=UNSHIPPED),
    Path("wrong_item", "我买的是M码，寄来的是XXL，发错了", item("纯棉T恤 M码", "apparel", 5900),
         [YES], "重新发出", "wrong_item_reship"),
    Path("missing_item", "买了三盒只收到两盒，少发了一盒", item("坚果礼盒", "snacks", 8800, 3, "盒"),
         [YES, ("少了1盒", None)], "补发", "missing_item_reship"),
    Path("not_as_described", "称了一下只有八斤多，缺斤少两",
         item("赣南脐橙 现摘现发 10斤整箱", "fruit", 4990, 1, "箱", promises=["weight_guarantee"]),
         [YES, ("8斤7两", None)], "6.49元", "short_weight_refund"),
    Path("counterfeit", "这支口红鉴定出来是假货，根本不是正品", item("丝绒雾面口红", "cosmetics", 32000),
         [YES, ("好的", None)], "人工审核"),
    Path("price_issue", "付款的价格跟页面上显示的不一样", item("每日坚果 30包", "snacks", 8800, 2, "盒"),
         [YES, ("被重复扣款", '/price_issue{"issue": "double_charge"}')], "176元", "price_double_charge_refund",
         order={"charged_fen": 35200}),
    Path("health_reaction", "虾收到有点不新鲜，颜色发黑", item("鲜活基围虾 1斤装", "seafood", 6980, 1, "斤"),
         [("吃了以后上吐下泻，还去医院挂了急诊", None)], "打电话"),
    Path("service_attitude", "问了客服三遍都不理人，态度太差了", item("羊毛围巾", "apparel", 19900),
         [YES], "5元", "service_apology_coupon"),
    Path("no_problem", "耳机有时候连不上蓝牙", item("运动蓝牙耳机", "electronics", 9900),
         [("不是", "/deny"), ("没有问题了，东西挺好的，谢谢", None)], "没有问题就好"),
]


def order_line(n: int, path: Path, now: Any) -> dict[str, Any]:
    order = {
        "order_id": f"O-LABEL-{n}", "total_fen": path.item["unit_price_fen"] * path.item["quantity"],
        "buyer": {"id": f"B-LABEL-{n}", "name": "测试买家", "phone": f"1390000{n:04d}",
                  "last_app_active_at": (now - timedelta(hours=1)).isoformat()},
        "shop": {"id": f"S-LABEL-{n}", "name": "测试店铺", "trust_badge": path.label == "counterfeit",
                 "merchant_id": f"M-LABEL-{n}", "merchant_name": "测试商家"},
        "items": [path.item],
        "paid_at": (now - timedelta(days=3)).isoformat(), "promised_ship_hours": 48,
        "shipped_at": (now - timedelta(days=2, hours=12)).isoformat(),
        "delivered_at": (now - timedelta(hours=6)).isoformat(),
    }
    order.update(path.order)
    if path.label == "late_delivery":
        order["paid_at"] = (now - timedelta(days=3)).isoformat()
    return order


def test_every_label_reaches_its_remedy_or_its_person_through_the_real_bot(stack: dict[str, Any]) -> None:
    from outreach.store.db import session_scope
    from outreach.store.models import CallTask, Case, Payment, Remedy

    assert sorted(p.label for p in PATHS) == sorted(taxonomy().ids)
    settings, var, now = stack["settings"], stack["var"], utcnow()
    orders = [order_line(n, path, now) for n, path in enumerate(PATHS)]
    feedback = [{"feedback_id": f"F-LABEL-{n}", "buyer_id": f"B-LABEL-{n}", "order_id": f"O-LABEL-{n}",
                 "source": "review", "text": path.complaint, "created_at": (now - timedelta(hours=1)).isoformat()}
                for n, path in enumerate(PATHS)]
    assert cli("import", "orders", str(write_jsonl(var / "label-orders.jsonl", orders))).returncode == 0
    assert cli("import", "feedback", str(write_jsonl(var / "label-feedback.jsonl", feedback))).returncode == 0
    assert json.loads(cli("triage", "--json").stdout)["cases_opened"] == len(PATHS)
    assert json.loads(cli("dispatch", "--once", "--json").stdout)["contacted"] == len(PATHS)

    failures = []
    for n, path in enumerate(PATHS):
        buyer = Buyer(settings, f"B-LABEL-{n}")
        replies: list[dict[str, Any]] = []
        for text, payload in path.answers:
            replies = buyer.say(text, payload=payload)
        said = " / ".join(m["text"] for m in replies)
        if path.expect not in said:
            failures.append(f"{path.label}: expected {path.expect!r} in {said!r}")
            continue
        if path.rule:
            done = " / ".join(m["text"] for m in buyer.tap(replies, "可以，就这样"))
            if "已为您办理" not in done:
                failures.append(f"{path.label}: accepting got {done!r}")
    assert not failures, "\n".join(failures)

    from outreach.dialogue.voice import problems
    from outreach.inbox.messages import since

    with session_scope() as session:  # one voice: no forbidden phrase, no pair that must never follow
        for n, _path in enumerate(PATHS):
            texts = [m["text"] for m in since(session, f"B-LABEL-{n}") if m["sender"] == "bot"]
            failures += problems(texts)
    assert not failures, "\n".join(failures)

    with session_scope() as session:
        cases = {c.order_id: c for c in session.execute(select(Case).where(Case.order_id.like("O-LABEL-%"))).scalars()}
        for n, path in enumerate(PATHS):
            case = cases[f"O-LABEL-{n}"]
            assert case.category == path.label, (path.label, case.category)
            remedies = session.execute(select(Remedy).where(Remedy.case_id == case.id)).scalars().all()
            assert [r.rule_id for r in remedies] == ([path.rule] if path.rule else
                                                     ["counterfeit_ten_times"] if path.label == "counterfeit" else [])
            paid = session.execute(select(Payment).where(Payment.case_id == case.id)).scalars().all()
            assert len(paid) <= 1 and all(p.amount_fen == r.amount_fen for p, r in zip(paid, remedies))
        health = cases[f"O-LABEL-{[p.label for p in PATHS].index('health_reaction')}"]
        calls = session.execute(select(CallTask).where(CallTask.case_id == health.id)).scalars().all()
        assert health.status == "handed_over" and [c.status for c in calls] == ["queued"]
