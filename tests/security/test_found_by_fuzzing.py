"""Inputs the fuzz test found answered with a server error, each now a plain 4xx."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from outreach.dashboard.accounts import add_user


async def test_a_static_file_name_longer_than_the_file_system_allows_is_404(client: TestClient) -> None:
    for name in ("b" * 300 + ".js", "c" * 65 + ".css"):
        response = await client.get(f"/static/{name}")
        assert response.status == 404, name


async def test_a_login_form_with_a_broken_multipart_body_is_400_not_a_server_error(client: TestClient) -> None:
    add_user("lead2", "lead", "lead-password-2")
    for content_type, body in (
        ("multipart/form-data; boundary=zz", b"username=lead2&password=lead-password-2"),
        ("multipart/form-data", b"--zz\r\n"),
        ("application/x-www-form-urlencoded; charset=no-such-charset", b"username=lead2&password=lead-password-2"),
    ):
        response = await client.post("/dashboard/login", data=body, headers={"Content-Type": content_type},
                                      allow_redirects=False)
        assert response.status == 400, content_type
        assert "登录表单格式不正确" in await response.text()
        assert "outreach_staff" not in response.cookies
