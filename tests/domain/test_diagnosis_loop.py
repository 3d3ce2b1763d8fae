"""Closing the loop: what buyers confirm or correct and what people decide is kept as labelled
examples; texts the model cannot decide wait for a person; a retrain is promoted only when it is
not worse on the fixed held-back slices."""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from outreach.cases.conversation import choose_problem
from outreach.cases.looks import LookError, decide, waiting
from outreach.cases.triage import triage
from outreach.cli import main
from outreach.diagnosis.classifier import Diagnoser
from outreach.diagnosis.decisions import Decision, Thresholds, load_config
from outreach.diagnosis.history import read_history
from outreach.diagnosis.learned import LabelSource, learned_examples
from outreach.diagnosis.registry import load_current, models_dir, promote
from outreach.diagnosis.retraining import retrain
from outreach.diagnosis.taxonomy import taxonomy
from outreach.diagnosis.training import Parameters, TrainingInputs, build
from outreach.diagnosis.training_data import Example, labelled_examples
from outreach.settings import get_settings
from outreach.store.db import session_scope
from outreach.store.models import Case, Feedback, LabelledExample
from outreach.store.types import utcnow
from tests.domain.test_diagnosis_artifact import small_inputs
from tests.factories import make_case, make_order

EVERYTHING_LOOKS = Thresholds(hurt_min=0.5, look_from=0.0, look_until=1.01)


def add_feedback(buyer_id: str, order_id: str | None, text: str) -> int:
    with session_scope() as session:
        row = Feedback(buyer_id=buyer_id, order_id=order_id, source="review", text=text,
                       created_at=utcnow() - timedelta(minutes=30))
        session.add(row)
        session.flush()
        return row.id


def stored_labels() -> list[tuple[str, str, str, str | None]]:
    with session_scope() as session:
        return [(r.text, r.label, r.source, r.model_label) for r in
                session.execute(select(LabelledExample).order_by(LabelledExample.id)).scalars()]


def test_a_buyers_confirmation_labels_their_feedback_once(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", text="螃蟹死了好几只")
    choose_problem(case_id, buyer, "spoiled", "confirmed")
    choose_problem(case_id, buyer, "spoiled", "confirmed")  # repeated: still one label
    assert stored_labels() == [("螃蟹死了好几只", "spoiled", LabelSource.BUYER_CONFIRMED.value, "spoiled")]


def test_a_buyers_correction_labels_their_feedback_with_the_model_that_was_wrong(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", text="颜色不对，要的是红色")
    choose_problem(case_id, buyer, "wrong_item", "corrected", text="不是，是发错颜色了", model_version="dm-test")
    assert stored_labels() == [("颜色不对，要的是红色", "wrong_item", "buyer_corrected", "spoiled")]
    with session_scope() as session:
        example = session.execute(select(LabelledExample)).scalar_one()
        assert example.case_id == case_id and example.created_at is not None
        assert learned_examples(session)[0].label == "wrong_item"


def test_the_latest_label_of_a_text_wins_for_training(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", text="螃蟹有点问题")
    choose_problem(case_id, buyer, "spoiled", "confirmed")
    choose_problem(case_id, buyer, "no_problem", "corrected", text="没事了，是我看错了")
    with session_scope() as session:
        assert [(e.text, e.label) for e in learned_examples(session)] == [("螃蟹有点问题", "no_problem")]


def test_undecided_feedback_waits_for_a_person_and_opens_no_case(db: str) -> None:
    buyer, order = make_order()
    feedback = add_feedback(buyer, order, "螃蟹收到了")
    tax = taxonomy()
    diagnoser = Diagnoser(load_current(get_settings(), tax), EVERYTHING_LOOKS, tax)
    summary = triage(diagnoser)
    assert summary.needs_look == 1 and summary.cases_opened == 0
    with session_scope() as session:
        items = waiting(session)
        stored = session.get(Feedback, feedback)
        assert stored.decision == Decision.LOOK.value and stored.model_version == diagnoser.version
        assert session.execute(select(func.count(Case.id))).scalar_one() == 0
    assert [item.feedback_id for item in items] == [feedback]


def test_english_feedback_goes_to_a_person_with_a_note_never_a_chinese_label(db: str) -> None:
    buyer, order = make_order()
    feedback = add_feedback(buyer, order, "the cream gave me a rash")
    assert triage().needs_look == 1
    with session_scope() as session:
        stored = session.get(Feedback, feedback)
        assert (stored.decision, stored.language, stored.category) == ("look", "en", "no_problem")
        assert "English" in stored.triage_note
        assert session.execute(select(func.count(Case.id))).scalar_one() == 0


def test_a_persons_decision_opens_the_case_records_the_label_and_cannot_be_taken_twice(db: str) -> None:
    buyer, order = make_order()
    feedback = add_feedback(buyer, order, "the crabs were dead when they arrived")
    triage()
    result = decide(feedback, "spoiled", "agent-li", taxonomy())
    assert result.case_opened and result.case_id is not None
    with pytest.raises(LookError, match="已由其他人判断过|不在待人工判断列表"):
        decide(feedback, "no_problem", "agent-wang", taxonomy())
    with session_scope() as session:
        case = session.get(Case, result.case_id)
        assert (case.category, case.status) == ("spoiled", "new")
        assert waiting(session) == []
    assert stored_labels() == [("the crabs were dead when they arrived", "spoiled", "look_decided", "no_problem")]


def test_two_people_deciding_at_once_one_wins(any_db: str) -> None:
    buyer, order = make_order()
    feedback = add_feedback(buyer, order, "parcel never came")
    triage()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def person(label: str) -> None:
        barrier.wait()
        try:
            decide(feedback, label, f"agent-{label}", taxonomy())
            outcomes.append("won")
        except LookError:
            outcomes.append("refused")

    threads = [threading.Thread(target=person, args=(label,)) for label in ("late_delivery", "no_problem")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "won"]
    assert len(stored_labels()) == 1


def test_unknown_labels_and_feedback_not_waiting_are_refused(db: str) -> None:
    buyer, order = make_order()
    feedback = add_feedback(buyer, order, "螃蟹死了三只")
    with pytest.raises(LookError, match="未知的问题类型"):
        decide(feedback, "broken", "agent", taxonomy())
    with pytest.raises(LookError, match="不在待人工判断列表"):
        decide(feedback, "spoiled", "agent", taxonomy())


def test_look_commands_list_and_decide(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    buyer, order = make_order()
    feedback = add_feedback(buyer, order, "Great product, thanks!")
    triage()
    assert main(["look", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(item["feedback_id"], item["language"]) for item in listed] == [(feedback, "en")]
    assert main(["look", "decide", str(feedback), "no_problem", "--by", "lead-zhang"]) == 0
    assert "no_problem" in capsys.readouterr().out
    assert main(["look", "decide", str(feedback), "no_problem"]) == 1


# --- retraining ----------------------------------------------------------------------------------


WRITTEN_PER_LABEL = 60


def sample_of_written_examples(per_label: int) -> dict[str, list[str]]:
    """The first written examples of each label (three times as many of no_problem)."""
    by_label: dict[str, list[str]] = defaultdict(list)
    for text, label in labelled_examples(taxonomy().ids):
        if len(by_label[label]) < per_label * (3 if label == "no_problem" else 1):
            by_label[label].append(text)
    return by_label


def export_of_written_examples(path: Path, per_label: int = 40) -> Path:
    """A rated-review export made from the written examples (rating 1 for problems, 5 for praise)."""
    with path.open("w", encoding="utf-8") as out:
        for label, texts in sorted(sample_of_written_examples(per_label).items()):
            for text in texts:
                out.write(json.dumps({"text": text, "rating": 5 if label == "no_problem" else 1},
                                     ensure_ascii=False) + "\n")
    return path


def inputs_of(export: Path, learned: Sequence[Example] = ()) -> TrainingInputs:
    """What a retrain reads (training.read_inputs), with a sample of the written examples instead of
    all of data/ and without the real reviews' labels: the promotion logic is what these tests
    check, and a build on everything takes minutes (tests/domain/test_shipped_model.py does that)."""
    written = sample_of_written_examples(WRITTEN_PER_LABEL)
    return TrainingInputs(read_history(export), {}, [(t, label) for label, texts in written.items() for t in texts],
                          list(learned))


def test_a_retrain_that_is_not_worse_is_promoted_and_used_from_then_on(db: str, tmp_path: Path) -> None:
    settings = get_settings()
    tax = taxonomy()
    weak = build(small_inputs(per_label=3), Parameters(calibration_folds=2), tax)
    promote(weak, settings.var_dir)
    assert load_current(settings, tax).version == weak.version
    export = export_of_written_examples(tmp_path / "export.jsonl")
    result = retrain(settings, inputs_of(export), tax, load_config(), parameters=Parameters(calibration_folds=2))
    assert result.promoted and result.comparison.not_worse and result.current_version == weak.version
    assert load_current(settings, tax).version == result.candidate.model.version != weak.version
    log = (models_dir(settings.var_dir) / "promotions.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(log[-1])["previous"] == weak.version


def test_a_worse_retrain_is_kept_but_not_promoted_unless_forced_with_a_reason(db: str, tmp_path: Path) -> None:
    settings = get_settings()
    tax = taxonomy()
    export = export_of_written_examples(tmp_path / "export.jsonl")
    inputs = inputs_of(export)
    good = retrain(settings, inputs, tax, load_config(), parameters=Parameters(calibration_folds=2))
    promote(good.candidate.model, settings.var_dir)
    crippled = Parameters(calibration_folds=2, c_hurt=0.0005, c_problems=0.0005)
    worse = retrain(settings, inputs, tax, load_config(), parameters=crippled)
    assert not worse.promoted and worse.comparison.worse
    assert (worse.folder / "manifest.json").exists()  # kept for a look, not in use
    assert load_current(settings, tax).version == good.candidate.model.version
    forced = retrain(settings, inputs, tax, load_config(), parameters=crippled,
                     force_reason="testing the rollback path")
    assert forced.promoted
    entry = json.loads((models_dir(settings.var_dir) / "promotions.jsonl").read_text().splitlines()[-1])
    assert entry["forced"] is True and entry["reason"] == "testing the rollback path" and entry["worse"]


def test_the_retrain_command_needs_a_reason_to_force(db: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["model", "retrain", "--export", str(tmp_path / "none.jsonl"), "--force"]) == 2
    assert "--force needs --reason" in capsys.readouterr().err
    assert main(["model", "retrain", "--export", str(tmp_path / "none.jsonl")]) == 2
    assert "no such export file" in capsys.readouterr().err


def test_learned_labels_train_the_candidate(db: str, tmp_path: Path) -> None:
    case_id, buyer, _ = make_case("spoiled", text="收到的帝王蟹腿全化冻了还有异味")
    choose_problem(case_id, buyer, "spoiled", "confirmed")
    with session_scope() as session:
        learned = learned_examples(session)
    export = export_of_written_examples(tmp_path / "export.jsonl", per_label=10)
    result = retrain(get_settings(), inputs_of(export, learned), taxonomy(), load_config(),
                     parameters=Parameters(calibration_folds=2))
    inputs = result.candidate.model.manifest["inputs"]
    assert inputs["learned_labels"]["count"] == 1
    assert result.candidate.model.manifest["training_examples"]["problems"]["spoiled"] > 0
