"""Reading a YAML data file (taxonomy, rules, limits) and validating it against its schema."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


def load_yaml_model(path: Path | str, model: type[Model], error: type[ValueError], what: str) -> Model:
    """The file parsed into `model`; `error` names the file and every problem otherwise."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as exc:  # ValueError: e.g. a date like 2026-02-30
        raise error(f"{path}: cannot read the {what} (UTF-8 YAML expected): {exc}") from exc
    try:
        return model.parse_obj(raw)
    except ValidationError as exc:
        raise error(f"{path}: invalid {what}:\n{exc}") from exc
