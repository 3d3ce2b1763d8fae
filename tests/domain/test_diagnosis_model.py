"""The bulk classifier's model: features as documented, exact fast scoring, stable caching."""

from __future__ import annotations

import numpy as np
import pytest

from outreach.diagnosis.features import MAX_CHARS, KeyIndex, clauses, gram_keys, key_text, normalise
from outreach.diagnosis.model import LinearModel, fit

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
    model, regression, matrix = fit(TEXTS, LABELS)
    fast = model.scores(TEXTS).texts
    assert np.allclose(fast, regression.predict_proba(matrix), atol=1e-4)  # float32 sums
    assert [model.classes[i] for i in fast.argmax(axis=1)] == LABELS


def test_a_text_scores_as_the_sum_of_its_clauses() -> None:
    model, _, _ = fit(TEXTS, LABELS)

    def sums(texts: list[str]) -> np.ndarray:
        return np.asarray(model.clause_matrix(gram_keys(texts)) @ model.table)

    combined = model.scores(["螃蟹死了，客服不理人"])
    parts = sums(["螃蟹死了", "客服不理人"])
    assert combined.clauses.shape[0] == 2
    assert np.allclose(combined.texts[0], model._probabilities(parts.sum(axis=0, keepdims=True))[0])
    assert np.allclose(combined.clauses, model._probabilities(parts))


def test_a_saved_model_loads_to_the_same_scores_and_a_foreign_pickle_is_refused() -> None:
    model, _, _ = fit(TEXTS, LABELS)
    again = LinearModel.loads(model.dumps())
    assert np.array_equal(again.scores(TEXTS).texts, model.scores(TEXTS).texts)
    import pickle

    with pytest.raises(ValueError, match="not a diagnosis model"):
        LinearModel.loads(pickle.dumps({"a": 1}))


def test_training_is_deterministic() -> None:
    first, _, _ = fit(TEXTS, LABELS)
    second, _, _ = fit(list(TEXTS), list(LABELS))
    assert np.array_equal(first.table, second.table) and np.array_equal(first.bias, second.bias)
