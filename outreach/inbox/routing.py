"""Who answers a buyer: the bot, or a person who owns the case."""

from __future__ import annotations

from outreach.lifecycle.states import PERSON_HOLDS


def human_owns(case: tuple[int, str] | None) -> bool:
    """True while the buyer's active case (messages.active_case) waits for, or is with, a person
    (handed over, claimed, or its remedy waiting for a lead's approval): the bot stays silent then."""
    return case is not None and case[1] in PERSON_HOLDS
