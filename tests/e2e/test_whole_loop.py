"""The whole loop with real processes: import -> triage -> dispatch -> chat in Chinese -> remedy -> rating.

Uses the session's real Rasa server (HTTP API with token), action server and web server,
started exactly as `make run` does on a fresh SQLite store (tests/support/stack.py).
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
import requests
from sqlalchemy import select

from outreach.settings import PROJECT_ROOT
from outreach.store.types import utcnow
from tests.support.stack import Buyer, cli, write_jsonl

pytestmark = pytest.mark.e2e


def test_a_hurt_buyer_is_reached_in_app_and_gets_one_refund_and_rates_it(stack: dict[str, Any]) -> None:
    settings, var = stack["settings"], stack["var"]
    now = utcnow()
    order = {
        "order_id": "O-E2E-1",
        "buyer": {
            "id": "B-E2E-1",
            "name": "李阿姨",
            "phone": "13912345678",
            "time_zone": "Asia/Shanghai",
            "age_band": "45-59",
            "last_app_active_at": (now - timedelta(hours=2)).isoformat(),
        },
        "shop": {
            "id": "S-E2E",
            "name": "湖畔渔家海鲜铺",
            "trust_badge": True,
            "merchant_id": "M-E2E",
            "merchant_name": "湖畔渔家",
        },
        "items": [
            {
                "title": "鲜活基围虾 活虾打氧发货 1斤装",
                "kind": "seafood",
                "unit_price_fen": 6980,
                "quantity": 1,
                "unit": "斤",
                "promises": ["fresh_rot_refund"],
                "live_seafood": True,
            }
        ],
        "total_fen": 6980,
        "paid_at": (now - timedelta(days=3)).isoformat(),
        "promised_ship_hours": 24,
        "shipped_at": (now - timedelta(days=2, hours=12)).isoformat(),
        "delivered_at": (now - timedelta(hours=6)).isoformat(),
    }
    feedback = [
        {
            "feedback_id": "F-E2E-1",
            "buyer_id": "B-E2E-1",
            "order_id": "O-E2E-1",
            "source": "review",
            "text": "虾到的时候全死了，还有一股臭味，太失望了",
            "created_at": (now - timedelta(hours=5)).isoformat(),
        },
        {
            "feedback_id": "F-E2E-2",
            "buyer_id": "B-E2E-1",
            "order_id": "O-E2E-1",
            "source": "comment",
            "text": "直播间买的虾都臭了，别买",
            "created_at": (now - timedelta(hours=4)).isoformat(),
        },
    ]
    assert cli("import", "orders", str(write_jsonl(var / "orders.jsonl", [order]))).returncode == 0
    assert cli("import", "feedback", str(write_jsonl(var / "feedback.jsonl", feedback))).returncode == 0
    triaged = json.loads(cli("triage", "--json").stdout)
    assert triaged["cases_opened"] == 1 and triaged["attached"] == 1  # two reports, one case

    dispatched = cli("dispatch", "--once", "--json")
    assert dispatched.returncode == 0, dispatched.stderr
    assert json.loads(dispatched.stdout)["contacted"] == 1
    assert json.loads(cli("dispatch", "--once", "--json").stdout)["contacted"] == 0  # never twice

    buyer = Buyer(settings, "B-E2E-1")
    opening = buyer.inbox()
    assert len(opening) == 1 and opening[0]["sender"] == "bot"
    assert "鲜活基围虾" in opening[0]["text"] and "生鲜变质" in opening[0]["text"]
    assert [b["payload"] for b in opening[0]["buttons"]][:2] == ["/affirm", "/deny"]

    offer = buyer.say("是的，虾都死了")
    assert any("69.8" in m["text"] for m in offer), offer
    done = buyer.say("可以，就这样吧")
    assert any("已为您办理" in m["text"] for m in done), done
    assert any(m["buttons"] and "/rate" in m["buttons"][0]["payload"] for m in done)
    thanks = buyer.say("5分 非常满意", payload='/rate{"rating": "5"}')
    assert any("5 分" in m["text"] for m in thanks), thanks

    # Accepting again, by button or in words, pays nothing more.
    buyer.say("可以", payload="/affirm")

    from outreach.store.db import session_scope
    from outreach.store.models import Case

    with session_scope() as session:  # the stack is shared: other tests' cases are there too
        case_id = session.execute(select(Case.id).where(Case.order_id == "O-E2E-1")).scalar_one()
    report = json.loads(cli("case", "show", str(case_id), "--json").stdout)
    assert report["case"]["status"] == "closed"
    assert [(r["rule"], r["amount_fen"], r["status"]) for r in report["remedies"]] == [
        ("spoiled_share_refund", 6980, "executed")
    ]
    assert report["rating"]["rating"] == 5
    senders = [m["sender"] for m in report["transcript"]]
    assert senders[0] == "bot" and "buyer" in senders
    assert any("虾都死了" in m["text"] for m in report["transcript"])


def test_bad_chat_input_gets_a_polite_answer_never_a_server_error(stack: dict[str, Any]) -> None:
    buyer = Buyer(stack["settings"], "B-E2E-1")
    for text in ["", "   ", "😀😀😀🙏", "啊" * 10_000, "\x00\x07\x1b[31m坏了\x7f", "<script>alert(1)</script>"]:
        replies = buyer.say(text)
        if text.strip():
            assert replies, f"no reply to {text[:20]!r}"
            assert all(m["text"] for m in replies)


def test_opt_out_in_words_is_honoured_at_once(stack: dict[str, Any]) -> None:
    buyer = Buyer(stack["settings"], "B-E2E-1")
    replies = buyer.say("以后别再联系我了")
    assert any("不会再" in m["text"] for m in replies), replies
    from outreach.store.db import session_scope
    from outreach.store.models import OptOut

    with session_scope() as session:
        assert session.query(OptOut).filter_by(buyer_id="B-E2E-1").count() == 1


async def push_while(buyer: Buyer, action: Any) -> list[dict[str, Any]]:
    """Messages pushed to the buyer's open app (WebSocket) while `action` runs."""
    url = buyer.base.replace("http", "ws") + f"/api/live?token={buyer.token}"
    received: list[dict[str, Any]] = []
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
        await asyncio.to_thread(action)
        try:
            while not received:
                frame = await ws.receive_json(timeout=10)
                if frame.get("type") == "message":
                    received.append(frame["message"])
        except asyncio.TimeoutError:
            pass
    return received


def test_the_bot_asks_how_many_were_affected_and_walks_the_offers(stack: dict[str, Any]) -> None:
    settings, var = stack["settings"], stack["var"]
    now = utcnow()
    order = {
        "order_id": "O-E2E-2",
        "buyer": {"id": "B-E2E-2", "name": "张先生", "time_zone": "Asia/Urumqi", "age_band": "30-44"},
        "shop": {
            "id": "S-E2E-2",
            "name": "蟹老大鲜活水产旗舰店",
            "trust_badge": False,
            "merchant_id": "M-E2E-2",
            "merchant_name": "蟹老大水产",
        },
        "items": [
            {
                "title": "太湖鲜活大闸蟹 母蟹2.5两",
                "kind": "seafood",
                "unit_price_fen": 3980,
                "quantity": 10,
                "unit": "只",
                "promises": ["crab_guarantee"],
                "live_seafood": True,
            }
        ],
        "total_fen": 39800,
        "paid_at": (now - timedelta(days=2)).isoformat(),
        "promised_ship_hours": 24,
        "shipped_at": (now - timedelta(days=1, hours=20)).isoformat(),
        "delivered_at": (now - timedelta(hours=3)).isoformat(),
    }
    line = {
        "feedback_id": "F-E2E-3",
        "buyer_id": "B-E2E-2",
        "order_id": "O-E2E-2",
        "source": "message",
        "text": "大闸蟹收到死了好几只，都发臭了",
        "created_at": (now - timedelta(hours=2)).isoformat(),
    }
    assert cli("import", "orders", str(write_jsonl(var / "orders2.jsonl", [order]))).returncode == 0
    assert cli("import", "feedback", str(write_jsonl(var / "feedback2.jsonl", [line]))).returncode == 0
    assert json.loads(cli("triage", "--json").stdout)["cases_opened"] == 1
    buyer = Buyer(settings, "B-E2E-2")
    pushed = asyncio.run(push_while(buyer, lambda: cli("dispatch", "--once", "--json")))
    assert len(pushed) == 1 and "大闸蟹" in pushed[0]["text"]  # live, through Rasa's in-app channel

    question = buyer.say("是的")
    assert any("几只" in m["text"] for m in question), question
    offer = buyer.say("死了三只")
    assert any("119.40" in m["text"] for m in offer), offer  # 3 x 39.80, never guessed
    second = buyer.tap(offer, "不用了")
    assert any("补发" in m["text"] for m in second), second
    done = buyer.tap(second, "可以，就这样")
    assert any("已为您办理" in m["text"] for m in done), done
    buyer.say("4分", payload='/rate{"rating": "4"}')

    from outreach.store.db import session_scope
    from outreach.store.models import Case, Remedy, Satisfaction

    with session_scope() as session:
        case = session.query(Case).filter_by(order_id="O-E2E-2").one()
        remedies = session.query(Remedy).filter_by(case_id=case.id).all()
        assert (case.affected_quantity, case.status) == (3, "closed")
        assert [(r.rule_id, r.amount_fen) for r in remedies] == [("spoiled_reship_share", 0)]
        assert session.query(Satisfaction).filter_by(case_id=case.id).one().rating == 4


EVERYDAY = {
    "quality_defect": "新买的电饭煲用了三天就不加热了",
    "damaged": "快递箱子压扁了，里面的玻璃杯碎了两个",
    "spoiled": "收到的荔枝一半都发霉了",
    "late_delivery": "下单五天了物流一直显示待揽收",
    "wrong_item": "我买的是M码，寄来的是XXL",
    "missing_item": "说好送的赠品根本没放进来",
    "not_as_described": "直播里说是纯棉的，到手一看全是化纤",
    "counterfeit": "这双鞋鉴定出来是假的，根本不是正品",
    "price_issue": "刚买完第二天就降价了五十块",
    "health_reaction": "孩子吃了这个奶粉以后一直拉肚子",
    "service_attitude": "问了客服三遍都不理人，态度太差了",
    "no_problem": "东西很好，包装也很用心，好评",
}


def test_the_bot_understands_every_problem_label_in_everyday_chinese(stack: dict[str, Any]) -> None:
    from outreach.diagnosis.training_data import NLU_DIR, read_intent_examples

    trained = {text for texts in read_intent_examples(sorted(NLU_DIR.rglob("*.yml"))).values() for text in texts}
    settings = stack["settings"]
    understood = {}
    for label, text in EVERYDAY.items():
        assert text not in trained, f"{text!r} is a training example; pick an unseen sentence"
        response = requests.post(
            f"http://127.0.0.1:{settings.rasa_port}/model/parse",
            params={"token": settings.rasa_token},
            json={"text": text},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        understood[label] = response.json()["intent"]["name"]
    assert understood == {label: label for label in EVERYDAY}


def test_rasa_http_api_refuses_calls_without_the_token(stack: dict[str, Any]) -> None:
    settings = stack["settings"]
    response = requests.post(f"http://127.0.0.1:{settings.rasa_port}/model/parse", json={"text": "你好"}, timeout=30)
    assert response.status_code == 401


def test_a_vague_message_gets_a_clarifying_question_with_the_likeliest_problems(stack: dict[str, Any]) -> None:
    from outreach.diagnosis.taxonomy import taxonomy

    order = {
        "order_id": "O-E2E-VAGUE",
        "buyer": {"id": "B-E2E-VAGUE", "name": "赵女士", "time_zone": "Asia/Shanghai", "age_band": "30-44"},
        "shop": {"id": "S-E2E-V", "name": "家居好物店", "trust_badge": False, "merchant_id": "M-E2E-V",
                 "merchant_name": "家居好物"},
        "items": [{"title": "陶瓷餐具套装", "kind": "household", "unit_price_fen": 15900, "quantity": 1,
                   "unit": "套", "promises": [], "live_seafood": False}],
        "total_fen": 15900,
        "paid_at": (utcnow() - timedelta(days=3)).isoformat(),
    }
    assert cli("import", "orders", str(write_jsonl(stack["var"] / "orders-vague.jsonl", [order]))).returncode == 0
    buyer = Buyer(stack["settings"], "B-E2E-VAGUE")
    replies = buyer.say("东西不太对劲")
    asked = [m for m in replies if m["buttons"]]
    assert asked and "哪种情况" in asked[0]["text"], replies
    payloads = [b["payload"] for b in asked[0]["buttons"]]
    problems = [p.lstrip("/") for p in payloads[:-1]]
    assert 2 <= len(problems) <= 3 and set(problems) <= set(taxonomy().ids)
    assert payloads[-1] == "/request_human"


def test_the_bot_and_bulk_triage_agree_on_the_held_back_set(stack: dict[str, Any]) -> None:
    """One source of truth: the bot's problem label (its intent, or the likeliest problem in its
    ranking when it answers with a conversation intent) matches `outreach diagnose`."""
    from outreach.diagnosis.classifier import Diagnoser
    from outreach.diagnosis.taxonomy import taxonomy

    settings = stack["settings"]
    labels = set(taxonomy().ids)
    rows = [json.loads(line) for line in (PROJECT_ROOT / "tests" / "data" / "heldout.jsonl").read_text().splitlines()]
    bulk = [d.category for d in Diagnoser.load().diagnose_many([row["text"] for row in rows])]
    agree = 0
    with requests.Session() as session:
        for row, expected in zip(rows, bulk):
            parsed = session.post(
                f"http://127.0.0.1:{settings.rasa_port}/model/parse",
                params={"token": settings.rasa_token}, json={"text": row["text"]}, timeout=30,
            ).json()
            ranking = [parsed["intent"], *parsed.get("intent_ranking", [])]
            bot = next((entry["name"] for entry in ranking if entry["name"] in labels), None)
            agree += bot == expected
    assert agree / len(rows) >= 0.95, f"agreement {agree / len(rows):.3f}"


def test_a_buyer_writing_english_is_handed_to_a_person_and_never_given_a_label(stack: dict[str, Any]) -> None:
    settings, var = stack["settings"], stack["var"]
    now = utcnow()
    order = {
        "order_id": "O-E2E-EN", "buyer": {"id": "B-E2E-EN", "name": "Anna", "time_zone": "Asia/Shanghai",
                                          "last_app_active_at": (now - timedelta(hours=1)).isoformat()},
        "shop": {"id": "S-E2E-EN", "name": "美妆小铺", "trust_badge": True, "merchant_id": "M-E2E-EN",
                 "merchant_name": "美妆小铺"},
        "items": [{"title": "保湿面霜 50ml", "kind": "cosmetics", "unit_price_fen": 12900, "quantity": 1,
                   "unit": "瓶", "promises": ["allergy_refund"], "live_seafood": False}],
        "total_fen": 12900, "paid_at": (now - timedelta(days=4)).isoformat(), "promised_ship_hours": 48,
        "shipped_at": (now - timedelta(days=3)).isoformat(), "delivered_at": (now - timedelta(days=1)).isoformat(),
    }
    lines = [
        {"feedback_id": "F-E2E-EN-1", "buyer_id": "B-E2E-EN", "order_id": "O-E2E-EN", "source": "review",
         "text": "the cream gave me a rash", "created_at": (now - timedelta(hours=5)).isoformat()},
        {"feedback_id": "F-E2E-EN-2", "buyer_id": "B-E2E-EN", "order_id": "O-E2E-EN", "source": "comment",
         "text": "面霜瓶子压裂了，漏了一半在盒子里", "created_at": (now - timedelta(hours=4)).isoformat()},
    ]
    assert cli("import", "orders", str(write_jsonl(var / "orders-en.jsonl", [order]))).returncode == 0
    assert cli("import", "feedback", str(write_jsonl(var / "feedback-en.jsonl", lines))).returncode == 0
    triaged = json.loads(cli("triage", "--json").stdout)
    assert triaged["needs_look"] >= 1 and triaged["cases_opened"] >= 1  # English waits; the Chinese report opens
    waiting = json.loads(cli("look", "list", "--json").stdout)
    assert "the cream gave me a rash" in [item["text"] for item in waiting]
    assert json.loads(cli("dispatch", "--once", "--json").stdout)["contacted"] >= 1

    buyer = Buyer(settings, "B-E2E-EN")
    replies = buyer.say("Hello, the cream gave me a rash, what can you do?")
    assert any("只能读懂中文" in m["text"] for m in replies), replies
    from outreach.store.db import session_scope
    from outreach.store.models import Case, CaseEvent

    with session_scope() as session:
        case = session.execute(select(Case).where(Case.order_id == "O-E2E-EN")).scalar_one()
        kinds = [e.kind for e in session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)).scalars()]
        assert case.status == "handed_over" and "language" in (case.handover_reason or "")
        assert case.category == "damaged" and "corrected" not in kinds  # nothing relabelled by guesswork


def test_the_bot_and_bulk_triage_agree_on_held_back_real_reviews(stack: dict[str, Any]) -> None:
    """The same agreement on real buyers' words: labelled reviews of the export's held-back fifth."""
    from outreach.diagnosis.classifier import Diagnoser
    from outreach.diagnosis.commands import DEFAULT_EXPORT
    from outreach.diagnosis.history import held_back, read_history
    from outreach.diagnosis.review_labels import read_settled_labels
    from outreach.diagnosis.taxonomy import taxonomy
    from tests.domain.test_shipped_model import export_or_skip

    export_or_skip()
    settings = stack["settings"]
    labels = set(taxonomy().ids)
    labelled = read_settled_labels(taxonomy().ids)
    texts = [r.text for r in read_history(DEFAULT_EXPORT).reviews if held_back(r.row) and r.row in labelled][:300]
    bulk = [d.category for d in Diagnoser.load().diagnose_many(texts)]
    agree = 0
    with requests.Session() as session:
        for text, expected in zip(texts, bulk):
            parsed = session.post(
                f"http://127.0.0.1:{settings.rasa_port}/model/parse",
                params={"token": settings.rasa_token}, json={"text": text}, timeout=30,
            ).json()
            ranking = [parsed["intent"], *parsed.get("intent_ranking", [])]
            bot = next((entry["name"] for entry in ranking if entry["name"] in labels), None)
            agree += bot == expected
    assert agree / len(texts) >= 0.95, f"agreement {agree / len(texts):.3f}"
