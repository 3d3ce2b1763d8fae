"""How good a diagnosis model is, on fixed held-back slices that it never trained on:

- real reviews held back from the history export: hurt versus ok against the buyers' own ratings,
  with calibration and the plain TF-IDF baseline beside it;
- labelled real reviews among those: the twelve labels (docs/labelling.md);
- the written held-back set (tests/data/heldout.jsonl) and the multi-problem messages.

`outreach eval` (make eval) prints these for the model in use; training records them in the model's
manifest, and a retrain compares a candidate with the model in use on the same slices.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from outreach.diagnosis.classifier import Diagnoser
from outreach.diagnosis.decisions import Decision
from outreach.diagnosis.evaluation import (
    REAL_TARGETS,
    CalibrationBin,
    HurtReport,
    Report,
    calibration,
    evaluate,
    expected_calibration_error,
    format_calibration,
    format_report,
    hurt_report,
    precision_recall_curve,
    read_labelled,
)
from outreach.diagnosis.history import History, Review, held_back
from outreach.diagnosis.review_labels import ReviewLabel
from outreach.diagnosis.taxonomy import NO_PROBLEM, Taxonomy
from outreach.settings import PROJECT_ROOT

HELDOUT = PROJECT_ROOT / "tests" / "data" / "heldout.jsonl"
MULTI = PROJECT_ROOT / "tests" / "data" / "multi_problem.jsonl"
SHORT = {
    "quality_defect": "qual", "damaged": "dmg", "spoiled": "spoil", "late_delivery": "late", "wrong_item": "wrong",
    "missing_item": "miss", "not_as_described": "nad", "counterfeit": "fake", "price_issue": "price",
    "health_reaction": "health", "service_attitude": "serv", "no_problem": "none",
}


def read_multi(path: Path, known: list[str]) -> list[tuple[str, list[str]]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            row = json.loads(line)
            labels = [str(label) for label in row["labels"]]
            unknown = [label for label in labels if label not in known]
            if unknown:
                raise ValueError(f"{path}:{number}: unknown labels {unknown}")
            rows.append((str(row["text"]), labels))
    return rows


def multi_problem_scores(diagnoser: Diagnoser, rows: list[tuple[str, list[str]]]) -> dict[str, float]:
    """Share of messages whose every problem is found, share of named problems found, and share
    whose primary label is the most severe of the true ones."""
    if not rows:
        return {"messages": 0}
    tax = diagnoser.tax
    results = diagnoser.diagnose_many([text for text, _ in rows])
    all_found = labels_found = primary_right = 0
    total_labels = 0
    for (_, truth), result in zip(rows, results):
        found = set(result.labels)
        total_labels += len(truth)
        labels_found += len(found & set(truth))
        all_found += set(truth) <= found
        most_severe = min(tax.label(label).severity for label in truth)
        primary_right += tax.label(result.category).severity == most_severe and result.category in truth
    return {
        "messages": len(rows),
        "all_problems_found": all_found / len(rows),
        "problems_found": labels_found / total_labels,
        "primary_most_severe": primary_right / len(rows),
    }


@dataclass
class Slices:
    real: list[Review] = field(default_factory=list)  # held-back export rows
    labelled: list[tuple[str, ReviewLabel]] = field(default_factory=list)  # held-back labelled rows, named
    vague: list[str] = field(default_factory=list)  # held-back rows labelled as vague complaints
    written: list[tuple[str, str]] = field(default_factory=list)
    multi: list[tuple[str, list[str]]] = field(default_factory=list)
    training: list[Review] = field(default_factory=list)  # the export rows a model may train on (baseline)


def read_slices(history: History | None, labels: dict[str, ReviewLabel], tax: Taxonomy,
                heldout: Path = HELDOUT, multi: Path = MULTI) -> Slices:
    slices = Slices(written=read_labelled(heldout, tax.ids) if heldout.exists() else [],
                    multi=read_multi(multi, tax.ids) if multi.exists() else [])
    if history is None:
        return slices
    for review in history.reviews:
        if not held_back(review.row):
            slices.training.append(review)
            continue
        slices.real.append(review)
        label = labels.get(review.row)
        if label is None:
            continue
        if label.named:
            slices.labelled.append((review.text, label))
        else:
            slices.vague.append(review.text)
    return slices


# The figures a retrain may not make worse: balanced ones, which a model cannot improve by calling
# everything hurt (recall) or nothing (precision); those are shown beside them.
GATING = ("real_hurt_accuracy", "real_macro_f1", "written_macro_f1", "multi_all_problems_found")


@dataclass
class Figures:
    model_version: str
    written: Report
    written_hurt: HurtReport
    multi: dict
    real_hurt: HurtReport | None = None
    real_calibration: list[CalibrationBin] = field(default_factory=list)
    written_calibration: list[CalibrationBin] = field(default_factory=list)
    real_labels: Report | None = None
    real_labels_automatic: Report | None = None  # the same, on the texts decided without a person
    real_primary_among_named: float | None = None  # the primary label is one the review names
    vague_called_hurt: float | None = None
    real_curve: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def headline(self) -> dict[str, float]:
        """The figures a lead looks at first; those in GATING decide a promotion."""
        figures = {"written_macro_f1": self.written.macro_f1, "written_hurt_recall": self.written.hurt_recall,
                   "multi_all_problems_found": float(self.multi.get("all_problems_found", 0.0))}
        if self.real_hurt is not None:
            figures["real_hurt_accuracy"] = self.real_hurt.accuracy
        if self.real_labels is not None:
            figures.update(real_macro_f1=self.real_labels.macro_f1, real_hurt_recall=self.real_labels.hurt_recall,
                           real_no_problem_precision=self.real_labels.no_problem_precision)
        return {name: round(value, 4) for name, value in figures.items()}

    def targets_met(self) -> bool:
        reports = [self.written, self.real_hurt, self.real_labels]
        return all(met for report in reports if report is not None for _, _, met in report.targets().values())

    def as_dict(self) -> dict:
        return {
            "model_version": self.model_version,
            "headline": self.headline(),
            "real_hurt": self.real_hurt.as_dict() if self.real_hurt else None,
            "real_calibration_error": round(expected_calibration_error(self.real_calibration), 4)
            if self.real_calibration else None,
            "real_labels": self.real_labels.as_dict() if self.real_labels else None,
            "real_labels_automatic": self.real_labels_automatic.as_dict() if self.real_labels_automatic else None,
            "real_primary_among_named": self.real_primary_among_named,
            "vague_called_hurt": self.vague_called_hurt,
            "written": self.written.as_dict(),
            "written_hurt": self.written_hurt.as_dict(),
            "multi_problem": self.multi,
        }


def _hurt_figures(diagnoser: Diagnoser, texts: list[str], truth: list[bool]) -> tuple[HurtReport, list[CalibrationBin],
                                                                                       np.ndarray]:
    results = diagnoser.diagnose_many(texts)
    p = np.array([r.hurt_probability for r in results])
    report = hurt_report(truth, [r.hurt for r in results], [r.decision is Decision.LOOK for r in results])
    return report, calibration(truth, p), p


def measure(diagnoser: Diagnoser, slices: Slices) -> Figures:
    labels = diagnoser.tax.ids
    written_results = diagnoser.diagnose_many([text for text, _ in slices.written])
    written = evaluate([label for _, label in slices.written], [r.category for r in written_results], labels)
    written_hurt, written_calibration, _ = _hurt_figures(
        diagnoser, [t for t, _ in slices.written], [label != NO_PROBLEM for _, label in slices.written])
    written_hurt = HurtReport(**{**written_hurt.__dict__, "goals": {}})
    figures = Figures(diagnoser.version, written, written_hurt, multi_problem_scores(diagnoser, slices.multi),
                      written_calibration=written_calibration)
    if slices.real:
        truth = [review.hurt for review in slices.real]
        figures.real_hurt, figures.real_calibration, p = _hurt_figures(
            diagnoser, [review.text for review in slices.real], truth)
        figures.real_curve = precision_recall_curve(truth, p)
    if slices.labelled:
        results = diagnoser.diagnose_many([text for text, _ in slices.labelled])
        figures.real_labels = evaluate([label.label for _, label in slices.labelled], [r.category for r in results],
                                       labels, REAL_TARGETS)
        automatic = [(label.label, r.category) for (_, label), r in zip(slices.labelled, results)
                     if r.decision is not Decision.LOOK]
        figures.real_labels_automatic = evaluate([t for t, _ in automatic], [p for _, p in automatic], labels, {})
        figures.real_primary_among_named = round(sum(
            r.category in (label.label, *label.also) for (_, label), r in zip(slices.labelled, results)
        ) / len(results), 4)
    if slices.vague:
        figures.vague_called_hurt = round(sum(r.hurt for r in diagnoser.diagnose_many(slices.vague))
                                          / len(slices.vague), 4)
    return figures


def baseline_accuracy(slices: Slices) -> float | None:
    """A plain character n-gram TF-IDF logistic regression trained on the same export rows, scored on
    the same held-back rows: the figure to beat."""
    if not slices.real or not slices.training:
        return None
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectoriser = TfidfVectorizer(analyzer="char", ngram_range=(1, 3))
    matrix = vectoriser.fit_transform([review.text for review in slices.training])
    regression = LogisticRegression(max_iter=3000).fit(matrix, [review.hurt for review in slices.training])
    predicted = regression.predict(vectoriser.transform([review.text for review in slices.real]))
    return float(np.mean(predicted == np.array([review.hurt for review in slices.real])))


def write_chart(figures: Figures, folder: Path, thresholds_at: float) -> Path | None:
    """The precision-recall curve of hurt on the held-back real reviews, with the decision point."""
    if figures.real_curve is None:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    precision, recall, probability = figures.real_curve
    folder.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(figsize=(6, 5), dpi=110)
    axes.plot(recall, precision, label=f"model {figures.model_version}")
    at = int(np.searchsorted(-probability, -thresholds_at, side="right")) - 1
    if at >= 0:
        axes.scatter([recall[at]], [precision[at]], color="red", zorder=3,
                     label=f"decision: P(hurt) >= {thresholds_at:.2f}")
    axes.set_xlabel("recall (share of hurt buyers found)")
    axes.set_ylabel("precision (share of flagged buyers who were hurt)")
    axes.set_xlim(0, 1.01)
    axes.set_ylim(0.4, 1.01)
    axes.grid(alpha=0.3)
    axes.set_title(f"Hurt vs ok, {len(recall):,} held-back real reviews")
    axes.legend(loc="lower left")
    path = folder / "precision_recall.png"
    figure.savefig(path)
    plt.close(figure)
    return path


def rasa_cross_validation(folds: int) -> dict:
    """Rasa's own NLU cross-validation of the bot's pipeline; returns its intent report."""
    out = Path(tempfile.mkdtemp(prefix="outreach-rasa-cv-"))
    command = [
        str(Path(sys.executable).with_name("rasa")), "test", "nlu", "--cross-validation", "--folds", str(folds),
        "--config", "bot/config.yml", "--nlu", "data/nlu", "--domain", "bot/domain", "--out", str(out),
    ]
    completed = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
    report_path = out / "intent_report.json"
    if completed.returncode != 0 or not report_path.exists():
        tail = (completed.stderr or completed.stdout)[-2000:]
        raise RuntimeError(f"rasa test nlu failed ({completed.returncode}):\n{tail}")
    return json.loads(report_path.read_text(encoding="utf-8"))


def format_rasa_report(report: dict) -> str:
    lines = ["Rasa NLU cross-validation (intents)", "===================================",
             f"{'intent':<22}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>6}"]
    averages = ("macro avg", "weighted avg", "micro avg")
    for name, scores in sorted(report.items()):
        if isinstance(scores, dict) and "precision" in scores and name not in averages:
            lines.append(f"{name:<22}{scores['precision']:>10.3f}{scores['recall']:>8.3f}"
                         f"{scores['f1-score']:>8.3f}{scores.get('support', 0):>6}")
    for name in ("macro avg", "weighted avg"):
        if name in report:
            scores = report[name]
            lines.append(f"{name:<22}{scores['precision']:>10.3f}{scores['recall']:>8.3f}{scores['f1-score']:>8.3f}")
    if "accuracy" in report:
        lines.append(f"{'accuracy':<22}{report['accuracy']:>26.3f}")
    return "\n".join(lines)


def _format_hurt(report: HurtReport, title: str, baseline: float | None = None) -> str:
    lines = [title, "=" * len(title),
             f"accuracy {report.accuracy:.4f}   precision {report.precision:.4f}   recall {report.recall:.4f}   "
             f"({report.total:,} texts)",
             f"needs a look {report.look_share:.1%} of texts; accuracy on the rest {report.accuracy_outside_look:.4f}"]
    if baseline is not None:
        lines.append(f"baseline (plain char 1-3-gram TF-IDF logistic regression, same rows) accuracy {baseline:.4f}")
    for name, (value, goal, met) in report.targets().items():
        lines.append(f"{name:<22}{value:.4f}  target >= {goal:.2f}  {'met' if met else 'NOT MET'}")
    return "\n".join(lines)


def format_figures(figures: Figures, baseline: float | None = None) -> str:
    parts = [f"model {figures.model_version}", ""]
    if figures.real_hurt is not None:
        parts += [_format_hurt(figures.real_hurt, "Held-back real reviews: hurt versus ok (buyers' own ratings)",
                               baseline), "",
                  format_calibration(figures.real_calibration, "Calibration on the held-back real reviews"), ""]
    else:
        parts += ["(no history export given: the real-review slices are skipped; pass --export FILE)", ""]
    if figures.real_labels is not None:
        parts += [format_report(figures.real_labels,
                                f"Held-back labelled real reviews ({figures.real_labels.total}, twelve labels)", SHORT)]
        parts += [f"primary label among the problems the review names  {figures.real_primary_among_named:.3f}"]
        auto = figures.real_labels_automatic
        if auto is not None and figures.real_labels.total:
            parts += [f"decided without a person ({auto.total / figures.real_labels.total:.1%} of them): macro-F1 "
                      f"{auto.macro_f1:.3f}, hurt recall {auto.hurt_recall:.3f}, no_problem precision "
                      f"{auto.no_problem_precision:.3f}"]
        if figures.vague_called_hurt is not None:
            parts += [f"vague complaints called hurt                        {figures.vague_called_hurt:.3f}"]
        parts += [""]
    parts += [format_report(figures.written, f"Written held-back set ({figures.written.total} texts)", SHORT), "",
              _format_hurt(figures.written_hurt, "Written held-back set: hurt versus ok"), "",
              format_calibration(figures.written_calibration, "Calibration on the written held-back set"), ""]
    if figures.multi.get("messages"):
        parts += [f"Multi-problem messages ({figures.multi['messages']}):",
                  f"  every problem found      {figures.multi['all_problems_found']:.3f}",
                  f"  problems found           {figures.multi['problems_found']:.3f}",
                  f"  primary is most severe   {figures.multi['primary_most_severe']:.3f}", ""]
    return "\n".join(parts)
