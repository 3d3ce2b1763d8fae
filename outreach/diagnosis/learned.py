"""Labels the product learns after it ships: what buyers confirm or correct in the chat and what
people decide. Each is stored once, with its source, time and the model whose reading it judged;
`outreach model retrain` trains the next model on them."""

from __future__ import annotations

import enum
import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.diagnosis.training_data import Example
from outreach.store.db import insert_once
from outreach.store.models import LabelledExample


class LabelSource(str, enum.Enum):
    BUYER_CONFIRMED = "buyer_confirmed"  # the buyer said yes to the problem the bot named
    BUYER_CORRECTED = "buyer_corrected"  # the buyer named another problem
    LOOK_DECIDED = "look_decided"  # a person decided a text the model could not


def record_label(
    session: Session,
    *,
    text: str,
    label: str,
    source: LabelSource,
    case_id: int | None = None,
    feedback_id: int | None = None,
    staff: str | None = None,
    model_version: str | None = None,
    model_label: str | None = None,
) -> bool:
    """Store a label once per source, case, feedback and text; False when it was already stored."""
    text = text.strip()
    if not text:
        return False
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    key = f"{source.value}:{case_id or '-'}:{feedback_id or '-'}:{digest}"
    row = LabelledExample(text=text, label=label, source=source.value, case_id=case_id, feedback_id=feedback_id,
                          staff=staff, model_version=model_version, model_label=model_label, idempotency_key=key)
    _, created = insert_once(session, row, lambda: session.execute(
        select(LabelledExample).where(LabelledExample.idempotency_key == key)).scalar_one_or_none())
    return created


def learned_examples(session: Session) -> list[Example]:
    """Every stored label, the latest per text winning (a correction overrides a confirmation)."""
    latest: dict[str, Example] = {}
    for text, label, source in session.execute(
        select(LabelledExample.text, LabelledExample.label, LabelledExample.source).order_by(LabelledExample.id)
    ):
        latest[text] = Example(text, label, f"learned:{source}")
    return list(latest.values())
