"""Phone numbers: masked in every log line and on every dashboard page; only the agent who
claimed a case's call may reveal that buyer's number, and each reveal is a case event."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from outreach.dashboard.accounts import add_user
from outreach.inbox import messages
from outreach.inbox.privacy import install_log_masking, mask_phones
from outreach.store.db import session_scope
from outreach.store.models import CallTask, CaseEvent, Satisfaction
from outreach.store.types import utcnow
from tests.factories import make_case
from tests.security.conftest import AGENT, LEAD, login

PHONE, MASKED = "13800000000", "138****0000"  # the buyer of tests.factories


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13912345678", "139****5678"),
        ("请打我电话139-1234-5678谢谢", "请打我电话139****5678谢谢"),
        ("+86 139 1234 5678", "139****5678"),
        ("8613912345678", "139****5678"),
        ("订单 O-20261125-0001，实付 6980 分", "订单 O-20261125-0001，实付 6980 分"),
        ("12345678901", "12345678901"),  # not a mobile prefix
        ("1391234567", "1391234567"),  # ten digits
        ("2139123456789", "2139123456789"),  # part of a longer number
    ],
)
def test_mobile_numbers_in_text_are_masked_and_nothing_else(text: str, expected: str) -> None:
    assert mask_phones(text) == expected


@pytest.fixture
def masked_logging() -> Iterator[io.StringIO]:
    original = logging.getLogRecordFactory()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("tests.phone")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    install_log_masking()
    install_log_masking()  # idempotent
    try:
        yield stream
    finally:
        logging.setLogRecordFactory(original)
        logger.removeHandler(handler)


def test_every_log_record_has_its_phone_numbers_masked(masked_logging: io.StringIO) -> None:
    log = logging.getLogger("tests.phone")
    log.info("case=%s call_reached notes=%s", 7, "买家说改打 13912345678")
    log.warning("buyer phone 15833330003 and %d%%", 5)
    log.info("no number here: case=%s", 8)
    written = masked_logging.getvalue()
    assert "13912345678" not in written and "15833330003" not in written
    assert "notes=买家说改打 139****5678" in written and "158****0003 and 5%" in written
    assert "no number here: case=8" in written


def claimed_call(case_id: int, buyer_id: str, agent: str) -> int:
    with session_scope() as session:
        task = CallTask(case_id=case_id, buyer_id=buyer_id, attempt=1, team="general", priority=1, due_at=utcnow(),
                        status="claimed", reason="severity 1", agent=agent, claimed_at=utcnow())
        session.add(task)
        session.flush()
        return task.id


def reveals(case_id: int) -> list[dict[str, object]]:
    with session_scope() as session:
        return [e.detail for e in session.execute(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == "phone_revealed")).scalars()]


async def test_leads_and_agents_without_the_call_see_the_number_masked_and_cannot_reveal_it(
    client: TestClient,
) -> None:
    case_id, buyer_id, _ = make_case()
    claimed_call(case_id, buyer_id, "someone-else")
    for account in (LEAD, AGENT):
        await login(client, account)
        page = await (await client.get(f"/dashboard/cases/{case_id}")).text()
        assert MASKED in page and PHONE not in page and "reveal-phone" not in page
        response = await client.post(f"/dashboard/cases/{case_id}/phone")
        assert response.status == 403 and PHONE not in await response.text()
        client.session.cookie_jar.clear()
    assert reveals(case_id) == []


async def test_the_agent_holding_the_claimed_call_reveals_the_number_and_the_reveal_is_recorded(
    client: TestClient,
) -> None:
    case_id, buyer_id, _ = make_case()
    task = claimed_call(case_id, buyer_id, AGENT[0])
    await login(client, AGENT)
    page = await (await client.get(f"/dashboard/cases/{case_id}")).text()
    assert MASKED in page and PHONE not in page and 'id="reveal-phone"' in page
    revealed = await client.post(f"/dashboard/cases/{case_id}/phone")
    assert revealed.status == 200 and f'<span id="phone">{PHONE}</span>' in await revealed.text()
    assert reveals(case_id) == [{"staff": AGENT[0], "task": task}]
    again = await (await client.get(f"/dashboard/cases/{case_id}")).text()
    assert PHONE not in again  # each look is a new, recorded reveal
    assert (await client.post("/dashboard/cases/99999/phone")).status == 404


async def test_numbers_buyers_wrote_are_masked_on_pages_and_in_the_export(client: TestClient) -> None:
    case_id, buyer_id, _ = make_case(text="螃蟹全死了，电话 13912345678 联系我", status="closed")
    with session_scope() as session:
        messages.append(session, buyer_id, "buyer", "打我手机 139 1234 5678", case_id=case_id)
        session.add(Satisfaction(case_id=case_id, buyer_id=buyer_id, rating=2, comment="回电 13912345678"))
    add_user("lead9", "lead", "lead-password-9")
    await login(client, ("lead9", "lead-password-9"))
    for path in (f"/dashboard/cases/{case_id}", "/dashboard/cases", "/dashboard/cases?format=csv"):
        body = await (await client.get(path)).text()
        assert "139****5678" in body, path
        assert "13912345678" not in body and "139 1234 5678" not in body, path
