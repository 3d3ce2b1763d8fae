"""The dashboard over HTTP: sessions, roles, escaping, bad filters, and the same numbers as the CLI."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from outreach.dashboard.accounts import add_user
from outreach.metrics.filters import today
from outreach.settings import PROJECT_ROOT, get_settings
from outreach.store.db import session_scope
from outreach.store.models import Satisfaction
from outreach.web.app import create_app
from tests.factories import make_case
from tests.security.conftest import form_token

EVIL = '<script>alert("x")</script>'


@pytest.fixture
async def client(db: str) -> AsyncIterator[TestClient]:
    add_user("lead1", "lead", "lead-password-1", "张主管")
    add_user("agent1", "agent", "agent-password-1", "李客服")
    async with TestClient(TestServer(create_app(get_settings()), host="127.0.0.1")) as test_client:
        yield test_client


async def login(client: TestClient, username: str, password: str) -> None:
    response = await client.post("/dashboard/login", data={"username": username, "password": password},
                                 allow_redirects=False)
    assert response.status == 302, await response.text()


def rated_case(label: str = "spoiled", rating: int = 5, comment: str | None = None) -> int:
    case_id, buyer_id, _ = make_case(label, status="closed")
    with session_scope() as session:
        session.add(Satisfaction(case_id=case_id, buyer_id=buyer_id, rating=rating, comment=comment, recommend=9))
    return case_id


async def test_without_a_session_pages_redirect_to_login_and_exports_get_401(client: TestClient) -> None:
    page = await client.get("/dashboard/", allow_redirects=False)
    assert page.status == 302 and page.headers["Location"].startswith("/dashboard/login")
    export = await client.get("/dashboard/cases?format=csv", allow_redirects=False)
    assert export.status == 401


async def test_a_wrong_password_is_refused(client: TestClient) -> None:
    response = await client.post("/dashboard/login", data={"username": "lead1", "password": "nope"})
    assert response.status == 401 and "用户名或密码不正确" in await response.text()


async def test_an_agent_sees_cases_but_not_the_lead_pages(client: TestClient) -> None:
    await login(client, "agent1", "agent-password-1")
    assert (await client.get("/dashboard/cases")).status == 200
    assert (await client.get("/dashboard/merchants")).status == 403
    overview = await client.get("/dashboard/", allow_redirects=False)
    assert overview.status == 302 and overview.headers["Location"] == "/dashboard/cases"


async def test_every_page_escapes_what_buyers_wrote(client: TestClient) -> None:
    case_id = rated_case(comment=EVIL)
    await login(client, "lead1", "lead-password-1")
    for path in ("/dashboard/cases", f"/dashboard/cases/{case_id}", "/dashboard/"):
        text = await (await client.get(path)).text()
        assert EVIL not in text, path
    assert "&lt;script&gt;" in await (await client.get(f"/dashboard/cases/{case_id}")).text()


@pytest.mark.parametrize("query, message", [
    ("since=2026-02-30", "日期“2026-02-30”无效"),
    ("since=2000-01-01", "超过 366 天"),
    ("merchant=M404", "没有这个商家"),
    ("label=<b>x</b>", "没有这个问题类型"),
])
async def test_bad_filters_get_a_clear_message_not_a_server_error(client: TestClient, query: str,
                                                                  message: str) -> None:
    await login(client, "lead1", "lead-password-1")
    response = await client.get(f"/dashboard/?{query}")
    text = await response.text()
    assert response.status == 400 and message in text and "<b>x</b>" not in text


async def test_logging_out_ends_the_session(client: TestClient) -> None:
    await login(client, "lead1", "lead-password-1")
    token = await form_token(client, "/dashboard/")
    assert (await client.post("/dashboard/logout", data={"csrf_token": token}, allow_redirects=False)).status == 302
    assert (await client.get("/dashboard/", allow_redirects=False)).status == 302


async def test_the_dashboard_export_is_exactly_what_outreach_metrics_prints(client: TestClient, db: str) -> None:
    rated_case("spoiled", 5)
    rated_case("damaged", 2)
    rated_case("spoiled", 4)
    since = (today() - timedelta(days=7)).isoformat()
    until = (today() + timedelta(days=0)).isoformat()
    await login(client, "lead1", "lead-password-1")
    page = await (await client.get(f"/dashboard/?since={since}&until={until}&by=label")).text()
    exported = await (await client.get(f"/dashboard/?since={since}&until={until}&by=label&format=csv")).text()
    cli = subprocess.run([sys.executable, "-m", "outreach.cli", "metrics", "--since", since, "--until", until,
                          "--by", "label", "--csv"], capture_output=True, cwd=PROJECT_ROOT, check=True)
    assert exported.lstrip("\ufeff") == cli.stdout.decode("utf-8")  # bytes: CRLF line ends included
    assert 'data-metric="csat">66.7%<' in page  # two of three ratings are 4 or 5
    assert b"spoiled" in cli.stdout and b"damaged" in cli.stdout


def test_date_type_is_plain_date() -> None:
    assert isinstance(today(), date)


async def test_a_lead_reads_the_merchant_outliers_of_the_demo_data(client: TestClient) -> None:
    from outreach.demo.seed import seed
    from outreach.metrics.filters import parse_filters
    from outreach.metrics.outliers import outliers_report

    seed()
    report = outliers_report(parse_filters({}))
    flagged = [row["name"] for row in report["merchants"] if row["flagged"]]
    assert flagged, "the demo has a clearly bad seafood shop"
    await login(client, "lead1", "lead-password-1")
    page = await client.get("/dashboard/merchants")
    assert page.status == 200
    text = await page.text()
    assert all(name in text for name in flagged)


async def test_exports_have_chinese_headers_for_people_and_stable_english_columns_for_machines(
        client: TestClient) -> None:
    case_id = rated_case("spoiled", 5)
    await login(client, "lead1", "lead-password-1")
    people = (await (await client.get("/dashboard/cases?format=csv")).text()).lstrip("\ufeff").splitlines()
    machine = (await (await client.get("/dashboard/cases?format=csv&columns=machine")).text()).lstrip("\ufeff")
    assert people[0].startswith("案件编号,发现时间,问题类型,商家编号,商家,渠道,状态")
    assert f"{case_id}," in people[1] and "生鲜变质" in people[1] and "已关闭" in people[1]
    assert re.search(r",\d{4}-\d\d-\d\d \d\d:\d\d,", people[1])  # the lead's zone, to the minute
    header, row = machine.splitlines()[:2]
    assert header == "case_id,created_at,label,merchant_id,merchant_name,channel,status,rating,recommend,comment"
    assert ",spoiled," in row and ",closed," in row
    figures = (await (await client.get("/dashboard/?by=label&format=csv&columns=machine")).text()).lstrip("\ufeff")
    assert figures.startswith("key,name,cases,hurt_cases,") and "paid_fen" in figures.splitlines()[0]
    shown = (await (await client.get("/dashboard/?by=label&format=csv")).text()).lstrip("\ufeff")
    assert shown.startswith("分组编号,分组,案件数,受伤案件数,") and "赔付总额（元）" in shown.splitlines()[0]
