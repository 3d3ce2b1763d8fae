"""The intent classifier keeps its model column-major: the same predictions, no copy per message."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from bot.nlu.intent_classifier import FastLogisticRegressionClassifier, column_major


def test_the_coefficients_are_column_major_and_predictions_unchanged() -> None:
    rng = np.random.default_rng(7)
    X = csr_matrix((rng.random((60, 400)) > 0.97).astype(float))
    y = rng.integers(0, 4, 60)
    clf = LogisticRegression(max_iter=500).fit(X, y)
    before = clf.predict_proba(X)
    component = column_major(SimpleNamespace(clf=clf))  # type: ignore[arg-type]
    assert component.clf.coef_.T.flags["C_CONTIGUOUS"]  # what scipy multiplies with, uncopied
    assert np.array_equal(component.clf.predict_proba(X), before)


def test_an_untrained_classifier_is_left_alone() -> None:
    component = SimpleNamespace(clf=LogisticRegression())
    assert column_major(component) is component  # type: ignore[arg-type]


def test_the_bot_uses_it() -> None:
    from pathlib import Path

    import yaml

    config = yaml.safe_load((Path(__file__).resolve().parents[2] / "bot" / "config.yml").read_text(encoding="utf-8"))
    names = [component["name"] for component in config["pipeline"]]
    assert f"{FastLogisticRegressionClassifier.__module__}.{FastLogisticRegressionClassifier.__name__}" in names
