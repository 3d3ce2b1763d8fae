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
from outreach.diagnosis.model import REGULARISATION_C, LinearModel, Scores, train
from outreach.diagnosis.severity import Context, rules_for
from outreach.diagnosis.taxonomy import NO_PROBLEM, Taxonomy, taxonomy
from outreach.diagnosis.training_data import NLU_DIR, labelled_examples

__all__ = ["Diagnoser", "Diagnosis", "load_model", "normalise", "train_model"]

# Decision thresholds, chosen by cross-validation on the training data (see `make eval`).
NO_PROBLEM_MIN = 0.7  # below this, a text whose best guess is no_problem goes to its likeliest problem
VAGUE_CONFIDENCE = 0.3  # the most a guessed label gets for a complaint that names no problem
HURT_MIN = 0.1  # ...but only when that problem is at least this likely
SECOND_MIN = 0.4  # another problem this likely in the whole text is reported too
CLAUSE_MIN = 0.9  # a clause this sure of a problem adds it

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
    slow: dict[int, tuple[int, float, tuple[int, ...], list[tuple[int, float]], str | None]]


class Diagnoser:
    """Diagnoses texts into taxonomy labels with confidence, hurt flag and severity."""

    def __init__(self, model: LinearModel | None = None, tax: Taxonomy | None = None) -> None:
        self.tax = tax or taxonomy()
        self.model = model or load_model(self.tax)
        self.classes = list(self.model.classes)
        self._no_problem = self.classes.index(NO_PROBLEM)
        self._severity = [self.tax.label(c).severity for c in self.classes]
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
        no_problem = NO_PROBLEM
        diagnoses = [
            Diagnosis(category, confidence, category != no_problem, severity.level, severity.reasons,
                      single[primary], ((classes[a], pa), (classes[b], pb)), None)
            for category, primary, confidence, severity, a, pa, b, pb in zip(
                categories, judged.primary, judged.confidence, severities,
                judged.alt1, judged.alt1_p, judged.alt2, judged.alt2_p,
            )
        ]
        for row, (primary, confidence, ranked, alternatives, note) in judged.slow.items():
            severity = severities[row]
            diagnoses[row] = Diagnosis(
                classes[primary], confidence, primary != self._no_problem, severity.level, severity.reasons,
                tuple(classes[index] for index in ranked), tuple((classes[i], p) for i, p in alternatives), note,
            )
        if len(todo) == len(texts):
            return diagnoses
        results: list[Diagnosis | None] = [None] * len(texts)
        for i, diagnosis in zip(todo, diagnoses):
            results[i] = diagnosis
        return [self._unreadable(texts[i]) if result is None else result for i, result in enumerate(results)]

    def _judge(self, texts: list[str]) -> _Judged:
        """Primary label, confidence and the next two likeliest labels for every text, vectorised;
        texts with more than one problem or a vague complaint go through _judge_one."""
        if not texts:
            return _Judged([], [], [], [], [], [], {})
        scores = self.model.scores(texts)
        probabilities = scores.texts
        rows = np.arange(len(texts))
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :3]
        top = probabilities[rows[:, None], order]
        no_problem = self._no_problem
        best = order[:, 0].copy()
        flip = (best == no_problem) & (top[:, 0] < NO_PROBLEM_MIN) & (top[:, 1] >= HURT_MIN)
        best[flip] = order[flip, 1]
        hurt = best != no_problem
        others = order[:, 1:]
        second = hurt[:, None] & (others != no_problem) & (others != best[:, None]) & (top[:, 1:] >= SECOND_MIN)
        clause_problems = self._clause_problems(scores, best, hurt)
        slow_rows = set(np.flatnonzero(second.any(axis=1)).tolist()) | set(clause_problems)
        if self._vague is not None:
            vague = self._vague
            slow_rows |= {i for i in np.flatnonzero(~hurt).tolist() if vague.search(texts[i].lower())}
        # The primary is order[0], or order[1] when no_problem was not sure enough; the
        # alternatives are the other two of the top three.
        first = np.where(flip, 1, 0)
        alt1 = np.where(flip, order[:, 0], order[:, 1])
        alt1_p = np.where(flip, top[:, 0], top[:, 1])
        order_list = order.tolist()
        slow = {
            i: self._judge_one(texts[i], probabilities[i], order_list[i], int(best[i]), clause_problems.get(i, ()))
            for i in slow_rows
        }
        primary, confidence = best.tolist(), top[rows, first].tolist()
        for i, (label, sure, _, _, _) in slow.items():
            primary[i], confidence[i] = label, sure
        return _Judged(primary, confidence, alt1.tolist(), alt1_p.tolist(), order[:, 2].tolist(), top[:, 2].tolist(),
                       slow)

    def _judge_one(
        self, text: str, probabilities: np.ndarray, order: list[int], best: int,
        clause_problems: Sequence[tuple[int, float]],
    ) -> tuple[int, float, tuple[int, ...], list[tuple[int, float]], str | None]:
        found: dict[int, float] = {}
        note = None
        if best != self._no_problem:
            found[best] = float(probabilities[best])
            for index in order[1:]:
                if index != self._no_problem and index != best and probabilities[index] >= SECOND_MIN:
                    found[index] = float(probabilities[index])
            for index, sure in clause_problems:
                found[index] = max(found.get(index, 0.0), sure)
        else:
            # "有点问题": hurt, but which problem is a guess; the bot will ask.
            guess = next(index for index in order if index != self._no_problem)
            found[guess] = min(float(probabilities[guess]), VAGUE_CONFIDENCE)
            note = "a complaint that names no problem: the label is a guess"
        severity = self._severity
        ranked = tuple(sorted(found, key=lambda index: (severity[index], -found[index])))
        primary = ranked[0]
        alternatives = [(index, float(probabilities[index])) for index in order if index != primary][:2]
        return primary, found[primary], ranked, alternatives, note

    def _clause_problems(
        self, scores: Scores, text_best: np.ndarray, text_hurt: np.ndarray
    ) -> dict[int, list[tuple[int, float]]]:
        """Other problems that single clauses of a hurt text are sure of (texts of several clauses)."""
        owners = scores.clause_owner
        if len(owners) <= len(text_best):
            return {}
        several = np.bincount(owners, minlength=len(text_best))[owners] > 1
        best = scores.clauses.argmax(axis=1)
        sure = scores.clauses[np.arange(len(best)), best]
        other = (best != self._no_problem) & (best != text_best[owners])
        keep = np.flatnonzero(several & text_hurt[owners] & other & (sure >= CLAUSE_MIN))
        found: dict[int, list[tuple[int, float]]] = {}
        for owner, label, probability in zip(owners[keep].tolist(), best[keep].tolist(), sure[keep].tolist()):
            found.setdefault(owner, []).append((label, probability))
        return found

    def _unreadable(self, raw: str) -> Diagnosis:
        note = "empty text" if not raw.strip() else "nothing to read: no letters or digits"
        return Diagnosis(NO_PROBLEM, 0.0, False, self._no_problem_severity, ("no words to read",), (NO_PROBLEM,),
                         (), note)
