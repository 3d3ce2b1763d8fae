"""Training, retraining and promotion of diagnosis models.

`train`: a model from the history export and the labelled examples in data/, with its figures on the
fixed held-back slices written into its manifest. `retrain`: a candidate that also learns from the
labels buyers and people gave since; it is measured beside the model in use on the same slices and
promoted only when no headline figure is worse (or when forced, with a reason, which is logged).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from outreach.diagnosis.artifact import DiagnosisModel
from outreach.diagnosis.classifier import Diagnoser
from outreach.diagnosis.decisions import DiagnosisConfig, thresholds
from outreach.diagnosis.registry import keep, load_current, models_dir, promote
from outreach.diagnosis.report import GATING, Figures, Slices, measure, read_slices
from outreach.diagnosis.taxonomy import Taxonomy
from outreach.diagnosis.training import Parameters, TrainingInputs, build
from outreach.settings import Settings

PROMOTIONS = "promotions.jsonl"


@dataclass
class Trained:
    model: DiagnosisModel
    figures: Figures
    slices: Slices


def train(inputs: TrainingInputs, tax: Taxonomy, config: DiagnosisConfig,
          parameters: Parameters | None = None) -> Trained:
    """Build a model and measure it on the held-back slices; the figures go into its manifest."""
    model = build(inputs, parameters or Parameters(), tax, config.retrain.min_examples_per_class)
    slices = read_slices(inputs.history, inputs.review_labels, tax)
    figures = measure(Diagnoser(model, thresholds(config.costs), tax), slices)
    model.manifest["evaluation"] = figures.as_dict()
    return Trained(model, figures, slices)


@dataclass(frozen=True)
class Change:
    figure: str
    current: float | None
    candidate: float

    @property
    def delta(self) -> float | None:
        return None if self.current is None else round(self.candidate - self.current, 4)


@dataclass
class Comparison:
    changes: list[Change]
    tolerance: float
    worse: list[Change] = field(default_factory=list)

    @property
    def not_worse(self) -> bool:
        return not self.worse


def compare(candidate: dict[str, float], current: dict[str, float], tolerance: float) -> Comparison:
    """Figure by figure; worse when a gating figure falls by more than the tolerance."""
    changes = [Change(name, current.get(name), value) for name, value in candidate.items()]
    worse = [c for c in changes
             if c.figure in GATING and c.current is not None and c.candidate < c.current - tolerance]
    return Comparison(changes, tolerance, worse)


@dataclass
class Retrained:
    candidate: Trained
    current_version: str
    current_figures: Figures
    comparison: Comparison
    promoted: bool
    folder: Path
    forced_reason: str | None = None


def retrain(settings: Settings, inputs: TrainingInputs, tax: Taxonomy, config: DiagnosisConfig,
            *, force_reason: str | None = None, parameters: Parameters | None = None) -> Retrained:
    """A candidate from the inputs (the export, data/ and the learned labels: training.read_inputs),
    compared with the model in use on the same held-back slices; promoted when not worse."""
    candidate = train(inputs, tax, config, parameters)
    current_model = load_current(settings, tax)
    current = measure(Diagnoser(current_model, thresholds(config.costs), tax), candidate.slices)
    comparison = compare(candidate.figures.headline(), current.headline(), config.retrain.tolerance)
    folder = keep(candidate.model, settings.var_dir)
    promoted = comparison.not_worse or force_reason is not None
    if promoted:
        promote(candidate.model, settings.var_dir)
        _log_promotion(settings.var_dir, candidate.model.version, current_model.version, comparison, force_reason)
    return Retrained(candidate, current_model.version, current, comparison, promoted, folder, force_reason)


def _log_promotion(var_dir: Path, version: str, previous: str, comparison: Comparison, reason: str | None) -> None:
    entry = {
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "version": version,
        "previous": previous,
        "forced": reason is not None and not comparison.not_worse,
        "reason": reason,
        "figures": {c.figure: c.candidate for c in comparison.changes},
        "worse": [c.figure for c in comparison.worse],
    }
    path = models_dir(var_dir) / PROMOTIONS
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as log:
        log.write(json.dumps(entry, ensure_ascii=False) + "\n")


def format_comparison(result: Retrained) -> str:
    width = max(len(c.figure) for c in result.comparison.changes)
    lines = [f"{'figure':<{width}}  {'in use ' + result.current_version:>24}  "
             f"{'candidate ' + result.candidate.model.version:>26}  change"]
    for change in result.comparison.changes:
        current = "-" if change.current is None else f"{change.current:.4f}"
        delta = "" if change.delta is None else f"{change.delta:+.4f}"
        mark = "  WORSE" if change in result.comparison.worse else ("" if change.figure in GATING else "  (shown)")
        lines.append(f"{change.figure:<{width}}  {current:>24}  {change.candidate:>26.4f}  {delta}{mark}")
    return "\n".join(lines)
