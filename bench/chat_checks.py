"""Is the benchmark's run right? A run with wrong answers is not a valid benchmark.

Two checks: every turn's reply says what that step of the conversation must say (checked
as the run goes), and afterwards the store holds exactly one payout per accepted case and
the rating each buyer gave.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One turn of a scripted buyer: what the buyer sends, and what the bot's reply must contain."""

    kind: str  # start (the proactive opening), diagnosis, accept, rating
    text: str = ""
    payload: str | None = None
    expect: str = ""


@dataclass(frozen=True)
class Expected:
    """What a finished conversation must have left in the store."""

    case_id: int
    buyer_id: str
    amount_fen: int
    rating: int
    accepted: bool  # the accept turn was answered as a carried-out remedy
    rated: bool  # the rating turn was answered with thanks for that rating


@dataclass(frozen=True)
class CaseOutcome:
    """What the store holds for one case after the run."""

    case_id: int
    status: str
    executed_remedies: int
    payments: int
    paid_fen: int
    rating: int | None


def check_reply(step: Step, replies: list[str]) -> str | None:
    """None when the reply is right, else what was wrong."""
    if not replies:
        return f"{step.kind}: no reply"
    if step.expect and not any(step.expect in reply for reply in replies):
        shown = " | ".join(reply[:60] for reply in replies[:3])
        return f"{step.kind}: expected {step.expect!r} in the reply, got {shown!r}"
    return None


def check_store(expected: Iterable[Expected], outcomes: dict[int, CaseOutcome]) -> list[str]:
    """Every problem found: payouts lost or doubled, wrong amounts, ratings not stored."""
    problems: list[str] = []
    for want in expected:
        got = outcomes.get(want.case_id)
        if got is None:
            problems.append(f"case {want.case_id} ({want.buyer_id}): not in the store")
            continue
        where = f"case {want.case_id} ({want.buyer_id})"
        if want.accepted and (got.payments != 1 or got.executed_remedies != 1):
            problems.append(f"{where}: accepted once but {got.executed_remedies} remedies executed and "
                            f"{got.payments} payouts made (exactly one each expected)")
        elif not want.accepted and got.payments > 1:
            problems.append(f"{where}: {got.payments} payouts for one case")
        if want.accepted and got.payments == 1 and got.paid_fen != want.amount_fen:
            problems.append(f"{where}: paid {got.paid_fen} fen, the offer was {want.amount_fen} fen")
        if want.rated and got.rating != want.rating:
            problems.append(f"{where}: rated {want.rating} but the store holds {got.rating}")
        if want.rated and got.status != "closed":
            problems.append(f"{where}: rated but the case is {got.status}, not closed")
    return problems
