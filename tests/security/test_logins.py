"""Dashboard logins: wrong passwords slow down guessing per account and per address, with a
message saying how long to wait, and a refusal costs the same whether the name exists or not."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from outreach.dashboard import throttle
from outreach.dashboard.accounts import add_user, log_in
from outreach.dashboard.throttle import TooManyAttempts
from outreach.store.db import session_scope
from outreach.store.models import LoginFailure, StaffUser
from tests.security.conftest import LEAD

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
SECOND = timedelta(seconds=1)
HERE, ELSEWHERE = "203.0.113.7", "198.51.100.9"


def attempt(username: str, password: str, at: datetime, address: str = HERE) -> str:
    """'ok', 'wrong' or 'wait' for one login attempt at `at`."""
    try:
        return "wrong" if log_in(username, password, address, now=at) is None else "ok"
    except TooManyAttempts:
        return "wait"


def test_eighty_wrong_passwords_then_the_right_one_is_refused_until_the_wait_is_over(db: str) -> None:
    add_user("lead7", "lead", "lead-password-7")
    outcomes = [attempt("lead7", f"guess-{n}", T0 + n * 100 * timedelta(milliseconds=1)) for n in range(80)]
    assert outcomes[:throttle.ACCOUNT.free + 1] == ["wrong"] * (throttle.ACCOUNT.free + 1)
    assert outcomes.count("wrong") < 15 and outcomes[-1] == "wait"  # guessing slowed to a crawl
    assert attempt("lead7", "lead-password-7", T0 + 8 * SECOND) == "wait"  # even the right password waits
    later = T0 + timedelta(seconds=throttle.MAX_WAIT_S) + 8 * SECOND
    assert attempt("lead7", "lead-password-7", later) == "ok"
    assert attempt("lead7", "another-guess", later + SECOND) == "wrong"  # a success starts the count afresh


def test_the_waits_double_after_the_free_failures_up_to_a_cap(db: str) -> None:
    waits, at = [], T0
    for _ in range(throttle.ACCOUNT.free + 14):
        assert attempt("nobody-here", "guess", at) == "wrong"
        with session_scope() as session:
            blocked_until = session.get(LoginFailure, throttle.account_key("nobody-here")).blocked_until
        waits.append(0 if blocked_until is None else (blocked_until - at).total_seconds())
        if blocked_until is not None:
            assert attempt("nobody-here", "guess", blocked_until - SECOND / 2) == "wait"
        at = max(at, blocked_until or at) + SECOND
    assert waits[:throttle.ACCOUNT.free] == [0] * throttle.ACCOUNT.free
    assert waits[throttle.ACCOUNT.free:throttle.ACCOUNT.free + 4] == [1, 2, 4, 8]
    assert waits[-1] == throttle.MAX_WAIT_S


def test_one_address_trying_many_names_is_slowed_down_and_other_addresses_are_not(db: str) -> None:
    add_user("agent7", "agent", "agent-password-7")
    outcomes = [attempt(f"user{n}", "guess", T0 + n * SECOND / 10) for n in range(throttle.ADDRESS.free + 5)]
    assert outcomes[:throttle.ADDRESS.free] == ["wrong"] * throttle.ADDRESS.free and outcomes[-1] == "wait"
    assert attempt("agent7", "agent-password-7", T0 + 2.5 * SECOND) == "wait"  # this address must wait
    assert attempt("agent7", "agent-password-7", T0 + 2.5 * SECOND, address=ELSEWHERE) == "ok"


def test_parallel_guesses_are_each_counted(any_db: str) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda n: attempt("lead6", f"guess-{n}", T0), range(8)))
    assert sorted(outcomes) == ["wait"] * (outcomes.count("wait")) + ["wrong"] * outcomes.count("wrong")
    with session_scope() as session:
        counted = session.get(LoginFailure, throttle.account_key("lead6")).failures
    assert counted == outcomes.count("wrong") == throttle.ACCOUNT.free + 1  # the rest waited


def test_failures_are_forgotten_after_a_quiet_day(db: str) -> None:
    for n in range(throttle.ACCOUNT.free):
        assert attempt("lead8", "guess", T0 + n * SECOND) == "wrong"
    next_day = T0 + throttle.FORGET_AFTER + 10 * SECOND
    for n in range(throttle.ACCOUNT.free):
        assert attempt("lead8", "guess", next_day + n * SECOND) == "wrong", n
    with session_scope() as session:
        assert session.get(LoginFailure, throttle.account_key("lead8")).failures == throttle.ACCOUNT.free


@pytest.mark.parametrize("name", ["lead\x00", "\x00", "\ud800", "a" * 500, "名字", "lead'; DROP TABLE staff_users; --"])
def test_a_name_no_account_can_have_is_refused_like_any_other_and_counted(any_db: str, name: str) -> None:
    assert attempt(name, "guess", T0) == "wrong"
    with session_scope() as session:
        keys = session.execute(select(LoginFailure.key)).scalars().all()
    assert len(keys) == 2 and all(key.isprintable() and len(key) <= 200 for key in keys), keys
    for n in range(throttle.ACCOUNT.free):
        attempt(name, "guess", T0 + (n + 1) * SECOND)
    assert attempt(name, "guess", T0 + (throttle.ACCOUNT.free + 0.5) * SECOND) == "wait"


@pytest.mark.parametrize("who", ["unknown", "known, wrong password", "disabled"])
def test_every_refusal_costs_exactly_one_scrypt_run(db: str, monkeypatch: pytest.MonkeyPatch, who: str) -> None:
    add_user("lead9", "lead", "lead-password-9")
    disabled = add_user("gone1", "agent", "gone-password-1")
    with session_scope() as session:
        session.get(StaffUser, disabled.id).disabled_at = T0
    runs = []
    real_scrypt = hashlib.scrypt

    def counting_scrypt(*args: object, **kwargs: object) -> bytes:
        runs.append(kwargs.get("n"))
        return real_scrypt(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(hashlib, "scrypt", counting_scrypt)
    name, password = {"unknown": ("nobody", "x" * 12), "known, wrong password": ("lead9", "x" * 12),
                      "disabled": ("gone1", "gone-password-1")}[who]
    assert attempt(name, password, T0) == "wrong"
    assert runs == [2**14]  # the same work factor as a stored hash: the same time


async def test_a_throttled_web_login_is_429_with_the_wait_in_chinese_and_retry_after(client: TestClient) -> None:
    with session_scope() as session:
        now = datetime.now(timezone.utc)
        session.add(LoginFailure(key=throttle.account_key(LEAD[0]), failures=9, last_failure_at=now,
                                 blocked_until=now + timedelta(minutes=3)))
    response = await client.post("/dashboard/login", data={"username": LEAD[0], "password": LEAD[1]},
                                 allow_redirects=False)
    assert response.status == 429
    assert "登录尝试次数过多" in await response.text() and "3 分钟后再试" in await response.text()
    assert 170 <= int(response.headers["Retry-After"]) <= 180
    assert "outreach_staff" not in response.cookies
