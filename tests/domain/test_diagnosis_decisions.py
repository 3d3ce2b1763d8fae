"""From calibrated probability to decision: thresholds follow the costs in the data file, a band
in the middle goes to a person, and text in another language is never labelled by guesswork."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outreach.diagnosis.decisions import (
    Costs,
    Decision,
    DiagnosisConfigError,
    load_config,
    thresholds,
)
from outreach.diagnosis.language import detect


def costs(**overrides: float) -> Costs:
    base = {"contact_satisfied_buyer": 3.0, "praise_accepts_offer_share": 0.05, "average_remedy_paid": 120.0,
            "missed_hurt_buyer": 10.0, "person_look": 3.0}
    return Costs(**{**base, **overrides})


def test_the_hurt_threshold_balances_a_false_contact_against_a_missed_buyer() -> None:
    t = thresholds(costs())
    assert t.hurt_min == pytest.approx(9 / 19)  # false contact 3 + 5% x 120 = 9 against a miss of 10
    assert (t.look_from, t.look_until) == (pytest.approx(0.3), pytest.approx(2 / 3))
    assert [t.decide(p) for p in (0.05, 0.3, 0.5, 0.66, 0.67, 0.99)] == [
        Decision.NONE, Decision.LOOK, Decision.LOOK, Decision.LOOK, Decision.CONTACT, Decision.CONTACT]


def test_dearer_payouts_on_praise_raise_the_bar_for_calling_a_buyer_hurt() -> None:
    assert thresholds(costs(average_remedy_paid=600.0)).hurt_min > thresholds(costs()).hurt_min
    assert thresholds(costs(missed_hurt_buyer=40.0)).hurt_min < thresholds(costs()).hurt_min


def test_a_look_that_costs_more_than_any_error_leaves_no_band() -> None:
    t = thresholds(costs(person_look=50.0))
    assert t.look_from == t.look_until == t.hurt_min
    assert Decision.LOOK not in {t.decide(p / 100) for p in range(101)}


@given(st.floats(0.1, 50), st.floats(0, 1), st.floats(0, 500), st.floats(0.1, 50), st.floats(0.01, 50),
       st.floats(0, 1))
def test_the_decision_is_the_cheapest_choice(contact: float, share: float, paid: float, missed: float, look: float,
                                             p: float) -> None:
    c = costs(contact_satisfied_buyer=contact, praise_accepts_offer_share=share, average_remedy_paid=paid,
              missed_hurt_buyer=missed, person_look=look)
    expected = {Decision.CONTACT: (1 - p) * c.false_contact, Decision.NONE: p * missed, Decision.LOOK: look}
    chosen = thresholds(c).decide(p)
    assert expected[chosen] <= min(expected.values()) + 1e-9


def test_the_shipped_settings_load_and_a_bad_file_names_the_problem(tmp_path: Path) -> None:
    config = load_config()
    assert config.costs.missed_hurt_buyer > 0 and config.retrain.min_examples_per_class >= 1
    bad = tmp_path / "diagnosis.yml"
    bad.write_text("costs:\n  contact_satisfied_buyer: -1\nretrain: {min_examples_per_class: 5, tolerance: 0}\n")
    with pytest.raises(DiagnosisConfigError, match="diagnosis.yml"):
        load_config(bad)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Great product, thanks!", "en"),
        ("the parcel arrived crushed", "en"),
        ("the cream gave me a rash", "en"),
        ("Le colis est arrivé écrasé", "en"),  # Latin script: read as a foreign language, not guessed at
        ("商品がつぶれて届きました", "ja"),
        ("배송이 너무 늦어요", "ko"),
        ("Посылка пришла разбитой", "ru"),
        ("iPhone屏幕碎了", "zh"),
        ("质量good，物流fast", "zh"),
        ("質量很差，退貨", "zh"),
        ("ok", "zh"),
        ("👍👍 5 stars", "zh"),
        ("", "zh"),
    ],
)
def test_languages_are_told_apart(text: str, code: str) -> None:
    assert detect(text).code == code
