"""The one place a case's status changes.

`move` checks the table of allowed moves (outreach.lifecycle.states), then changes the row
with a compare-and-set: UPDATE ... WHERE id = :id AND status = :current AND version = :seen.
That holds on SQLite, which ignores SELECT ... FOR UPDATE, as on PostgreSQL: of two
decisions on one case made at once, the second finds the row moved on and is refused
(`StaleCase`), and its transaction rolls back, so nothing of it is kept.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import Update
from sqlalchemy.sql.elements import ClauseElement

from outreach.lifecycle import events
from outreach.lifecycle.states import STATUS_ZH, CaseStatus, EventKind, allowed
from outreach.store.models import Case
from outreach.store.types import utcnow


class LifecycleError(RuntimeError):
    """A refused change of a case; `zh` says why to a person, the message to logs and developers."""

    def __init__(self, message: str, zh: str) -> None:
        super().__init__(message)
        self.zh = zh


class IllegalTransition(LifecycleError):
    def __init__(self, case_id: int, current: CaseStatus, target: CaseStatus) -> None:
        super().__init__(
            f"case {case_id} cannot move from {current.value} to {target.value}: not in the lifecycle table",
            f"案件 {case_id} 当前为「{STATUS_ZH[current]}」，不能变为「{STATUS_ZH[target]}」。")
        self.current, self.target = current, target


class StaleCase(LifecycleError):
    def __init__(self, case_id: int, seen: str, now: str | None = None) -> None:
        super().__init__(
            f"case {case_id} moved on since it was read (was {seen}" + (f", is {now})" if now else ")"),
            f"案件 {case_id} 已被其他操作更新，请刷新后再试。")


def status_of(case: Case) -> CaseStatus:
    return CaseStatus(case.status)


def move(session: Session, case: Case, to: CaseStatus, kind: EventKind | None, *,
         expected: CaseStatus | None = None, changes: dict[str, Any] | None = None, **detail: Any) -> None:
    """Move `case` to `to` and record `kind` (with `detail`) in its trail, or raise and change nothing.

    `expected`: the status the caller decided on (an agent's page, say); another one is a
    stale action. `changes`: other columns set in the same statement.
    """
    current = status_of(case)
    if expected is not None and current != expected:
        raise StaleCase(case.id, expected.value, current.value)
    if not allowed(current, to):
        raise IllegalTransition(case.id, current, to)
    seen = case.version
    result = session.execute(*_compare_and_set(case.id, current, seen, to, changes or {}))
    if result.rowcount != 1:
        raise StaleCase(case.id, current.value)
    # the row now holds exactly these values: kept as loaded, so reading them costs no query
    known = {"status": to.value, "version": seen + 1, **(changes or {})}
    for key, value in known.items():
        if isinstance(value, ClauseElement):  # a value the database works out
            session.expire(case, [key])
        else:
            set_committed_value(case, key, value)
    if kind is not None:
        events.record(session, case.id, kind, **({"from": current.value, "to": to.value} | detail))


def _compare_and_set(case_id: int, current: CaseStatus, seen: int, to: CaseStatus,
                     changes: dict[str, Any]) -> tuple[Update, dict[str, Any]]:
    """The UPDATE of a move and its parameters: status `to`, the version bumped and `changes`,
    where the row still has the status and version read."""
    if any(isinstance(value, ClauseElement) for value in changes.values()):  # worked out by the database
        return (update(Case).where(Case.id == case_id, Case.status == current.value, Case.version == seen)
                .values({"status": to.value, "version": Case.version + 1, **changes})
                .execution_options(synchronize_session=False)), {}
    return _move_statement(tuple(sorted(changes))), {
        "case_id": case_id, "was": current.value, "seen": seen, "to": to.value,
        **{f"set_{column}": value for column, value in changes.items()}}


@cache
def _move_statement(columns: tuple[str, ...]) -> Update:
    """Built once per set of changed columns: a statement built per call costs more CPU than its
    round trip."""
    return (update(Case)
            .where(Case.id == bindparam("case_id"), Case.status == bindparam("was"), Case.version == bindparam("seen"))
            .values({"status": bindparam("to"), "version": Case.version + 1,
                     **{column: bindparam(f"set_{column}") for column in columns}})
            .execution_options(synchronize_session=False))


def close(session: Session, case: Case, reason: str, kind: EventKind = EventKind.CLOSED,
          now: datetime | None = None, **detail: Any) -> None:
    """The one way a case closes: its incident key is freed (a new report may open a new case)."""
    move(session, case, CaseStatus.CLOSED, kind,
         changes={"closed_at": now or utcnow(), "closed_reason": reason[:64], "open_key": None,
                  "claimed_by": None, "claimed_until": None, "agent": None},
         reason=reason, **detail)


def hand_over(session: Session, case: Case, reason: str, kind: EventKind = EventKind.HANDED_OVER,
              **detail: Any) -> None:
    """To the agents' queue. A settled case coming back to a person is also recorded as reopened,
    naming the person who settled it (the reopen rate by agent)."""
    current = status_of(case)
    settled_by = case.settled_by
    move(session, case, CaseStatus.HANDED_OVER, kind,
         changes={"handover_reason": reason[:300], "hold_reason": None, "closed_at": None, "closed_reason": None,
                  "agent": None, "handed_over_at": utcnow()},
         reason=reason, **detail)
    if current in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        events.record(session, case.id, EventKind.REOPENED, reason=reason, settled_by=settled_by)


def settle(session: Session, case: Case, kind: EventKind | None, now: datetime | None = None,
           settled_by: str | None = None, **detail: Any) -> None:
    """Resolved: the remedy is carried out (or the buyer had no problem); the rating question may follow."""
    move(session, case, CaseStatus.RESOLVED, kind,
         changes={"resolved_at": now or utcnow(), "agent": None, "settled_by": settled_by}, **detail)
