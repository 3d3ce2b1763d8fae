"""The offer engine and the rules loader, table-driven over the default platform rules."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from outreach.diagnosis.taxonomy import taxonomy
from outreach.rules.engine import CaseFacts, Quote, quote, yuan
from outreach.rules.loader import DEFAULT_PATH, RulesError, load_rules, rules

# 2026-11-20 10:00 Beijing time: the parcel of crabs is signed for.
DELIVERED = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
H = timedelta(hours=1)


def crab_facts(**changes: object) -> CaseFacts:
    """10 live hairy crabs (阳澄湖大闸蟹) at 39.80 yuan each, delivered, reported 5 hours later, 3 dead."""
    facts = CaseFacts(
        label="spoiled",
        order_total_fen=39800,
        unit_price_fen=3980,
        quantity=10,
        unit="只",
        paid_at=DELIVERED - 72 * H,
        promised_ship_hours=48,
        reported_at=DELIVERED + 5 * H,
        shipped_at=DELIVERED - 40 * H,
        delivered_at=DELIVERED,
        live_seafood=True,
        affected_quantity=3,
    )
    return dataclasses.replace(facts, **changes)


def fruit_facts(**changes: object) -> CaseFacts:
    """2 boxes of 赣南脐橙 at 128 yuan a box, not live seafood; 1 box rotten."""
    return crab_facts(
        order_total_fen=25600,
        unit_price_fen=12800,
        quantity=2,
        unit="箱",
        live_seafood=False,
        affected_quantity=1,
        **changes,
    )


def unshipped_facts(total_fen: int = 5000, **changes: object) -> CaseFacts:
    """A 48-hour ship promise, paid 3 days ago, still not shipped when the buyer asks."""
    paid = DELIVERED - 72 * H
    base = dict(
        label="late_delivery",
        order_total_fen=total_fen,
        unit_price_fen=total_fen,
        quantity=1,
        unit="件",
        paid_at=paid,
        promised_ship_hours=48,
        reported_at=paid + 72 * H,
        shipped_at=None,
        delivered_at=None,
        live_seafood=False,
        affected_quantity=None,
    )
    base.update(changes)
    return CaseFacts(**base)  # type: ignore[arg-type]


def shipped_late_facts(total_fen: int) -> CaseFacts:
    """Shipped 60 hours after payment against a 48-hour promise: compensation only."""
    paid = DELIVERED - 96 * H
    return unshipped_facts(total_fen, paid_at=paid, shipped_at=paid + 60 * H, reported_at=paid + 70 * H)


def offers_of(result: Quote) -> list[tuple[str, int]]:
    return [(offer.kind, offer.amount_fen) for offer in result.offers]


@pytest.fixture(scope="module")
def book():
    return rules()


# --- which remedies, in which order ------------------------------------------------------------

OFFER_TABLE = [
    pytest.param(
        crab_facts(), [("refund_share", 11940), ("reship_share", 0)], id="3-of-10-crabs-dead-5h-after-delivery"
    ),
    pytest.param(
        crab_facts(reported_at=DELIVERED + 24 * H),
        [("refund_share", 11940), ("reship_share", 0)],
        id="live-seafood-exactly-24h-is-still-inside-the-window",
    ),
    pytest.param(
        fruit_facts(reported_at=DELIVERED + 30 * H),
        [("refund_share", 12800), ("reship_share", 0)],
        id="rotten-oranges-30h-after-delivery-within-48h",
    ),
    pytest.param(
        fruit_facts(reported_at=DELIVERED + 48 * H),
        [("refund_share", 12800), ("reship_share", 0)],
        id="rotten-oranges-exactly-48h",
    ),
    pytest.param(
        crab_facts(
            label="damaged",
            order_total_fen=15000,
            unit_price_fen=2500,
            quantity=6,
            unit="个",
            live_seafood=False,
            affected_quantity=2,
        ),
        [("refund_share", 5000), ("reship_share", 0)],
        id="2-of-6-glasses-broken-in-transit",
    ),
    pytest.param(
        unshipped_facts(5000),
        [("cancel_refund", 5000), ("compensation_percent", 500)],
        id="unshipped-past-promise-cancel-first-then-compensation",
    ),
    pytest.param(shipped_late_facts(30000), [("compensation_percent", 1500)], id="shipped-late-compensation-only"),
    pytest.param(
        crab_facts(
            label="wrong_item",
            order_total_fen=15900,
            unit_price_fen=15900,
            quantity=1,
            unit="双",
            live_seafood=False,
            affected_quantity=None,
        ),
        [("reship_full", 0), ("refund_full", 15900)],
        id="wrong-size-shoes-reship-then-full-refund",
    ),
    pytest.param(
        crab_facts(
            label="missing_item",
            order_total_fen=20400,
            unit_price_fen=6800,
            quantity=3,
            unit="盒",
            live_seafood=False,
            affected_quantity=1,
        ),
        [("reship_share", 0), ("refund_share", 6800)],
        id="bought-3-boxes-got-2-reship-then-refund-share",
    ),
    pytest.param(
        crab_facts(affected_quantity=10),
        [("refund_share", 39800), ("reship_share", 0)],
        id="all-crabs-dead-refund-never-above-order-total",
    ),
]


@pytest.mark.parametrize(("facts", "expected"), OFFER_TABLE)
def test_default_rules_offer_these_remedies_best_first(book, facts: CaseFacts, expected: list) -> None:
    result = quote(facts, book)
    assert result.handover_reason is None
    assert result.missing_facts == []
    assert offers_of(result) == expected


def test_first_offer_for_dead_crabs_is_the_share_refund_rule(book) -> None:
    first = quote(crab_facts(), book).offers[0]
    assert first.rule_id == "spoiled_share_refund"
    assert first.kind == "refund_share"
    assert first.amount_fen == 3 * 3980 == 11940
    assert first.needs_approval is False


HANDOVER_TABLE = [
    pytest.param(crab_facts(reported_at=DELIVERED + 30 * H), id="live-crabs-reported-30h-after-delivery"),
    pytest.param(crab_facts(reported_at=DELIVERED + 24 * H + timedelta(seconds=1)), id="live-crabs-24h-and-1s"),
    pytest.param(fruit_facts(reported_at=DELIVERED + 49 * H), id="oranges-reported-49h-after-delivery"),
    pytest.param(crab_facts(delivered_at=None), id="spoiled-but-not-delivered"),
    pytest.param(unshipped_facts(5000, reported_at=DELIVERED - 72 * H + 20 * H), id="unshipped-within-promise"),
    pytest.param(unshipped_facts(5000, shipped_at=DELIVERED - 72 * H + 30 * H), id="shipped-on-time"),
    pytest.param(crab_facts(label="wrong_item", delivered_at=None), id="wrong-item-before-delivery"),
]


@pytest.mark.parametrize("facts", HANDOVER_TABLE)
def test_no_applicable_rule_hands_over_instead_of_offering(book, facts: CaseFacts) -> None:
    result = quote(facts, book)
    assert result.offers == []
    assert result.missing_facts == []
    assert result.handover_reason is not None
    assert facts.label in result.handover_reason


def test_a_label_the_rules_file_leaves_out_is_handed_over(tmp_path: Path) -> None:
    data = default_rules_data()
    del data["remedies"]["counterfeit"]
    book = load_rules(write_rules(tmp_path, data))
    result = quote(crab_facts(label="counterfeit"), book)
    assert result.offers == []
    assert result.handover_reason == "no automatic remedy for counterfeit"


def test_no_problem_gets_no_offer_no_question_and_no_handover(book) -> None:
    result = quote(crab_facts(label="no_problem"), book)
    assert result == Quote(offers=[], missing_facts=[], handover_reason=None)


# --- asking how many pieces were affected -------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "missing"),
    [
        pytest.param(crab_facts(affected_quantity=None), ["affected_quantity"], id="10-crabs-unknown-how-many-dead"),
        pytest.param(crab_facts(affected_quantity=0), ["affected_quantity"], id="zero-affected"),
        pytest.param(crab_facts(affected_quantity=-2), ["affected_quantity"], id="negative-affected"),
        pytest.param(crab_facts(affected_quantity=11), ["affected_quantity"], id="more-affected-than-bought"),
        pytest.param(
            crab_facts(label="missing_item", affected_quantity=None),
            ["affected_quantity"],
            id="missing-pieces-unknown-count",
        ),
        pytest.param(crab_facts(quantity=1, order_total_fen=3980, affected_quantity=None), [], id="single-piece"),
        pytest.param(unshipped_facts(5000, quantity=10), [], id="late-delivery-needs-no-count"),
        pytest.param(
            crab_facts(label="wrong_item", quantity=10, affected_quantity=None), [], id="wrong-item-needs-no-count"
        ),
    ],
)
def test_affected_quantity_is_asked_only_when_a_share_depends_on_it(book, facts: CaseFacts, missing: list) -> None:
    result = quote(facts, book)
    assert result.missing_facts == missing
    if missing:
        assert result.offers == []
    else:
        assert result.offers


def test_a_single_piece_order_counts_that_piece_as_affected(book) -> None:
    result = quote(crab_facts(quantity=1, order_total_fen=3980, affected_quantity=None), book)
    assert offers_of(result)[0] == ("refund_share", 3980)
    assert "1只" in result.offers[0].say


# --- late-delivery compensation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total_fen", "compensation_fen"),
    [
        pytest.param(5000, 500, id="50-yuan-order-gets-the-5-yuan-minimum"),
        pytest.param(10000, 500, id="100-yuan-exactly-5-percent"),
        pytest.param(30000, 1500, id="300-yuan-gets-15"),
        pytest.param(12345, 617, id="rounds-half-up-down"),
        pytest.param(12350, 618, id="rounds-half-up-up"),
        pytest.param(60000, 3000, id="600-yuan-reaches-the-cap"),
        pytest.param(200000, 3000, id="2000-yuan-clamped-to-30"),
    ],
)
def test_late_compensation_is_5_percent_clamped_to_5_and_30_yuan(book, total_fen: int, compensation_fen: int) -> None:
    result = quote(shipped_late_facts(total_fen), book)
    assert offers_of(result) == [("compensation_percent", compensation_fen)]


def test_unshipped_order_offers_cancellation_of_the_full_total_before_compensation(book) -> None:
    result = quote(unshipped_facts(200000), book)
    assert [o.rule_id for o in result.offers] == ["unshipped_cancel_refund", "late_ship_compensation"]
    assert offers_of(result) == [("cancel_refund", 200000), ("compensation_percent", 3000)]


def test_a_late_order_is_promised_to_ship_only_while_it_has_not_shipped(book) -> None:
    def compensation_say(facts: CaseFacts) -> str:
        return next(o.say for o in quote(facts, book).offers if o.rule_id == "late_ship_compensation")

    unshipped = compensation_say(unshipped_facts(10000))
    late = shipped_late_facts(10000)
    in_transit = compensation_say(dataclasses.replace(late, delivered_at=None))
    delivered = compensation_say(dataclasses.replace(late, delivered_at=late.reported_at - 2 * H))
    assert book.shipping.unshipped and book.shipping.unshipped in unshipped
    assert book.shipping.in_transit and book.shipping.in_transit in in_transit
    assert "发出" not in delivered.replace("未按承诺时间发货", "")  # the goods are there: nothing to ship
    assert delivered.endswith("补偿。")


# --- approval cap ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "approvals"),
    [
        pytest.param(
            crab_facts(
                label="wrong_item", order_total_fen=20000, unit_price_fen=20000, quantity=1, affected_quantity=None
            ),
            {"reship_full": False, "refund_full": False},
            id="refund-of-exactly-200-yuan-is-automatic",
        ),
        pytest.param(
            crab_facts(
                label="wrong_item", order_total_fen=20001, unit_price_fen=20001, quantity=1, affected_quantity=None
            ),
            {"reship_full": True, "refund_full": True},
            id="200.01-yuan-needs-a-person-for-money-or-goods",
        ),
        pytest.param(
            crab_facts(unit_price_fen=9900, order_total_fen=99000, affected_quantity=3),
            {"refund_share": True, "reship_share": True},
            id="3-crabs-at-99-yuan",
        ),
        pytest.param(
            unshipped_facts(258800), {"cancel_refund": True, "compensation_percent": False}, id="2588-yuan-cancellation"
        ),
    ],
)
def test_money_or_goods_above_the_200_yuan_cap_need_approval(book, facts: CaseFacts, approvals: dict) -> None:
    result = quote(facts, book)
    assert {o.kind: o.needs_approval for o in result.offers} == approvals


def test_a_reships_value_counts_towards_the_cap_like_money(book) -> None:
    """Goods sent again cost the platform what they are worth: a 4,599-yuan reship is no more
    automatic than a 4,599-yuan refund (issue 16)."""
    expensive = [
        crab_facts(unit_price_fen=500000, order_total_fen=5000000, affected_quantity=10),
        crab_facts(
            label="wrong_item", unit_price_fen=999900, order_total_fen=999900, quantity=1, affected_quantity=None
        ),
        crab_facts(
            label="missing_item", unit_price_fen=300000, order_total_fen=900000, quantity=3, affected_quantity=2
        ),
    ]
    reships = [o for facts in expensive for o in quote(facts, book).offers if o.kind.startswith("reship")]
    assert len(reships) == 3
    assert all(o.amount_fen == 0 and o.needs_approval and "above_cap" in o.approval_reasons for o in reships)
    assert [o.value_fen for o in reships] == [5000000, 999900, 600000]
    cheap = crab_facts(label="missing_item", unit_price_fen=3000, order_total_fen=9000, quantity=3, affected_quantity=2)
    reship = next(o for o in quote(cheap, book).offers if o.kind == "reship_share")
    assert reship.value_fen == 6000 and not reship.needs_approval


# --- texts said to the buyer --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "0"),
        (5, "0.05"),
        (500, "5"),
        (1205, "12.05"),
        (3000, "30"),
        (39800, "398"),
        (123456, "1234.56"),
        (100000, "1000"),
    ],
)
def test_yuan_formats_fen_for_people(fen: int, text: str) -> None:
    assert yuan(fen) == text


def test_yuan_keeps_two_decimals_for_jiao_amounts_as_documented() -> None:
    assert yuan(1250) == "12.50"
    assert yuan(11940) == "119.40"


@pytest.mark.parametrize(
    "facts",
    [
        pytest.param(crab_facts(), id="dead-crabs"),
        pytest.param(fruit_facts(), id="rotten-oranges"),
        pytest.param(unshipped_facts(30000), id="unshipped"),
        pytest.param(
            crab_facts(
                label="wrong_item", order_total_fen=15900, unit_price_fen=15900, quantity=1, affected_quantity=None
            ),
            id="wrong-item",
        ),
        pytest.param(
            crab_facts(
                label="missing_item",
                order_total_fen=20400,
                unit_price_fen=6800,
                quantity=3,
                unit="盒",
                affected_quantity=1,
            ),
            id="missing-box",
        ),
    ],
)
def test_offer_texts_are_filled_in_and_paying_offers_name_the_amount_in_yuan(book, facts: CaseFacts) -> None:
    for offer in quote(facts, book).offers:
        for text in (offer.say, offer.done):
            assert "{" not in text and "}" not in text
            if offer.amount_fen:
                assert f"{yuan(offer.amount_fen)}元" in text
        if offer.kind.endswith("_share"):
            assert f"{facts.affected_quantity}{facts.unit}" in offer.say


def test_dead_crab_offer_says_how_many_and_how_much() -> None:
    say = quote(crab_facts(), rules()).offers[0].say
    assert "3只" in say
    assert f"退款{yuan(11940)}元" in say
    compensation = quote(shipped_late_facts(30000), rules()).offers[0]
    assert "15元" in compensation.say and "15元" in compensation.done


# --- the rules file ---------------------------------------------------------------------------


def test_default_rules_hold_the_product_defaults() -> None:
    book = load_rules()
    assert book.auto_approval_cap_fen == 20000
    assert book.evidence_window_hours == 48
    assert book.live_seafood_window_hours == 24
    assert (book.late_compensation.percent, book.late_compensation.min_fen, book.late_compensation.max_fen) == (
        5,
        500,
        3000,
    )
    assert set(book.remedies) == set(taxonomy().ids) - {"no_problem"}
    assert book.rule("spoiled_share_refund").kind == "refund_share"
    with pytest.raises(KeyError):
        book.rule("no_such_rule")


def default_rules_data() -> dict:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def write_rules(tmp_path: Path, data: dict, name: str = "rules.yml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_changed_cap_in_a_rules_file_changes_approval(tmp_path: Path) -> None:
    data = default_rules_data()
    data["auto_approval_cap_fen"] = 50000
    book = load_rules(write_rules(tmp_path, data))
    facts = crab_facts(
        label="wrong_item", order_total_fen=25000, unit_price_fen=25000, quantity=1, affected_quantity=None
    )
    assert quote(facts, rules()).offers[1].needs_approval is True
    assert quote(facts, book).offers[1].needs_approval is False


def _duplicate_id(data: dict) -> str:
    data["remedies"]["damaged"][0]["id"] = "spoiled_share_refund"
    return "spoiled_share_refund"


def _unknown_label(data: dict) -> str:
    data["remedies"]["fake_shipping_label"] = data["remedies"]["spoiled"]
    data["remedies"]["spoiled"] = []
    return "fake_shipping_label"


def _negative_cap(data: dict) -> str:
    data["auto_approval_cap_fen"] = -100
    return "auto_approval_cap_fen"


def _unknown_condition(data: dict) -> str:
    data["remedies"]["spoiled"][0]["when"] = ["delivered", "on_tuesdays"]
    return "when"


def _unknown_kind(data: dict) -> str:
    data["remedies"]["spoiled"][0]["kind"] = "free_iphone"
    return "kind"


def _max_below_min(data: dict) -> str:
    data["late_compensation"] = {"percent": 5, "min_fen": 3000, "max_fen": 500}
    return "max_fen"


def _missing_message(data: dict) -> str:
    del data["handover_message"]
    return "handover_message"


@pytest.mark.parametrize(
    "spoil",
    [_duplicate_id, _unknown_label, _negative_cap, _unknown_condition, _unknown_kind, _max_below_min, _missing_message],
)
def test_invalid_rules_file_is_refused_naming_the_file_and_the_problem(tmp_path: Path, spoil) -> None:
    data = default_rules_data()
    culprit = spoil(data)
    path = write_rules(tmp_path, data, name="营销规则-broken.yml")
    with pytest.raises(RulesError) as raised:
        load_rules(path)
    message = str(raised.value)
    assert str(path) in message
    assert culprit in message


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("auto_approval_cap_fen: 20000\nremedies: [spoiled: {\n", id="unclosed-bracket"),
        pytest.param("remedies:\n  spoiled:\n\t- id: x\n", id="tab-indent"),
        pytest.param("", id="empty-file"),
        pytest.param("- just\n- a\n- list\n", id="top-level-list"),
    ],
)
def test_broken_yaml_is_refused_naming_the_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "rules.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RulesError, match=str(path)):
        load_rules(path)


def test_missing_rules_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "rules.yml"
    with pytest.raises(RulesError, match=str(path)):
        load_rules(path)


def test_rules_file_in_a_non_utf8_encoding_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "rules-gbk.yml"
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    path.write_bytes(text.encode("gbk", errors="replace"))
    with pytest.raises(RulesError, match=str(path)):
        load_rules(path)


def test_rules_file_with_an_unknown_placeholder_is_refused_at_load(tmp_path: Path) -> None:
    data = default_rules_data()
    data["remedies"]["spoiled"][0]["say"] = "可以为您办理{affected}{unit}的仅退款，共{amonut}元。"
    path = write_rules(tmp_path, data)
    with pytest.raises(RulesError, match=str(path)):
        book = load_rules(path)
        quote(crab_facts(), book)
