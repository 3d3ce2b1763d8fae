"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from outreach.dashboard.accounts import add_user
from outreach.settings import get_settings
from outreach.store.db import session_scope
from outreach.store.models import InboxMessage, Satisfaction
from outreach.web.app import create_app
from tests.conftest import installed_or_skip
from tests.factories import make_case

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
pytestmark = installed_or_skip(CHROMIUM.exists(), reason="chromium missing: run `make system-deps`")


@pytest.fixture
def server(db: str) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(create_app(get_settings()))
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop) if loop.is_running() else loop.run_until_complete(
        runner.cleanup())


def test_a_lead_logs_in_filters_and_reads_a_case_transcript(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    add_user("lead1", "lead", "lead-password-1", "张主管")
    spoiled, buyer, _ = make_case("spoiled", status="closed")
    make_case("damaged", status="closed")
    with session_scope() as session:
        session.add(Satisfaction(case_id=spoiled, buyer_id=buyer, rating=5, recommend=10))
        session.add(InboxMessage(buyer_id=buyer, case_id=spoiled, sender="buyer", text="螃蟹死了三只<img src=x>"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server + "/dashboard/")
        assert "/dashboard/login" in page.url
        page.fill("input[name=username]", "lead1")
        page.fill("input[name=password]", "lead-password-1")
        page.click("button[type=submit]")
        page.wait_for_selector("[data-metric=cases]")
        assert page.inner_text("[data-metric=cases]") == "2"
        page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)

        page.select_option("select[name=label]", "spoiled")
        page.click("#filters button[type=submit]")
        page.wait_for_url("**label=spoiled**")
        assert page.inner_text("[data-metric=cases]") == "1"
        assert page.inner_text("[data-metric=csat]") == "100%"

        page.goto(server + "/dashboard/cases")
        page.click(f"a[href='/dashboard/cases/{spoiled}']")
        page.wait_for_selector("#transcript")
        assert "螃蟹死了三只<img src=x>" in page.inner_text("#transcript")
        assert page.locator("#transcript img").count() == 0
        page.screenshot(path=str(tmp_path / "case.png"), full_page=True)

        page.click("nav button[type=submit]")  # 退出: a POST with the page's form token and Origin
        page.wait_for_url("**/dashboard/login")
        page.goto(server + "/dashboard/cases")
        assert "/dashboard/login" in page.url  # the session ended
        browser.close()
    assert (tmp_path / "overview.png").stat().st_size > 0
