"""Problem labels of real reviews from the platform's history.

Each line names a review by its row id in the export (outreach.diagnosis.history.row_id), never
by its text: the texts stay in the export. The labelling rules are in docs/labelling.md.

- data/labels/reviews.jsonl: the first labelling pass, every labelled review;
- data/labels/reviews_second_pass.jsonl: a second, independent pass over part of them (the whole
  held-back slice and a random sample), from which the agreement figures come;
- data/labels/reviews_rechecked.jsonl: a second, independent pass over the training reviews whose
  first-pass label the model disagreed with (chosen by the model, so not an agreement sample);
- data/labels/reviews_settled.jsonl: wherever a second pass differs from the first, the label a
  third reading settled on. The labels that train and measure are the first pass with these.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from outreach.diagnosis.taxonomy import NO_PROBLEM
from outreach.settings import PROJECT_ROOT

LABELS_PATH = PROJECT_ROOT / "data" / "labels" / "reviews.jsonl"
SECOND_PASS_PATH = PROJECT_ROOT / "data" / "labels" / "reviews_second_pass.jsonl"
RECHECKED_PATH = PROJECT_ROOT / "data" / "labels" / "reviews_rechecked.jsonl"
SETTLED_PATH = PROJECT_ROOT / "data" / "labels" / "reviews_settled.jsonl"


@dataclass(frozen=True)
class ReviewLabel:
    row: str
    label: str
    also: tuple[str, ...] = ()
    vague: bool = False

    @property
    def hurt(self) -> bool:
        return self.label != NO_PROBLEM

    @property
    def named(self) -> bool:
        """Whether the label names the problem (not a guess for a vague rant)."""
        return not self.vague


class ReviewLabelError(ValueError):
    pass


def read_review_labels(path: Path, known: Sequence[str]) -> dict[str, ReviewLabel]:
    """Row id -> label; every bad line is reported with its number."""
    if not path.exists():
        return {}
    known_set = set(known)
    labels: dict[str, ReviewLabel] = {}
    problems: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            entry = ReviewLabel(str(row["row"]), str(row["label"]), tuple(row.get("also") or ()),
                                bool(row.get("vague", False)))
        except (ValueError, KeyError, TypeError) as error:
            problems.append(f"line {number}: expected {{\"row\": ..., \"label\": ...}} ({error})")
            continue
        unknown = [label for label in (entry.label, *entry.also) if label not in known_set]
        if unknown:
            problems.append(f"line {number}: unknown label(s) {', '.join(unknown)}")
        elif len(entry.row) != 16 or any(ch not in "0123456789abcdef" for ch in entry.row):
            problems.append(f"line {number}: row {entry.row!r} is not a 16-hex-digit row id")
        elif entry.row in labels:
            problems.append(f"line {number}: row {entry.row} is labelled twice")
        else:
            labels[entry.row] = entry
    if problems:
        raise ReviewLabelError(f"{path}: " + "; ".join(problems[:20]))
    return labels


def read_settled_labels(known: Sequence[str], first: Path = LABELS_PATH, settled: Path = SETTLED_PATH
                        ) -> dict[str, ReviewLabel]:
    """The labels that train and measure: the first pass, with the label a third reading settled on
    wherever the passes differed. A settled row the first pass does not hold is an error."""
    labels = read_review_labels(first, known)
    settlements = read_review_labels(settled, known)
    strangers = sorted(set(settlements) - set(labels))
    if strangers:
        raise ReviewLabelError(f"{settled}: {len(strangers)} settled row(s) not in {first.name}, "
                               f"first {', '.join(strangers[:5])}")
    return {**labels, **settlements}
