"""Accuracy of the diagnosis: per-label precision, recall and F1, a confusion matrix and the targets."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from outreach.diagnosis.taxonomy import NO_PROBLEM

# The targets a support lead relies on, per evaluation slice (docs/diagnosis.md "Accuracy").
TARGETS = {"macro_f1": 0.93}  # the written held-back set (tests/data/heldout.jsonl)
REAL_TARGETS = {"macro_f1": 0.90, "hurt_recall": 0.95, "no_problem_precision": 0.95}  # labelled real reviews
HURT_TARGETS = {"accuracy": 0.93}  # hurt versus ok on held-back real reviews


@dataclass(frozen=True)
class LabelScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Report:
    labels: list[str]
    scores: list[LabelScore]
    confusion: list[list[int]]  # rows: true label, columns: predicted label
    macro_f1: float
    accuracy: float
    hurt_recall: float
    no_problem_precision: float
    total: int
    goals: dict[str, float] = field(default_factory=lambda: dict(TARGETS))

    def targets(self) -> dict[str, tuple[float, float, bool]]:
        return {name: (getattr(self, name), goal, getattr(self, name) >= goal) for name, goal in self.goals.items()}

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "hurt_recall": round(self.hurt_recall, 4),
            "no_problem_precision": round(self.no_problem_precision, 4),
            "labels": {
                s.label: {"precision": round(s.precision, 4), "recall": round(s.recall, 4), "f1": round(s.f1, 4),
                          "support": s.support}
                for s in self.scores
            },
            "confusion": {"labels": self.labels, "rows": self.confusion},
            "targets": {
                name: {"value": round(v, 4), "goal": g, "met": met} for name, (v, g, met) in self.targets().items()
            },
        }


class TestSetError(ValueError):
    pass


def read_labelled(path: Path, known: Sequence[str]) -> list[tuple[str, str]]:
    """(text, label) pairs from a JSON-lines file of {"text": ..., "label": ...}."""
    pairs: list[tuple[str, str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, label = row["text"], row["label"]
        except (ValueError, KeyError, TypeError) as error:
            raise TestSetError(f"{path}:{number}: expected {{\"text\": ..., \"label\": ...}} ({error})") from None
        if label not in known:
            raise TestSetError(f"{path}:{number}: unknown label {label!r}")
        pairs.append((str(text), str(label)))
    return pairs


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def evaluate(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str],
             goals: dict[str, float] | None = None) -> Report:
    if len(truth) != len(predicted):
        raise ValueError("truth and predictions differ in length")
    labels = list(labels)
    position = {label: i for i, label in enumerate(labels)}
    confusion = [[0] * len(labels) for _ in labels]
    for t, p in zip(truth, predicted):
        confusion[position[t]][position[p]] += 1
    scores = []
    for i, label in enumerate(labels):
        true_positive = confusion[i][i]
        predicted_total = sum(row[i] for row in confusion)
        actual_total = sum(confusion[i])
        precision = _ratio(true_positive, predicted_total)
        recall = _ratio(true_positive, actual_total)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores.append(LabelScore(label, precision, recall, f1, actual_total))
    present = [s for s in scores if s.support]
    hurt_truth = [t != NO_PROBLEM for t in truth]
    hurt_found = sum(1 for t, p in zip(truth, predicted) if t != NO_PROBLEM and p != NO_PROBLEM)
    no_problem = next((s for s in scores if s.label == NO_PROBLEM), None)
    return Report(
        labels=labels,
        scores=scores,
        confusion=confusion,
        macro_f1=sum(s.f1 for s in present) / len(present) if present else 0.0,
        accuracy=_ratio(sum(1 for t, p in zip(truth, predicted) if t == p), len(truth)),
        hurt_recall=_ratio(hurt_found, sum(hurt_truth)),
        no_problem_precision=no_problem.precision if no_problem else 0.0,
        total=len(truth),
        goals=dict(TARGETS if goals is None else goals),
    )


def format_report(report: Report, title: str, short: dict[str, str] | None = None) -> str:
    short = short or {}
    lines = [title, "=" * len(title), f"{'label':<18}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>6}"]
    for s in report.scores:
        lines.append(f"{s.label:<18}{s.precision:>10.3f}{s.recall:>8.3f}{s.f1:>8.3f}{s.support:>6}")
    lines.append(f"{'accuracy':<18}{report.accuracy:>26.3f}{report.total:>6}")
    lines.append("")
    names = [short.get(label, label[:6]) for label in report.labels]
    lines.append("confusion (rows: true, columns: predicted)")
    lines.append(" " * 18 + "".join(f"{name:>7}" for name in names))
    for label, row in zip(report.labels, report.confusion):
        lines.append(f"{label:<18}" + "".join(f"{count or '.':>7}" for count in row))
    lines.append("")
    for name, (value, goal, met) in report.targets().items():
        lines.append(f"{name:<22}{value:.3f}  target >= {goal:.2f}  {'met' if met else 'NOT MET'}")
    return "\n".join(lines)


@dataclass(frozen=True)
class HurtReport:
    """Hurt versus ok: the decision at the hurt threshold, and how many texts a person would look at."""

    total: int
    accuracy: float
    precision: float  # of the texts called hurt, the share that were
    recall: float  # of the hurt texts, the share called hurt
    look_share: float  # texts in the needs-a-look band
    accuracy_outside_look: float  # accuracy on the texts decided automatically
    goals: dict[str, float] = field(default_factory=lambda: dict(HURT_TARGETS))

    def targets(self) -> dict[str, tuple[float, float, bool]]:
        return {name: (getattr(self, name), goal, getattr(self, name) >= goal) for name, goal in self.goals.items()}

    def as_dict(self) -> dict:
        return {"total": self.total, "accuracy": round(self.accuracy, 4), "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "look_share": round(self.look_share, 4),
                "accuracy_outside_look": round(self.accuracy_outside_look, 4)}


def hurt_report(truth: Sequence[bool], called_hurt: Sequence[bool], look: Sequence[bool],
                goals: dict[str, float] | None = None) -> HurtReport:
    t, c, lk = (np.asarray(values, dtype=bool) for values in (truth, called_hurt, look))
    right = t == c
    return HurtReport(
        total=len(t),
        accuracy=float(right.mean()) if len(t) else 0.0,
        precision=_ratio(int((t & c).sum()), int(c.sum())),
        recall=_ratio(int((t & c).sum()), int(t.sum())),
        look_share=float(lk.mean()) if len(t) else 0.0,
        accuracy_outside_look=float(right[~lk].mean()) if (~lk).any() else 0.0,
        goals=dict(HURT_TARGETS if goals is None else goals),
    )


@dataclass(frozen=True)
class CalibrationBin:
    low: float
    high: float
    count: int
    mean_probability: float
    observed: float  # share of the bin's texts that were hurt


def calibration(truth: Sequence[bool], probability: Sequence[float], bins: int = 10) -> list[CalibrationBin]:
    """Predicted against observed hurt rate in equal-width probability bins."""
    t, p = np.asarray(truth, dtype=float), np.asarray(probability, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    table = []
    for b in range(bins):
        inside = which == b
        count = int(inside.sum())
        mean_p, observed = (float(p[inside].mean()), float(t[inside].mean())) if count else (0.0, 0.0)
        table.append(CalibrationBin(float(edges[b]), float(edges[b + 1]), count, mean_p, observed))
    return table


def expected_calibration_error(table: Sequence[CalibrationBin]) -> float:
    total = sum(b.count for b in table)
    return sum(b.count * abs(b.mean_probability - b.observed) for b in table) / total if total else 0.0


def precision_recall_curve(truth: Sequence[bool], probability: Sequence[float]) -> tuple[np.ndarray, np.ndarray,
                                                                                           np.ndarray]:
    """Precision and recall of "hurt" at every threshold (probabilities sorted high to low)."""
    t, p = np.asarray(truth, dtype=bool), np.asarray(probability, dtype=float)
    order = np.argsort(-p, kind="stable")
    hits = np.cumsum(t[order])
    called = np.arange(1, len(t) + 1)
    return hits / called, hits / max(int(t.sum()), 1), p[order]


def format_calibration(table: Sequence[CalibrationBin], title: str) -> str:
    lines = [title, f"{'P(hurt)':<12}{'texts':>7}{'predicted':>11}{'observed':>10}"]
    for b in table:
        if b.count:
            lines.append(f"{b.low:.1f}-{b.high:.1f}{'':<5}{b.count:>7}{b.mean_probability:>11.3f}{b.observed:>10.3f}")
    lines.append(f"expected calibration error {expected_calibration_error(table):.3f}")
    return "\n".join(lines)
