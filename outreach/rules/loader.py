"""The one loader for rules files: parse, validate against the schema and the taxonomy.

Every problem is reported with the file, the line and a plain explanation; a file with any
problem is refused as a whole.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from outreach.diagnosis.taxonomy import taxonomy
from outreach.rules.schema import TEMPLATE_FIELDS, RuleBook

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "defaults" / "rules.yml"
RULES_ENV = "OUTREACH_RULES_FILE"
# Sections merged label by label when several files are loaded; other keys are replaced whole.
MERGED_SECTIONS = ("remedies", "issues", "person_first")
Loc = tuple[Any, ...]
Origins = dict[Loc, tuple[Path, int]]


class RulesError(ValueError):
    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


def _lines(node: yaml.Node, loc: Loc = (), out: dict[Loc, int] | None = None) -> dict[Loc, int]:
    """Each key path of the document -> its 1-based line."""
    out = {} if out is None else out
    out.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out[loc + (key.value,)] = key.start_mark.line + 1
            _lines(value, loc + (key.value,), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _lines(value, loc + (index,), out)
    return out


def origin_of(origins: Origins, loc: Loc, fallback: Path) -> str:
    """FILE:LINE of the deepest part of loc present in the files."""
    loc = tuple(part for part in loc if part != "__root__")
    while loc and loc not in origins:
        loc = loc[:-1]
    path, line = origins.get(loc, (fallback, 1))
    return f"{path}:{line}"


def _where(loc: Loc) -> str:
    return ".".join(str(part) for part in loc if part != "__root__") or "(top level)"


def _read(path: Path) -> tuple[Any, dict[Loc, int]]:
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        raw = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else 1
        raise RulesError(f"{path}:{line}: not valid YAML: {exc.problem}; fix the syntax there") from exc
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise RulesError(f"{path}: cannot read the rules (UTF-8 YAML expected): {exc}") from exc
    if node is None or not isinstance(raw, dict):
        raise RulesError(f"{path}:1: the rules file must be a mapping of settings (auto_approval_cap_fen, "
                         "remedies, ...); see docs/rules.md")
    return raw, _lines(node)


def _merge(paths: list[Path]) -> tuple[dict[str, Any], Origins]:
    """Later files override earlier ones: whole keys, or single labels of the merged sections."""
    merged: dict[str, Any] = {}
    origins: Origins = {}
    for path in paths:
        raw, lines = _read(path)
        for key, value in raw.items():
            if key in MERGED_SECTIONS and isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
                parts = [(key, label) for label in value]
            else:
                merged[key] = value
                parts = [(key,)]
            for part in parts:
                for loc in [loc for loc in origins if loc[:len(part)] == part]:
                    del origins[loc]
                origins.update({loc: (path, line) for loc, line in lines.items() if loc[:len(part)] == part})
        origins.setdefault((), (path, 1))
    return merged, origins


def load_rules(*paths: Path | str) -> RuleBook:
    """The validated rules of one or more files (later ones override), or RulesError listing
    every problem as FILE:LINE: where: what is wrong."""
    files = [Path(p) for p in paths] or [DEFAULT_PATH]
    name = ", ".join(map(str, files))
    raw, origins = _merge(files)
    try:
        book = RuleBook.parse_obj(raw)
    except ValidationError as exc:
        problems = [f"{origin_of(origins, e['loc'], files[-1])}: {_where(e['loc'])}: {_plain(e)}"
                    for e in exc.errors()]
        raise RulesError(f"{name}: invalid rules:\n" + "\n".join(problems), problems) from exc
    problems = [f"{origin_of(origins, loc, files[-1])}: {_where(loc)}: {text}" for loc, text in _meaning_problems(book)]
    if problems:
        raise RulesError(f"{name}: invalid rules:\n" + "\n".join(problems), problems)
    return book


def rules_paths() -> list[Path]:
    """OUTREACH_RULES_FILE: one file, or several separated by the path separator (':' on Linux)."""
    configured = os.environ.get(RULES_ENV, "")
    return [Path(p) for p in configured.split(os.pathsep) if p] or [DEFAULT_PATH]


def _plain(error: dict[str, Any]) -> str:
    if error["type"] == "value_error.extra":
        return "unknown key; remove it or check its spelling (docs/rules.md lists every key)"
    if error["type"] == "value_error.missing":
        return "required and missing"
    return error["msg"]


def _meaning_problems(book: RuleBook) -> list[tuple[Loc, str]]:
    """What the schema alone cannot see: labels, issues and sentence placeholders."""
    labels = taxonomy().ids
    problems: list[tuple[Loc, str]] = []
    for section in ("remedies", "issues", "person_first", "goods_condition", "covers_goods"):
        for label in getattr(book, section):
            if label not in labels:
                problems.append(((section, label), f"unknown label {label!r}; use one of: {', '.join(labels)}"))
    sample = {name: "1" for name in TEMPLATE_FIELDS}
    for label, remedies in book.remedies.items():
        declared = set(book.issues.get(label, {}))
        for index, rule in enumerate(remedies):
            for issue in rule.issues:
                if issue not in declared:
                    problems.append((("remedies", label, index, "issues"),
                                     f"issue {issue!r} is not declared under issues.{label}; declare it with the "
                                     "words that name it"))
            for field_name in ("say", "done"):
                try:
                    getattr(rule, field_name).format(**sample)
                except (KeyError, IndexError, ValueError) as exc:
                    problems.append((("remedies", label, index, field_name),
                                     f"rule {rule.id}: bad placeholder {exc}; use only "
                                     f"{{{'}, {'.join(TEMPLATE_FIELDS)}}}"))
    for name in ("approval_message", "rejection_message"):
        try:
            getattr(book, name).format(amount="1", done="1", reason="1")
        except (KeyError, IndexError, ValueError) as exc:
            problems.append(((name,), f"bad placeholder {exc}; use only {{amount}}, {{done}}, {{reason}}"))
    return problems


@lru_cache(maxsize=1)
def rules() -> RuleBook:
    return load_rules(*rules_paths())
