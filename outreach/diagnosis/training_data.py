"""Labelled examples read from the Rasa NLU files: one source for the bot and bulk triage."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from outreach.settings import PROJECT_ROOT

NLU_DIR = PROJECT_ROOT / "data" / "nlu"


@dataclass(frozen=True)
class Example:
    """A labelled text beyond the written examples and the history export."""

    text: str
    label: str
    source: str  # learned:<how it was learned>


_ENTITY = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def plain_text(example: str) -> str:
    """An example with Rasa's entity markup removed: '[3](n)只' -> '3只'."""
    return _ENTITY.sub(r"\1", example).strip()


def read_intent_examples(paths: Iterable[Path]) -> dict[str, list[str]]:
    examples: dict[str, list[str]] = {}
    for path in paths:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in document.get("nlu", []) or []:
            intent = block.get("intent")
            if not intent:
                continue
            lines = str(block.get("examples", "")).splitlines()
            texts = [plain_text(line.strip()[2:]) for line in lines if line.strip().startswith("- ")]
            examples.setdefault(intent, []).extend(t for t in texts if t)
    return examples


def labelled_examples(labels: Iterable[str], nlu_dir: Path = NLU_DIR) -> list[tuple[str, str]]:
    """(text, label) pairs for the taxonomy labels, from every NLU file under nlu_dir."""
    wanted = set(labels)
    by_intent = read_intent_examples(sorted(nlu_dir.rglob("*.yml")))
    missing = sorted(wanted - by_intent.keys())
    if missing:
        raise ValueError(
            f"{nlu_dir}: no training examples for labels {', '.join(missing)}; "
            "add an intent of that name to the NLU data"
        )
    return [(text, intent) for intent, texts in by_intent.items() if intent in wanted for text in texts]
