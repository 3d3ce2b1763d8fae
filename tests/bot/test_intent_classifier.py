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


def _message(features: list[tuple[str, str, object]]) -> object:
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message

    message = Message(data={TEXT: "虾都死了，还发臭"})
    for origin, kind, matrix in features:
        message.add_features(Features(matrix, kind, TEXT, origin))
    return message


def test_a_message_row_is_the_one_rasa_builds() -> None:
    """Only the sentence features are joined, and the row is exactly Rasa's own: the same
    columns in the same order, sparse featurizers first, then the dense ones."""
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
    from scipy.sparse import coo_matrix

    rng = np.random.default_rng(3)

    def sparse(rows: int, columns: int) -> coo_matrix:
        return coo_matrix((rng.random((rows, columns)) > 0.7).astype(float) * rng.integers(1, 4, (rows, columns)))

    cases = [
        [("regex", "sequence", sparse(5, 3)), ("regex", "sentence", sparse(1, 3)),
         ("words", "sequence", sparse(5, 40)), ("words", "sentence", sparse(1, 40)),
         ("chars", "sequence", sparse(5, 90)), ("chars", "sentence", sparse(1, 90))],
        [("words", "sequence", sparse(2, 12)), ("words", "sentence", sparse(1, 12))],  # one featurizer
        [("words", "sentence", sparse(1, 12)), ("dense", "sentence", rng.random((1, 4)))],  # and a dense one
        [],  # no features at all
    ]
    duplicates = coo_matrix(([1, 2, 3, 4], ([0, 0, 0, 0], [5, 1, 5, 0])), shape=(1, 8))  # unsorted, repeated
    cases.append([("words", "sentence", duplicates), ("chars", "sentence", sparse(1, 30).astype(np.int64))])
    coefficients = rng.random((200, 5))
    messages = [_message(features) for features in cases]
    for message in messages:
        ours = FastLogisticRegressionClassifier._create_X(None, [message])  # type: ignore[arg-type]
        theirs = LogisticRegressionClassifier._create_X(None, [message])  # type: ignore[arg-type]
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
        assert (ours.tocsr() != theirs.tocsr()).nnz == 0
        if ours.shape[1]:  # the scores scikit-learn computes from it, to the last bit
            weights = coefficients[: ours.shape[1]]
            assert np.array_equal(ours.tocsr() @ weights, theirs.tocsr() @ weights)
    several = [messages[0], _message(cases[0])]
    assert (FastLogisticRegressionClassifier._create_X(None, several)  # type: ignore[arg-type]
            != LogisticRegressionClassifier._create_X(None, several)).nnz == 0  # type: ignore[arg-type]
