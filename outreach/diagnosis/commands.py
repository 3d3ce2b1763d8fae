"""Commands for the diagnosis model and its labels: `outreach model train|retrain|show|check`,
`outreach labels agreement`, `outreach look list|decide`, `outreach eval`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from outreach.settings import PROJECT_ROOT, get_settings

DEFAULT_EXPORT = PROJECT_ROOT.parent / "shared" / "corpora" / "platform_reviews.tsv"


def _export(args: argparse.Namespace) -> Path:
    return Path(args.export or os.environ.get("OUTREACH_HISTORY_EXPORT") or DEFAULT_EXPORT)


def _fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _print(data: Any, as_json: bool, human: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2) if as_json else human)


def _summary(figures: dict[str, float]) -> str:
    return "\n".join(f"  {name:<28}{value:.4f}" for name, value in figures.items())


def cmd_model_train(args: argparse.Namespace) -> int:
    from outreach.diagnosis.artifact import save
    from outreach.diagnosis.decisions import DiagnosisConfigError, load_config
    from outreach.diagnosis.history import HistoryError
    from outreach.diagnosis.registry import models_dir
    from outreach.diagnosis.retraining import train
    from outreach.diagnosis.review_labels import ReviewLabelError
    from outreach.diagnosis.taxonomy import taxonomy
    from outreach.diagnosis.training import TooFewExamples, read_inputs

    export = _export(args)
    if not export.is_file():
        return _fail(f"{export}: no such export file; pass --export FILE (docs/data-formats.md)")
    tax = taxonomy()
    try:
        config = load_config()
        inputs = read_inputs(export, tax)
        trained = train(inputs, tax, config)
    except (HistoryError, ReviewLabelError, TooFewExamples, DiagnosisConfigError, ValueError) as error:
        return _fail(str(error), 1)
    folder = Path(args.out) if args.out else models_dir(get_settings().var_dir) / trained.model.version
    save(trained.model, folder)
    headline = trained.figures.headline()
    _print({"version": trained.model.version, "folder": str(folder), "figures": headline}, args.json,
           f"model {trained.model.version} written to {folder}\n{_summary(headline)}\n"
           f"use it with OUTREACH_DIAGNOSIS_MODEL={folder}, or let `outreach model retrain` promote a retrain")
    return 0


def cmd_model_retrain(args: argparse.Namespace) -> int:
    from outreach.diagnosis.decisions import load_config
    from outreach.diagnosis.history import HistoryError
    from outreach.diagnosis.learned import learned_examples
    from outreach.diagnosis.retraining import format_comparison, retrain
    from outreach.diagnosis.taxonomy import taxonomy
    from outreach.diagnosis.training import TooFewExamples, read_inputs
    from outreach.store.db import session_scope

    if args.force and not (args.reason or "").strip():
        return _fail("--force needs --reason: say why a model that is worse on some figure should be used")
    export = _export(args)
    if not export.is_file():
        return _fail(f"{export}: no such export file; pass --export FILE (docs/data-formats.md)")
    with session_scope() as session:
        learned = learned_examples(session)
    try:
        inputs = read_inputs(export, taxonomy(), learned=learned)
        result = retrain(get_settings(), inputs, taxonomy(), load_config(),
                         force_reason=args.reason if args.force else None)
    except (HistoryError, TooFewExamples, ValueError) as error:
        return _fail(str(error), 1)
    comparison = result.comparison
    if args.json:
        _print({"candidate": result.candidate.model.version, "in_use_before": result.current_version,
                "learned_labels": len(learned), "promoted": result.promoted,
                "figures": [{"figure": c.figure, "in_use": c.current, "candidate": c.candidate, "change": c.delta}
                            for c in comparison.changes],
                "worse": [c.figure for c in comparison.worse], "folder": str(result.folder)}, True, "")
    else:
        print(f"candidate trained with {len(learned)} learned label(s) on top of the export and data/\n")
        print(format_comparison(result))
        print()
        if result.promoted and comparison.not_worse:
            print(f"promoted {result.candidate.model.version}: no figure worse than in use "
                  f"(tolerance {comparison.tolerance})")
        elif result.promoted:
            print(f"promoted {result.candidate.model.version} although worse on "
                  f"{', '.join(c.figure for c in comparison.worse)} (forced: {result.forced_reason})")
        else:
            print(f"not promoted: worse on {', '.join(c.figure for c in comparison.worse)}; the candidate is kept in "
                  f"{result.folder}; use --force --reason TEXT to promote it anyway")
    return 0 if result.promoted else 1


def cmd_model_show(args: argparse.Namespace) -> int:
    from outreach.diagnosis.artifact import ModelFileError, read_manifest
    from outreach.diagnosis.registry import model_folder

    try:
        folder = model_folder(get_settings())
        manifest = read_manifest(folder)
    except ModelFileError as error:
        return _fail(str(error))
    data = {"folder": str(folder), **{key: manifest.get(key) for key in
                                     ("version", "format", "features", "inputs", "parameters", "training_examples")},
            "figures": (manifest.get("evaluation") or {}).get("headline")}
    inputs = manifest.get("inputs") or {}
    human = (f"model {manifest.get('version')} in {folder}\n"
             f"  export {inputs.get('export', {}).get('file')} ({inputs.get('export', {}).get('reviews')} reviews), "
             f"{inputs.get('written_examples', {}).get('count')} written examples, "
             f"{inputs.get('review_labels', {}).get('count')} labelled reviews, "
             f"{inputs.get('learned_labels', {}).get('count')} learned labels\n" + _summary(data["figures"] or {}))
    _print(data, args.json, human)
    return 0


def cmd_model_check(args: argparse.Namespace) -> int:
    from outreach.diagnosis.artifact import ModelFileError
    from outreach.diagnosis.registry import check_model_in_use
    from outreach.diagnosis.taxonomy import taxonomy

    try:
        version = check_model_in_use(get_settings(), taxonomy())
    except ModelFileError as error:
        return _fail(str(error))
    print(f"model {version} loads and fits this code and taxonomy")
    return 0


def cmd_labels_agreement(args: argparse.Namespace) -> int:
    from outreach.diagnosis.agreement import agreement, format_agreement
    from outreach.diagnosis.review_labels import LABELS_PATH, SECOND_PASS_PATH, read_review_labels
    from outreach.diagnosis.taxonomy import taxonomy

    tax = taxonomy()
    first = read_review_labels(Path(args.first or LABELS_PATH), tax.ids)
    second = read_review_labels(Path(args.second or SECOND_PASS_PATH), tax.ids)
    result = agreement(first, second, tax.ids)
    if result.rows == 0:
        return _fail("the two label files share no row")
    _print(result.as_dict(), args.json, format_agreement(result))
    return 0


def cmd_look_list(args: argparse.Namespace) -> int:
    from outreach.cases.looks import waiting
    from outreach.store.db import session_scope

    with session_scope() as session:
        items = waiting(session, args.limit)
    human = "\n".join(
        f"feedback {i.feedback_id:>6}  buyer {i.buyer_id}  order {i.order_id or '-'}  "
        f"{f'P(hurt) {i.hurt_probability:.2f}' if i.hurt_probability is not None else i.language}  "
        f"{i.note or ''}\n    {i.text[:120]}"
        for i in items
    ) or "nothing waiting for a look"
    _print([i.as_dict() for i in items], args.json, human)
    return 0


def cmd_look_decide(args: argparse.Namespace) -> int:
    import getpass

    from outreach.cases.looks import LookError, decide
    from outreach.diagnosis.taxonomy import taxonomy

    try:
        result = decide(args.feedback_id, args.label, args.by or getpass.getuser(), taxonomy())
    except LookError as error:
        return _fail(str(error), 1)
    human = (f"feedback {result.feedback_id}: {result.label}"
             + (f"; case {result.case_id} {'opened' if result.case_opened else 'joined'}" if result.case_id else ""))
    _print(result.__dict__, args.json, human)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from outreach.diagnosis.evaluate_command import run_evaluation

    return run_evaluation(export=_export(args), rasa_folds=args.rasa_folds, as_json=args.json)


def add_commands(sub: argparse._SubParsersAction) -> None:
    model = sub.add_parser("model", help="the diagnosis model").add_subparsers(dest="model_command", required=True)
    train = model.add_parser("train", help="train a model on a rated-review export and the labelled examples in data/")
    train.add_argument("--export", help="rated reviews: JSON lines, CSV or TSV (docs/data-formats.md); default "
                                        "OUTREACH_HISTORY_EXPORT or ../shared/corpora/platform_reviews.tsv")
    train.add_argument("--out", help="model folder to write (default var/models/diagnosis/<version>)")
    train.add_argument("--json", action="store_true")
    train.set_defaults(func=cmd_model_train)
    retrain = model.add_parser("retrain", help="train a candidate with the labels learned since, compare it with the "
                                               "model in use and promote it when it is not worse")
    retrain.add_argument("--export", help="rated reviews (as for train)")
    retrain.add_argument("--force", action="store_true", help="promote even if worse on some figure")
    retrain.add_argument("--reason", help="why it is forced (kept in var/models/diagnosis/promotions.jsonl)")
    retrain.add_argument("--json", action="store_true")
    retrain.set_defaults(func=cmd_model_retrain)
    show = model.add_parser("show", help="the model in use: version, inputs, figures")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_model_show)
    model.add_parser("check", help="check that the model in use loads and fits the code and taxonomy"
                     ).set_defaults(func=cmd_model_check)

    labels = sub.add_parser("labels", help="labels of real reviews").add_subparsers(dest="labels_command",
                                                                                    required=True)
    agree = labels.add_parser("agreement", help="how well two labelling passes over the same reviews agree")
    agree.add_argument("--first", help="default data/labels/reviews.jsonl")
    agree.add_argument("--second", help="default data/labels/reviews_second_pass.jsonl")
    agree.add_argument("--json", action="store_true")
    agree.set_defaults(func=cmd_labels_agreement)

    look = sub.add_parser("look", help="feedback the model could not decide: a person decides").add_subparsers(
        dest="look_command", required=True)
    listing = look.add_parser("list", help="feedback waiting for a person, oldest first")
    listing.add_argument("--limit", type=int, default=200)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_look_list)
    decide = look.add_parser("decide", help="label a waiting feedback; a problem opens the buyer's case")
    decide.add_argument("feedback_id", type=int)
    decide.add_argument("label", help="one of the taxonomy's labels (no_problem closes it)")
    decide.add_argument("--by", help="who decides (default: the login name)")
    decide.add_argument("--json", action="store_true")
    decide.set_defaults(func=cmd_look_decide)

    evaluate = sub.add_parser("eval", help="the model in use on the held-back slices, with targets (make eval)")
    evaluate.add_argument("--export", help="rated reviews (as for train) whose held-back rows are evaluated")
    evaluate.add_argument("--rasa-folds", type=int, default=0,
                          help="also run Rasa's NLU cross-validation with this many folds (0: skip)")
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(func=cmd_eval)
