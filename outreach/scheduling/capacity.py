"""Agent capacity: each team takes at most `capacity_per_hour` calls in any UTC hour."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.scheduling.policy import Policy
from outreach.scheduling.windows import next_call_time
from outreach.store.models import CallTask

HOUR = timedelta(hours=1)


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


class CapacityBook:
    """Calls booked per team and hour; a full hour pushes a call into the next window hour."""

    def __init__(self, policy: Policy, booked: Counter | None = None) -> None:
        self.policy = policy
        self.booked: Counter = booked or Counter()

    @classmethod
    def load(cls, session: Session, policy: Policy, now: datetime) -> CapacityBook:
        rows = session.execute(
            select(CallTask.team, CallTask.due_at).where(
                CallTask.status.in_(("queued", "claimed")), CallTask.due_at >= hour_of(now)
            )
        ).all()
        return cls(policy, Counter((team, hour_of(due)) for team, due in rows))

    def place(self, team: str, slot: datetime, time_zone: str | None, severity: int) -> datetime:
        capacity = next(t.capacity_per_hour for t in self.policy.limits.calls.teams if t.name == team)
        while self.booked[(team, hour_of(slot))] >= capacity:
            slot = next_call_time(hour_of(slot) + HOUR, time_zone, severity, self.policy)
        self.booked[(team, hour_of(slot))] += 1
        return slot
