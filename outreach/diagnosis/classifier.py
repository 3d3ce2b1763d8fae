"""Diagnosis of feedback texts: the problem labels, the primary one, confidence, hurt flag and severity.

One model (outreach.diagnosis.model) trained on the Rasa NLU examples serves bulk triage and,
through bot/nlu/problem_classifier.py, the bot. A text may name several problems; each clause is
scored as well as the whole text, every problem found is reported and the primary one is the most
severe.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from outreach.diagnosis.features import FEATURES, normalise, readable
from outreach.diagnosis.model import FORMAT as MODEL_FORMAT
from outreach.diagnosis.model import REGULARISATION_C, LinearModel, train
from outreach.diagnosis.severity import Context, rules_for
from outreach.diagnosis.taxonomy import NO_PROBLEM, Taxonomy, taxonomy
from outreach.diagnosis.training_data import NLU_DIR, labelled_examples

__all__ = ["Diagnoser", "Diagnosis", "load_model", "normalise", "train_model"]

# Decision thresholds, chosen by cross-validation on the training data (see `make eval`).
NO_PROBLEM_MIN = 0.7  # below this, a text whose best guess is no_problem goes to its likeliest problem
VAGUE_CONFIDENCE = 0.3  # the most a guessed label gets for a complaint that names no problem
HURT_MIN = 0.1  # ...but only when that problem is at least this likely
SECOND_MIN = 0.3  # another problem this likely in the whole text is reported too
CLAUSE_MIN = 0.6  # a clause this sure of a problem adds it
PRIMARY_MIN = 0.9  # a more severe problem found this surely becomes the primary one

_lock = threading.Lock()
_cache: dict[str, LinearModel] = {}


class Diagnosis(NamedTuple):
    category: str  # the primary label: the most severe problem found
    confidence: float
    hurt: bool
    severity: int
    severity_reasons: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()  # every problem found, primary first
    alternatives: tuple[tuple[str, float], ...] = ()
    note: str | None = None

    def as_dict(self) -> dict:
        result = {
            "category": self.category,
            "labels": list(self.labels) or [self.category],
            "hurt": self.hurt,
            "severity": self.severity,
            "confidence": round(self.confidence, 3),
            "severity_reasons": list(self.severity_reasons),
            "alternatives": [{"category": c, "confidence": round(p, 3)} for c, p in self.alternatives],
        }
        if self.note:
            result["note"] = self.note
        return result


def _fingerprint(examples: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256(f"{FEATURES}|{MODEL_FORMAT}|{REGULARISATION_C}\n".encode())
    for text, label in sorted(examples):
        digest.update(f"{label}\t{text}\n".encode())
    return digest.hexdigest()[:16]


def train_model(examples: list[tuple[str, str]]) -> LinearModel:
    return train([text for text, _ in examples], [label for _, label in examples])


def load_model(tax: Taxonomy | None = None, nlu_dir: Path = NLU_DIR, cache_dir: Path | None = None) -> LinearModel:
    """The model for the current training data; retrained only when the examples change."""
    tax = tax or taxonomy()
    examples = labelled_examples(tax.ids, nlu_dir)
    key = _fingerprint(examples)
    if cache_dir is None:
        from outreach.settings import get_settings

        cache_dir = get_settings().var_dir / "cache"
    with _lock:
        if key in _cache:
            return _cache[key]
        path = cache_dir / f"diagnosis-{key}.pkl"
        model = None
        if path.exists():
            try:
                model = LinearModel.loads(path.read_bytes())
            except (ValueError, EOFError, AttributeError, ImportError):
                model = None  # stale or damaged cache: train again
        if model is None:
            model = train_model(examples)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
            tmp.write_bytes(model.dumps())
            tmp.replace(path)
        _cache[key] = model
        return model


@dataclass
class _Judged:
    primary: list[int]
    confidence: list[float]
    alt1: list[int]
    alt1_p: list[float]
    alt2: list[int]
    alt2_p: list[float]
    labels: dict[int, tuple[int, ...]]  # texts with more than one problem: all of them, primary first
    notes: dict[int, str]


class Diagnoser:
    """Diagnoses texts into taxonomy labels with confidence, hurt flag and severity."""

    def __init__(self, model: LinearModel | None = None, tax: Taxonomy | None = None) -> None:
        self.tax = tax or taxonomy()
        self.model = model or load_model(self.tax)
        self.classes = list(self.model.classes)
        self._no_problem = self.classes.index(NO_PROBLEM)
        self._severity_array = np.array([self.tax.label(c).severity for c in self.classes], dtype=float)
        self._severity_rules = rules_for(self.tax)
        self._single = [(label,) for label in self.classes]
        self._no_problem_severity = self.tax.label(NO_PROBLEM).severity
        patterns = self.tax.vague_complaints
        self._vague = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None

    def diagnose(self, text: str, *, age_band: str | None = None, order_total_fen: int | None = None) -> Diagnosis:
        return self.diagnose_many([text], age_band=age_band, order_total_fen=order_total_fen)[0]

    def probabilities(self, text: str) -> dict[str, float]:
        """The model's probability of each label for one whole text."""
        row = self.model.scores([text]).texts[0]
        return dict(zip(self.classes, map(float, row)))

    def diagnose_many(
        self,
        texts: Sequence[str],
        *,
        age_band: str | None = None,
        order_total_fen: int | None = None,
        contexts: Sequence[Context] | None = None,
    ) -> list[Diagnosis]:
        """Diagnose a batch; `contexts` gives (age_band, order_total_fen) per text when they differ."""
        if contexts is None:
            contexts = [(age_band, order_total_fen)] * len(texts)
        todo = [i for i, text in enumerate(texts) if readable(text)]
        if len(todo) == len(texts):
            readable_texts, readable_contexts = list(texts), list(contexts)
        else:
            readable_texts, readable_contexts = [texts[i] for i in todo], [contexts[i] for i in todo]
        judged = self._judge(readable_texts)
        classes = self.classes
        categories = [classes[primary] for primary in judged.primary]
        severities = self._severity_rules.many(categories, readable_texts, readable_contexts)
        single = self._single
        labels = [single[primary] for primary in judged.primary]
        for row, ranked in judged.labels.items():
            labels[row] = tuple(classes[index] for index in ranked)
        notes: list[str | None] = [None] * len(labels)
        for row, note in judged.notes.items():
            notes[row] = note
        no_problem = NO_PROBLEM
        diagnoses = [
            Diagnosis(category, confidence, category != no_problem, severity.level, severity.reasons,
                      found, ((classes[a], pa), (classes[b], pb)), note)
            for category, confidence, severity, found, a, pa, b, pb, note in zip(
                categories, judged.confidence, severities, labels,
                judged.alt1, judged.alt1_p, judged.alt2, judged.alt2_p, notes,
            )
        ]
        if len(todo) == len(texts):
            return diagnoses
        results: list[Diagnosis | None] = [None] * len(texts)
        for i, diagnosis in zip(todo, diagnoses):
            results[i] = diagnosis
        return [self._unreadable(texts[i]) if result is None else result for i, result in enumerate(results)]

    def _judge(self, texts: list[str]) -> _Judged:
        """Every problem found, the primary one (most severe, then most likely), its confidence and
        the next two likeliest labels, for a batch of readable texts; vectorised over the batch."""
        if not texts:
            return _Judged([], [], [], [], [], [], {}, {})
        scores = self.model.scores(texts)
        probabilities = scores.texts
        n, n_classes = probabilities.shape
        rows = np.arange(n)
        no_problem = self._no_problem
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :3]
        top = np.take_along_axis(probabilities, order, axis=1)
        best = order[:, 0].copy()
        flip = (best == no_problem) & (top[:, 0] < NO_PROBLEM_MIN) & (top[:, 1] >= HURT_MIN)
        best[flip] = order[flip, 1]
        hurt = best != no_problem
        # found[i, label]: how likely each problem found in text i is (0: not found).
        found = np.zeros((n, n_classes))
        found[rows[hurt], best[hurt]] = probabilities[rows[hurt], best[hurt]]
        for j in (1, 2):
            also = hurt & (order[:, j] != no_problem) & (order[:, j] != best) & (top[:, j] >= SECOND_MIN)
            found[rows[also], order[also, j]] = top[also, j]
        owners = scores.clause_owner
        if len(owners) > n:  # some text has several clauses
            several = np.bincount(owners, minlength=n)[owners] > 1
            clause_best = scores.clauses.argmax(axis=1)
            sure = scores.clauses[np.arange(len(owners)), clause_best]
            keep = several & hurt[owners] & (clause_best != no_problem) & (sure >= CLAUSE_MIN)
            np.maximum.at(found, (owners[keep], clause_best[keep]), sure[keep])
        notes: dict[int, str] = {}
        if self._vague is not None:
            vague = self._vague
            unsure = [i for i in np.flatnonzero(~hurt).tolist() if vague.search(texts[i].lower())]
            if unsure:  # "有点问题": hurt, but which problem is a guess; the bot will ask
                guess = np.where(order[unsure, 0] != no_problem, order[unsure, 0], order[unsure, 1])
                found[unsure, guess] = np.clip(probabilities[unsure, guess], 1e-6, VAGUE_CONFIDENCE)
                notes = dict.fromkeys(unsure, "a complaint that names no problem: the label is a guess")
        is_found = found > 0
        n_found = is_found.sum(axis=1)
        # Primary: the most severe of the model's best guess and the problems found surely enough;
        # the others follow, most severe first.
        eligible = found >= PRIMARY_MIN
        eligible[rows, best] = True
        rank_key = np.where(is_found, found - 10.0 * self._severity_array - 100.0 * ~eligible, -np.inf)
        primary = np.where(n_found > 0, rank_key.argmax(axis=1), no_problem)
        confidence = np.where(n_found > 0, found[rows, primary], probabilities[rows, no_problem])
        several = np.flatnonzero(n_found > 1)
        ranked = np.argsort(-rank_key[several], axis=1, kind="stable").tolist()
        counts = n_found[several].tolist()
        labels = {i: tuple(order_i[:count]) for i, order_i, count in zip(several.tolist(), ranked, counts)}
        # The alternatives: the first two of the top three that are not the primary.
        pick = np.argsort(order == primary[:, None], axis=1, kind="stable")[:, :2]
        alternatives = np.take_along_axis(order, pick, axis=1)
        alternative_p = np.take_along_axis(top, pick, axis=1)
        return _Judged(
            primary.tolist(), confidence.tolist(), alternatives[:, 0].tolist(), alternative_p[:, 0].tolist(),
            alternatives[:, 1].tolist(), alternative_p[:, 1].tolist(), labels, notes,
        )

    def _unreadable(self, raw: str) -> Diagnosis:
        note = "empty text" if not raw.strip() else "nothing to read: no letters or digits"
        return Diagnosis(NO_PROBLEM, 0.0, False, self._no_problem_severity, ("no words to read",), (NO_PROBLEM,),
                         (), note)
