"""Linear classifiers over character n-grams, scored in bulk with numpy.

A model is made of heads: each head is an idf-weighted logistic regression over its own n-gram
vocabulary (a softmax over several classes, or one calibrated logit for two). The scorer looks a
batch's n-gram keys up once in the union of the heads' vocabularies and sums them per clause with
one sparse product, so several heads cost about what one does. Training uses scikit-learn on the
same featurisation (outreach.diagnosis.features.gram_keys), so scoring here gives exactly what the
fitted regression gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from outreach.diagnosis.features import Grams, KeyIndex, gram_keys


@dataclass
class Head:
    """One classifier. Two classes: one logit for classes[1], with Platt scaling (scale, offset);
    more: a softmax whose logits are multiplied by `scale` (temperature scaling)."""

    name: str
    classes: list[str]
    keys: np.ndarray  # sorted uint64 n-gram keys
    weights: np.ndarray  # (n_keys, n_outputs) float32: coefficient times idf
    idf2: np.ndarray  # (n_keys,) float32: idf squared, for the text's norm
    bias: np.ndarray  # (n_outputs,) float64
    scale: float = 1.0
    offset: float = 0.0

    @property
    def binary(self) -> bool:
        return len(self.classes) == 2

    @property
    def n_outputs(self) -> int:
        return self.weights.shape[1]

    def logits(self, sums: np.ndarray) -> np.ndarray:
        """Raw logits from per-text sums of [weights..., idf2] columns."""
        sums = sums.astype(np.float64)
        norms = np.sqrt(sums[:, -1:])
        norms[norms == 0] = 1.0
        return sums[:, :-1] / norms + self.bias

    def probabilities(self, sums: np.ndarray, calibrated: bool = True) -> np.ndarray:
        """Binary: P(classes[1]) per row, shape (n,). Otherwise: (n, n_classes)."""
        logits = self.logits(sums)
        scale, offset = (self.scale, self.offset) if calibrated else (1.0, 0.0)
        if self.binary:
            return 1.0 / (1.0 + np.exp(-(logits[:, 0] * scale + offset)))
        logits *= scale
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        return logits

    def arrays(self) -> dict[str, np.ndarray]:
        return {f"{self.name}.keys": self.keys, f"{self.name}.weights": self.weights,
                f"{self.name}.idf2": self.idf2, f"{self.name}.bias": self.bias}

    def describe(self) -> dict:
        return {"classes": self.classes, "scale": self.scale, "offset": self.offset, "n_keys": int(len(self.keys))}

    @staticmethod
    def from_arrays(name: str, described: dict, arrays: dict[str, np.ndarray]) -> Head:
        return Head(
            name=name, classes=list(described["classes"]), keys=arrays[f"{name}.keys"],
            weights=arrays[f"{name}.weights"], idf2=arrays[f"{name}.idf2"], bias=arrays[f"{name}.bias"],
            scale=float(described["scale"]), offset=float(described["offset"]),
        )


@dataclass
class HeadScores:
    texts: np.ndarray  # binary: (n_texts,); else (n_texts, n_classes)
    clauses: np.ndarray  # the same per clause


@dataclass
class Scores:
    heads: dict[str, HeadScores]
    clause_owner: np.ndarray  # (n_clauses,) index of the text each clause belongs to


@dataclass
class Scorer:
    """Scores texts with every head at once: one lookup of the union vocabulary per batch."""

    heads: list[Head]
    keys: np.ndarray = field(init=False)
    table: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.keys = (np.unique(np.concatenate([head.keys for head in self.heads])) if self.heads
                     else np.zeros(0, np.uint64))
        widths = [head.n_outputs + 1 for head in self.heads]
        self.table = np.zeros((len(self.keys), sum(widths)), dtype=np.float32)
        self.columns: dict[str, slice] = {}
        start = 0
        for head, width in zip(self.heads, widths):
            rows = np.searchsorted(self.keys, head.keys)
            self.table[rows, start : start + width - 1] = head.weights
            self.table[rows, start + width - 1] = head.idf2
            self.columns[head.name] = slice(start, start + width)
            start += width
        self.index = KeyIndex(self.keys)

    def head(self, name: str) -> Head:
        return next(head for head in self.heads if head.name == name)

    def sums(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-text and per-clause sums of the table's columns, and each clause's text."""
        grams = gram_keys(list(texts))
        per_clause = np.asarray(_counts(grams, self.index.rows(grams.keys), len(self.keys)) @ self.table)
        if not len(per_clause):
            per_clause = np.zeros((0, self.table.shape[1]))
        per_text = _sum_by_owner(per_clause, grams.text_of_clause, len(texts))
        return per_text, per_clause, grams.text_of_clause

    def scores(self, texts: Sequence[str], calibrated: bool = True) -> Scores:
        per_text, per_clause, owner = self.sums(texts)
        heads = {
            head.name: HeadScores(
                head.probabilities(per_text[:, self.columns[head.name]], calibrated),
                head.probabilities(per_clause[:, self.columns[head.name]], calibrated),
            )
            for head in self.heads
        }
        return Scores(heads, owner)

    def logits(self, name: str, texts: Sequence[str]) -> np.ndarray:
        """One head's uncalibrated logits for whole texts (for calibration)."""
        per_text, _, _ = self.sums(texts)
        return self.head(name).logits(per_text[:, self.columns[name]])


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


@dataclass(frozen=True)
class Design:
    """The training matrix of a set of texts: unit-idf-norm weighted n-gram counts."""

    vocabulary: np.ndarray
    idf: np.ndarray
    matrix: csr_matrix


def design(texts: Sequence[str], min_df: int = 1) -> Design:
    """Texts x n-grams, idf-weighted and scaled to unit idf norm; n-grams in fewer than min_df
    texts are left out of the vocabulary."""
    grams = gram_keys(list(texts))
    vocabulary = np.unique(grams.keys)
    owner = grams.text_of_clause
    to_text = csr_matrix((np.ones(len(owner)), (owner, np.arange(len(owner)))), shape=(len(texts), len(owner)))
    clause_counts = _counts(grams, np.searchsorted(vocabulary, grams.keys), len(vocabulary))
    counts = (to_text @ clause_counts).tocsr()
    document_frequency = np.bincount(counts.indices, minlength=len(vocabulary))
    if min_df > 1:
        kept = document_frequency >= min_df
        vocabulary, document_frequency = vocabulary[kept], document_frequency[kept]
        counts = counts[:, np.flatnonzero(kept)].tocsr()
    idf = np.log((1 + len(texts)) / (1 + document_frequency)) + 1.0
    weighted = counts.multiply(idf[None, :]).tocsr()
    norms = np.sqrt(np.asarray(counts @ (idf**2)).ravel())
    norms[norms == 0] = 1.0
    return Design(vocabulary, idf, csr_matrix(weighted.multiply(1.0 / norms[:, None])))


def fit(
    name: str,
    texts: Sequence[str],
    labels: Sequence[str],
    c: float,
    *,
    positive: str | None = None,
    sample_weight: Sequence[float] | None = None,
    min_df: int = 1,
) -> tuple[Head, LogisticRegression, csr_matrix]:
    """A head fitted on texts, with the regression and its design matrix (to check scoring against).
    With `positive`, the head is binary: one logit for that class. Deterministic."""
    built = design(texts, min_df)
    regression = LogisticRegression(C=c, max_iter=5000)
    given = None if sample_weight is None else np.asarray(sample_weight)
    regression.fit(built.matrix, list(labels), sample_weight=given)
    classes = [str(label) for label in regression.classes_]
    coef, bias = regression.coef_, np.asarray(regression.intercept_, dtype=float)
    if positive is not None:
        if len(classes) != 2 or positive not in classes:
            raise ValueError(f"a binary head needs exactly two classes, one of them {positive!r}; got {classes}")
        if classes[1] != positive:  # scikit-learn's one row is for classes_[1]
            coef, bias, classes = -coef, -bias, [classes[1], classes[0]]
    elif coef.shape[0] == 1:
        raise ValueError(f"head {name!r} has two classes: name the positive one")
    weights = (coef.T * built.idf[:, None]).astype(np.float32)
    head = Head(name, classes, built.vocabulary, weights, (built.idf**2).astype(np.float32), bias)
    return head, regression, built.matrix
