"""The bulk classifier's model: features as documented, exact fast scoring, stable caching."""

from __future__ import annotations

import numpy as np

from outreach.diagnosis.features import MAX_CHARS, KeyIndex, clauses, gram_keys, key_text, normalise
from outreach.diagnosis.model import Scorer, fit

TEXTS = [
    "螃蟹死了三只，还有股臭味", "箱子压扁了，杯子碎了两个", "发货太慢了！！一周还没到", "挺好的，下次还买👍",
    "ＡｉｒＰｏｄｓ右耳没声音", "颜色跟直播间差太多", "客服不理人", "买了十只到了八只", "吃了拉肚子", "降价了补差价",
    "专柜验了是假的", "发错颜色了",
]
LABELS = [
    "spoiled", "damaged", "late_delivery", "no_problem", "quality_defect", "not_as_described", "service_attitude",
    "missing_item", "health_reaction", "price_issue", "counterfeit", "wrong_item",
]


def test_grams_are_the_1_to_3_character_ngrams_of_each_clause_and_never_cross_a_clause() -> None:
    grams = gram_keys(["螃蟹死，臭", "ab"])
    by_clause: dict[int, set[str]] = {}
    for key, clause in zip(grams.keys.tolist(), grams.clause_of_key.tolist()):
        by_clause.setdefault(clause, set()).add(key_text(key))
    assert by_clause == {0: {"螃", "蟹", "死", "螃蟹", "蟹死", "螃蟹死"}, 1: {"臭"}, 2: {"a", "b", "ab"}}
    assert grams.text_of_clause.tolist() == [0, 0, 1]
    assert clauses(normalise("螃蟹死，臭")) == ["螃蟹死", "臭"]


def test_folding_happens_in_the_featuriser_so_raw_and_normalised_text_score_the_same() -> None:
    raw = "ＡｉｒＰｏｄｓ\u200b右耳\x00没声音！！"
    assert normalise(raw) == "airpods右耳没声音!!"
    assert gram_keys([raw]).keys.tolist() == gram_keys([normalise(raw)]).keys.tolist()


def test_a_huge_text_is_read_up_to_the_cap() -> None:
    grams = gram_keys(["碎" * (MAX_CHARS * 50)])
    assert (grams.keys == ord("碎")).sum() == MAX_CHARS


def test_key_index_finds_exactly_the_stored_keys() -> None:
    rng = np.random.default_rng(3)
    stored = np.unique(rng.integers(1, 2**62, size=20_000, dtype=np.uint64))
    index = KeyIndex(stored)
    absent = rng.integers(1, 2**62, size=20_000, dtype=np.uint64)
    absent = absent[~np.isin(absent, stored)]
    assert (index.rows(stored) == np.arange(len(stored))).all()
    assert (index.rows(absent) == -1).all()


def test_fast_scoring_equals_the_fitted_regression() -> None:
    head, regression, matrix = fit("problems", TEXTS, LABELS, 20.0)
    fast = Scorer([head]).scores(TEXTS, calibrated=False).heads["problems"].texts
    assert np.allclose(fast, regression.predict_proba(matrix), atol=1e-4)  # float32 sums
    assert [head.classes[i] for i in fast.argmax(axis=1)] == LABELS


def test_a_binary_head_gives_the_probability_of_its_positive_class() -> None:
    truth = ["hurt" if label != "no_problem" else "ok" for label in LABELS]
    head, regression, matrix = fit("hurt", TEXTS, truth, 20.0, positive="hurt")
    fast = Scorer([head]).scores(TEXTS, calibrated=False).heads["hurt"].texts
    hurt_column = list(regression.classes_).index("hurt")
    assert head.classes == ["ok", "hurt"]
    assert np.allclose(fast, regression.predict_proba(matrix)[:, hurt_column], atol=1e-4)


def test_heads_with_different_vocabularies_score_as_they_would_alone() -> None:
    problems, _, _ = fit("problems", TEXTS, LABELS, 20.0)
    hurt, _, _ = fit("hurt", TEXTS[:6], ["hurt", "hurt", "hurt", "ok", "hurt", "hurt"], 5.0, positive="hurt")
    together = Scorer([problems, hurt]).scores(TEXTS)
    assert np.allclose(together.heads["problems"].texts, Scorer([problems]).scores(TEXTS).heads["problems"].texts)
    assert np.allclose(together.heads["hurt"].texts, Scorer([hurt]).scores(TEXTS).heads["hurt"].texts)


def test_a_text_scores_as_the_sum_of_its_clauses() -> None:
    head, _, _ = fit("problems", TEXTS, LABELS, 20.0)
    scorer = Scorer([head])

    def sums(texts: list[str]) -> np.ndarray:
        return scorer.sums(texts)[0]

    combined = scorer.scores(["螃蟹死了，客服不理人"]).heads["problems"]
    parts = sums(["螃蟹死了", "客服不理人"])
    assert combined.clauses.shape[0] == 2
    assert np.allclose(combined.texts[0], head.probabilities(parts.sum(axis=0, keepdims=True))[0])
    assert np.allclose(combined.clauses, head.probabilities(parts))


def test_calibration_changes_probabilities_but_not_their_order() -> None:
    truth = ["hurt" if label != "no_problem" else "ok" for label in LABELS]
    head, _, _ = fit("hurt", TEXTS, truth, 20.0, positive="hurt")
    raw = Scorer([head]).scores(TEXTS, calibrated=False).heads["hurt"].texts
    head.scale, head.offset = 0.5, -0.3
    calibrated = Scorer([head]).scores(TEXTS).heads["hurt"].texts
    assert not np.allclose(raw, calibrated)
    assert (np.argsort(raw) == np.argsort(calibrated)).all()


def test_training_is_deterministic() -> None:
    first, _, _ = fit("problems", TEXTS, LABELS, 20.0)
    second, _, _ = fit("problems", list(TEXTS), list(LABELS), 20.0)
    assert np.array_equal(first.weights, second.weights) and np.array_equal(first.bias, second.bias)


def test_rare_ngrams_are_left_out_with_min_df() -> None:
    every, _, _ = fit("problems", TEXTS, LABELS, 20.0)
    common, _, _ = fit("problems", TEXTS, LABELS, 20.0, min_df=2)
    assert 0 < len(common.keys) < len(every.keys)
    assert set(common.keys.tolist()) <= set(every.keys.tolist())
