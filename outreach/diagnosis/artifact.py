"""A trained diagnosis model on disk: a folder with `manifest.json` (version, inputs, parameters,
evaluation figures) and `weights.npz` (the heads' arrays). Bulk triage and the bot load it the same
way; a model that does not fit this code or the taxonomy is refused with what to run."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from outreach.diagnosis.features import FEATURES
from outreach.diagnosis.model import Head, Scorer, Scores
from outreach.diagnosis.taxonomy import NO_PROBLEM, Taxonomy

FORMAT = 5  # bump when the files' layout or meaning changes
MANIFEST = "manifest.json"
WEIGHTS = "weights.npz"
HURT = "hurt"  # head: P(hurt) for the text, calibrated
PROBLEMS = "problems"  # head: P(problem label | hurt) over the taxonomy's problem labels
WRITTEN = "problems_written"  # head: the same, learned from the written examples alone
HEADS = (HURT, PROBLEMS, WRITTEN)
TRAIN_HINT = "run `outreach model train --export FILE` (docs/diagnosis.md) or unset OUTREACH_DIAGNOSIS_MODEL"


class ModelFileError(ValueError):
    """A model folder that cannot be used: the message names it and what to run."""


@dataclass
class DiagnosisModel:
    scorer: Scorer
    manifest: dict[str, Any]
    path: Path | None = None

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    @property
    def hurt(self) -> Head:
        return self.scorer.head(HURT)

    @property
    def problems(self) -> Head:
        return self.scorer.head(PROBLEMS)

    @property
    def written_mix(self) -> float:
        """The written-examples head's share of P(problem | hurt) (its columns are in the same order)."""
        return float(self.manifest["parameters"]["written_mix"])

    def given_hurt(self, scores: Scores) -> tuple[np.ndarray, np.ndarray]:
        """P(problem | hurt) for the texts and for their clauses: the problems heads mixed."""
        mix = self.written_mix
        real, written = scores.heads[PROBLEMS], scores.heads[WRITTEN]
        return ((1 - mix) * real.texts + mix * written.texts, (1 - mix) * real.clauses + mix * written.clauses)


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz archive with fixed timestamps: the same arrays always give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def save(model: DiagnosisModel, folder: Path) -> Path:
    """Write the model into folder (created; files replaced atomically)."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    for head in model.scorer.heads:
        arrays.update(head.arrays())
    weights = _npz_bytes(arrays)
    manifest = dict(model.manifest)
    manifest["heads"] = {head.name: head.describe() for head in model.scorer.heads}
    manifest["weights_sha256"] = hashlib.sha256(weights).hexdigest()
    for name, data in ((WEIGHTS, weights), (MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
                                            .encode("utf-8"))):
        tmp = folder / f".{name}.tmp"
        tmp.write_bytes(data)
        tmp.replace(folder / name)
    model.manifest, model.path = manifest, folder
    return folder


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise ModelFileError(f"{folder}: not a diagnosis model (no {MANIFEST}); {TRAIN_HINT}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as error:
        raise ModelFileError(f"{path}: unreadable ({error}); {TRAIN_HINT}") from None
    if not isinstance(manifest, dict):
        raise ModelFileError(f"{path}: not a model manifest; {TRAIN_HINT}")
    return manifest


def check_fits(manifest: dict[str, Any], folder: Path, tax: Taxonomy) -> None:
    """Refuse a model made for other code or another taxonomy."""
    where = folder / MANIFEST
    if manifest.get("format") != FORMAT:
        raise ModelFileError(f"{where}: model format {manifest.get('format')!r}, this version of outreach reads "
                             f"format {FORMAT}; {TRAIN_HINT}")
    if manifest.get("features") != FEATURES:
        raise ModelFileError(f"{where}: made with features {manifest.get('features')!r}, this code computes "
                             f"{FEATURES!r}; {TRAIN_HINT}")
    labels = manifest.get("labels")
    if labels != tax.ids:
        raise ModelFileError(f"{where}: trained for the labels {labels}, but the taxonomy has {tax.ids}; {TRAIN_HINT}")
    heads = manifest.get("heads") or {}
    problems = sorted(label for label in tax.ids if label != NO_PROBLEM)
    if (set(heads) != set(HEADS) or any(heads[name].get("classes") != problems for name in (PROBLEMS, WRITTEN))
            or "written_mix" not in (manifest.get("parameters") or {})):
        raise ModelFileError(f"{where}: heads {sorted(heads)} do not fit this code's {', '.join(HEADS)} over the "
                             f"taxonomy's problem labels; {TRAIN_HINT}")


def load(folder: Path, tax: Taxonomy) -> DiagnosisModel:
    manifest = read_manifest(folder)
    check_fits(manifest, folder, tax)
    path = folder / WEIGHTS
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ModelFileError(f"{path}: cannot read the weights ({error.strerror}); {TRAIN_HINT}") from None
    if hashlib.sha256(data).hexdigest() != manifest.get("weights_sha256"):
        raise ModelFileError(f"{path}: does not match {MANIFEST} (its SHA-256 differs): the model's files are "
                             f"damaged or from two trainings; {TRAIN_HINT}")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        heads = [Head.from_arrays(name, manifest["heads"][name], arrays) for name in HEADS]
    except (ValueError, KeyError, OSError, zipfile.BadZipFile) as error:
        raise ModelFileError(f"{path}: unreadable weights ({error}); {TRAIN_HINT}") from None
    return DiagnosisModel(Scorer(heads), manifest, folder)
