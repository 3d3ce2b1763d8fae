"""The labels of real reviews: keyed to rows of the history export (never its texts), enough of
every problem to train on and to measure, and a second, independent pass over a sample that
agrees with the first as docs/diagnosis.md states."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from outreach.diagnosis.agreement import agreement, kappa
from outreach.diagnosis.history import held_back, read_history
from outreach.diagnosis.review_labels import (
    LABELS_PATH,
    RECHECKED_PATH,
    SECOND_PASS_PATH,
    SETTLED_PATH,
    ReviewLabel,
    ReviewLabelError,
    read_review_labels,
    read_settled_labels,
)
from outreach.diagnosis.taxonomy import taxonomy
from outreach.settings import PROJECT_ROOT
from tests.domain.test_shipped_model import DEFAULT_EXPORT, export_or_skip

MIN_PER_LABEL = 150


@pytest.fixture(scope="module")
def labels() -> dict[str, ReviewLabel]:
    return read_review_labels(LABELS_PATH, taxonomy().ids)


def test_labels_name_rows_not_texts(labels: dict[str, ReviewLabel]) -> None:
    raw = LABELS_PATH.read_text(encoding="utf-8")
    assert re.search(r"[\u4e00-\u9fff]", raw) is None  # no review text is copied into the repository
    assert len(labels) >= 12 * MIN_PER_LABEL


def test_every_labelled_row_is_a_row_of_the_history_export(labels: dict[str, ReviewLabel]) -> None:
    export_or_skip()
    rows = {review.row for review in read_history(DEFAULT_EXPORT).reviews}
    assert set(labels) <= rows


def test_every_label_has_enough_reviews_to_train_and_to_measure(labels: dict[str, ReviewLabel]) -> None:
    named = Counter(label.label for label in labels.values() if label.named)
    assert min(named[label] for label in taxonomy().ids) >= MIN_PER_LABEL, named
    held = Counter(label.label for row, label in labels.items() if label.named and held_back(row))
    assert min(held[label] for label in taxonomy().ids) >= 25, held


def test_the_second_pass_agrees_with_the_first_as_documented(labels: dict[str, ReviewLabel]) -> None:
    second = read_review_labels(SECOND_PASS_PATH, taxonomy().ids)
    result = agreement(labels, second, taxonomy().ids)
    assert result.rows >= 400
    documented = (PROJECT_ROOT / "docs" / "diagnosis.md").read_text(encoding="utf-8")
    assert f"{result.same_label:.1%}" in documented and f"{result.kappa:.2f}" in documented


def test_kappa_is_agreement_beyond_chance() -> None:
    assert kappa(["a", "b", "a", "b"], ["a", "b", "a", "b"]) == 1.0
    assert kappa(["a", "a", "b", "b"], ["a", "b", "a", "b"]) == 0.0


def test_a_bad_labels_file_names_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text('{"row": "0123456789abcdef", "label": "spoiled"}\n{"row": "xyz", "label": "spoiled"}\n'
                    '{"row": "0123456789abcdef", "label": "damaged"}\n{"row": "fedcba9876543210", "label": "meh"}\n'
                    "not json\n", encoding="utf-8")
    with pytest.raises(ReviewLabelError) as raised:
        read_review_labels(path, taxonomy().ids)
    message = str(raised.value)
    for expected in ("line 2: row 'xyz'", "line 3: row 0123456789abcdef is labelled twice",
                     "line 4: unknown label(s) meh", "line 5: expected"):
        assert expected in message


def test_a_third_reading_settles_where_the_passes_differ(tmp_path: Path) -> None:
    first, settled = tmp_path / "first.jsonl", tmp_path / "settled.jsonl"
    first.write_text('{"row": "0123456789abcdef", "label": "spoiled"}\n'
                     '{"row": "fedcba9876543210", "label": "no_problem"}\n', encoding="utf-8")
    settled.write_text('{"row": "fedcba9876543210", "label": "damaged", "also": ["late_delivery"]}\n',
                       encoding="utf-8")
    labels = read_settled_labels(taxonomy().ids, first, settled)
    assert labels["0123456789abcdef"].label == "spoiled"
    assert (labels["fedcba9876543210"].label, labels["fedcba9876543210"].also) == ("damaged", ("late_delivery",))
    settled.write_text('{"row": "00000000000000aa", "label": "damaged"}\n', encoding="utf-8")
    with pytest.raises(ReviewLabelError, match="1 settled row"):
        read_settled_labels(taxonomy().ids, first, settled)


def test_every_settled_row_is_one_where_the_two_passes_differ() -> None:
    first = read_review_labels(LABELS_PATH, taxonomy().ids)
    passes = [read_review_labels(path, taxonomy().ids) for path in (SECOND_PASS_PATH, RECHECKED_PATH)]
    settled = read_review_labels(SETTLED_PATH, taxonomy().ids)
    assert settled and all(
        any(row in other and (first[row].label, first[row].vague) != (other[row].label, other[row].vague)
            for other in passes)
        for row in settled)
