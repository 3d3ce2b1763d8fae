"""Requests to the dashboard from anywhere but its own pages: every POST needs the session's
form token (and, when the browser names one, the dashboard's own origin); the session cookie
is Secure behind TLS; no page can be framed."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from outreach.settings import get_settings
from outreach.web.app import create_app
from tests.factories import make_case
from tests.security.conftest import AGENT, LEAD, form_token, login
from tests.security.test_phone_masking import PHONE, claimed_call, reveals

OTHER_ORIGINS = ["http://127.0.0.1:9999", "http://evil.example", "null", "https://127.0.0.1"]


def own_origin(client: TestClient) -> str:
    return f"http://{client.host}:{client.port}"


@pytest.mark.parametrize("origin", OTHER_ORIGINS)
async def test_a_post_from_another_origin_is_refused_even_with_the_cookie_and_the_token(
    client: TestClient, origin: str
) -> None:
    case_id, buyer_id, _ = make_case()
    claimed_call(case_id, buyer_id, AGENT[0])
    await login(client, AGENT)
    token = await form_token(client, f"/dashboard/cases/{case_id}")
    response = await client.post(f"/dashboard/cases/{case_id}/phone", data={"csrf_token": token},
                                 headers={"Origin": origin})
    assert response.status == 403 and PHONE not in await response.text()
    assert "请从看板页面重新操作" in await response.text()
    assert reveals(case_id) == []


@pytest.mark.parametrize("token", [None, "", "0" * 64, "someone-elses"])
async def test_a_post_without_this_session_s_form_token_is_refused(client: TestClient, token: str | None) -> None:
    case_id, buyer_id, _ = make_case()
    claimed_call(case_id, buyer_id, AGENT[0])
    if token == "someone-elses":
        await login(client, LEAD)
        token = await form_token(client, "/dashboard/cases")
        client.session.cookie_jar.clear()
    await login(client, AGENT)
    response = await client.post(f"/dashboard/cases/{case_id}/phone",
                                 data={} if token is None else {"csrf_token": token})
    assert response.status == 403 and PHONE not in await response.text()
    assert reveals(case_id) == []


async def test_the_session_s_own_pages_post_with_their_token_from_their_origin(client: TestClient) -> None:
    case_id, buyer_id, _ = make_case()
    claimed_call(case_id, buyer_id, AGENT[0])
    await login(client, AGENT)
    page = await (await client.get(f"/dashboard/cases/{case_id}")).text()
    forms = re.findall(r'<form method="post"[^>]*>.*?</form>', page)
    assert len(forms) == 2 and all('name="csrf_token"' in form for form in forms)  # reveal and log out
    token = await form_token(client, f"/dashboard/cases/{case_id}")
    revealed = await client.post(f"/dashboard/cases/{case_id}/phone", data={"csrf_token": token},
                                 headers={"Origin": own_origin(client)})
    assert revealed.status == 200 and PHONE in await revealed.text()
    assert len(reveals(case_id)) == 1


async def test_logging_out_needs_the_token_so_another_site_cannot_end_a_session(client: TestClient) -> None:
    await login(client, LEAD)
    refused = await client.post("/dashboard/logout", allow_redirects=False)
    assert refused.status == 403
    assert (await client.get("/dashboard/", allow_redirects=False)).status == 200  # still signed in
    token = await form_token(client, "/dashboard/")
    done = await client.post("/dashboard/logout", data={"csrf_token": token}, allow_redirects=False)
    assert done.status == 302
    assert (await client.get("/dashboard/", allow_redirects=False)).status == 302


@pytest.mark.parametrize("origin", OTHER_ORIGINS)
async def test_a_login_posted_from_another_origin_is_refused(client: TestClient, origin: str) -> None:
    response = await client.post("/dashboard/login", data={"username": LEAD[0], "password": LEAD[1]},
                                 headers={"Origin": origin}, allow_redirects=False)
    assert response.status == 403 and "outreach_staff" not in response.cookies


async def cookie_flags(client: TestClient, headers: dict[str, str]) -> str:
    response = await client.post("/dashboard/login", data={"username": LEAD[0], "password": LEAD[1]},
                                 headers=headers, allow_redirects=False)
    assert response.status == 302, await response.text()
    [cookie] = [c for c in response.headers.getall("Set-Cookie") if c.startswith("outreach_staff=")]
    return cookie.lower()


async def test_the_session_cookie_is_secure_when_served_over_tls(client: TestClient) -> None:
    behind_tls = await cookie_flags(client, {"X-Forwarded-Proto": "https"})
    assert "; secure" in behind_tls and "httponly" in behind_tls and "samesite=strict" in behind_tls
    assert "; secure" not in await cookie_flags(client, {})  # plain http on 127.0.0.1: the demo


@pytest.fixture
async def always_secure(db: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TestClient]:
    from outreach.dashboard.accounts import add_user

    add_user(*LEAD[:1], "lead", LEAD[1])
    monkeypatch.setenv("OUTREACH_SECURE_COOKIES", "always")
    get_settings.cache_clear()
    async with TestClient(TestServer(create_app(get_settings()), host="127.0.0.1")) as test_client:
        yield test_client


async def test_secure_cookies_can_be_forced_for_a_gateway_that_does_not_say_https(always_secure: TestClient) -> None:
    assert "; secure" in await cookie_flags(always_secure, {})


def test_a_wrong_secure_cookies_setting_is_refused_with_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    from outreach.settings import SettingsError, load_settings

    monkeypatch.setenv("OUTREACH_SECURE_COOKIES", "yes please")
    with pytest.raises(SettingsError, match="OUTREACH_SECURE_COOKIES='yes please'.*auto, always or never"):
        load_settings()


@pytest.mark.parametrize("path", ["/chat", "/static/chat.html", "/static/chat.js", "/dashboard/login", "/dashboard/",
                                  "/dashboard/cases", "/dashboard/merchants", "/dashboard/cases/404", "/no-such-page",
                                  "/", "/api/messages", "/healthz"])
async def test_no_page_can_be_framed_by_another_site(client: TestClient, path: str) -> None:
    await login(client, AGENT)  # /dashboard/merchants: an agent's 403 page
    response = await client.get(path, allow_redirects=False)
    policy = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in policy, (path, response.status, policy)
    assert response.headers.get("X-Frame-Options") == "DENY", path
