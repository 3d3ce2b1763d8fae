"""Price complaints settled in the conversation: the platform's payment records and listing
price supply the money, and the bot asks which price problem it is when the words don't say."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from outreach.cases.conversation import accept, choose_problem
from outreach.importing.jsonl import import_orders
from outreach.rules.facts import case_facts
from outreach.rules.loader import rules
from outreach.store.db import session_scope
from outreach.store.models import Case, Order, OrderItem, Payment
from outreach.store.types import utcnow
from tests.factories import make_case

SNACKS = {"title": "坚果礼盒 每日坚果 30包", "kind": "snacks", "unit_price_fen": 8800, "quantity": 2, "unit": "盒",
          "live_seafood": False}


def price_case(text: str, **order: object) -> tuple[int, str]:
    case_id, buyer_id, _ = make_case("price_issue", text=text, **{**SNACKS, **order})  # type: ignore[arg-type]
    return case_id, buyer_id


def test_a_double_charge_on_the_payment_records_is_refunded_at_once(any_db: str) -> None:
    case_id, buyer_id = price_case("一单被扣了两次款", charged_fen=35200)
    step = choose_problem(case_id, buyer_id, "price_issue", "confirmed")
    assert (step.kind, step.offer.rule_id, step.offer.amount_fen) == ("offer", "price_double_charge_refund", 17600)
    assert "176元" in step.offer.say
    assert accept(case_id, buyer_id, 0).kind == "executed"
    with session_scope() as session:
        paid = session.execute(select(Payment).where(Payment.case_id == case_id)).scalars().all()
    assert [(p.amount_fen, p.rule_id) for p in paid] == [(17600, "price_double_charge_refund")]


def test_a_price_drop_within_price_protection_refunds_the_difference_per_piece(any_db: str) -> None:
    case_id, buyer_id = price_case("刚买完就降价了", promises=["price_protection"], current_unit_price_fen=6800,
                                   paid_at=utcnow() - timedelta(days=2))
    step = choose_problem(case_id, buyer_id, "price_issue", "confirmed")
    assert (step.offer.rule_id, step.offer.amount_fen) == ("price_protection_refund", 4000)  # (88-68) x 2


def test_when_the_words_name_no_price_problem_the_bot_asks_which_one_with_buttons(any_db: str) -> None:
    case_id, buyer_id = price_case("价格有问题", charged_fen=17600 + 1500)
    step = choose_problem(case_id, buyer_id, "price_issue", "confirmed")
    assert step.kind == "ask_issue" and step.extra["label"] == "price_issue"
    assert [c["issue"] for c in step.extra["choices"]] == list(rules().issues["price_issue"])
    assert all(c["title"] for c in step.extra["choices"])
    # The buyer taps "优惠券/满减没用上": the records show 15 yuan too much.
    step = choose_problem(case_id, buyer_id, "price_issue", "corrected", text="/price_issue",
                          issue="coupon_not_applied")
    assert (step.kind, step.offer.amount_fen) == ("offer", 1500)
    with session_scope() as session:
        assert session.get(Case, case_id).facts["issue"] == "coupon_not_applied"


def test_the_buyers_typed_answer_names_the_issue_and_an_unknown_button_is_ignored(any_db: str) -> None:
    case_id, buyer_id = price_case("价格不对", charged_fen=17600 + 2000)
    assert choose_problem(case_id, buyer_id, "price_issue", "confirmed", issue="no_such_issue").kind == "ask_issue"
    step = choose_problem(case_id, buyer_id, "price_issue", "corrected", text="页面没写，结账时额外收费20元")
    assert (step.offer.rule_id, step.offer.amount_fen) == ("price_double_charge_refund", 2000)


def test_without_the_payment_records_a_person_checks_and_no_money_is_guessed(any_db: str) -> None:
    case_id, buyer_id = price_case("被重复扣款了")
    step = choose_problem(case_id, buyer_id, "price_issue", "confirmed")
    assert step.kind == "handover"
    with session_scope() as session:
        case = session.get(Case, case_id)
        assert "overcharge_fen" in case.handover_reason
        assert session.execute(select(Payment.id)).first() is None


def test_records_that_show_no_overcharge_send_the_case_to_a_person(any_db: str) -> None:
    case_id, buyer_id = price_case("扣了两次钱", charged_fen=17600)
    assert choose_problem(case_id, buyer_id, "price_issue", "confirmed").kind == "handover"


def test_the_importer_stores_the_charge_and_the_listing_price_the_rules_read(sqlite_db: str, tmp_path: Path) -> None:
    now = utcnow()
    line = {
        "order_id": "O-PRICE-1", "total_fen": 17600, "charged_fen": 35200,
        "paid_at": (now - timedelta(days=1)).isoformat(),
        "buyer": {"id": "B-PRICE-1", "name": "赵先生"},
        "shop": {"id": "S-P", "name": "坚果铺", "merchant_id": "M-P", "merchant_name": "坚果铺"},
        "items": [{**{k: v for k, v in SNACKS.items() if k != "live_seafood"}, "current_unit_price_fen": 6800}],
    }
    path = tmp_path / "orders.jsonl"
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    assert not import_orders(path).errors
    with session_scope() as session:
        order = session.get(Order, "O-PRICE-1")
        item = session.execute(select(OrderItem).where(OrderItem.order_id == "O-PRICE-1")).scalar_one()
        assert (order.charged_fen, item.current_unit_price_fen) == (35200, 6800)
        case = Case(buyer_id="B-PRICE-1", order_id="O-PRICE-1", category="price_issue",
                    suspected_category="price_issue", severity=3, status="contacted")
        session.add(case)
        session.flush()
        facts = case_facts(session, case)
    assert (facts.overcharge_fen, facts.current_unit_price_fen) == (17600, 6800)
