"""Storing and reading inbox messages."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.store.models import Case, InboxMessage

MAX_STORED_CHARS = 10_000


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


def clean_text(text: str, limit: int = MAX_STORED_CHARS) -> str:
    """Drop control characters (keeping newlines), trim, cap the length."""
    kept = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")
    return kept.strip()[:limit]


def active_case_id(session: Session, buyer_id: str) -> int | None:
    """The case a conversation belongs to: the buyer's most recently contacted case."""
    return session.execute(
        select(Case.id)
        .where(Case.buyer_id == buyer_id, Case.first_contact_at.is_not(None))
        .order_by(Case.first_contact_at.desc(), Case.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def append(
    session: Session,
    buyer_id: str,
    sender: str,
    text: str,
    buttons: list[dict[str, str]] | None = None,
    case_id: int | None = None,
) -> InboxMessage:
    if sender not in ("bot", "buyer", "system"):
        raise ValueError(f"unknown sender {sender!r}: use bot, buyer or system")
    message = InboxMessage(
        buyer_id=buyer_id,
        case_id=case_id if case_id is not None else active_case_id(session, buyer_id),
        sender=sender,
        text=clean_text(text),
        buttons=[{"title": b["title"], "payload": b["payload"]} for b in buttons or []],
    )
    session.add(message)
    session.flush()
    return message


def since(session: Session, buyer_id: str, after_id: int = 0, limit: int = 200) -> list[InboxMessage]:
    return list(
        session.execute(
            select(InboxMessage)
            .where(InboxMessage.buyer_id == buyer_id, InboxMessage.id > after_id)
            .order_by(InboxMessage.id)
            .limit(limit)
        ).scalars()
    )


def as_dict(message: InboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "case_id": message.case_id,
        "sender": message.sender,
        "text": message.text,
        "buttons": message.buttons or [],
        "created_at": message.created_at.isoformat() if message.created_at else None,
    }
