"""The buyer's chat page in a real browser: only the buttons of the bot's latest question can be tapped."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach.inbox import messages, tokens
from outreach.settings import get_settings
from outreach.store.db import session_scope
from tests.factories import make_case
from tests.web.test_dashboard_browser import ARGS, CHROMIUM, server  # noqa: F401  (the fixture)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium missing: run `make system-deps`")


def test_buttons_of_older_questions_are_disabled_and_the_latest_stay_live(server: str,  # noqa: F811
                                                                           tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    _case, buyer, _ = make_case("spoiled")
    with session_scope() as session:
        messages.append(session, buyer, "bot", "是这个问题吗？", buttons=[{"title": "是的", "payload": "/affirm"}])
        messages.append(session, buyer, "buyer", "是的")
        messages.append(session, buyer, "bot", "可以退款119.40元，您看这样可以吗？",
                        buttons=[{"title": "可以，就这样", "payload": "/affirm"},
                                 {"title": "不用了", "payload": "/deny"}])
    token = tokens.issue(get_settings().buyer_token_secret, buyer)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        page.goto(f"{server}/chat?token={token}")
        page.wait_for_selector("text=可以，就这样")
        assert page.is_disabled("button:has-text('是的')")
        assert page.is_enabled("button:has-text('可以，就这样')") and page.is_enabled("button:has-text('不用了')")
        page.screenshot(path=str(tmp_path / "chat-buttons.png"))
        browser.close()
