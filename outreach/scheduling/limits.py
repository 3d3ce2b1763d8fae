"""Per-buyer contact limits over rolling windows: may we contact now, and if not, from when."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from outreach.scheduling.policy import ContactLimits

# Contacts that reached (or tried to reach) the buyer count; a send Rasa refused does not.
NOT_COUNTED = ("failed",)


@dataclass(frozen=True)
class Hold:
    until: datetime
    reason: str


def windows(limits: ContactLimits) -> list[tuple[str, timedelta, int]]:
    return [
        ("per_minute", timedelta(minutes=1), limits.per_minute),
        ("per_hour", timedelta(hours=1), limits.per_hour),
        ("per_day", timedelta(days=1), limits.per_day),
        ("per_30_days", timedelta(days=30), limits.per_30_days),
    ]


def longest_window() -> timedelta:
    return timedelta(days=30)


def contact_hold(attempts: Sequence[datetime], now: datetime, limits: ContactLimits) -> Hold | None:
    """The latest moment a limit frees up again, if any limit is reached now.

    `attempts` are the buyer's counted contacts (any channel), any order.
    """
    if not attempts:
        return None
    ordered = sorted(a for a in attempts if a <= now)
    worst: Hold | None = None
    for name, span, allowed in windows(limits):
        inside = [a for a in ordered if a > now - span]
        if len(inside) < allowed:
            continue
        # The window frees a place when its oldest contact that keeps it full falls out.
        until = inside[len(inside) - allowed] + span
        if worst is None or until > worst.until:
            worst = Hold(until=until, reason=f"contact limit {name}={allowed} reached ({len(inside)} in {span})")
    return worst
