"""Inputs the fuzz test found answered with a server error, each now a plain 4xx."""

from __future__ import annotations

import logging

import pytest
from aiohttp.test_utils import TestClient

from outreach.dashboard.accounts import add_user


async def test_a_static_file_name_longer_than_the_file_system_allows_is_404(client: TestClient) -> None:
    for name in ("b" * 300 + ".js", "c" * 65 + ".css"):
        response = await client.get(f"/static/{name}")
        assert response.status == 404, name


def part(headers: bytes) -> bytes:
    """A multipart body with one part carrying `headers`."""
    return (b'--zz\r\nContent-Disposition: form-data; name="username"\r\n' + headers + b"\r\nlead2\r\n--zz\r\n"
            + b'Content-Disposition: form-data; name="password"\r\n\r\nlead-password-2\r\n--zz--\r\n')


async def test_a_login_form_with_a_broken_multipart_body_is_400_not_a_server_error(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    add_user("lead2", "lead", "lead-password-2")
    caplog.set_level(logging.INFO)
    for content_type, body in (
        ("multipart/form-data; boundary=zz", b"username=lead2&password=lead-password-2"),
        ("multipart/form-data", b"--zz\r\n"),
        ("application/x-www-form-urlencoded; charset=no-such-charset", b"username=lead2&password=lead-password-2"),
        ("multipart/form-data; boundary=zz", part(b"Content-Transfer-Encoding: weird\r\n")),
        ("multipart/form-data; boundary=zz", part(b"a header line without a colon\r\n")),
    ):
        response = await client.post("/dashboard/login", data=body, headers={"Content-Type": content_type},
                                      allow_redirects=False)
        assert response.status == 400, (content_type, body)
        assert "登录表单格式不正确" in await response.text()
        assert "outreach_staff" not in response.cookies
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], "logged as a server error"
    assert any("unreadable form in POST /dashboard/login" in r.getMessage() for r in caplog.records)
