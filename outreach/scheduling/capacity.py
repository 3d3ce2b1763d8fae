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
        self.capacity = {team.name: team.capacity_per_hour for team in policy.limits.calls.teams}
        # Full hours stay full: remember where the search from a full hour ended, and jump there
        # next time (per team, zone and holiday rule), so a long backlog is placed in linear time.
        self._skip: dict[tuple, datetime] = {}

    @classmethod
    def load(cls, session: Session, policy: Policy, now: datetime) -> CapacityBook:
        rows = session.execute(
            select(CallTask.team, CallTask.due_at).where(
                CallTask.status.in_(("queued", "claimed")), CallTask.due_at >= hour_of(now)
            )
        ).all()
        return cls(policy, Counter((team, hour_of(due)) for team, due in rows))

    def place(self, team: str, slot: datetime, time_zone: str | None, severity: int) -> datetime:
        """The first moment from `slot` in an hour where the team has room, inside the buyer's window."""
        key = (team, time_zone, self.policy.windows.holiday_applies(severity))
        visited, capacity = [], self.capacity[team]
        hour = hour_of(slot)
        while self.booked[(team, hour)] >= capacity:
            visited.append(hour)
            jump = self._skip.get((key, hour))
            slot = jump if jump is not None and jump > slot else next_call_time(hour + HOUR, time_zone, severity,
                                                                                 self.policy)
            hour = hour_of(slot)
        for full in visited:
            self._skip[(key, full)] = slot
        self.booked[(team, hour)] += 1
        return slot
