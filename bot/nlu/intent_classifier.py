"""Rasa's logistic regression intent classifier, predicting without copying its model.

scikit-learn scores a message as `X @ coef_.T`. With the coefficients in row order, the
transposed view is not contiguous, and scipy copies the whole matrix (intents x features,
about 5 MB here) for every message: 0.5 ms of each parse. Kept in column order, the
transpose is contiguous and nothing is copied (0.05 ms). The model, its training and its
predictions are Rasa's `LogisticRegressionClassifier`'s, unchanged.

The message's row X is built from its sentence features only. Rasa's `_create_X` asks the
message for all its sparse features, which deep-copies and joins the sequence features of
every featurizer too (one row per token), then keeps only the sentence ones: about 1 ms of each
parse. The row is the same matrix (tests/bot/test_intent_classifier.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import coo_matrix, csr_matrix, hstack, spmatrix, vstack


def column_major(component: LogisticRegressionClassifier) -> LogisticRegressionClassifier:
    coef = getattr(component.clf, "coef_", None)  # absent while untrained
    if coef is not None:
        component.clf.coef_ = np.asfortranarray(coef)
    return component


def sentence_row(message: Message) -> spmatrix:
    """What Rasa's LogisticRegressionClassifier._create_X makes of one message: its sparse
    sentence features of the text, joined in the featurizers' order, then the dense ones."""
    sparse = [f.features for f in message.features
              if f.attribute == TEXT and f.is_sparse() and f.type == FEATURE_TYPE_SENTENCE]
    dense_feats = message.get_dense_features(attribute=TEXT)[1]
    if dense_feats is None and sparse and all(part.shape[0] == 1 for part in sparse):
        return _joined_row(sparse)  # this bot's pipeline: sparse featurizers only
    joined = sparse[0] if len(sparse) == 1 else hstack(sparse) if sparse else []
    return hstack([csr_matrix(joined), csr_matrix(dense_feats.features if dense_feats else [])])


def _joined_row(parts: list[spmatrix]) -> csr_matrix:
    """One-row sparse matrices side by side, as scipy's hstack (through bmat and three format
    conversions) would give them: the same entries, duplicates summed in the same order, float64
    as Rasa's join with its empty dense block makes it."""
    coos = [coo_matrix(part) for part in parts]
    offsets = np.cumsum([0] + [part.shape[1] for part in parts[:-1]])
    columns = np.concatenate([coo.col.astype(np.int64) + offset for coo, offset in zip(coos, offsets)])
    data = np.concatenate([coo.data for coo in coos]).astype(np.result_type(*(c.dtype for c in coos), np.float64))
    width = int(sum(part.shape[1] for part in parts))
    return coo_matrix((data, (np.zeros(len(columns), dtype=np.int64), columns)), shape=(1, width)).tocsr()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FastLogisticRegressionClassifier(LogisticRegressionClassifier):
    @classmethod
    def load(cls, *args: Any, **kwargs: Any) -> FastLogisticRegressionClassifier:
        component = super().load(*args, **kwargs)
        return column_major(component)  # type: ignore[return-value]

    def _create_X(self, messages: list[Message]) -> spmatrix:
        rows = [sentence_row(message) for message in messages]
        return rows[0] if len(rows) == 1 else vstack(rows)  # a parse is one message
