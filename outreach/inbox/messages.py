"""Storing and reading inbox messages.

Every chat turn stores and reads messages, so the statements are built once and rows are
written with SQLAlchemy Core: the ORM took about 1 ms a message in the Rasa server.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, insert, select, true
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from outreach.store.models import Buyer, Case, InboxMessage
from outreach.store.types import utcnow

MAX_STORED_CHARS = 10_000
MAX_PAGE = 200  # the most messages one read returns (the web API's page)
SENDERS = ("bot", "buyer", "system", "agent")  # agent: a person in the workspace (author: their display name)


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


def clean_text(text: str, limit: int = MAX_STORED_CHARS) -> str:
    """Drop control characters (keeping newlines), trim, cap the length."""
    kept = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")
    return kept.strip()[:limit]


_ACTIVE_CASE = (  # the buyer's most recently contacted case
    select(Case.id, Case.status)
    .where(Case.buyer_id == bindparam("buyer_id"), Case.first_contact_at.is_not(None))
    .order_by(Case.first_contact_at.desc(), Case.id.desc())
    .limit(1)
)
_SINCE = (
    select(InboxMessage.id, InboxMessage.case_id, InboxMessage.sender, InboxMessage.text, InboxMessage.buttons,
           InboxMessage.created_at, InboxMessage.author)
    .where(InboxMessage.buyer_id == bindparam("buyer_id"), InboxMessage.id > bindparam("after_id"))
    .order_by(InboxMessage.id)
    .limit(bindparam("limit"))
)
_INSERT = insert(InboxMessage.__table__)
_RECENT = (  # enough of the latest messages to hold the bot's latest turn
    select(InboxMessage.sender, InboxMessage.buttons)
    .where(InboxMessage.buyer_id == bindparam("buyer_id"), InboxMessage.sender != "system")
    .order_by(InboxMessage.id.desc())
    .limit(20)
)


def offered_payloads(session: Session, buyer_id: str) -> set[str]:
    """The payloads of the buttons in the bot's latest turn: the only taps that count as taps.

    A payload from an older question, or one never offered (a client may post any
    `/intent{...}`), is read as text instead (issue 16).
    """
    offered: set[str] = set()
    in_turn = False
    for sender, buttons in session.execute(_RECENT, {"buyer_id": buyer_id}):
        if sender == "bot":
            in_turn = True
            offered |= {str(b.get("payload")) for b in buttons or [] if isinstance(b, dict)}
        elif in_turn:
            break
    return offered


def active_case(session: Session, buyer_id: str) -> tuple[int, str] | None:
    """The id and status of the case a conversation belongs to: the buyer's most recently contacted case."""
    row = session.execute(_ACTIVE_CASE, {"buyer_id": buyer_id}).one_or_none()
    return None if row is None else (int(row.id), str(row.status))


# The buyer, if known, with their active case (if any): one round trip where two were.
_ACTIVE = _ACTIVE_CASE.subquery()
_BUYER_AND_CASE = (
    select(Buyer.id, _ACTIVE.c.id.label("case_id"), _ACTIVE.c.status)
    .outerjoin(_ACTIVE, true())
    .where(Buyer.id == bindparam("buyer_id"))
)


def known_buyer_case(session: Session, buyer_id: str) -> tuple[bool, tuple[int, str] | None]:
    """Whether the buyer is known, and `active_case` for them, in one statement."""
    row = session.execute(_BUYER_AND_CASE, {"buyer_id": buyer_id}).one_or_none()
    if row is None:
        return False, None
    return True, None if row.case_id is None else (int(row.case_id), str(row.status))


def active_case_id(session: Session, buyer_id: str) -> int | None:
    case = active_case(session, buyer_id)
    return None if case is None else case[0]


def append(
    session: Session,
    buyer_id: str,
    sender: str,
    text: str,
    buttons: list[dict[str, str]] | None = None,
    case_id: int | None = None,
    author: str | None = None,
    case_known: bool = False,
) -> dict[str, Any]:
    """One message; what `as_dict` gives of it. `author`: an agent's display name (sender agent)."""
    return append_all(session, buyer_id, sender, [(text, buttons or [])], case_id, author, case_known)[0]


def append_all(
    session: Session,
    buyer_id: str,
    sender: str,
    texts: Sequence[tuple[str, list[dict[str, str]]]],
    case_id: int | None = None,
    author: str | None = None,
    case_known: bool = False,
) -> list[dict[str, Any]]:
    """Messages of one sender, in order, under one case: the buyer's active one unless given
    (with `case_known`, `case_id` is the active case as the caller just read it, None for none)."""
    if sender not in SENDERS:
        raise ValueError(f"unknown sender {sender!r}: use one of {', '.join(SENDERS)}")
    if (sender == "agent") != bool(author):
        raise ValueError("an agent's message names its author (the agent's display name); no other message does")
    if case_id is None and not case_known:
        case_id = active_case_id(session, buyer_id)
    now = utcnow()
    stored = []
    for text, buttons in texts:
        row = {"buyer_id": buyer_id, "case_id": case_id, "sender": sender, "text": clean_text(text),
               "buttons": [{"title": b["title"], "payload": b["payload"]} for b in buttons], "created_at": now,
               "author": author[:100] if author else None}
        row["id"] = session.execute(_INSERT, row).inserted_primary_key[0]
        stored.append(as_dict(SimpleNamespace(**row)))
    return stored


# A turn's messages under the buyer's active case, found by the insert itself.
_ACTIVE_CASE_ID = (
    select(Case.id)
    .where(Case.buyer_id == bindparam("active_of"), Case.first_contact_at.is_not(None))
    .order_by(Case.first_contact_at.desc(), Case.id.desc())
    .limit(1)
    .scalar_subquery()
)
_INSERT_UNDER_ACTIVE = insert(InboxMessage.__table__).values(case_id=_ACTIVE_CASE_ID)
_COLUMNS = ("sender", "text", "buttons", "created_at", "author")


def append_turn(
    session: Session, buyer_id: str, sender: str, texts: Sequence[tuple[str, list[dict[str, str]]]], after_id: int,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A turn's messages of one sender under the buyer's active case, then the buyer's inbox
    after `after_id`: two statements where `append_all` and `since` take one per message and
    two more. Returns the stored messages (as `as_dict` gives them) and the inbox page."""
    if sender not in SENDERS or sender == "agent":
        raise ValueError(f"append_turn stores the bot's, the buyer's or the system's messages, not {sender!r}")
    if not texts:
        return [], since(session, buyer_id, after_id)
    now = utcnow()
    rows = [{"buyer_id": buyer_id, "active_of": buyer_id, "sender": sender, "text": clean_text(text),
             "buttons": [{"title": b["title"], "payload": b["payload"]} for b in buttons], "created_at": now,
             "author": None} for text, buttons in texts]
    session.execute(_INSERT_UNDER_ACTIVE, rows)
    inbox = since(session, buyer_id, after_id)
    stored = [m for m in inbox if m["sender"] == sender][-len(rows):]
    if len(stored) < len(rows):  # beyond the page (`after_id` far back): said without their ids
        stored = [as_dict(SimpleNamespace(id=None, case_id=None, **{k: v for k, v in row.items() if k in _COLUMNS}))
                  for row in rows]
    return stored, inbox


def since(session: Session, buyer_id: str, after_id: int = 0, limit: int = MAX_PAGE) -> list[dict[str, Any]]:
    """The buyer's messages after `after_id`, oldest first, as `as_dict` gives them."""
    rows = session.execute(_SINCE, {"buyer_id": buyer_id, "after_id": after_id, "limit": limit})
    return [as_dict(row) for row in rows]


def as_dict(message: InboxMessage | Row | SimpleNamespace) -> dict[str, Any]:
    return {
        "id": message.id,
        "case_id": message.case_id,
        "sender": message.sender,
        "text": message.text,
        "buttons": message.buttons or [],
        "created_at": message.created_at.isoformat() if message.created_at else None,
        "author": getattr(message, "author", None),
    }
