"""The chat benchmark's statistics and result checker, on synthetic data (nothing is timed)."""

from __future__ import annotations

import math
import os
import random

import numpy as np
import pytest

from bench.chat_checks import CaseOutcome, Expected, Step, check_reply, check_store
from bench.chat_memory import MemorySampler, descendants
from bench.chat_report import SetupResult, comparisons, figures, lines
from bench.chat_stats import LevelFigures, Turn, compare, percentile, scaling, summarise


def level(setup: str, throughput: float, p95_ms: float, concurrency: int = 10) -> LevelFigures:
    return LevelFigures(setup, concurrency, 10, 40, 0, 40 / throughput, throughput, p95_ms / 2, p95_ms, p95_ms * 1.2)


def test_percentiles_interpolate_between_ranks_like_numpy() -> None:
    rng = random.Random(3)
    for size in (1, 2, 7, 100, 1001):
        values = [rng.expovariate(5) for _ in range(size)]
        for q in (0, 50, 95, 99, 100):
            assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_a_percentile_of_nothing_or_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_a_level_counts_wrong_turns_in_its_latency_but_not_in_its_throughput() -> None:
    turns = [Turn("diagnosis", seconds, True) for seconds in (0.1, 0.2, 0.3)] + [Turn("accept", 2.0, False)]
    figures_ = summarise("embedded", 4, 1, turns, wall_seconds=2.0)
    assert (figures_.turns, figures_.errors, figures_.throughput) == (4, 1, 1.5)
    assert figures_.p50_ms == pytest.approx(250.0)
    assert figures_.p99_ms == pytest.approx(percentile([100, 200, 300, 2000], 99))


def test_an_empty_level_has_no_latency_rather_than_a_crash() -> None:
    empty = summarise("plain", 1, 0, [], wall_seconds=0.0)
    assert empty.throughput == 0 and math.isnan(empty.p95_ms)


def test_targets_are_met_at_the_edges_and_missed_beyond_them() -> None:
    plain = level("plain", 100.0, 50.0)
    at_edge = compare(level("embedded", 70.0, 100.0), plain)
    assert (at_edge.throughput_ratio, at_edge.p95_ratio) == (pytest.approx(0.7), pytest.approx(2.0))
    assert at_edge.throughput_met and at_edge.p95_met
    beyond = compare(level("embedded", 69.0, 101.0), plain)
    assert not beyond.throughput_met and not beyond.p95_met
    with pytest.raises(ValueError):
        compare(level("embedded", 70.0, 100.0, concurrency=1), plain)


def test_scaling_is_measured_against_the_cores_available() -> None:
    two_on_two = scaling(level("scaled x1", 10.0, 50.0), level("scaled x2", 18.0, 50.0), replicas=2, cores=2)
    assert (two_on_two.speedup, two_on_two.ideal, two_on_two.efficiency) == (1.8, 2, 0.9)
    four_on_two = scaling(level("scaled x1", 10.0, 50.0), level("scaled x4", 18.0, 50.0), replicas=4, cores=2)
    assert four_on_two.ideal == 2


def test_a_reply_without_the_expected_words_is_a_wrong_answer() -> None:
    offer = Step("diagnosis", "虾都死了", expect="69.80")
    assert check_reply(offer, ["可以为您退款 69.80 元，您看这样可以吗？"]) is None
    assert "expected '69.80'" in check_reply(offer, ["抱歉，我没太明白您的意思。"])
    assert check_reply(offer, []) == "diagnosis: no reply"


def expected(case_id: int, accepted: bool = True, rated: bool = True) -> Expected:
    return Expected(case_id, f"B{case_id}", 6980, 5, accepted=accepted, rated=rated)


def test_the_store_check_passes_one_payout_and_the_rating_given() -> None:
    outcomes = {1: CaseOutcome(1, "closed", 1, 1, 6980, 5)}
    assert check_store([expected(1)], outcomes) == []


def test_the_store_check_finds_doubled_lost_and_wrong_payouts_and_lost_ratings() -> None:
    outcomes = {
        1: CaseOutcome(1, "closed", 2, 2, 13960, 5),  # paid twice
        2: CaseOutcome(2, "closed", 0, 0, 0, 5),  # accepted, never paid
        3: CaseOutcome(3, "closed", 1, 1, 698, 5),  # wrong amount
        4: CaseOutcome(4, "resolved", 1, 1, 6980, None),  # rating lost
    }
    problems = check_store([expected(n) for n in (1, 2, 3, 4, 5)], outcomes)
    assert any("case 1 " in p and "2 payouts" in p for p in problems)
    assert any("case 2 " in p and "0 payouts" in p for p in problems)
    assert any("case 3 " in p and "paid 698 fen" in p for p in problems)
    assert any("case 4 " in p and "rated 5 but the store holds None" in p for p in problems)
    assert any("case 4 " in p and "not closed" in p for p in problems)
    assert any("case 5 " in p and "not in the store" in p for p in problems)


def test_a_conversation_that_stopped_before_accepting_may_not_have_been_paid_twice() -> None:
    outcomes = {1: CaseOutcome(1, "offering", 0, 0, 0, None), 2: CaseOutcome(2, "offering", 2, 2, 100, None)}
    problems = check_store([expected(1, accepted=False, rated=False), expected(2, accepted=False, rated=False)],
                           outcomes)
    assert problems == ["case 2 (B2): 2 payouts for one case"]


def test_the_report_marks_targets_and_an_invalid_run() -> None:
    plain = SetupResult("plain", 1, [level("plain", 100.0, 50.0)])
    ours = SetupResult("embedded", 1, [level("embedded", 50.0, 80.0)], problems=["B1 accept: no reply"])
    text = "\n".join(lines([plain, ours], cores=2, load=(1.0, 2.0)))
    assert "0.50x  MISSED" in text and "1.60x met" in text
    assert "INVALID RUN: 1 wrong answers" in text and "B1 accept: no reply" in text
    written = figures([plain, ours], 2, (1.0, 2.0), ["chat_load.py"])
    assert written["valid"] is False
    assert written["comparisons"][0]["throughput_met"] is False and written["comparisons"][0]["p95_met"] is True


def test_the_scaled_set_up_is_also_compared_with_the_plain_bot_on_its_own_stores() -> None:
    results = [SetupResult("plain", 1, [level("plain", 100.0, 50.0)]),
               SetupResult("plain pg", 1, [level("plain pg", 80.0, 60.0)]),
               SetupResult("embedded", 1, [level("embedded", 72.0, 80.0)]),
               SetupResult("scaled x1", 1, [level("scaled x1", 60.0, 90.0)])]
    found = {(c.setup, c.baseline): round(c.throughput_ratio, 2) for c in comparisons(results)}
    assert found == {("embedded", "plain"): 0.72, ("scaled x1", "plain"): 0.6, ("scaled x1", "plain pg"): 0.75}
    text = "\n".join(lines(results, cores=2, load=(0.0, 0.0)))
    assert "scaled x1   plain pg     10       0.75x     met" in text


def test_figures_with_the_rasa_patches_off_are_printed_beside_those_with_them_on() -> None:
    on = SetupResult("scaled x1", 1, [level("scaled x1", 60.0, 90.0)], cpu_ms_per_turn={"rasa-1": 9.4, "web": 2.8})
    off = SetupResult("scaled x1 off", 1, [level("scaled x1 off", 40.0, 150.0)], cpu_ms_per_turn={"rasa-1": 20.0})
    two = SetupResult("scaled x2", 2, [level("scaled x2", 90.0, 90.0)])
    text = "\n".join(lines([on, off, two], cores=2, load=(0.0, 0.0)))
    assert "scaled x1      10     60.00     40.00    1.50x       90      150" in text
    assert "Rasa CPU per turn: 9.4 ms with the patches, 20.0 ms without" in text
    assert "2 replicas at concurrency 10: 1.50x" in text  # scaling compares runs with the patches on only


def test_descendants_walk_the_whole_tree_and_nothing_else() -> None:
    parents = {10: 1, 11: 10, 12: 11, 13: 10, 20: 1, 21: 20}
    assert sorted(descendants(10, parents)) == [10, 11, 12, 13]


def test_the_sampler_reads_a_live_process_peak_memory() -> None:
    sampler = MemorySampler()
    sampler.watch("me", os.getpid())
    (peak,) = sampler.report()
    assert peak.pid == os.getpid() and peak.own_bytes > 10 * 2**20 and peak.tree_bytes >= peak.own_bytes
