"""Which diagnosis model is in use, and where models live.

- The shipped model (outreach/diagnosis/shipped/) is what a fresh clone uses: trained by
  `outreach model train` on the platform's history export and the labelled examples in data/.
- A retrain that is promoted (`outreach model retrain`) is kept under var/models/diagnosis/<version>/,
  and var/models/diagnosis/current names it; from then on it is in use.
- OUTREACH_DIAGNOSIS_MODEL names a model folder to use instead of either.
Bulk triage, the scheduler and the bot all load the model through `load_diagnoser`.
"""

from __future__ import annotations

from pathlib import Path

from outreach.diagnosis.artifact import DiagnosisModel, ModelFileError, load, save
from outreach.diagnosis.classifier import Diagnoser
from outreach.diagnosis.decisions import DiagnosisConfig, load_config, thresholds
from outreach.diagnosis.taxonomy import Taxonomy, taxonomy
from outreach.settings import Settings, get_settings

SHIPPED = Path(__file__).resolve().parent / "shipped"
CURRENT = "current"


def models_dir(var_dir: Path) -> Path:
    return var_dir / "models" / "diagnosis"


def promoted(var_dir: Path) -> Path | None:
    """The promoted model's folder, if a retrain was promoted."""
    pointer = models_dir(var_dir) / CURRENT
    if not pointer.is_file():
        return None
    version = pointer.read_text(encoding="utf-8").strip()
    folder = models_dir(var_dir) / version
    if not version or "/" in version or not folder.is_dir():
        raise ModelFileError(f"{pointer}: names model {version!r}, which is not in {models_dir(var_dir)}; "
                             f"promote a model with `outreach model retrain`, or delete {pointer} to use the "
                             "shipped one")
    return folder


def model_folder(settings: Settings) -> Path:
    return settings.diagnosis_model or promoted(settings.var_dir) or SHIPPED


def load_current(settings: Settings, tax: Taxonomy) -> DiagnosisModel:
    return load(model_folder(settings), tax)


def load_diagnoser(settings: Settings | None = None, config: DiagnosisConfig | None = None) -> Diagnoser:
    settings = settings if isinstance(settings, Settings) else get_settings()
    tax = taxonomy()
    return Diagnoser(load_current(settings, tax), thresholds((config or load_config()).costs), tax)


def keep(model: DiagnosisModel, var_dir: Path) -> Path:
    """Store a trained model under var/models/diagnosis/<version>/ (not yet in use)."""
    return save(model, models_dir(var_dir) / model.version)


def promote(model: DiagnosisModel, var_dir: Path) -> Path:
    """Put a kept model in use: the pointer is replaced atomically."""
    folder = models_dir(var_dir) / model.version
    if model.path != folder:
        save(model, folder)
    pointer = models_dir(var_dir) / CURRENT
    tmp = pointer.with_suffix(".tmp")
    tmp.write_text(model.version + "\n", encoding="utf-8")
    tmp.replace(pointer)
    return folder


def check_model_in_use(settings: Settings, tax: Taxonomy) -> str:
    """Load the model in use as every process will, and return its version; a model that does not
    load or fit raises ModelFileError naming the file and what to run."""
    folder = model_folder(settings)
    try:
        return load_current(settings, tax).version
    except OSError as error:
        raise ModelFileError(f"{folder}: cannot read the model ({error})") from None
