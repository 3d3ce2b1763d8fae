"""Dispatch: start the in-app conversation for every due case (the full planner comes later)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

import aiohttp
from sqlalchemy import select

from outreach.cases import events
from outreach.cases.conversation import is_opted_out
from outreach.scheduling.rasa_client import BotUnavailable, start_case_conversation
from outreach.settings import Settings
from outreach.store.db import session_scope
from outreach.store.models import Case, Contact
from outreach.store.types import utcnow

log = logging.getLogger("outreach.dispatch")
CONVERSATION_WINDOW = timedelta(hours=24)
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))


@dataclass
class DispatchSummary:
    contacted: int = 0
    failed: int = 0
    held_opted_out: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def due_cases(limit: int = 100) -> list[tuple[int, str]]:
    """(case id, buyer id) of new cases that are due, most severe first.

    A buyer has one conversation at a time: a case waits while another case of the same
    buyer is in conversation, waiting for their rating or with a person (contacted in the
    last CONVERSATION_WINDOW and not closed).
    """
    now = utcnow()
    with session_scope() as session:
        busy = set(
            session.execute(
                select(Case.buyer_id).where(
                    Case.status.in_(("contacted", "offering", "resolved", "handed_over")),
                    Case.first_contact_at > now - CONVERSATION_WINDOW,
                )
            ).scalars()
        )
        rows = session.execute(
            select(Case.id, Case.buyer_id)
            .where(Case.status == "new", Case.due_at <= now)
            .order_by(Case.severity, Case.due_at, Case.id)
            .limit(limit * 4)
        ).all()
    picked: list[tuple[int, str]] = []
    for row in rows:
        if row.buyer_id in busy:
            continue
        busy.add(row.buyer_id)
        picked.append((row.id, row.buyer_id))
        if len(picked) == limit:
            break
    return picked


def _hold_if_opted_out(case_id: int, buyer_id: str) -> bool:
    with session_scope() as session:
        if not is_opted_out(session, buyer_id):
            return False
        case = session.get(Case, case_id)
        case.status, case.closed_at, case.closed_reason, case.open_key = "closed", utcnow(), "opted_out", None
        events.record(session, case_id, "closed_opted_out", note="buyer opted out before first contact")
        return True


def _record_contact(case_id: int, buyer_id: str, ok: bool, detail: str) -> None:
    with session_scope() as session:
        case = session.get(Case, case_id)
        session.add(Contact(case_id=case_id, buyer_id=buyer_id, channel="inapp",
                            status="accepted" if ok else "failed", detail=detail[:500]))
        if ok:
            now = utcnow()
            if case.status == "new":
                case.status = "contacted"
            case.first_contact_at = case.first_contact_at or now
            events.record(session, case_id, "contacted", channel="inapp")
        else:
            failures = session.execute(
                select(Contact.id).where(Contact.case_id == case_id, Contact.status == "failed")
            ).all()
            delay = RETRY_DELAYS[min(len(failures), len(RETRY_DELAYS)) - 1]
            case.due_at = utcnow() + delay
            events.record(session, case_id, "contact_failed", detail=detail[:200], retry_in_s=delay.seconds)


def _mark_first_contact(case_id: int) -> None:
    """Set before the bot speaks, so the inbox files the bot's first message under this case."""
    with session_scope() as session:
        case = session.get(Case, case_id)
        case.first_contact_at = case.first_contact_at or utcnow()


def _clear_first_contact(case_id: int) -> None:
    with session_scope() as session:
        case = session.get(Case, case_id)
        if case.status == "new":
            case.first_contact_at = None


async def dispatch_once(settings: Settings, limit: int = 100) -> DispatchSummary:
    summary = DispatchSummary()
    async with aiohttp.ClientSession() as http:
        for case_id, buyer_id in await asyncio.to_thread(due_cases, limit):
            if await asyncio.to_thread(_hold_if_opted_out, case_id, buyer_id):
                summary.held_opted_out += 1
                continue
            await asyncio.to_thread(_mark_first_contact, case_id)
            try:
                await start_case_conversation(http, settings, buyer_id, case_id)
            except BotUnavailable as exc:
                log.warning("case=%s buyer=%s dispatch failed: %s", case_id, events.mask(buyer_id), exc)
                await asyncio.to_thread(_clear_first_contact, case_id)
                await asyncio.to_thread(_record_contact, case_id, buyer_id, False, str(exc))
                summary.failed += 1
                continue
            await asyncio.to_thread(_record_contact, case_id, buyer_id, True, "conversation started")
            summary.contacted += 1
    return summary
