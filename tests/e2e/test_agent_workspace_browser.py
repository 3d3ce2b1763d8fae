"""A person takes over, in real browsers on the real stack (Rasa, action server, web server):
the buyer asks the bot for a person, an agent claims the case in the workspace and replies,
the buyer sees it live, the agent settles a remedy and the buyer rates it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from outreach.dashboard.accounts import add_user
from outreach.store.types import utcnow
from tests.conftest import installed_or_skip
from tests.support.stack import cli, write_jsonl

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
pytestmark = installed_or_skip(CHROMIUM.exists(), reason="chromium missing: run `make system-deps`")
BUYER = "B-E2E-AGENT"


def shrimp_order() -> dict[str, Any]:
    now = utcnow()
    return {
        "order_id": "O-E2E-AGENT",
        "buyer": {"id": BUYER, "name": "周先生", "phone": "13712345678", "time_zone": "Asia/Shanghai",
                  "age_band": "30-44", "last_app_active_at": (now - timedelta(hours=1)).isoformat()},
        "shop": {"id": "S-E2E-AGENT", "name": "东海渔港", "trust_badge": True, "merchant_id": "M-E2E-AGENT",
                 "merchant_name": "东海渔港"},
        "items": [{"title": "鲜活基围虾 1斤装", "kind": "seafood", "unit_price_fen": 5980, "quantity": 1, "unit": "斤",
                   "promises": ["fresh_rot_refund"], "live_seafood": True}],
        "total_fen": 5980,
        "paid_at": (now - timedelta(days=3)).isoformat(),
        "promised_ship_hours": 24,
        "shipped_at": (now - timedelta(days=2, hours=12)).isoformat(),
        "delivered_at": (now - timedelta(hours=6)).isoformat(),
    }


def test_a_buyer_asks_for_a_person_who_claims_replies_live_settles_and_the_buyer_rates(
        stack: dict[str, Any], tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    from outreach.store.db import session_scope
    from outreach.store.models import Case, Remedy, Satisfaction

    settings, var = stack["settings"], stack["var"]
    feedback = {"feedback_id": "F-E2E-AGENT", "buyer_id": BUYER, "order_id": "O-E2E-AGENT", "source": "review",
                "text": "虾到的时候全死了，发臭", "created_at": (utcnow() - timedelta(hours=5)).isoformat()}
    assert cli("import", "orders", str(write_jsonl(var / "orders-agent.jsonl", [shrimp_order()]))).returncode == 0
    assert cli("import", "feedback", str(write_jsonl(var / "feedback-agent.jsonl", [feedback]))).returncode == 0
    assert cli("triage", "--json").returncode == 0
    assert json.loads(cli("dispatch", "--once", "--json").stdout)["contacted"] >= 1
    add_user("agent-zhou", "agent", "agent-password-9", "周小满")
    link = json.loads(cli("buyer", "link", BUYER, "--json").stdout)["url"]
    base = f"http://127.0.0.1:{settings.web_port}"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        buyer = browser.new_context(viewport={"width": 420, "height": 900}).new_page()
        buyer.goto(link)
        expect(buyer.locator(".row.bot").first).to_contain_text("鲜活基围虾", timeout=20_000)
        buyer.fill("#input", "转人工")
        buyer.click("#send")
        expect(buyer.locator(".row.bot").last).to_contain_text("转接人工客服", timeout=20_000)
        with session_scope() as session:
            case = session.execute(select(Case).where(Case.order_id == "O-E2E-AGENT")).scalar_one()
            assert case.status == "handed_over"
            case_id = case.id

        agent = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        agent.goto(base + "/dashboard/login")
        agent.fill("input[name=username]", "agent-zhou")
        agent.fill("input[name=password]", "agent-password-9")
        agent.click("button[type=submit]")
        agent.wait_for_url("**/dashboard/workspace")
        agent.click(f"[data-case='{case_id}'] button.open-case")
        agent.click("#claim")
        expect(agent.locator("#case-facts")).to_contain_text("agent-zhou 处理中")
        agent.click("#send-reply")  # an empty reply is refused on the page, in Chinese
        expect(agent.locator("#ws-notice")).to_contain_text("回复内容不能为空")
        agent.fill("#reply", "您好，我是人工客服周小满，虾的问题我来为您处理。")
        agent.click("#send-reply")

        # The buyer's open chat shows the person's reply without reloading, named as a person.
        expect(buyer.locator(".row.agent")).to_contain_text("虾的问题我来为您处理", timeout=10_000)
        expect(buyer.locator(".row.agent .author")).to_have_text("人工客服 · 周小满")
        buyer.fill("#input", "好的，谢谢")
        buyer.click("#send")
        expect(agent.locator("#chat .ws-msg.buyer").last).to_contain_text("好的，谢谢", timeout=10_000)

        agent.click("[data-rule='spoiled_share_refund'] button.settle")
        expect(agent.locator("#ws-notice")).to_contain_text("已执行")
        rate = buyer.locator(".row.bot button", has_text="5")
        expect(rate.first).to_be_visible(timeout=10_000)
        agent.screenshot(path=str(tmp_path / "workspace.png"), full_page=True)
        rate.first.click()
        expect(buyer.locator(".row.bot").last).to_contain_text("5", timeout=20_000)
        buyer.screenshot(path=str(tmp_path / "buyer.png"), full_page=True)
        browser.close()

    with session_scope() as session:
        remedies = session.execute(select(Remedy.rule_id, Remedy.status).where(Remedy.case_id == case_id)).all()
        assert [tuple(r) for r in remedies] == [("spoiled_share_refund", "executed")]
        rating = session.execute(select(Satisfaction.rating).where(Satisfaction.case_id == case_id)).scalar_one()
        case = session.get(Case, case_id)
        assert (rating, case.status, case.settled_by) == (5, "closed", "agent-zhou")
