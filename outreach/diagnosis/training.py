"""Building a diagnosis model from its inputs: the platform's rated-review export, the labelled
examples in data/ (written examples and labels of real reviews) and, for a retrain, the labels
buyers and people gave since (outreach.diagnosis.learned).

Two heads share one n-gram lookup:
- `hurt`: is the buyer hurt? Learned from every export row outside the held-back slice (its rating,
  or its problem label where a person labelled it), the written examples and the learned labels;
  its probability is calibrated by Platt scaling on out-of-fold scores.
- `problems`: which problem, given that the buyer is hurt? Learned from the written examples, the
  labelled real reviews outside the held-back slice and the learned labels.
Deterministic: the same inputs and parameters give the same model and version.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from outreach.diagnosis.artifact import FORMAT, HURT, PROBLEMS, WRITTEN, DiagnosisModel
from outreach.diagnosis.features import FEATURES
from outreach.diagnosis.history import HELD_BACK_ONE_IN, History, held_back
from outreach.diagnosis.model import Head, Scorer, fit
from outreach.diagnosis.review_labels import ReviewLabel
from outreach.diagnosis.taxonomy import NO_PROBLEM, Taxonomy
from outreach.diagnosis.training_data import Example

HURT_CLASS, OK_CLASS = "hurt", "ok"


@dataclass(frozen=True)
class Parameters:
    c_hurt: float = 4.0
    c_problems: float = 5.0
    min_df_hurt: int = 2  # n-grams in fewer export texts carry no evidence, only file size
    min_df_problems: int = 2
    calibration_folds: int = 3
    written_weight: float = 3.0  # the written examples' mean weight in the hurt head, split evenly by class
    written_problem_weight: float = 4.0  # each written example, in the problems head
    real_label_weight: float = 3.0  # each labelled real review, in the problems head
    real_label_hurt_weight: float = 1.0  # each labelled real review, in the hurt head
    rating_share: float = 0.85  # where a review's label and its buyer's rating disagree on hurt, the rating's share
    learned_weight: float = 2.0  # each label a buyer or person gave
    c_written: float = 20.0  # the written-examples problems head
    written_mix: float = 0.25  # its share of P(problem | hurt): buyers' short messages read like the written examples


@dataclass
class TrainingInputs:
    history: History
    review_labels: dict[str, ReviewLabel]
    written: list[tuple[str, str]]  # (text, label) from data/nlu
    learned: list[Example] = field(default_factory=list)

    def digest(self, parameters: Parameters) -> dict:
        """What the model is made of: a hash per input and one over them all, with the parameters."""
        def sha(lines: Sequence[str]) -> str:
            digest = hashlib.sha256()
            for line in lines:
                digest.update(line.encode("utf-8", "surrogatepass") + b"\n")
            return digest.hexdigest()

        parts = {
            "export": {"file": self.history.path.name, "sha256": self.history.sha256,
                       "reviews": len(self.history.reviews), "neutral_left_out": self.history.neutral},
            "written_examples": {"sha256": sha(sorted(f"{label}\t{text}" for text, label in self.written)),
                                 "count": len(self.written)},
            "review_labels": {"sha256": sha(sorted(json.dumps(asdict(label), sort_keys=True)
                                                   for label in self.review_labels.values())),
                              "count": len(self.review_labels)},
            "learned_labels": {"sha256": sha(sorted(f"{e.label}\t{e.source}\t{e.text}" for e in self.learned)),
                               "count": len(self.learned)},
        }
        setup = {"format": FORMAT, "features": FEATURES, "held_back_one_in": HELD_BACK_ONE_IN,
                 "parameters": asdict(parameters)}
        combined = sha([json.dumps(setup, sort_keys=True)] + [parts[name]["sha256"] for name in sorted(parts)])
        return {**parts, "sha256": combined}


class TooFewExamples(ValueError):
    def __init__(self, counts: dict[str, int], minimum: int) -> None:
        self.counts = counts
        listed = ", ".join(f"{label} {count}" for label, count in sorted(counts.items()))
        super().__init__(f"too few training examples for {listed} (at least {minimum} each are needed); "
                         "label more examples of these classes or lower retrain.min_examples_per_class")


@dataclass
class TrainingSet:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    calibrates: list[bool] = field(default_factory=list)  # whether the example takes part in calibration

    def add(self, text: str, label: str, weight: float, calibrates: bool = True) -> None:
        self.texts.append(text)
        self.labels.append(label)
        self.weights.append(weight)
        self.calibrates.append(calibrates)

    def counts(self) -> Counter:
        return Counter(self.labels)


def training_sets(inputs: TrainingInputs, parameters: Parameters, tax: Taxonomy) -> tuple[TrainingSet, TrainingSet]:
    """The hurt head's and the problems head's examples; held-back export rows are never among them."""
    problems = set(tax.ids) - {NO_PROBLEM}
    hurt, problem = TrainingSet(), TrainingSet()
    for review in inputs.history.reviews:
        if held_back(review.row):
            continue
        label = inputs.review_labels.get(review.row)
        if label is None:
            hurt.add(review.text, HURT_CLASS if review.hurt else OK_CLASS, 1.0)
        elif label.hurt == review.hurt or not parameters.rating_share:
            hurt.add(review.text, HURT_CLASS if label.hurt else OK_CLASS, parameters.real_label_hurt_weight)
        else:  # "挺好的，就是送得慢" rated 5: the rules call it hurt, the buyer did not; each keeps a share
            weight, share = parameters.real_label_hurt_weight, parameters.rating_share
            # P(hurt) is calibrated against the buyer's own verdict, as make eval checks it
            hurt.add(review.text, HURT_CLASS if label.hurt else OK_CLASS, weight * (1 - share), calibrates=False)
            hurt.add(review.text, HURT_CLASS if review.hurt else OK_CLASS, weight * share)
        if label and label.hurt and label.named:
            problem.add(review.text, label.label, parameters.real_label_weight)
    # The written examples are mostly problems (a few hundred per problem label, as many praise):
    # their weight is split evenly between hurt and ok, so they teach what words mean without
    # tilting every short text towards "hurt".
    n_ok = sum(label == NO_PROBLEM for _, label in inputs.written)
    n_hurt = len(inputs.written) - n_ok
    total = parameters.written_weight * len(inputs.written) / 2
    class_weight = {True: total / max(n_hurt, 1), False: total / max(n_ok, 1)}
    for text, label in inputs.written:
        is_hurt = label != NO_PROBLEM
        hurt.add(text, HURT_CLASS if is_hurt else OK_CLASS, class_weight[is_hurt])
        if label in problems:
            problem.add(text, label, parameters.written_problem_weight)
    for example in inputs.learned:
        hurt.add(example.text, OK_CLASS if example.label == NO_PROBLEM else HURT_CLASS, parameters.learned_weight)
        if example.label in problems:
            problem.add(example.text, example.label, parameters.learned_weight)
    return hurt, problem


def check_counts(hurt: TrainingSet, problem: TrainingSet, tax: Taxonomy, minimum: int) -> None:
    counts = {**hurt.counts(), **problem.counts()}
    wanted = [HURT_CLASS, OK_CLASS] + [label for label in tax.ids if label != NO_PROBLEM]
    short = {label: counts.get(label, 0) for label in wanted if counts.get(label, 0) < minimum}
    if short:
        raise TooFewExamples(short, minimum)


def _folds(n: int, k: int) -> np.ndarray:
    """A fixed fold for each example: deterministic, and mixed across the inputs' order."""
    return np.random.default_rng(20261202).permutation(n) % k


def _out_of_fold_logits(
    name: str, data: TrainingSet, c: float, min_df: int, k: int, positive: str | None
) -> np.ndarray:
    """Each example's logits from a head fitted without its fold (columns: the sorted classes)."""
    folds = _folds(len(data.texts), k)
    classes = sorted(set(data.labels))
    logits = np.zeros((len(data.texts), 1 if positive else len(classes)))
    if not positive:
        logits[:] = -30.0  # a class a fold did not see is never likely
    for fold in range(k):
        train, test = np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)
        head, _, _ = fit(name, [data.texts[i] for i in train], [data.labels[i] for i in train], c,
                         positive=positive, sample_weight=[data.weights[i] for i in train], min_df=min_df)
        scored = Scorer([head]).logits(name, [data.texts[i] for i in test])
        if positive:
            logits[test] = scored
        else:
            logits[np.ix_(test, [classes.index(label) for label in head.classes])] = scored
    return logits


def platt(logits: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Scale and offset so that sigmoid(scale * logit + offset) is calibrated on held-out scores."""
    regression = LogisticRegression(C=1e6, max_iter=1000).fit(logits.reshape(-1, 1), truth.astype(int))
    return float(regression.coef_[0, 0]), float(regression.intercept_[0])


def temperature(logits: np.ndarray, truth: np.ndarray) -> float:
    """The softmax scale with the least log loss on held-out scores (golden-section search)."""
    def loss(scale: float) -> float:
        z = logits * scale
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_p[np.arange(len(truth)), truth].mean())

    low, high = 0.05, 5.0
    ratio = (5**0.5 - 1) / 2
    for _ in range(60):
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if loss(a) < loss(b):
            high = b
        else:
            low = a
    return round((low + high) / 2, 6)


def build(inputs: TrainingInputs, parameters: Parameters, tax: Taxonomy, min_examples: int = 1) -> DiagnosisModel:
    """Fit both heads, calibrate them on out-of-fold scores, and describe the result (no evaluation)."""
    hurt_set, problem_set = training_sets(inputs, parameters, tax)
    check_counts(hurt_set, problem_set, tax, min_examples)
    k = parameters.calibration_folds
    hurt, _, _ = fit(HURT, hurt_set.texts, hurt_set.labels, parameters.c_hurt, positive=HURT_CLASS,
                     sample_weight=hurt_set.weights, min_df=parameters.min_df_hurt)
    oof = _out_of_fold_logits(HURT, hurt_set, parameters.c_hurt, parameters.min_df_hurt, k, HURT_CLASS)
    calibrating = np.array(hurt_set.calibrates)
    hurt.scale, hurt.offset = platt(oof[calibrating, 0], np.array(hurt_set.labels)[calibrating] == HURT_CLASS)
    problems, _, _ = fit(PROBLEMS, problem_set.texts, problem_set.labels, parameters.c_problems,
                         sample_weight=problem_set.weights, min_df=parameters.min_df_problems)
    oof = _out_of_fold_logits(PROBLEMS, problem_set, parameters.c_problems, parameters.min_df_problems, k, None)
    position = {label: i for i, label in enumerate(problems.classes)}
    problems.scale = temperature(oof, np.array([position[label] for label in problem_set.labels]))
    written_set = TrainingSet()
    for text, label in inputs.written:
        if label != NO_PROBLEM:
            written_set.add(text, label, 1.0)
    written, _, _ = fit(WRITTEN, written_set.texts, written_set.labels, parameters.c_written)
    oof = _out_of_fold_logits(WRITTEN, written_set, parameters.c_written, 1, k, None)
    written.scale = temperature(oof, np.array([written.classes.index(label) for label in written_set.labels]))
    digest = inputs.digest(parameters)
    manifest = {
        "format": FORMAT,
        "features": FEATURES,
        "version": "dm-" + digest["sha256"][:12],
        "labels": tax.ids,
        "inputs": digest,
        "parameters": asdict(parameters),
        "training_examples": {"hurt": dict(sorted(hurt_set.counts().items())),
                              "problems": dict(sorted(problem_set.counts().items()))},
    }
    return DiagnosisModel(Scorer([hurt, problems, written]), manifest)


def heads_equal(first: Head, second: Head, atol: float = 1e-5) -> bool:
    """Same vocabulary and classes, weights equal up to float noise (for reproducibility checks)."""
    return (
        first.classes == second.classes
        and np.array_equal(first.keys, second.keys)
        and np.allclose(first.weights, second.weights, atol=atol)
        and np.allclose(first.idf2, second.idf2, atol=atol)
        and np.allclose(first.bias, second.bias, atol=atol)
        and abs(first.scale - second.scale) <= 1e-4
        and abs(first.offset - second.offset) <= 1e-4
    )


def read_inputs(export: Path, tax: Taxonomy, *, nlu_dir: Path | None = None,
                learned: Sequence[Example] = ()) -> TrainingInputs:
    """Every input of a training, read and checked: the export, the written examples, the labels
    of real reviews and the learned labels."""
    from outreach.diagnosis.history import read_history
    from outreach.diagnosis.review_labels import read_settled_labels
    from outreach.diagnosis.training_data import NLU_DIR, labelled_examples

    return TrainingInputs(
        history=read_history(export),
        review_labels=read_settled_labels(tax.ids),
        written=labelled_examples(tax.ids, nlu_dir or NLU_DIR),
        learned=list(learned),
    )
