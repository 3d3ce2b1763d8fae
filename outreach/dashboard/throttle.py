"""Slowing down password guessing on the dashboard's login, per account name and per address.

Every attempt is counted as a failure *before* its password is checked (so parallel guesses
cannot slip past the count) and a correct password undoes its own count. The first `free`
failures of a key cost nothing; each further one blocks the key for a wait that doubles,
1 s, 2 s, 4 s ... up to MAX_WAIT_S. While a key is blocked every attempt is refused without
looking at the password and without counting, so guessing drops to about one try per
MAX_WAIT_S. Failures are forgotten after FORGET_AFTER without one.

An account name is counted whether or not it exists, so being blocked tells nothing about
which names exist. The address is the connection's (behind a proxy that is the proxy's
address; the per-address allowance is larger for that reason). The counts live in the store
(`login_failures`), so they hold across restarts and for every web server on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from outreach.store.db import insert_once
from outreach.store.models import LoginFailure

FIRST_WAIT_S = 1
MAX_WAIT_S = 15 * 60
FORGET_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class Limit:
    kind: str
    free: int  # failures before the first wait


ACCOUNT = Limit("account", free=5)
ADDRESS = Limit("address", free=20)


class TooManyAttempts(Exception):
    """Too many failed logins: try again after `wait_seconds`."""

    def __init__(self, wait_seconds: float) -> None:
        self.wait_seconds = max(1, math.ceil(wait_seconds))
        super().__init__(f"too many failed logins: try again in {self.wait_seconds} s")

    @property
    def zh(self) -> str:
        wait = (f"{self.wait_seconds} 秒" if self.wait_seconds < 60 else f"{math.ceil(self.wait_seconds / 60)} 分钟")
        return f"登录尝试次数过多，请 {wait}后再试。如果忘记了密码，请联系客服主管重置。"


def account_key(username: str) -> str:
    """The name as given (a name no account can have escaped: no NUL, no lone surrogate reaches
    the store)."""
    escaped = username[:64].encode("unicode_escape").decode("ascii")
    return f"{ACCOUNT.kind}:{escaped[:150]}"


def address_key(address: str) -> str:
    return f"{ADDRESS.kind}:{address[:100]}"


def _wait_after(failures: int, limit: Limit) -> timedelta | None:
    beyond = failures - limit.free
    if beyond <= 0:
        return None
    return timedelta(seconds=min(MAX_WAIT_S, FIRST_WAIT_S * 2 ** min(beyond - 1, 30)))


def _rows(session: Session, keys: list[str]) -> dict[str, LoginFailure]:
    """The keys' rows, locked: the transaction's first statement is a write, which takes the
    rows' locks on PostgreSQL and the database's write lock on SQLite (where FOR UPDATE does
    nothing), so what is read next is current until the commit and no count is lost."""
    session.execute(update(LoginFailure).where(LoginFailure.key.in_(keys)).values(failures=LoginFailure.failures))
    query = select(LoginFailure).where(LoginFailure.key.in_(keys)).with_for_update()
    return {row.key: row for row in session.execute(query).scalars()}


def _first_failure(session: Session, key: str, now: datetime) -> LoginFailure:
    """A new row for `key`, or the one a concurrent attempt inserted a moment earlier."""
    row, _ = insert_once(session, LoginFailure(key=key, failures=0, last_failure_at=now),
                         lambda: _rows(session, [key]).get(key))
    return row


def count_attempt(session: Session, username: str, address: str, now: datetime) -> None:
    """Counts an attempt as a failure of the name and of the address, or raises
    TooManyAttempts (counting nothing) while either is blocked. The caller commits before it
    checks the password, so the count holds even if that takes a while."""
    limits = {account_key(username): ACCOUNT, address_key(address): ADDRESS}
    rows = _rows(session, list(limits))
    for key in limits.keys() - rows.keys():
        rows[key] = _first_failure(session, key, now)  # rolled back with the rest if the attempt waits
    blocked = [row.blocked_until for row in rows.values() if row.blocked_until and row.blocked_until > now]
    if blocked:
        raise TooManyAttempts((max(blocked) - now).total_seconds())
    for key, limit in limits.items():
        row = rows[key]
        if now - row.last_failure_at > FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        wait = _wait_after(row.failures, limit)
        row.blocked_until = now + wait if wait else None


def count_success(session: Session, username: str, address: str, now: datetime) -> None:
    """A correct password: the name's failures are forgotten; the address's own count of this
    attempt is taken back (one good account must not clear an address that guesses others).
    Rows quiet for FORGET_AFTER are deleted on the way."""
    rows = _rows(session, [account_key(username), address_key(address)])
    session.execute(delete(LoginFailure).where(LoginFailure.last_failure_at < now - FORGET_AFTER))
    account = rows.get(account_key(username))
    if account is not None:
        session.delete(account)
    address_row = rows.get(address_key(address))
    if address_row is not None:
        address_row.failures = max(0, address_row.failures - 1)
        wait = _wait_after(address_row.failures, ADDRESS)
        address_row.blocked_until = address_row.last_failure_at + wait if wait else None
