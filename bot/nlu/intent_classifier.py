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
from scipy.sparse import csr_matrix, hstack, vstack


def column_major(component: LogisticRegressionClassifier) -> LogisticRegressionClassifier:
    coef = getattr(component.clf, "coef_", None)  # absent while untrained
    if coef is not None:
        component.clf.coef_ = np.asfortranarray(coef)
    return component


def sentence_row(message: Message) -> csr_matrix:
    """What Rasa's LogisticRegressionClassifier._create_X makes of one message: its sparse
    sentence features of the text, joined in the featurizers' order, then the dense ones."""
    sparse = [f.features for f in message.features
              if f.attribute == TEXT and f.is_sparse() and f.type == FEATURE_TYPE_SENTENCE]
    dense_feats = message.get_dense_features(attribute=TEXT)[1]
    joined = sparse[0] if len(sparse) == 1 else hstack(sparse) if sparse else []
    return hstack([csr_matrix(joined), csr_matrix(dense_feats.features if dense_feats else [])])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FastLogisticRegressionClassifier(LogisticRegressionClassifier):
    @classmethod
    def load(cls, *args: Any, **kwargs: Any) -> FastLogisticRegressionClassifier:
        component = super().load(*args, **kwargs)
        return column_major(component)  # type: ignore[return-value]

    def _create_X(self, messages: list[Message]) -> csr_matrix:
        return vstack([sentence_row(message) for message in messages])
