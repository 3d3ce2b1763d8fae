"""One scheduler pass: decide on every due case (apply.py), then start the in-app chats.

A chat is marked contacted only when Rasa accepted the message and reported what it sent;
otherwise a failed contact is stored and the case is due again after a growing delay. At
most `dispatch.max_in_flight` conversations are being started towards Rasa at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
from sqlalchemy import select

from outreach.lifecycle import events, machine
from outreach.lifecycle.states import CaseStatus, EventKind
from outreach.scheduling.apply import Send, claim_and_apply
from outreach.scheduling.leases import settle_expired_leases
from outreach.scheduling.policy import Policy
from outreach.scheduling.policy import policy as default_policy
from outreach.scheduling.rasa_client import BotUnavailable, start_case_conversation
from outreach.scheduling.worker_lock import single_worker
from outreach.settings import Settings
from outreach.store.db import session_scope
from outreach.store.models import Case, Contact, InboxMessage
from outreach.store.types import utcnow

log = logging.getLogger("outreach.dispatch")


@dataclass
class DispatchSummary:
    contacted: int = 0
    failed: int = 0
    held_opted_out: int = 0
    calls_booked: int = 0
    held: int = 0
    handed_over: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)

    def add(self, counts: Counter) -> None:
        self.held_opted_out += counts["close"]
        self.calls_booked += counts["call"]
        self.held += counts["hold"]
        self.handed_over += counts["handover"]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _delivered_before(case_id: int) -> bool:
    """A dead worker's send may have reached the buyer: the bot's message in the inbox proves it."""
    with session_scope() as session:
        return session.execute(
            select(InboxMessage.id).where(InboxMessage.case_id == case_id, InboxMessage.sender == "bot").limit(1)
        ).first() is not None


def _record(send: Send, ok: bool, detail: str, policy: Policy, worker: str) -> bool:
    """Store the send's result, unless another worker took the case over after our lease ran out."""
    now = utcnow()
    with session_scope() as session:
        case = session.execute(select(Case).where(Case.id == send.case_id).with_for_update()).scalar_one()
        if case.claimed_by != worker:
            log.warning("case=%s lease lost to %s; result not recorded", case.id, case.claimed_by)
            return False
        case.claimed_by = case.claimed_until = None
        session.add(Contact(case_id=case.id, buyer_id=case.buyer_id, channel="inapp",
                            status="accepted" if ok else "failed", detail=detail[:500], created_at=now))
        if ok:
            case.first_contact_at = case.first_contact_at or now
            detail_ = {"channel": "inapp", "worker": worker, "detail": detail}
            if case.status == CaseStatus.NEW:
                machine.move(session, case, CaseStatus.CONTACTED, EventKind.CONTACTED, **detail_)
            else:
                events.record(session, case.id, EventKind.CONTACTED, **detail_)
            return True
        failures = session.execute(
            select(Contact.id).where(Contact.case_id == case.id, Contact.status == "failed")
        ).all()
        delays = policy.limits.dispatch.retry_delays_seconds
        delay = timedelta(seconds=delays[min(len(failures), len(delays)) - 1])
        case.due_at = now + delay
        case.hold_reason = f"Rasa did not accept the message ({detail[:150]}): retry in {int(delay.total_seconds())} s"
        if case.status == CaseStatus.NEW:
            case.first_contact_at = None
        events.record(session, case.id, EventKind.CONTACT_FAILED, detail=detail[:200],
                      retry_in_s=int(delay.total_seconds()))
        return True


async def _send(http: aiohttp.ClientSession, settings: Settings, send: Send, gate: asyncio.Semaphore,
                policy: Policy, worker: str, summary: DispatchSummary) -> None:
    async with gate:
        if send.was_leased and await asyncio.to_thread(_delivered_before, send.case_id):
            await asyncio.to_thread(_record, send, True, "delivered before the previous worker stopped", policy,
                                    worker)
            summary.contacted += 1
            return
        try:
            await start_case_conversation(http, settings, send.buyer_id, send.case_id)
        except BotUnavailable as exc:
            log.warning("case=%s buyer=%s dispatch failed: %s", send.case_id, events.mask(send.buyer_id), exc)
            await asyncio.to_thread(_record, send, False, str(exc), policy, worker)
            summary.failed += 1
            return
        if await asyncio.to_thread(_record, send, True, "conversation started", policy, worker):
            summary.contacted += 1


async def dispatch_once(settings: Settings, limit: int | None = None, now: datetime | None = None,
                        policy: Policy | None = None, worker: str | None = None) -> DispatchSummary:
    """Decide on up to `limit` due cases at `now` (default: the clock) and start their chats."""
    policy = policy or default_policy()
    worker = worker or worker_name()
    summary = DispatchSummary()
    now = now or utcnow()
    with single_worker(settings.database_url):
        await asyncio.to_thread(settle_expired_leases, now, worker)
        sends, counts = await asyncio.to_thread(
            claim_and_apply, now, policy, worker, limit or policy.limits.dispatch.batch
        )
        summary.add(counts)
        if sends:
            gate = asyncio.Semaphore(policy.limits.dispatch.max_in_flight)
            async with aiohttp.ClientSession() as http:
                results = await asyncio.gather(
                    *(_send(http, settings, s, gate, policy, worker, summary) for s in sends), return_exceptions=True
                )
            # One send failing (the store went away while recording it) never abandons the others
            # mid-flight; its lease runs out and the next pass finds out whether it was delivered.
            for send, result in zip(sends, results):
                if isinstance(result, Exception):
                    log.error("case=%s send not recorded: %s", send.case_id, result, exc_info=result)
    return summary
