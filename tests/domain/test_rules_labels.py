"""Every rule of the default platform rules, one realistic Chinese scenario (or more) each.

The scenarios read like the cases support sees: who bought what, what happened, what the
platform knows. Amounts are integer fen.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from outreach.rules.engine import ASKABLE_FACTS, CaseFacts, quote
from outreach.rules.loader import rules

PAID = datetime(2026, 11, 17, 2, 0, tzinfo=timezone.utc)  # 10:00 Beijing time
H = timedelta(hours=1)


def bought(label: str, price_fen: int, quantity: int = 1, **changes: object) -> CaseFacts:
    """Paid, shipped 20 hours later, delivered 2 days after payment, reported 5 hours after delivery."""
    facts = CaseFacts(
        label=label, order_total_fen=price_fen * quantity, unit_price_fen=price_fen, quantity=quantity, unit="件",
        paid_at=PAID, promised_ship_hours=48, reported_at=PAID + 53 * H, shipped_at=PAID + 20 * H,
        delivered_at=PAID + 48 * H,
    )
    return dataclasses.replace(facts, **changes)


def offered(facts: CaseFacts) -> list[tuple[str, int]]:
    return [(o.rule_id, o.amount_fen) for o in quote(facts, rules()).offers]


SCENARIOS = [
    # quality_defect: return and full refund, or a replacement, freight paid by the seller
    pytest.param(bought("quality_defect", 29900, item_kind="electronics"),
                 [("quality_return_refund", 29900), ("quality_replace", 0)], id="蓝牙耳机三天就断连"),
    # spoiled: the affected share without return, within 48 h (24 h live seafood); crab guarantee first
    pytest.param(bought("spoiled", 3980, 10, unit="只", item_kind="seafood", live_seafood=True, affected_quantity=3,
                        promises=("crab_guarantee", "fresh_rot_refund")),
                 [("spoiled_crab_guarantee", 11940), ("spoiled_reship_share", 0)], id="10只大闸蟹死了3只-蟹无忧"),
    pytest.param(bought("spoiled", 4990, 10, unit="斤", item_kind="fruit", affected_quantity=4,
                        reported_at=PAID + 90 * H),
                 [("spoiled_share_refund", 19960), ("spoiled_reship_share", 0)], id="10斤脐橙烂了4斤-42小时内仅退款"),
    pytest.param(bought("spoiled", 4990, 10, unit="斤", item_kind="fruit", affected_quantity=4,
                        reported_at=PAID + 97 * H), [], id="脐橙收货49小时后才反馈-超出举证时限转人工"),
    # damaged: the broken share, or re-ship it
    pytest.param(bought("damaged", 2500, 6, unit="个", affected_quantity=2),
                 [("damaged_share_refund", 5000), ("damaged_reship_share", 0)], id="6个玻璃杯碎了2个"),
    # late_delivery: unshipped past the promise: cancel at once; otherwise 5 % at least 5, at most 30 yuan
    pytest.param(bought("late_delivery", 8900, shipped_at=None, delivered_at=None, reported_at=PAID + 60 * H),
                 [("unshipped_cancel_refund", 8900), ("late_ship_compensation", 500)], id="承诺48小时发货-60小时未发"),
    pytest.param(bought("late_delivery", 98000, shipped_at=PAID + 70 * H, delivered_at=None,
                        reported_at=PAID + 80 * H),
                 [("late_ship_compensation", 3000)], id="980元羽绒服晚发22小时-补偿封顶30元"),
    # wrong_item: re-ship the right one or full refund, return freight paid
    pytest.param(bought("wrong_item", 15900), [("wrong_item_reship", 0), ("wrong_item_full_refund", 15900)],
                 id="买的黑色42码发成白色40码"),
    # missing_item: re-ship the missing part or refund its share
    pytest.param(bought("missing_item", 6800, 3, unit="盒", affected_quantity=1),
                 [("missing_item_reship", 0), ("missing_item_share_refund", 6800)], id="买3盒到了2盒"),
    # not_as_described: false claim is fraud (3x, at least 500 yuan, a person verifies); weight guarantee; return
    pytest.param(bought("not_as_described", 19800, item_kind="health_food", issue="false_claim"),
                 [("false_claim_fraud", 59400), ("not_as_described_return_refund", 19800)],
                 id="直播说能治失眠的保健品-虚假宣传三倍赔偿"),
    pytest.param(bought("not_as_described", 6000, item_kind="health_food", issue="false_claim"),
                 [("false_claim_fraud", 50000), ("not_as_described_return_refund", 6000)],
                 id="60元保健品虚假宣传-赔偿不少于500元"),
    pytest.param(bought("not_as_described", 12800, item_kind="seafood", issue="short_weight", shortfall_percent=20,
                        promises=("weight_guarantee",)),
                 [("short_weight_refund", 2560), ("not_as_described_return_refund", 12800)],
                 id="三文鱼标500克称了400克-足斤足两退差额"),
    pytest.param(bought("not_as_described", 25900, item_kind="apparel"),
                 [("not_as_described_return_refund", 25900)], id="面料写的羊毛其实是化纤-退货退款"),
    # counterfeit: 信任购 shops 10x; otherwise 3x (at least 500) plus the appraisal fee; a person verifies
    pytest.param(bought("counterfeit", 32000, item_kind="cosmetics", trust_badge=True),
                 [("counterfeit_ten_times", 320000)], id="信任购店铺的口红是假货-假一赔十"),
    pytest.param(bought("counterfeit", 32000, item_kind="cosmetics", appraisal_fee_fen=8800),
                 [("counterfeit_three_times", 104800)], id="普通店铺的口红是假货-假一赔三加鉴定费"),
    pytest.param(bought("counterfeit", 9900, item_kind="apparel"),
                 [("counterfeit_three_times", 50000)], id="99元假耐克袜子-不少于500元"),
    # price_issue: double charge refunded at once; price protection difference; fake original price is fraud
    pytest.param(bought("price_issue", 12900, issue="double_charge", overcharge_fen=12900),
                 [("price_double_charge_refund", 12900)], id="付款扣了两次-立即退回多扣的"),
    pytest.param(bought("price_issue", 12900, issue="coupon_not_applied", overcharge_fen=2000),
                 [("price_double_charge_refund", 2000)], id="20元优惠券没用上"),
    pytest.param(bought("price_issue", 5990, 2, issue="price_drop", current_unit_price_fen=4990,
                        promises=("price_protection",), reported_at=PAID + 3 * 24 * H),
                 [("price_protection_refund", 2000)], id="买完第三天每件降价10元-价保退差价"),
    pytest.param(bought("price_issue", 5990, 2, issue="price_drop", current_unit_price_fen=4990,
                        promises=("price_protection",), reported_at=PAID + 8 * 24 * H), [], id="价保期7天已过"),
    pytest.param(bought("price_issue", 19900, issue="fake_original_price"),
                 [("fake_original_price_fraud", 59700)], id="先涨价再打折虚标原价-价格欺诈"),
    # health_reaction: a person at once; allergy refund; unsafe food up to 10x or 3x the loss, at least 1,000 yuan
    pytest.param(bought("health_reaction", 16800, item_kind="cosmetics", promises=("allergy_refund",)),
                 [("allergy_refund", 16800)], id="面霜用了脸上起红疹-过敏包退"),
    pytest.param(bought("health_reaction", 6980, item_kind="seafood"),
                 [("unsafe_food_legal_floor", 100000)], id="吃了虾全家拉肚子-食品安全最低1000元"),
    pytest.param(bought("health_reaction", 6980, item_kind="seafood", loss_fen=80000),
                 [("unsafe_food_legal_floor", 240000)], id="看病花了800元-损失三倍2400元"),
    pytest.param(bought("health_reaction", 29800, 2, item_kind="health_food"),
                 [("unsafe_food_legal_floor", 596000)], id="两盒蛋白粉吃出问题-价款十倍"),
    # service_attitude: an apology coupon, the merchant reported
    pytest.param(bought("service_attitude", 8800), [("service_apology_coupon", 500)], id="客服骂人还威胁删差评"),
]


@pytest.mark.parametrize(("facts", "expected"), SCENARIOS)
def test_each_rule_offers_its_remedy_best_first(facts: CaseFacts, expected: list) -> None:
    assert offered(facts) == expected


def test_every_default_rule_is_exercised_by_a_scenario() -> None:
    used = {rule for param in SCENARIOS for rule, _ in param.values[1]}
    declared = {rule.id for label in rules().remedies.values() for rule in label}
    untested = declared - used - {"spoiled_share_refund"}  # share refund: see the oranges above
    assert "spoiled_share_refund" in used and untested == set()


@pytest.mark.parametrize(
    ("facts", "reasons"),
    [
        pytest.param(bought("counterfeit", 32000, trust_badge=True), ("verification", "above_cap"), id="假一赔十"),
        pytest.param(bought("price_issue", 3000, issue="fake_original_price"), ("verification", "above_cap"),
                     id="虚标原价-法定最低500元"),
        pytest.param(bought("wrong_item", 20001), ("above_cap",), id="200.01元退款"),
        pytest.param(bought("wrong_item", 15900, refunds_90d=3), ("buyer_risk",), id="90天内已退款3次的买家"),
        pytest.param(bought("wrong_item", 15900, refunds_90d=2), (), id="90天内退款2次-自动"),
        pytest.param(bought("service_attitude", 8800, refunds_90d=5), ("buyer_risk",), id="高风险买家的优惠券"),
    ],
)
def test_the_paying_offer_names_why_a_person_must_approve(facts: CaseFacts, reasons: tuple) -> None:
    paying = [o for o in quote(facts, rules()).offers if o.amount_fen > 0][0]
    assert paying.approval_reasons == reasons
    assert paying.needs_approval is bool(reasons)


def test_re_ships_never_need_approval_even_for_a_risky_buyer() -> None:
    reship = quote(bought("wrong_item", 15900, refunds_90d=9), rules()).offers[0]
    assert (reship.kind, reship.needs_approval) == ("reship_full", False)


def test_health_reaction_goes_to_a_person_at_once_with_the_allowed_remedies_listed() -> None:
    result = quote(bought("health_reaction", 16800, item_kind="cosmetics", promises=("allergy_refund",)), rules())
    assert result.handover_reason and "person" in result.handover_reason
    assert [o.rule_id for o in result.offers] == ["allergy_refund"]


def test_legal_floor_offers_name_their_law_and_report_the_merchant() -> None:
    fraud = quote(bought("counterfeit", 32000), rules()).offers[0]
    assert "消费者权益保护法" in (fraud.law or "") and fraud.report_merchant
    food = quote(bought("health_reaction", 6980, item_kind="seafood"), rules()).offers[0]
    assert food.law == "食品安全法第148条" and "1000元" in food.say


def test_trust_badge_makes_refunds_fast_with_return_freight_paid() -> None:
    with_badge = quote(bought("wrong_item", 15900, trust_badge=True), rules()).offers[1]
    without = quote(bought("wrong_item", 15900), rules()).offers[1]
    assert (with_badge.fast_refund, with_badge.return_freight_paid) == (True, True)
    assert "信任购" in with_badge.say and "信任购" not in without.say
    # carried out straight away (the buyer named it), the badge is said too
    assert "信任购" in with_badge.done and "信任购" not in without.done
    assert (without.fast_refund, without.return_freight_paid) == (False, False)


def test_trust_badge_refund_without_return_is_fast_but_promises_no_return_freight() -> None:
    share = quote(bought("damaged", 2000, 5, unit="个", affected_quantity=2, trust_badge=True), rules()).offers[0]
    assert (share.kind, share.fast_refund, share.return_freight_paid) == ("refund_share", True, False)
    assert "极速到账" in share.say and "运费" not in share.say


def test_crab_guarantee_adds_a_coupon_and_a_platform_first_refund() -> None:
    crab = quote(bought("spoiled", 3980, 10, unit="只", live_seafood=True, affected_quantity=3,
                        promises=("crab_guarantee",)), rules()).offers[0]
    assert (crab.coupon_fen, crab.fast_refund) == (1000, True)
    assert "10元补偿券" in crab.say and "3只" in crab.say


@pytest.mark.parametrize(
    ("facts", "missing"),
    [
        pytest.param(bought("price_issue", 12900), ["issue"], id="价格问题但不知道是哪种"),
        pytest.param(bought("price_issue", 12900, issue="double_charge"), ["overcharge_fen"], id="重复扣款金额未知"),
        pytest.param(bought("price_issue", 5990, issue="price_drop", promises=("price_protection",)),
                     ["current_unit_price_fen"], id="降价后的价格未知"),
        pytest.param(bought("not_as_described", 12800, issue="short_weight", promises=("weight_guarantee",)),
                     ["shortfall_percent"], id="少了多少斤两未知"),
        pytest.param(bought("damaged", 2500, 6), ["affected_quantity"], id="碎了几个未知"),
    ],
)
def test_a_fact_the_money_depends_on_is_asked_for_never_guessed(facts: CaseFacts, missing: list) -> None:
    result = quote(facts, rules())
    assert result.missing_facts == missing
    assert result.offers == []
    assert result.as_dict()["ask_buyer"] == [f for f in missing if f in ASKABLE_FACTS]
    assert set(ASKABLE_FACTS) == {"affected_quantity", "issue", "shortfall_percent"}  # what the bot has forms for


def test_a_price_protection_claim_without_a_price_drop_offers_nothing() -> None:
    facts = bought("price_issue", 5990, issue="price_drop", current_unit_price_fen=5990,
                   promises=("price_protection",))
    result = quote(facts, rules())
    assert result.offers == [] and "price_issue" in (result.handover_reason or "")
