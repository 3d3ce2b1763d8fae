"""Who answers a buyer: the bot, or a person who owns the case."""

from __future__ import annotations


def human_owns(case: tuple[int, str] | None) -> bool:
    """True while the buyer's active case (messages.active_case) is handed over: the bot stays silent then."""
    return case is not None and case[1] == "handed_over"
