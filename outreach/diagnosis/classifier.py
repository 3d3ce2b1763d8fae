"""The bulk classifier: character n-grams and logistic regression over the NLU examples."""

from __future__ import annotations

import hashlib
import pickle
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from outreach.diagnosis.severity import severity_of
from outreach.diagnosis.taxonomy import NO_PROBLEM, Taxonomy, taxonomy
from outreach.diagnosis.training_data import NLU_DIR, labelled_examples

MAX_CHARS = 2000  # longer texts are judged on their first part
_lock = threading.Lock()
_cache: dict[str, Pipeline] = {}


@dataclass(frozen=True)
class Diagnosis:
    category: str
    confidence: float
    hurt: bool
    severity: int
    severity_reasons: tuple[str, ...] = ()
    alternatives: tuple[tuple[str, float], ...] = field(default=())

    def as_dict(self) -> dict:
        return {
            "category": self.category,
            "hurt": self.hurt,
            "severity": self.severity,
            "confidence": round(self.confidence, 3),
            "severity_reasons": list(self.severity_reasons),
            "alternatives": [{"category": c, "confidence": round(p, 3)} for c, p in self.alternatives],
        }


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), drop control characters, cap the length."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\t ")
    return text.strip()[:MAX_CHARS]


def _fingerprint(examples: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for text, label in sorted(examples):
        digest.update(f"{label}\t{text}\n".encode())
    return digest.hexdigest()[:16]


def train(examples: list[tuple[str, str]]) -> Pipeline:
    pipeline = Pipeline(
        [
            ("ngrams", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)),
            ("model", LogisticRegression(C=20.0, max_iter=3000)),
        ]
    )
    pipeline.fit([normalise(text) for text, _ in examples], [label for _, label in examples])
    return pipeline


def load_model(
    tax: Taxonomy | None = None, nlu_dir: Path = NLU_DIR, cache_dir: Path | None = None
) -> Pipeline:
    """The trained model for the current training data; retrained only when the data changes."""
    tax = tax or taxonomy()
    examples = labelled_examples(tax.ids, nlu_dir)
    key = _fingerprint(examples)
    with _lock:
        if key in _cache:
            return _cache[key]
        path = cache_dir / f"diagnosis-{key}.pkl" if cache_dir else None
        if path is not None and path.exists():
            model = pickle.loads(path.read_bytes())
        else:
            model = train(examples)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                tmp.write_bytes(pickle.dumps(model))
                tmp.replace(path)
        _cache[key] = model
        return model


class Diagnoser:
    """Diagnoses texts into one taxonomy label with confidence, hurt flag and severity."""

    def __init__(self, model: Pipeline | None = None, tax: Taxonomy | None = None) -> None:
        self.tax = tax or taxonomy()
        self.model = model or load_model(self.tax)

    def diagnose(
        self, text: str, *, age_band: str | None = None, order_total_fen: int | None = None
    ) -> Diagnosis:
        return self.diagnose_many([text], age_band=age_band, order_total_fen=order_total_fen)[0]

    def diagnose_many(
        self, texts: list[str], *, age_band: str | None = None, order_total_fen: int | None = None
    ) -> list[Diagnosis]:
        cleaned = [normalise(text) for text in texts]
        results: list[Diagnosis | None] = [None] * len(texts)
        todo = [i for i, text in enumerate(cleaned) if _has_words(text)]
        readable = set(todo)
        for i in range(len(cleaned)):
            if i not in readable:
                # Nothing to read (empty, emoji or punctuation only): no evidence of harm.
                results[i] = Diagnosis(NO_PROBLEM, 0.0, False, self.tax.label(NO_PROBLEM).severity,
                                       ("no words to read",))
        if todo:
            probabilities = self.model.predict_proba([cleaned[i] for i in todo])
            classes = list(self.model.classes_)
            for row, i in zip(probabilities, todo):
                ranked = sorted(zip(classes, row), key=lambda pair: -pair[1])
                category, confidence = ranked[0]
                severity = severity_of(category, cleaned[i], age_band=age_band,
                                       order_total_fen=order_total_fen, tax=self.tax)
                results[i] = Diagnosis(
                    category=category,
                    confidence=float(confidence),
                    hurt=category != NO_PROBLEM,
                    severity=severity.level,
                    severity_reasons=severity.reasons,
                    alternatives=tuple((c, float(p)) for c, p in ranked[1:3]),
                )
        return [r for r in results if r is not None]


def _has_words(text: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)
