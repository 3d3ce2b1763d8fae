"""The bulk classifier's model: idf-weighted character n-grams and multinomial logistic regression.

Training uses scikit-learn; scoring uses numpy and one sparse product: a batch's n-gram keys are
looked up in the sorted vocabulary, summed per clause, and clause sums are added up per text.
The same featurisation (outreach.diagnosis.features.gram_keys) builds the training matrix, so
scoring here gives exactly what the fitted regression would.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from outreach.diagnosis.features import Grams, KeyIndex, gram_keys

REGULARISATION_C = 20.0
FORMAT = 3  # bump when the pickled layout changes


@dataclass
class Scores:
    """Class probabilities for a batch: per text, and per clause of each text."""

    texts: np.ndarray  # (n_texts, n_classes)
    clauses: np.ndarray  # (n_clauses, n_classes)
    clause_owner: np.ndarray  # (n_clauses,) index of the text each clause belongs to


@dataclass
class LinearModel:
    classes: list[str]
    keys: np.ndarray  # sorted uint64 n-gram keys; row i of table belongs to keys[i]
    table: np.ndarray  # (n_keys, n_classes + 1): idf-scaled weights, then idf squared
    bias: np.ndarray  # (n_classes,)
    format: int = FORMAT

    def __post_init__(self) -> None:
        self.index = KeyIndex(self.keys)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("index", None)  # rebuilt on load: smaller files, one code path
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.index = KeyIndex(self.keys)

    def clause_matrix(self, grams: Grams) -> csr_matrix:
        """Occurrence counts of known n-grams per clause."""
        return _counts(grams, self.index.rows(grams.keys), len(self.keys))

    def scores(self, texts: Sequence[str]) -> Scores:
        """Probabilities for texts (raw: the featuriser folds them)."""
        n_classes = len(self.classes)
        grams = gram_keys(list(texts))
        per_clause = np.asarray(self.clause_matrix(grams) @ self.table)
        per_text = _sum_by_owner(per_clause, grams.text_of_clause, len(texts))
        if not len(per_clause):
            per_clause = np.zeros((0, n_classes + 1))
        return Scores(self._probabilities(per_text), self._probabilities(per_clause), grams.text_of_clause)

    def _probabilities(self, sums: np.ndarray) -> np.ndarray:
        sums = sums.astype(np.float64)
        norms = np.sqrt(sums[:, -1:])
        norms[norms == 0] = 1.0
        logits = sums[:, :-1] / norms + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        return logits

    def dumps(self) -> bytes:
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def loads(data: bytes) -> LinearModel:
        model = pickle.loads(data)
        if not isinstance(model, LinearModel) or getattr(model, "format", None) != FORMAT:
            raise ValueError("not a diagnosis model of this version")
        return model


def _counts(grams: Grams, rows: np.ndarray, n_columns: int) -> csr_matrix:
    """Clauses x n-grams occurrence counts from keys already grouped by clause (rows -1: unknown)."""
    known = rows >= 0
    n_clauses = len(grams.text_of_clause)
    per_clause = np.bincount(grams.clause_of_key[known], minlength=n_clauses)
    indptr = np.zeros(n_clauses + 1, dtype=np.int64)
    np.cumsum(per_clause, out=indptr[1:])
    columns = rows[known]
    return csr_matrix(
        (np.ones(len(columns), dtype=np.float32), columns, indptr), shape=(n_clauses, max(n_columns, 1))
    )


def _sum_by_owner(rows: np.ndarray, owner: np.ndarray, n_owners: int) -> np.ndarray:
    """Sum consecutive rows per owner (owners non-decreasing); owners without rows get zeros."""
    result = np.zeros((n_owners, rows.shape[1] if rows.ndim == 2 else 1))
    if len(owner):
        starts = np.searchsorted(owner, np.arange(n_owners))
        has_rows = np.bincount(owner, minlength=n_owners) > 0
        sums = np.add.reduceat(rows, np.minimum(starts, len(owner) - 1), axis=0)
        result[has_rows] = sums[has_rows]
    return result


def train(texts: Sequence[str], labels: Sequence[str], c: float = REGULARISATION_C) -> LinearModel:
    """Fit on texts. Deterministic: the same examples give the same model."""
    return fit(texts, labels, c)[0]


def fit(
    texts: Sequence[str], labels: Sequence[str], c: float = REGULARISATION_C
) -> tuple[LinearModel, LogisticRegression, csr_matrix]:
    """The model, and the fitted regression with its design matrix (to check scoring against)."""
    grams = gram_keys(list(texts))
    vocabulary = np.unique(grams.keys)
    clause_counts = _counts(grams, np.searchsorted(vocabulary, grams.keys), len(vocabulary))
    # Texts x n-grams: the clause rows of each text added up.
    owner = grams.text_of_clause
    to_text = csr_matrix(
        (np.ones(len(owner)), (owner, np.arange(len(owner)))), shape=(len(texts), len(owner))
    )
    counts = (to_text @ clause_counts).tocsr()
    document_frequency = np.bincount(counts.indices, minlength=len(vocabulary))
    idf = np.log((1 + len(texts)) / (1 + document_frequency)) + 1.0
    weighted = counts.multiply(idf[None, :]).tocsr()
    norms = np.sqrt(np.asarray(counts @ (idf**2)).ravel())
    norms[norms == 0] = 1.0
    matrix = csr_matrix(weighted.multiply(1.0 / norms[:, None]))
    regression = LogisticRegression(C=c, max_iter=5000)
    regression.fit(matrix, list(labels))
    classes = [str(label) for label in regression.classes_]
    coef, bias = regression.coef_, regression.intercept_
    if coef.shape[0] == 1:  # two classes: scikit-learn keeps one row, for the second class
        coef, bias = np.vstack([np.zeros_like(coef), coef]), np.array([0.0, bias[0]])
    table = np.empty((len(vocabulary), len(classes) + 1), dtype=np.float32)
    table[:, :-1] = coef.T * idf[:, None]
    table[:, -1] = idf**2
    model = LinearModel(classes=classes, keys=vocabulary, table=table, bias=np.array(bias, dtype=float))
    return model, regression, matrix
