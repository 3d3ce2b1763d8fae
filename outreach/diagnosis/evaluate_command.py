"""`outreach eval` (make eval): the model in use on every held-back slice, the plain baseline beside
it, a calibration table, a precision-recall chart under var/, and whether each target is met."""

from __future__ import annotations

import json
from pathlib import Path

from outreach.diagnosis.artifact import ModelFileError
from outreach.diagnosis.decisions import load_config, thresholds
from outreach.diagnosis.history import HistoryError, read_history
from outreach.diagnosis.registry import load_diagnoser
from outreach.diagnosis.report import (
    baseline_accuracy,
    format_figures,
    format_rasa_report,
    measure,
    rasa_cross_validation,
    read_slices,
    write_chart,
)
from outreach.diagnosis.review_labels import read_settled_labels
from outreach.settings import get_settings


def run_evaluation(export: Path, rasa_folds: int, as_json: bool) -> int:
    try:
        diagnoser = load_diagnoser()
    except ModelFileError as error:
        print(f"error: {error}")
        return 2
    tax = diagnoser.tax
    history = None
    if export.is_file():
        try:
            history = read_history(export)
        except HistoryError as error:
            print(f"error: {error}")
            return 2
    slices = read_slices(history, read_settled_labels(tax.ids), tax)
    figures = measure(diagnoser, slices)
    baseline = baseline_accuracy(slices)
    chart = write_chart(figures, get_settings().var_dir / "eval", thresholds(load_config().costs).hurt_min)
    rasa = rasa_cross_validation(rasa_folds) if rasa_folds > 1 else None
    beats_baseline = baseline is None or (figures.real_hurt is not None and figures.real_hurt.accuracy > baseline)
    if as_json:
        print(json.dumps({**figures.as_dict(), "baseline_accuracy": baseline, "beats_baseline": beats_baseline,
                          "chart": str(chart) if chart else None, "rasa_cross_validation": rasa},
                         ensure_ascii=False, indent=2))
    else:
        print(format_figures(figures, baseline))
        if baseline is not None:
            print(f"beats the baseline: {'yes' if beats_baseline else 'NO'}")
        if chart:
            print(f"precision-recall chart: {chart}")
        if rasa:
            print()
            print(format_rasa_report(rasa))
    return 0 if figures.targets_met() and beats_baseline else 1
