"""`outreach eval`: the diagnosis measured on the held-back test set, on multi-problem messages,
by cross-validation on the training data, against the bot's NLU, and by Rasa's cross-validation."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from outreach.diagnosis.classifier import Diagnoser, train_model
from outreach.diagnosis.evaluation import Report, evaluate, format_report, read_labelled
from outreach.diagnosis.taxonomy import taxonomy
from outreach.diagnosis.training_data import labelled_examples
from outreach.settings import PROJECT_ROOT

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


def cross_validate(examples: list[tuple[str, str]], folds: int, labels: list[str], seed: int = 7) -> Report:
    shuffled = list(examples)
    random.Random(seed).shuffle(shuffled)
    truth: list[str] = []
    predicted: list[str] = []
    for fold in range(folds):
        test = shuffled[fold::folds]
        train = [example for i, example in enumerate(shuffled) if i % folds != fold]
        diagnoser = Diagnoser(train_model(train))
        truth += [label for _, label in test]
        predicted += [r.category for r in diagnoser.diagnose_many([text for text, _ in test])]
    return evaluate(truth, predicted, labels)


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


def run_evaluation(heldout: Path, multi: Path, folds: int, rasa_folds: int, as_json: bool) -> int:
    tax = taxonomy()
    labels = tax.ids
    examples = labelled_examples(labels)
    diagnoser = Diagnoser(train_model(examples))
    test = read_labelled(heldout, labels)
    held = evaluate([label for _, label in test], [r.category for r in diagnoser.diagnose_many([t for t, _ in test])],
                    labels)
    multi_scores = multi_problem_scores(diagnoser, read_multi(multi, labels)) if multi.exists() else {"messages": 0}
    cv = cross_validate(examples, folds, labels) if folds > 1 else None
    rasa = rasa_cross_validation(rasa_folds) if rasa_folds > 1 else None
    if as_json:
        print(json.dumps({
            "training_examples": len(examples),
            "heldout": held.as_dict(),
            "multi_problem": multi_scores,
            "cross_validation": cv.as_dict() if cv else None,
            "rasa_cross_validation": rasa,
        }, ensure_ascii=False, indent=2))
    else:
        print(f"training examples: {len(examples)} over {len(labels)} labels\n")
        print(format_report(held, f"Held-back test set ({heldout.name}, {held.total} texts)", SHORT))
        print()
        if multi_scores.get("messages"):
            print(f"Multi-problem messages ({multi.name}, {multi_scores['messages']}):")
            print(f"  every problem found      {multi_scores['all_problems_found']:.3f}")
            print(f"  problems found           {multi_scores['problems_found']:.3f}")
            print(f"  primary is most severe   {multi_scores['primary_most_severe']:.3f}")
            print()
        if cv:
            print(format_report(cv, f"{folds}-fold cross-validation on the training data", SHORT))
            print()
        if rasa:
            print(format_rasa_report(rasa))
    return 0 if all(met for _, _, met in held.targets().values()) else 1
