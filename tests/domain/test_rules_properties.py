"""Properties of the offer engine over many generated cases (hypothesis)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.diagnosis.taxonomy import taxonomy
from outreach.rules.engine import CaseFacts, quote
from outreach.rules.loader import rules
from outreach.rules.schema import ITEM_PROMISES

BASE = datetime(2026, 11, 1, tzinfo=timezone.utc)
ISSUES = sorted({issue for label in rules().issues.values() for issue in label})
maybe_fen = st.one_of(st.none(), st.integers(0, 10**7))


@st.composite
def case_facts(draw: st.DrawFn) -> CaseFacts:
    quantity = draw(st.integers(1, 50))
    unit_price = draw(st.integers(0, 2_000_000))
    paid = BASE + timedelta(minutes=draw(st.integers(0, 60 * 24 * 30)))
    shipped = draw(st.one_of(st.none(), st.integers(0, 200).map(lambda h: paid + timedelta(hours=h))))
    delivered = None if shipped is None else draw(
        st.one_of(st.none(), st.integers(1, 200).map(lambda h: shipped + timedelta(hours=h))))
    reported = (delivered or shipped or paid) + timedelta(minutes=draw(st.integers(0, 60 * 24 * 12)))
    return CaseFacts(
        label=draw(st.sampled_from(taxonomy().ids)),
        order_total_fen=unit_price * quantity,
        unit_price_fen=unit_price,
        quantity=quantity,
        unit="件",
        paid_at=paid,
        promised_ship_hours=draw(st.sampled_from([24, 48, 72])),
        reported_at=reported,
        shipped_at=shipped,
        delivered_at=delivered,
        live_seafood=draw(st.booleans()),
        affected_quantity=draw(st.one_of(st.none(), st.integers(-2, quantity + 2))),
        promises=tuple(draw(st.lists(st.sampled_from(ITEM_PROMISES), unique=True))),
        trust_badge=draw(st.booleans()),
        item_kind=draw(st.sampled_from(["seafood", "fruit", "cosmetics", "apparel", "electronics", "health_food"])),
        issue=draw(st.one_of(st.none(), st.sampled_from(ISSUES))),
        current_unit_price_fen=draw(maybe_fen),
        overcharge_fen=draw(maybe_fen),
        shortfall_percent=draw(st.one_of(st.none(), st.integers(0, 100))),
        loss_fen=draw(maybe_fen),
        appraisal_fee_fen=draw(st.one_of(st.none(), st.integers(0, 100_000))),
        refunds_90d=draw(st.integers(0, 10)),
    )


@settings(max_examples=200, deadline=None)
@given(case_facts())
def test_payouts_are_whole_fen_never_negative_and_never_above_the_price_except_legal_multiples(
    facts: CaseFacts,
) -> None:
    for offer in quote(facts, rules()).offers:
        assert isinstance(offer.amount_fen, int) and isinstance(offer.coupon_fen, int)
        assert offer.amount_fen >= 0 and offer.coupon_fen >= 0
        if offer.kind != "legal_multiple":
            assert offer.amount_fen <= facts.order_total_fen
        else:
            assert offer.needs_approval and "verification" in offer.approval_reasons


@settings(max_examples=200, deadline=None)
@given(case_facts())
def test_the_same_case_always_gets_the_same_offers(facts: CaseFacts) -> None:
    assert quote(facts, rules()) == quote(facts, rules())


@settings(max_examples=150, deadline=None)
@given(case_facts())
def test_no_money_moves_without_a_person_above_the_cap_or_for_a_risky_buyer(facts: CaseFacts) -> None:
    book = rules()
    for offer in quote(facts, book).offers:
        if offer.amount_fen > book.auto_approval_cap_fen or (
            offer.amount_fen > 0 and facts.refunds_90d >= book.buyer_risk.refunds_90d
        ):
            assert offer.needs_approval


@settings(max_examples=150, deadline=None)
@given(case_facts())
def test_a_quote_either_offers_or_says_what_is_missing_never_both(facts: CaseFacts) -> None:
    result = quote(facts, rules())
    assert not (result.offers and result.missing_facts)
    if result.missing_facts:
        assert result.handover_reason is None
    texts = [t for o in result.offers for t in (o.say, o.done)]
    assert all("{" not in t and "}" not in t for t in texts)
