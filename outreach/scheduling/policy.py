"""The scheduler's data files: limits, call windows and holidays, one schema and loader each.

Each file is validated when the scheduler or an agent command starts; a bad file stops it
with a message naming the file and the problem. Paths can be overridden with
OUTREACH_LIMITS_FILE, OUTREACH_CALL_WINDOWS_FILE and OUTREACH_HOLIDAYS_FILE.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, time
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, conint, conlist, root_validator, validator

from outreach.datafiles import load_yaml_model
from outreach.settings import SettingsError

DEFAULTS = Path(__file__).resolve().parent.parent / "defaults"
PositiveInt = conint(gt=0)


class PolicyError(SettingsError):
    """A limits, call-window or holidays file is unreadable or invalid: nothing starts."""


class Strict(BaseModel):
    class Config:
        extra = "forbid"  # a misspelt key is an error, not a silently ignored limit


class ChannelLimits(Strict):
    app_active_within_hours: PositiveInt  # type: ignore[valid-type]
    inapp_no_answer_after_minutes: PositiveInt  # type: ignore[valid-type]


class ContactLimits(Strict):
    per_minute: PositiveInt  # type: ignore[valid-type]
    per_hour: PositiveInt  # type: ignore[valid-type]
    per_day: PositiveInt  # type: ignore[valid-type]
    per_30_days: PositiveInt  # type: ignore[valid-type]

    @root_validator(skip_on_failure=True)
    def _widening(cls, values: dict) -> dict:  # noqa: N805 - pydantic validator
        # The carrier limits and the buyer limits are independent pairs (5 an hour, 3 a day).
        for narrow, wide in (("per_minute", "per_hour"), ("per_day", "per_30_days")):
            if values[narrow] > values[wide]:
                raise ValueError(f"{narrow}={values[narrow]} is more than {wide}={values[wide]}; "
                                 "a longer window must allow at least as many contacts")
        return values


class DispatchLimits(Strict):
    retry_delays_seconds: conlist(PositiveInt, min_items=1)  # type: ignore[valid-type]
    max_in_flight: conint(gt=0, le=1000)  # type: ignore[valid-type]
    batch: conint(gt=0, le=10000)  # type: ignore[valid-type]
    claim_lease_seconds: conint(ge=5)  # type: ignore[valid-type]
    conversation_window_hours: PositiveInt  # type: ignore[valid-type]

    @validator("retry_delays_seconds")
    def _growing(cls, delays: list[int]) -> list[int]:  # noqa: N805
        if delays != sorted(delays):
            raise ValueError(f"{delays} must grow: each retry waits at least as long as the one before")
        return delays


class Team(Strict):
    name: str = Field(..., min_length=1)
    severities: conlist(conint(ge=1, le=4), min_items=1)  # type: ignore[valid-type]
    capacity_per_hour: PositiveInt  # type: ignore[valid-type]


class CallLimits(Strict):
    max_attempts: conint(ge=1, le=10)  # type: ignore[valid-type]
    retry_delays_minutes: conlist(PositiveInt, min_items=1)  # type: ignore[valid-type]
    claim_timeout_minutes: PositiveInt  # type: ignore[valid-type]
    teams: conlist(Team, min_items=1)  # type: ignore[valid-type]

    @root_validator(skip_on_failure=True)
    def _consistent(cls, values: dict) -> dict:  # noqa: N805
        delays, attempts = values["retry_delays_minutes"], values["max_attempts"]
        if delays != sorted(delays):
            raise ValueError(f"retry_delays_minutes {delays} must grow")
        if len(delays) < attempts - 1:
            raise ValueError(f"max_attempts={attempts} needs {attempts - 1} retry_delays_minutes, got {len(delays)}")
        covered = {s for team in values["teams"] for s in team.severities}
        missing = sorted({1, 2, 3, 4} - covered)
        if missing:
            raise ValueError(f"no team takes calls of severity {missing}; add them to a team's severities")
        return values


class SatisfactionLimits(Strict):
    quiet_hours: PositiveInt  # type: ignore[valid-type]


class AgentLimits(Strict):
    reply_target_minutes: PositiveInt  # type: ignore[valid-type]
    minutes_per_case_ahead: PositiveInt  # type: ignore[valid-type]


class Limits(Strict):
    channel: ChannelLimits
    contact: ContactLimits
    dispatch: DispatchLimits
    calls: CallLimits
    satisfaction: SatisfactionLimits
    agents: AgentLimits

    def team_for(self, severity: int) -> Team:
        return next(team for team in self.calls.teams if severity in team.severities)


class Window(Strict):
    start: time
    end: time

    @root_validator(skip_on_failure=True)
    def _ordered(cls, values: dict) -> dict:  # noqa: N805
        if values["start"] >= values["end"]:
            raise ValueError(f"window {values['start']}-{values['end']} ends before it starts")
        return values


class CallWindows(Strict):
    windows: conlist(Window, min_items=1)  # type: ignore[valid-type]
    holidays_block_calls_below_severity: conint(ge=0, le=4) = 1  # type: ignore[valid-type]

    @validator("windows")
    def _disjoint(cls, windows: list[Window]) -> list[Window]:  # noqa: N805
        ordered = sorted(windows, key=lambda w: w.start)
        for before, after in zip(ordered, ordered[1:]):
            if after.start < before.end:
                raise ValueError(f"windows {before.start}-{before.end} and {after.start}-{after.end} overlap")
        return ordered

    def holiday_applies(self, severity: int) -> bool:
        """Severity 1 (by default) is called on holidays too."""
        return severity > self.holidays_block_calls_below_severity


class Holiday(Strict):
    date: date
    name: str = Field(..., min_length=1)


class Holidays(Strict):
    covers_until: date
    holidays: list[Holiday]

    @property
    def dates(self) -> frozenset[date]:
        return frozenset(h.date for h in self.holidays)


def _path(variable: str, name: str) -> Path:
    return Path(os.environ.get(variable) or DEFAULTS / name)


def load_limits(path: Path | str | None = None) -> Limits:
    return load_yaml_model(path or _path("OUTREACH_LIMITS_FILE", "limits.yml"), Limits, PolicyError, "limits")


def load_call_windows(path: Path | str | None = None) -> CallWindows:
    return load_yaml_model(path or _path("OUTREACH_CALL_WINDOWS_FILE", "call_windows.yml"), CallWindows,
                           PolicyError, "call windows")


def load_holidays(path: Path | str | None = None) -> Holidays:
    return load_yaml_model(path or _path("OUTREACH_HOLIDAYS_FILE", "holidays.yml"), Holidays,
                           PolicyError, "holidays")


@dataclass(frozen=True)
class Policy:
    """Everything the planner needs to know besides the data: passed in, never global."""

    limits: Limits
    windows: CallWindows
    holidays: frozenset[date]
    holidays_cover_until: date


def build_policy(limits: Limits, windows: CallWindows, holidays: Holidays) -> Policy:
    return Policy(limits=limits, windows=windows, holidays=holidays.dates, holidays_cover_until=holidays.covers_until)


@lru_cache(maxsize=1)
def policy() -> Policy:
    """The policy from the configured files, loaded and validated once per process."""
    return build_policy(load_limits(), load_call_windows(), load_holidays())
