"""The store survives PostgreSQL going away: through a relay the test cuts and pauses, the
same failures a server restart causes reach the store, without restarting the shared server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from outreach.store.db import PING_AFTER_IDLE_S, dispose_all, get_engine, is_transient, retry_transient, session_scope
from outreach.store.models import Buyer
from tests.faults.tcp_proxy import TcpProxy, running_proxy

pytestmark = pytest.mark.postgres
FAST = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)


@pytest.fixture
def relay(postgres_db: str) -> Iterator[tuple[TcpProxy, str]]:
    url = make_url(postgres_db)
    with running_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        yield proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        dispose_all()


def buyers(url: str) -> int:
    with session_scope(url) as session:
        return session.execute(select(func.count(Buyer.id))).scalar_one()


def test_a_transaction_whose_connection_is_dropped_midway_runs_again_and_writes_once(
    relay: tuple[TcpProxy, str],
) -> None:
    proxy, url = relay
    attempts = []

    def add_buyer() -> None:
        attempts.append(1)
        with session_scope(url) as session:
            session.add(Buyer(id="B-RECONNECT", name="王女士", time_zone="Asia/Shanghai"))
            session.flush()
            if len(attempts) == 1:
                proxy.cut()  # the server restarts between the insert and the commit
            session.execute(text("select 1"))

    retry_transient(add_buyer, delays=FAST)
    assert len(attempts) == 2
    assert buyers(url) == 1


def test_work_waits_until_the_server_accepts_connections_again(relay: tuple[TcpProxy, str]) -> None:
    proxy, url = relay
    assert buyers(url) == 0  # the pool holds a connection from before the restart
    proxy.pause()
    proxy.cut()
    threading.Timer(1.0, proxy.resume).start()
    attempts = []

    def count() -> int:
        attempts.append(1)
        return buyers(url)

    assert retry_transient(count, delays=FAST) == 0
    assert len(attempts) > 1  # refused at first, answered once the server was back


def test_a_server_that_stays_down_fails_the_work_with_the_connection_error(relay: tuple[TcpProxy, str]) -> None:
    proxy, url = relay
    proxy.pause()
    proxy.cut()
    with pytest.raises(OperationalError) as failure:
        retry_transient(buyers, url, delays=(0.01, 0.01))
    assert is_transient(failure.value)


def test_a_broken_rule_of_the_data_is_not_retried(relay: tuple[TcpProxy, str]) -> None:
    _, url = relay
    attempts = []

    def add_twice() -> None:
        attempts.append(1)
        with session_scope(url) as session:
            session.add(Buyer(id="B-TWICE", name="王女士", time_zone="Asia/Shanghai"))
            session.flush()
            session.add(Buyer(id="B-TWICE", name="王女士", time_zone="Asia/Shanghai"))
            session.flush()

    with pytest.raises(IntegrityError) as failure:
        retry_transient(add_twice, delays=FAST)
    assert not is_transient(failure.value)
    assert len(attempts) == 1 and buyers(url) == 0


def test_a_connection_dropped_while_unused_is_replaced_before_the_work_gets_it(
    relay: tuple[TcpProxy, str],
) -> None:
    proxy, url = relay
    assert buyers(url) == 0  # the pool now holds one connection
    proxy.cut()  # the server restarts while it sits unused
    time.sleep(PING_AFTER_IDLE_S + 0.05)
    assert buyers(url) == 0  # no retry: the dead connection was tested and replaced


def test_a_connection_in_steady_use_is_not_tested_and_an_unused_one_is(
    relay: tuple[TcpProxy, str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, url = relay
    engine = get_engine(url)
    pings: list[object] = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda connection: pings.append(connection) or real_ping(connection))
    for _ in range(10):
        buyers(url)
    assert pings == []
    time.sleep(PING_AFTER_IDLE_S + 0.05)
    buyers(url)
    buyers(url)
    assert len(pings) == 1
