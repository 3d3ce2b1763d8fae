"""What a buyer is told when PostgreSQL goes away under a bot action: the action waits for the
server to come back and carries on, or, when it stays away, says the step was not done and
leaves the conversation where it was, so the same answer sent again carries it on."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from actions.answers import ActionAnswerYes
from outreach.settings import get_settings
from outreach.store import db as store_db
from outreach.store.db import session_scope
from outreach.store.models import Case, Payment, Remedy
from tests.actions.test_actions import run, tracker
from tests.factories import make_case
from tests.faults.tcp_proxy import TcpProxy, running_proxy

pytestmark = pytest.mark.postgres
SHRIMP = {"title": "鲜活基围虾 1斤装", "quantity": 1, "unit": "斤", "unit_price_fen": 6980,
          "promises": ["fresh_rot_refund"]}


@pytest.fixture
def offering(postgres_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TcpProxy, int, str]]:
    """A case at its first offer, and the store reached through a relay the test controls."""
    case_id, buyer, _ = make_case("spoiled", status="offering", **SHRIMP)
    url = make_url(postgres_db)
    with running_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        monkeypatch.setenv("OUTREACH_DATABASE_URL",
                           url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
        monkeypatch.setattr(store_db, "RETRY_DELAYS_S", (0.1, 0.2, 0.4, 0.8))
        get_settings.cache_clear()
        store_db.dispose_all()
        yield proxy, case_id, buyer
        store_db.dispose_all()


def ledger(case_id: int) -> tuple[list[int], list[int], str]:
    with session_scope() as session:
        remedies = session.execute(select(Remedy.amount_fen).where(Remedy.case_id == case_id)).scalars().all()
        payments = session.execute(select(Payment.amount_fen).where(Payment.case_id == case_id)).scalars().all()
        return list(remedies), list(payments), session.get(Case, case_id).status


async def test_an_accept_during_a_database_restart_is_carried_out_once_the_server_is_back(
    offering: tuple[TcpProxy, int, str],
) -> None:
    proxy, case_id, buyer = offering
    proxy.pause()
    proxy.cut()
    threading.Timer(0.5, proxy.resume).start()
    messages, events = await run(ActionAnswerYes(), tracker(buyer, slots={"stage": "offering",
                                                                          "case_id": str(case_id)}))
    assert [m.get("response") for m in messages][:1] == ["utter_remedy_done"]
    assert {"event": "slot", "name": "stage", "value": "rating", "timestamp": None} in events
    assert ledger(case_id) == ([6980], [6980], "resolved")


async def test_a_database_that_stays_down_gets_a_not_done_answer_and_the_same_answer_later_carries_on(
    offering: tuple[TcpProxy, int, str],
) -> None:
    proxy, case_id, buyer = offering
    slots = {"stage": "offering", "case_id": str(case_id)}
    with proxy.down():
        messages, events = await run(ActionAnswerYes(), tracker(buyer, slots=slots))
    assert [m.get("response") for m in messages] == ["utter_step_not_done"]
    assert events == []  # the conversation stays at the offer
    assert ledger(case_id) == ([], [], "offering")

    messages, _ = await run(ActionAnswerYes(), tracker(buyer, slots=slots))
    assert [m.get("response") for m in messages][:1] == ["utter_remedy_done"]
    assert ledger(case_id) == ([6980], [6980], "resolved")
