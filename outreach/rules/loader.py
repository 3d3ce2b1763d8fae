"""The one loader for rules files: parse, validate against the schema and the taxonomy."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from outreach.datafiles import load_yaml_model
from outreach.diagnosis.taxonomy import taxonomy
from outreach.rules.schema import TEMPLATE_FIELDS, RuleBook

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "defaults" / "rules.yml"


class RulesError(ValueError):
    pass


def load_rules(path: Path | str = DEFAULT_PATH) -> RuleBook:
    book = load_yaml_model(path, RuleBook, RulesError, "rules")
    unknown = sorted(set(book.remedies) - set(taxonomy().ids))
    if unknown:
        raise RulesError(
            f"{path}: remedies name unknown labels {', '.join(unknown)}; "
            f"use labels from the taxonomy: {', '.join(taxonomy().ids)}"
        )
    problems = list(_template_problems(book))
    if problems:
        raise RulesError(f"{path}: invalid rules:\n" + "\n".join(problems))
    return book


def _template_problems(book: RuleBook) -> list[str]:
    """Every say/done sentence must fill with the placeholders the engine provides."""
    sample = {name: "1" for name in TEMPLATE_FIELDS}
    problems = []
    for label, remedies in book.remedies.items():
        for rule in remedies:
            for field_name in ("say", "done"):
                try:
                    getattr(rule, field_name).format(**sample)
                except (KeyError, IndexError, ValueError) as exc:
                    problems.append(
                        f"remedies.{label}.{rule.id}.{field_name}: bad placeholder {exc}; "
                        f"use only {{{'}, {'.join(TEMPLATE_FIELDS)}}}"
                    )
    return problems


@lru_cache(maxsize=1)
def rules() -> RuleBook:
    return load_rules()
