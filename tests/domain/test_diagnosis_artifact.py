"""A trained model on disk: versioned by its inputs, loaded the same way everywhere, refused with a
message naming the file and what to run when it does not fit the code or the taxonomy."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from outreach.diagnosis.artifact import FORMAT, HEADS, MANIFEST, WEIGHTS, ModelFileError, load, save
from outreach.diagnosis.history import History, Review, row_id
from outreach.diagnosis.taxonomy import NO_PROBLEM, Taxonomy, taxonomy
from outreach.diagnosis.training import Parameters, TooFewExamples, TrainingInputs, build, heads_equal
from outreach.diagnosis.training_data import Example, labelled_examples

PARAMETERS = Parameters(calibration_folds=2)


def small_inputs(per_label: int = 12) -> TrainingInputs:
    by_label: dict[str, list[str]] = defaultdict(list)
    for text, label in labelled_examples(taxonomy().ids):
        if len(by_label[label]) < per_label:
            by_label[label].append(text)
    written = [(text, label) for label, texts in sorted(by_label.items()) for text in texts]
    reviews = [Review(i + 1, text, label != NO_PROBLEM, row_id(text)) for i, (text, label) in enumerate(written)]
    history = History(Path("export.jsonl"), "0" * 64, reviews)
    return TrainingInputs(history, {}, written)


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("model")
    save(build(small_inputs(), PARAMETERS, taxonomy()), folder)
    return folder


def test_the_same_inputs_give_the_same_version_and_weights(model_folder: Path) -> None:
    again = build(small_inputs(), PARAMETERS, taxonomy())
    saved = load(model_folder, taxonomy())
    assert again.version == saved.version
    assert all(heads_equal(again.scorer.head(name), saved.scorer.head(name)) for name in HEADS)
    other = build(small_inputs(), Parameters(calibration_folds=2, c_problems=3.0), taxonomy())
    assert other.version != saved.version  # parameters are part of the version


def test_saving_twice_writes_the_same_bytes(model_folder: Path, tmp_path: Path) -> None:
    save(load(model_folder, taxonomy()), tmp_path)
    assert (tmp_path / WEIGHTS).read_bytes() == (model_folder / WEIGHTS).read_bytes()


def test_a_loaded_model_scores_like_the_one_saved(model_folder: Path) -> None:
    model = build(small_inputs(), PARAMETERS, taxonomy())
    texts = ["螃蟹死了三只", "挺好的", "发错颜色了"]
    before = model.scorer.scores(texts).heads
    after = load(model_folder, taxonomy()).scorer.scores(texts).heads
    for name in HEADS:
        assert np.allclose(before[name].texts, after[name].texts)


def test_the_manifest_records_inputs_parameters_and_examples(model_folder: Path) -> None:
    manifest = json.loads((model_folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["format"] == FORMAT and manifest["version"].startswith("dm-")
    assert set(manifest["inputs"]) >= {"export", "written_examples", "review_labels", "learned_labels", "sha256"}
    assert manifest["parameters"]["calibration_folds"] == 2
    assert set(manifest["heads"]) == set(HEADS) == {"hurt", "problems", "problems_written"}


def _copy(folder: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(folder, target)
    return target


def _edit_manifest(folder: Path, **changes: object) -> None:
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    manifest.update(changes)
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": FORMAT - 1}, "model format"),
        ({"features": "char-1-4/v9"}, "made with features"),
        ({"labels": ["spoiled", "no_problem"]}, "trained for the labels"),
        ({"weights_sha256": "0" * 64}, "does not match"),
    ],
)
def test_a_model_that_does_not_fit_is_refused_naming_the_file_and_what_to_run(
    model_folder: Path, tmp_path: Path, change: dict, message: str
) -> None:
    folder = _copy(model_folder, tmp_path, "changed")
    _edit_manifest(folder, **change)
    with pytest.raises(ModelFileError, match=message) as raised:
        load(folder, taxonomy())
    assert str(folder) in str(raised.value) and "outreach model train" in str(raised.value)


def test_a_taxonomy_with_another_label_refuses_the_model(model_folder: Path) -> None:
    tax = taxonomy()
    grown = Taxonomy.parse_obj({**tax.dict(), "labels": [*tax.dict()["labels"],
                                                         {"id": "gift_missing", "zh": "赠品", "severity": 4,
                                                          "covers": "x"}]})
    with pytest.raises(ModelFileError, match="taxonomy"):
        load(model_folder, grown)


def test_a_missing_or_broken_model_folder_is_refused(tmp_path: Path, model_folder: Path) -> None:
    with pytest.raises(ModelFileError, match="no manifest.json"):
        load(tmp_path / "nothing", taxonomy())
    broken = _copy(model_folder, tmp_path, "broken")
    (broken / MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelFileError, match="unreadable"):
        load(broken, taxonomy())


def test_too_few_examples_name_the_classes_and_counts() -> None:
    inputs = small_inputs(per_label=12)
    inputs.written = [(t, label) for t, label in inputs.written if label != "price_issue"]
    inputs.learned = [Example("价格不对", "price_issue", "learned:buyer_corrected")]
    with pytest.raises(TooFewExamples, match="price_issue 1") as raised:
        build(inputs, PARAMETERS, taxonomy(), min_examples=5)
    assert raised.value.counts == {"price_issue": 1}
