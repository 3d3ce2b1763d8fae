"""The needs-a-look page: feedback the model could not decide or read waits for a person, who
decides it on the page; the first decision wins, and a problem opens the buyer's case."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from outreach.cases.triage import triage
from outreach.dashboard.accounts import add_user
from outreach.settings import get_settings
from outreach.store.db import session_scope
from outreach.store.models import Case, Feedback, LabelledExample
from outreach.store.types import utcnow
from outreach.web.app import create_app
from tests.factories import make_order
from tests.security.conftest import form_token
from tests.web.test_dashboard import login


@pytest.fixture
async def client(db: str) -> AsyncIterator[TestClient]:
    add_user("agent1", "agent", "agent-password-1", "李客服")
    async with TestClient(TestServer(create_app(get_settings()), host="127.0.0.1")) as test_client:
        yield test_client


def english_feedback(text: str = "<b>the parcel arrived crushed</b>") -> int:
    buyer, order = make_order()
    with session_scope() as session:
        row = Feedback(buyer_id=buyer, order_id=order, source="review", text=text,
                       created_at=utcnow() - timedelta(minutes=5))
        session.add(row)
        session.flush()
        feedback_id = row.id
    triage()
    return feedback_id


async def test_an_agent_sees_the_waiting_feedback_escaped_and_decides_it(client: TestClient) -> None:
    feedback_id = english_feedback()
    await login(client, "agent1", "agent-password-1")
    page = await (await client.get("/dashboard/looks")).text()
    assert "&lt;b&gt;the parcel arrived crushed&lt;/b&gt;" in page and "<b>the parcel" not in page
    assert f'action="/dashboard/looks/{feedback_id}"' in page and "语言：en" in page
    token = await form_token(client, "/dashboard/looks")
    decided = await client.post(f"/dashboard/looks/{feedback_id}", data={"label": "damaged", "csrf_token": token},
                                allow_redirects=False)
    assert decided.status == 302 and decided.headers["Location"].startswith("/dashboard/looks?notice=")
    after = await (await client.get(decided.headers["Location"])).text()
    assert "已判断为「运输破损」" in after and f'action="/dashboard/looks/{feedback_id}"' not in after
    with session_scope() as session:
        case = session.query(Case).one()
        assert case.category == "damaged"
        assert session.query(LabelledExample).one().staff == "agent1"


async def test_a_second_decision_and_a_bad_label_are_refused_in_chinese(client: TestClient) -> None:
    feedback_id = english_feedback("Great product, thanks!")
    await login(client, "agent1", "agent-password-1")
    token = await form_token(client, "/dashboard/looks")
    bad = await client.post(f"/dashboard/looks/{feedback_id}", data={"label": "nonsense", "csrf_token": token})
    assert bad.status == 409 and "未知的问题类型" in await bad.text()
    first = await client.post(f"/dashboard/looks/{feedback_id}", data={"label": "no_problem", "csrf_token": token})
    assert first.status == 200
    again = await client.post(f"/dashboard/looks/{feedback_id}", data={"label": "spoiled", "csrf_token": token})
    assert again.status == 409 and "已由其他人判断过" in await again.text()
    missing = await client.post("/dashboard/looks/abc", data={"label": "spoiled", "csrf_token": token})
    assert missing.status == 404
    forged = await client.post(f"/dashboard/looks/{feedback_id}", data={"label": "spoiled"})
    assert forged.status == 403  # no form token: not from our page


async def test_deciding_needs_a_session(client: TestClient) -> None:
    feedback_id = english_feedback()
    response = await client.post(f"/dashboard/looks/{feedback_id}", data={"label": "spoiled"}, allow_redirects=False)
    assert response.status == 401
