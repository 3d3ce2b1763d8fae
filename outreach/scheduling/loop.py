"""The scheduler loop of the embedded set-up: triage new feedback, dispatch due cases."""

from __future__ import annotations

import asyncio
import logging

from outreach.cases.triage import triage
from outreach.diagnosis.classifier import Diagnoser
from outreach.scheduling.dispatch import dispatch_once
from outreach.settings import Settings

log = logging.getLogger("outreach.scheduler")


async def run_loop(settings: Settings, interval_s: float = 5.0) -> None:
    diagnoser = await asyncio.to_thread(Diagnoser)
    while True:
        try:
            triaged = await asyncio.to_thread(triage, diagnoser)
            if triaged.diagnosed:
                log.info("triage %s", triaged.as_dict())
            dispatched = await dispatch_once(settings)
            if dispatched.contacted or dispatched.failed:
                log.info("dispatch %s", dispatched.as_dict())
        except Exception:  # keep the loop alive; the next pass retries
            log.exception("scheduler pass failed")
        await asyncio.sleep(interval_s)
