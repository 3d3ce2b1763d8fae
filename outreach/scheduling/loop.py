"""The scheduler loop: triage new feedback, then one dispatch pass, every few seconds.

Several loops may run against PostgreSQL and share the work; on SQLite a second one
refuses to start (worker_lock). The policy files are validated before the first pass.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select

from outreach.scheduling.dispatch import dispatch_once
from outreach.scheduling.policy import PolicyError
from outreach.scheduling.policy import policy as load_policy
from outreach.scheduling.worker_lock import single_worker
from outreach.settings import Settings
from outreach.store.db import session_scope
from outreach.store.models import Feedback

log = logging.getLogger("outreach.scheduler")


def _has_undiagnosed() -> bool:
    with session_scope() as session:
        return session.execute(select(Feedback.id).where(Feedback.diagnosed_at.is_(None)).limit(1)).first() is not None


async def _triage(diagnoser: object | None) -> object | None:
    """Triage if there is new feedback; the classifier is loaded only once it is needed."""
    if not await asyncio.to_thread(_has_undiagnosed):
        return diagnoser
    from outreach.cases.triage import triage
    from outreach.diagnosis.classifier import Diagnoser

    diagnoser = diagnoser or await asyncio.to_thread(Diagnoser.load)
    triaged = await asyncio.to_thread(triage, diagnoser)
    if triaged.diagnosed:
        log.info("triage %s", triaged.as_dict())
    return diagnoser


async def run_loop(settings: Settings, interval_s: float = 5.0) -> None:
    policy = load_policy()
    if policy.limits.dispatch.claim_lease_seconds <= settings.rasa_timeout_s:
        raise PolicyError(
            f"dispatch.claim_lease_seconds={policy.limits.dispatch.claim_lease_seconds} must be longer than the "
            f"Rasa timeout ({settings.rasa_timeout_s} s), or a slow send could be repeated by another worker"
        )
    with single_worker(settings.database_url):
        diagnoser = None
        while True:
            try:
                diagnoser = await _triage(diagnoser)
                dispatched = await dispatch_once(settings, policy=policy)
                if any(dispatched.as_dict().values()):
                    log.info("dispatch %s", dispatched.as_dict())
            except Exception:  # keep the loop alive; the next pass retries
                log.exception("scheduler pass failed")
            await asyncio.sleep(interval_s)
