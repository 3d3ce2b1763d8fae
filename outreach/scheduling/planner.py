"""The planner: for one due case at one moment, what to do and why. Pure: no database, no clock.

Actions: `inapp` (start the chat now), `call` (book an agent's call at `at`), `hold`
(wait until `at`, or until the blocking condition ends when `at` is None), `close`
(the buyer opted out), `handover` (no channel left: a person decides).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from outreach.lifecycle.states import CaseStatus
from outreach.scheduling.limits import contact_hold
from outreach.scheduling.policy import Policy
from outreach.scheduling.windows import UnknownTimeZone, local_text, next_call_time, zone

ELDERLY_BAND = "60+"


@dataclass(slots=True)  # not frozen: built 100,000 times a pass, and frozen init is slow
class CaseView:
    """What the planner knows about a due case and its buyer. Times are aware UTC."""

    case_id: int
    buyer_id: str
    status: str  # new, or contacted (in-app, unanswered)
    severity: int
    due_at: datetime
    order_total_fen: int
    time_zone: str | None
    phone: str | None
    age_band: str | None
    last_app_active_at: datetime | None
    preferred_channel: str | None = None
    opted_out: bool = False
    busy_with: int | None = None  # another case of this buyer in conversation or in the call queue
    busy_until: datetime | None = None
    attempts: tuple[datetime, ...] = ()  # the buyer's counted contacts, any channel
    unanswered_since: datetime | None = None  # in-app contact with no answer (status contacted)
    calls_made: int = 0

    @property
    def elderly(self) -> bool:
        return self.age_band == ELDERLY_BAND


@dataclass(slots=True)
class Decision:
    case_id: int
    buyer_id: str
    action: str
    reason: str
    at: datetime | None = None
    team: str | None = None
    priority: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self, time_zone: str | None = None) -> dict[str, Any]:
        data = asdict(self)
        data["at"] = self.at.isoformat() if self.at else None
        if self.at and time_zone:
            try:
                data["at_local"] = local_text(self.at, time_zone)
            except UnknownTimeZone:
                data["at_local"] = None
        return data


def priority(view: CaseView) -> int:
    """Higher first: severity, then elderly buyers, then the order amount (yuan, capped). Fits 32 bits."""
    return (5 - view.severity) * 10**8 + (5 * 10**7 if view.elderly else 0) + min(view.order_total_fen // 100,
                                                                                    5 * 10**7 - 1)


def choose_channel(view: CaseView, now: datetime, policy: Policy) -> tuple[str, str]:
    """(inapp or call, why), per the outreach norms; the reason is stored with the decision."""
    if view.status == CaseStatus.CONTACTED:
        return "call", f"no answer in the app since {view.unanswered_since:%Y-%m-%d %H:%M} UTC"
    if view.severity == 1:
        return "call", "severity 1: a person calls"
    if view.preferred_channel in ("inapp", "call"):
        return view.preferred_channel, f"buyer prefers {view.preferred_channel}"
    if view.elderly:
        return "call", "elderly buyer (60+): a call rather than chat"
    active_within = timedelta(hours=policy.limits.channel.app_active_within_hours)
    if view.last_app_active_at is not None and now - view.last_app_active_at <= active_within:
        hours = int((now - view.last_app_active_at).total_seconds() // 3600)
        return "inapp", f"active in the app {hours} h ago"
    return "call", f"not active in the app within {policy.limits.channel.app_active_within_hours} h"


def _no_call_possible(view: CaseView) -> str | None:
    if not view.phone:
        return "no phone number on file"
    try:
        zone(view.time_zone)
    except UnknownTimeZone as exc:
        return str(exc)
    return None


def decide(view: CaseView, now: datetime, policy: Policy) -> Decision:
    base = {"case_id": view.case_id, "buyer_id": view.buyer_id, "priority": priority(view)}
    if view.opted_out:
        return Decision(action="close", reason="buyer opted out: every channel stopped", **base)
    if view.busy_with is not None:
        longest = f" (at most until {view.busy_until:%Y-%m-%d %H:%M} UTC)" if view.busy_until else ""
        return Decision(action="hold", reason=f"buyer is being approached about case {view.busy_with}: "
                                              f"one conversation at a time{longest}", **base)
    channel, why = choose_channel(view, now, policy)
    if channel == "call":
        blocked = _no_call_possible(view)
        if blocked and view.status == CaseStatus.CONTACTED:
            return Decision(action="handover", reason=f"{why}, and no call possible: {blocked}", **base)
        if blocked:
            channel, why = "inapp", f"{why}, but {blocked}: in-app instead"
    if channel == "call" and view.calls_made >= policy.limits.calls.max_attempts:
        return Decision(action="handover", reason=f"{why}; {view.calls_made} calls made already", **base)
    hold = contact_hold(view.attempts, now, policy.limits.contact)
    if channel == "inapp":
        if hold:
            return Decision(action="hold", at=hold.until, reason=hold.reason, **base)
        return Decision(action="inapp", at=now, reason=why, **base)
    start = max(now, hold.until) if hold else now
    slot = next_call_time(start, view.time_zone, view.severity, policy)
    team = policy.limits.team_for(view.severity).name
    if slot > now:
        waits = [hold.reason] if hold else []
        if slot > start:
            waits.append("outside the call window")
        why = f"{why}; {' and '.join(waits)}: waits until {local_text(slot, view.time_zone)}"
    return Decision(action="call", at=slot, reason=why, team=team, **base)
