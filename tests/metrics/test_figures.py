"""Every figure of docs/metrics.md against a fixture computed by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from outreach.metrics.facts import CaseFacts
from outreach.metrics.figures import figures, grouped
from outreach.metrics.filters import FilterError, parse_filters
from outreach.metrics.outliers import MerchantVolume, find_outliers
from outreach.metrics.report import KEYS

T0 = datetime(2026, 10, 1, 2, 0, tzinfo=timezone.utc)  # 10:00 in Beijing


def case(n: int, **kw: object) -> CaseFacts:
    base = dict(case_id=n, created_at=T0, label="spoiled", merchant_id="M1", merchant_name="蟹老大", channel="inapp",
                badge="trust", buyer_id=f"B{n}")
    base.update(kw)
    return CaseFacts(**base)  # type: ignore[arg-type]


def fixture() -> list[CaseFacts]:
    """Five cases. By hand:
    1 reached once, resolved in 2 h, rated 5, recommends 10, paid 3980 by rule r1, bought again on day 10
    2 reached twice, handed over, resolved in 10 h, rated 4, recommends 6, paid 1000 by r1
    3 reached once, opted out, not resolved, rated 2 (low), recommends 9
    4 not reached
    5 reached once, no_problem, resolved in 1 h, rated 1, no recommendation, paid 500 by r2
    """
    h = timedelta(hours=1)
    return [
        case(1, first_contact_at=T0 + 0.5 * h, resolved_at=T0 + 2 * h, reached_contacts=1, rating=5, recommend=10,
             paid_by_rule={"r1": 3980}, repurchase={30: True, 90: True}),
        case(2, first_contact_at=T0 + 1.5 * h, resolved_at=T0 + 10 * h, reached_contacts=2, handed_over=True,
             rating=4, recommend=6, paid_by_rule={"r1": 1000}, repurchase={30: False, 90: True}, channel="call"),
        case(3, first_contact_at=T0 + 1 * h, reached_contacts=1, opted_out=True, rating=2, recommend=9,
             repurchase={30: False, 90: None}),
        case(4, repurchase={30: None, 90: None}, badge="other", merchant_id="M2", merchant_name="湖畔渔家"),
        case(5, label="no_problem", first_contact_at=T0 + 0.25 * h, resolved_at=T0 + 1 * h, reached_contacts=1,
             rating=1, paid_by_rule={"r2": 500}, repurchase={30: True, 90: False}, badge="other", merchant_id="M2",
             merchant_name="湖畔渔家"),
    ]


def test_every_figure_matches_the_hand_computed_fixture() -> None:
    got = figures(fixture())
    assert got == {
        "cases": 5, "hurt_cases": 4, "reached": 4,
        "reach_rate": 80.0,  # 4 of 5
        "resolution_rate": 75.0,  # cases 1, 2, 5 of the 4 reached
        "first_contact_resolution": 50.0,  # 1 and 5: one contact, no hand-over; of 4 reached
        "handover_rate": 25.0, "optout_rate": 25.0,
        "minutes_to_first_contact": 45.0,  # median of 30, 90, 60, 15
        "hours_to_resolution": 2.0,  # median of 2, 10, 1
        "ratings": 4, "csat": 50.0,  # 5 and 4 of 5, 4, 2, 1
        "nps_responses": 3, "nps": 33.3,  # promoters 10 and 9, detractor 6: (2 - 1) / 3
        "paid_fen": 5480, "paid_per_case_fen": 1096,  # 5480 / 5 cases
        "paid_by_rule": {"r1": {"cases": 2, "fen": 4980}, "r2": {"cases": 1, "fen": 500}},
        "repurchase_30d": 50.0,  # 2 of 4 known
        "repurchase_90d": 66.7,  # 2 of 3 known
    }


def test_figures_per_badge_and_per_day_split_the_same_cases() -> None:
    badges = grouped(fixture(), KEYS["badge"])
    assert [(g["key"], g["name"], g["cases"], g["csat"]) for g in badges] == [
        ("other", "普通店铺", 2, 0.0), ("trust", "信任购", 3, 66.7)]
    days = grouped(fixture(), KEYS["day"])
    assert [(g["key"], g["cases"]) for g in days] == [("2026-10-01", 5)]


def test_no_cases_gives_empty_figures_not_errors() -> None:
    got = figures([])
    assert got["cases"] == 0 and got["csat"] is None and got["nps"] is None and got["paid_per_case_fen"] is None


@pytest.mark.parametrize("raw, fragment", [
    ({"since": "2026-02-30"}, "not a date"),
    ({"since": "2026-10-05", "until": "2026-10-01"}, "after"),
    ({"since": "2020-01-01", "until": "2026-10-01"}, "more than 366 days"),
    ({"until": "2099-01-01"}, "future"),
    ({"label": "broken"}, "unknown label"),
    ({"channel": "fax"}, "unknown channel"),
])
def test_impossible_filters_are_refused_with_a_message(raw: dict, fragment: str) -> None:
    with pytest.raises(FilterError) as error:
        parse_filters(raw, now=date(2026, 11, 25))
    assert fragment in str(error.value) and error.value.zh


def test_an_unknown_merchant_is_refused(db: str) -> None:
    with pytest.raises(FilterError, match="unknown merchant"):
        parse_filters({"merchant": "M404"}, now=date(2026, 11, 25))


def test_a_merchant_far_above_its_peers_is_flagged_and_small_shops_never_are() -> None:
    volumes = [
        MerchantVolume("M1", "湖畔渔家", "seafood", 50, 15),  # 30% against peers' 5%
        MerchantVolume("M2", "蟹老大", "seafood", 100, 5),
        MerchantVolume("M3", "东海渔港", "seafood", 100, 5),
        MerchantVolume("M4", "小店", "seafood", 5, 4),  # 80%, but only 5 orders
        MerchantVolume("M5", "果园", "fruit", 60, 3),  # no peers of its kind
    ]
    rows = {r["merchant_id"]: r for r in find_outliers(volumes, min_orders=20)}
    assert rows["M1"]["flagged"] and rows["M1"]["p_value"] < 0.05 / 3
    assert not rows["M2"]["flagged"] and not rows["M3"]["flagged"]
    assert not rows["M4"]["flagged"] and rows["M4"]["note"] == "too_few_orders"
    assert not rows["M5"]["flagged"] and rows["M5"]["note"] == "no_peers"
    assert rows["M1"]["note"] == "stands_out" and rows["M2"]["note"] == "in_line"
    assert list(rows)[0] == "M1"  # flagged first


def test_a_flagged_merchant_is_explained_in_a_leads_words() -> None:
    from outreach.metrics.outliers import explain

    volumes = [MerchantVolume("M1", "湖畔渔家", "seafood", 120, 22), MerchantVolume("M2", "蟹老大", "seafood", 200, 12),
               MerchantVolume("M3", "小店", "seafood", 5, 4)]
    rows = {r["merchant_id"]: r for r in find_outliers(volumes, min_orders=20)}
    text = explain(rows["M1"], 30, 20, [("spoiled", 15), ("damaged", 7)])
    assert text.startswith("近30天受伤率 18.3%，同类商家平均 7.8%，120单里有22单")  # peers: M2 and M3 pooled, 16/205
    assert "主要问题：生鲜变质 15单、运输破损 7单" in text and "明显高于同类商家" in text
    assert explain(rows["M3"], 30, 20, []) == "近30天只有5单，少于20单，暂不评估"


def test_the_wilson_interval_is_wide_for_few_cases_and_stays_within_0_and_100() -> None:
    from outreach.metrics.figures import wilson

    assert wilson(0, 0) is None
    low, high = wilson(1, 2)
    assert low < 10 and high > 90
    assert wilson(0, 5)[0] == 0.0 and wilson(5, 5)[1] == 100.0
    narrow = wilson(500, 1000)
    assert 46 < narrow[0] < 50 < narrow[1] < 54
