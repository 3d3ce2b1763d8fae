"""The buyer web server end to end: auth, isolation, sending, the bot relay and live delivery."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import socket
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

import outreach.settings
import outreach.store.db
import outreach.store.migrate
from outreach.inbox import messages, tokens
from outreach.inbox.relay import CHANNEL_SECRET_HEADER
from outreach.store.db import session_scope
from outreach.store.models import Buyer, Case, InboxMessage, Merchant, Order, Shop
from outreach.store.types import utcnow
from outreach.web import app as web_app

BUYER_SECRET = "test-buyer-token-secret"
CHANNEL_SECRET = "test-channel-secret"
BUSY = "小助手暂时有点忙，您的消息我们已收到，稍后会在这里回复您。"
EMPTY_NOTICE = "没有收到文字内容，请告诉我们您遇到的问题。"
STATIC_DIR = Path(web_app.__file__).resolve().parent / "static"
CJK = re.compile(r"[\u4e00-\u9fff]")


# ---------------------------------------------------------------------------- helpers


def token(buyer_id: str, secret: str = BUYER_SECRET, ttl: int = 3600) -> str:
    return tokens.issue(secret, buyer_id, ttl_seconds=ttl)


def auth(buyer_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(buyer_id)}"}


def stored(buyer_id: str) -> list[tuple[str, str]]:
    with session_scope() as session:
        rows = session.execute(
            select(InboxMessage).where(InboxMessage.buyer_id == buyer_id).order_by(InboxMessage.id)
        ).scalars()
        return [(m.sender, m.text) for m in rows]


def append(buyer_id: str, sender: str, text: str, buttons: list[dict[str, str]] | None = None) -> int:
    with session_scope() as session:
        return int(messages.append(session, buyer_id, sender, text, buttons=buttons)["id"])


def inbox_after(buyer_id: str, after_id: int) -> list[dict[str, Any]]:
    with session_scope() as session:
        return messages.since(session, buyer_id, after_id)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@dataclass
class FakeRasa:
    """The Rasa server's in-app webhook: checks the secret and stores a bot reply in the inbox."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    without_inbox: bool = False  # answer as a channel that does not send the inbox back

    async def webhook(self, request: web.Request) -> web.Response:
        if request.headers.get(CHANNEL_SECRET_HEADER) != CHANNEL_SECRET:
            return web.json_response({"error": "forbidden"}, status=403)
        body = await request.json()
        self.calls.append(body)
        if body["message"].startswith("慢"):
            await asyncio.sleep(3)  # a bot slower than the relay timeout
        buttons = [{"title": "是的", "payload": "/affirm"}, {"title": "不是", "payload": "/deny"}]
        await asyncio.to_thread(append, body["sender"], "bot", f"收到：{body['message']}", buttons)
        if self.without_inbox or "inbox_after" not in body:
            return web.json_response([])
        # as the in-app channel answers: the buyer's inbox after the given id, read where it stored
        inbox = await asyncio.to_thread(inbox_after, body["sender"], body["inbox_after"])
        return web.json_response({"messages": inbox[-1:], "inbox": inbox})


StartApp = Callable[..., Awaitable[TestClient]]


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("OUTREACH_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("OUTREACH_DATABASE_URL", f"sqlite:///{tmp_path}/t.db")
    monkeypatch.setenv("OUTREACH_BUYER_TOKEN_SECRET", BUYER_SECRET)
    monkeypatch.setenv("OUTREACH_CHANNEL_SECRET", CHANNEL_SECRET)
    monkeypatch.setenv("OUTREACH_RASA_TOKEN", "test-rasa-token")
    outreach.settings.get_settings.cache_clear()
    outreach.store.db.dispose_all()
    outreach.store.migrate.upgrade()
    with session_scope() as session:
        session.add_all([Buyer(id="B1", name="张三"), Buyer(id="B2", name="李四")])
    yield
    outreach.store.db.dispose_all()
    outreach.settings.get_settings.cache_clear()


@pytest.fixture
async def rasa(database: None) -> AsyncIterator[tuple[FakeRasa, str]]:
    fake = FakeRasa()
    rasa_app = web.Application()
    rasa_app.router.add_post("/webhooks/inapp/webhook", fake.webhook)
    server = TestServer(rasa_app, host="127.0.0.1")
    await server.start_server()
    yield fake, str(server.make_url("")).rstrip("/")
    await server.close()


@pytest.fixture
async def start_app(rasa: tuple[FakeRasa, str], monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[StartApp]:
    clients: list[TestClient] = []

    async def start(
        rasa_url: str | None = None,
        poll_s: float | None = None,
        ping_s: float | None = None,
        rasa_timeout_s: float | None = None,
    ) -> TestClient:
        monkeypatch.setenv("OUTREACH_RASA_URL", rasa_url or rasa[1])
        outreach.settings.get_settings.cache_clear()
        settings = outreach.settings.get_settings()
        if rasa_timeout_s is not None:
            settings = dataclasses.replace(settings, rasa_timeout_s=rasa_timeout_s)
        application = web_app.create_app(settings)
        if poll_s is not None:
            application[web_app.POLL_SECONDS] = poll_s
        if ping_s is not None:
            application[web_app.PING_SECONDS] = ping_s
        client = TestClient(TestServer(application, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()


@pytest.fixture
async def client(start_app: StartApp) -> TestClient:
    return await start_app()


@pytest.fixture
def bot(rasa: tuple[FakeRasa, str]) -> FakeRasa:
    return rasa[0]


async def post(client: TestClient, buyer_id: str, body: Any) -> aiohttp.ClientResponse:
    return await client.post("/api/messages", json=body, headers=auth(buyer_id))


# ---------------------------------------------------------------------------- auth


async def test_health_and_redirect(client: TestClient) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"ok": True}
    response = await client.get("/?token=abc&x=1", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/chat?token=abc&x=1"
    response = await client.get("/", allow_redirects=False)
    assert response.headers["Location"] == "/chat"


async def test_api_without_token_is_401(client: TestClient) -> None:
    for method, path in (("GET", "/api/messages"), ("POST", "/api/messages")):
        response = await client.request(method, path, json={"text": "你好"})
        assert response.status == 401
        body = await response.json()
        assert CJK.search(body["error"])
    assert stored("B1") == []


@pytest.mark.parametrize(
    "bad_token",
    [
        token("B1", secret="not-the-secret"),
        token("B1", ttl=-60),
        "abc",
        "a.b.c",
        "令牌.123.签名",
        "x" * 5000,
        # B2's identity with B1's signature
        ".".join(token("B2").split(".")[:2] + token("B1").split(".")[2:]),
    ],
)
async def test_forged_expired_or_garbage_tokens_are_401(client: TestClient, bad_token: str) -> None:
    for headers, params in (({"Authorization": f"Bearer {bad_token}"}, {}), ({}, {"token": bad_token})):
        response = await client.get("/api/messages", headers=headers, params=params)
        assert response.status == 401, bad_token
        assert (await response.json())["error"] == "登录已失效，请重新打开应用。"
        response = await client.post("/api/messages", headers=headers, params=params, json={"text": "你好"})
        assert response.status == 401
    assert stored("B1") == [] and stored("B2") == []


async def test_token_in_query_and_non_bearer_header(client: TestClient) -> None:
    response = await client.get("/api/messages", params={"token": token("B1")})
    assert response.status == 200
    assert (await response.json())["buyer_id"] == "B1"
    response = await client.get("/api/messages", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert response.status == 401


async def test_a_buyer_never_sees_another_buyers_messages(client: TestClient, bot: FakeRasa) -> None:
    append("B2", "bot", "B2 的私密消息")
    append("B2", "buyer", "我的地址是某某路")
    tricks = [
        {},
        {"buyer_id": "B2"},
        {"buyer": "B2", "sender": "B2", "after": "0"},
    ]
    for params in tricks:
        response = await client.get("/api/messages", headers=auth("B1"), params=params)
        assert response.status == 200
        body = await response.json()
        assert body == {"buyer_id": "B1", "messages": []}

    response = await post(client, "B1", {"text": "你好", "buyer_id": "B2", "sender": "bot", "sender_id": "B2"})
    assert response.status == 200
    returned = (await response.json())["messages"]
    assert all("B2" not in m["text"] for m in returned)
    assert stored("B1")[0] == ("buyer", "你好")
    assert stored("B2") == [("bot", "B2 的私密消息"), ("buyer", "我的地址是某某路")]
    assert [call["sender"] for call in bot.calls] == ["B1"]

    # B1's token together with a second, B2 token in the query: the header decides, and only B1 is read.
    response = await client.get("/api/messages", headers=auth("B1"), params={"token": token("B2")})
    body = await response.json()
    assert body["buyer_id"] == "B1"
    assert all(m["text"] != "B2 的私密消息" for m in body["messages"])

    async with client.ws_connect(f"/api/live?token={token('B1')}&buyer_id=B2") as ws:
        seen = [(await ws.receive_json(timeout=5))["message"]["text"] for _ in range(2)]
        assert seen == ["你好", "收到：你好"]


# ---------------------------------------------------------------------------- reading


@pytest.mark.parametrize(
    "params",
    [
        {"after": "-1"},
        {"after": "abc"},
        {"after": "1.5"},
        {"after": "99999999999999999999999"},
        {"after": "１２"},
        {"limit": "0"},
        {"limit": "201"},
        {"limit": "ten"},
    ],
)
async def test_bad_after_or_limit_is_400(client: TestClient, params: dict[str, str]) -> None:
    response = await client.get("/api/messages", headers=auth("B1"), params=params)
    assert response.status == 400
    assert CJK.search((await response.json())["error"])


async def test_paging_with_after_and_limit(client: TestClient) -> None:
    ids = [append("B1", "bot", f"消息{i}") for i in range(5)]
    response = await client.get("/api/messages", headers=auth("B1"), params={"after": str(ids[1]), "limit": "2"})
    body = await response.json()
    assert [m["id"] for m in body["messages"]] == ids[2:4]
    assert set(body["messages"][0]) >= {"id", "sender", "text", "buttons", "created_at"}


async def test_unknown_api_paths_and_methods_are_json(client: TestClient) -> None:
    response = await client.get("/api/nothing-here", headers=auth("B1"))
    assert response.status == 404
    assert "error" in await response.json()
    response = await client.put("/api/messages", headers=auth("B1"), json={})
    assert response.status == 405
    assert "error" in await response.json()


# ---------------------------------------------------------------------------- sending


async def test_post_stores_the_message_and_returns_the_bot_reply(client: TestClient, bot: FakeRasa) -> None:
    response = await post(client, "B1", {"text": "  我的海鲜到了是死的  "})
    assert response.status == 200
    returned = (await response.json())["messages"]
    assert [(m["sender"], m["text"]) for m in returned] == [
        ("buyer", "我的海鲜到了是死的"),
        ("bot", "收到：我的海鲜到了是死的"),
    ]
    assert returned[1]["buttons"][0] == {"title": "是的", "payload": "/affirm"}
    assert stored("B1") == [("buyer", "我的海鲜到了是死的"), ("bot", "收到：我的海鲜到了是死的")]
    assert [(c["sender"], c["message"]) for c in bot.calls] == [("B1", "我的海鲜到了是死的")]


@pytest.mark.parametrize("with_inbox", [True, False], ids=["inbox-from-the-bot", "read-again"])
async def test_the_reply_page_is_the_inbox_after_the_buyers_message(
        client: TestClient, bot: FakeRasa, monkeypatch: pytest.MonkeyPatch, with_inbox: bool) -> None:
    """The bot's channel reads the page where it stores its answer; the web server reads it
    again only when the channel did not send it."""
    append("B1", "bot", "较早的消息")
    bot.without_inbox = not with_inbox
    reads: list[int] = []
    real_load = web_app._load_since
    monkeypatch.setattr(web_app, "_load_since", lambda *args: reads.append(1) or real_load(*args))
    response = await post(client, "B1", {"text": "草莓烂了"})
    returned = (await response.json())["messages"]
    assert [(m["sender"], m["text"]) for m in returned] == [("buyer", "草莓烂了"), ("bot", "收到：草莓烂了")]
    assert bot.calls[-1]["inbox_after"] == returned[0]["id"] - 1
    assert reads == ([] if with_inbox else [1])


async def test_button_click_sends_title_as_text_and_payload_to_bot(client: TestClient, bot: FakeRasa) -> None:
    append("B1", "bot", "是这个问题吗？", [{"title": "是的", "payload": "/affirm"}])
    response = await post(client, "B1", {"text": "是的", "payload": "/affirm"})
    assert response.status == 200
    assert stored("B1")[1] == ("buyer", "是的")
    assert bot.calls[0]["message"] == "/affirm"

    response = await post(client, "B1", {"payload": "/deny"})
    assert response.status == 200
    assert stored("B1")[3] == ("buyer", "/deny")
    assert bot.calls[1]["message"] == "/deny"


async def test_only_a_button_of_the_latest_question_counts_as_a_tap(client: TestClient, bot: FakeRasa) -> None:
    """A payload never offered (a probe's `/not_as_described{"issue": ...}`), or one of an older
    question, reaches the bot as the words the buyer sent, never as a command."""
    append("B1", "bot", "是这个问题吗？", [{"title": "是的", "payload": "/affirm"}])
    forged = '/not_as_described{"issue": "short_weight"}'
    await post(client, "B1", {"text": "缺斤少两", "payload": forged})
    assert bot.calls[-1]["message"] == "缺斤少两"
    await post(client, "B1", {"payload": "/request_human"})
    assert bot.calls[-1]["message"] == "request_human"
    # the fake bot's reply offered /affirm and /deny; an earlier question's button is stale
    append("B1", "buyer", "好的")
    append("B1", "bot", "请打分", [{"title": "5分", "payload": '/rate{"rating": "5"}'}])
    await post(client, "B1", {"text": "是的", "payload": "/affirm"})
    assert bot.calls[-1]["message"] == "是的"
    await post(client, "B1", {"text": "不是", "payload": "/deny"})  # the fake bot offered it last
    assert bot.calls[-1]["message"] == "/deny"


@pytest.mark.parametrize("text", ["", "   ", "\n\t  \n", "\x00\x01\x7f", "\u200b\u200e"])
async def test_empty_text_gives_the_notice_and_stores_nothing(client: TestClient, bot: FakeRasa, text: str) -> None:
    response = await post(client, "B1", {"text": text})
    assert response.status == 200
    assert await response.json() == {"messages": [], "notice": EMPTY_NOTICE}
    response = await post(client, "B1", {})
    assert await response.json() == {"messages": [], "notice": EMPTY_NOTICE}
    assert stored("B1") == []
    assert bot.calls == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("😀🎉👍", "😀🎉👍"),
        ("好" * 10_000, "好" * 10_000),
        ("a" * 12_000, "a" * 10_000),
        ("\x00\x07你好\x1b[31m\u200b世界\r\n第二行\x00", "你好[31m世界\n第二行"),
        ("\ud800坏字符", "坏字符"),
    ],
)
async def test_odd_messages_are_stored_cleaned(client: TestClient, text: str, expected: str) -> None:
    response = await post(client, "B1", {"text": text})
    assert response.status == 200
    returned = (await response.json())["messages"]
    assert returned[0]["sender"] == "buyer"
    assert returned[0]["text"] == expected
    sender, saved = stored("B1")[0]
    assert (sender, saved) == ("buyer", expected)
    assert all(ch == "\n" or unicodedata.category(ch)[0] != "C" for ch in saved)


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"not json", b"\xff\xfe\x00{", b"[1, 2]", b'"text"', b"null", b"42", b"[" * 50_000],
)
async def test_invalid_json_is_400_and_stores_nothing(client: TestClient, bot: FakeRasa, raw: bytes) -> None:
    headers = {**auth("B1"), "Content-Type": "application/json"}
    response = await client.post("/api/messages", data=raw, headers=headers)
    assert response.status == 400
    assert CJK.search((await response.json())["error"])
    assert stored("B1") == []
    assert bot.calls == []


@pytest.mark.parametrize(
    "body",
    [
        {"text": 5},
        {"text": ["你好"]},
        {"text": {"a": 1}},
        {"text": True},
        {"text": "你好", "payload": 1},
        {"text": "你好", "payload": "affirm"},
        {"text": "你好", "payload": "/" + "a" * 200},
        {"text": "你好", "payload": "/ affirm"},
        {"text": "你好", "payload": "/affirm\x00"},
    ],
)
async def test_bad_fields_are_400_and_store_nothing(client: TestClient, bot: FakeRasa, body: dict[str, Any]) -> None:
    response = await post(client, "B1", body)
    assert response.status == 400
    assert CJK.search((await response.json())["error"])
    assert stored("B1") == []
    assert bot.calls == []


@pytest.mark.parametrize("payload", ["/restart", "/session_start", "/back", "/restart{}", "/session_start@0.9",
                                     '/restart{"case_id": 1}', "/Restart", "/EXTERNAL_case_outreach"])
async def test_payloads_that_reset_or_rewind_the_conversation_are_refused(
    client: TestClient, bot: FakeRasa, payload: str
) -> None:
    response = await post(client, "B1", {"text": "重新开始", "payload": payload})
    assert response.status == 400
    assert (await response.json())["error"] == "这个按钮已失效，请直接输入文字告诉我们。"
    assert stored("B1") == []
    assert bot.calls == []


async def test_oversized_body_is_a_json_413(client: TestClient) -> None:
    response = await post(client, "B1", {"text": "好" * 70_000})
    assert response.status == 413
    assert CJK.search((await response.json())["error"])
    assert stored("B1") == []


async def test_bot_down_stores_the_busy_message(start_app: StartApp) -> None:
    client = await start_app(rasa_url=closed_port_url())
    response = await post(client, "B1", {"text": "在吗"})
    assert response.status == 200
    returned = (await response.json())["messages"]
    assert [(m["sender"], m["text"]) for m in returned] == [("buyer", "在吗"), ("system", BUSY)]
    assert stored("B1") == [("buyer", "在吗"), ("system", BUSY)]


async def test_slow_bot_stores_the_busy_message(start_app: StartApp) -> None:
    client = await start_app(rasa_timeout_s=0.5)
    response = await post(client, "B1", {"text": "慢慢说"})
    assert response.status == 200
    returned = (await response.json())["messages"]
    assert [(m["sender"], m["text"]) for m in returned] == [("buyer", "慢慢说"), ("system", BUSY)]


async def test_bot_is_silent_while_a_person_owns_the_case(client: TestClient, bot: FakeRasa) -> None:
    with session_scope() as session:
        session.add(Merchant(id="M1", name="海鲜商家"))
        session.add(Shop(id="S1", merchant_id="M1", name="海鲜小店"))
        session.flush()
        session.add(Order(id="O1", buyer_id="B1", shop_id="S1", total_fen=9900, paid_at=utcnow()))
        session.flush()
        session.add(
            Case(
                buyer_id="B1",
                order_id="O1",
                suspected_category="dead_on_arrival",
                category="dead_on_arrival",
                severity=3,
                status="handed_over",
                first_contact_at=utcnow(),
            )
        )
    response = await post(client, "B1", {"text": "请尽快处理"})
    assert response.status == 200
    returned = (await response.json())["messages"]
    assert [m["sender"] for m in returned] == ["buyer", "system"]
    assert returned[0]["case_id"] is not None
    # The waiting buyer hears the expected wait once (limits.yml agents: 5 minutes, nobody ahead).
    acknowledgement = returned[1]["text"]
    assert "人工客服" in acknowledgement and "前面还有 0 位" in acknowledgement and "5 分钟" in acknowledgement
    response = await post(client, "B1", {"text": "人呢？"})
    assert [m["sender"] for m in (await response.json())["messages"]] == ["buyer"]
    assert bot.calls == []
    assert [sender for sender, _ in stored("B1")] == ["buyer", "system", "buyer"]


# ---------------------------------------------------------------------------- live delivery


async def notify(client: TestClient, buyer_id: str, secret: str = CHANNEL_SECRET) -> aiohttp.ClientResponse:
    return await client.post("/internal/notify", json={"buyer_id": buyer_id}, headers={CHANNEL_SECRET_HEADER: secret})


async def test_live_pushes_after_notify(start_app: StartApp) -> None:
    client = await start_app(poll_s=30.0)  # polling cannot deliver within this test
    first = append("B1", "bot", "您好")
    append("B2", "bot", "别人的消息")
    async with client.ws_connect(f"/api/live?token={token('B1')}&after=0") as ws:
        frame = await ws.receive_json(timeout=5)
        assert frame == {"type": "message", "message": {**frame["message"], "id": first, "text": "您好"}}

        await asyncio.to_thread(append, "B1", "bot", "您的退款已到账")
        response = await notify(client, "B1")
        assert response.status == 200
        assert await response.json() == {"woken": 1}
        frame = await ws.receive_json(timeout=1.5)
        assert frame["type"] == "message"
        assert frame["message"]["text"] == "您的退款已到账"
        assert frame["message"]["sender"] == "bot"

    await asyncio.sleep(0.2)
    response = await notify(client, "B1")
    assert await response.json() == {"woken": 0}  # unsubscribed on close


async def test_live_polls_without_notify(client: TestClient) -> None:
    after = append("B1", "bot", "早先的消息")
    async with client.ws_connect(f"/api/live?token={token('B1')}&after={after}") as ws:
        await asyncio.sleep(0.3)
        await asyncio.to_thread(append, "B1", "system", "客服稍后联系您")
        append("B2", "bot", "别人的消息")
        frame = await ws.receive_json(timeout=3.5)
        assert frame["message"]["text"] == "客服稍后联系您"
        with pytest.raises(asyncio.TimeoutError):
            await ws.receive_json(timeout=2.5)  # B2's message never arrives


async def test_live_pings_when_quiet_and_sees_posted_messages(start_app: StartApp) -> None:
    client = await start_app(poll_s=0.2, ping_s=0.3)
    async with client.ws_connect("/api/live", params={"token": token("B1")}) as ws:
        assert await ws.receive_json(timeout=3) == {"type": "ping"}
        response = await post(client, "B1", {"text": "测试"})
        assert response.status == 200
        texts = []
        while len(texts) < 2:
            frame = await ws.receive_json(timeout=3)
            if frame["type"] == "message":
                texts.append(frame["message"]["text"])
        assert texts == ["测试", "收到：测试"]


async def test_live_rejects_bad_tokens(client: TestClient) -> None:
    for path in ("/api/live", f"/api/live?token={token('B1', secret='forged')}", "/api/live?token=x&after=-5"):
        with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
            await client.ws_connect(path)
        assert caught.value.status == 401
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await client.ws_connect(f"/api/live?token={token('B1')}&after=abc")
    assert caught.value.status == 400
    response = await client.get("/api/live", params={"token": token("B1")})
    assert response.status == 400


async def test_notify_needs_the_channel_secret(client: TestClient) -> None:
    for secret in ("wrong", "", "密钥"):
        response = await notify(client, "B1", secret=secret)
        assert response.status == 403
    response = await client.post("/internal/notify", json={"buyer_id": "B1"})
    assert response.status == 403
    response = await client.post("/internal/notify", data=b"{oops", headers={CHANNEL_SECRET_HEADER: CHANNEL_SECRET})
    assert response.status == 400
    response = await client.post(
        "/internal/notify", json={"buyer_id": 7}, headers={CHANNEL_SECRET_HEADER: CHANNEL_SECRET}
    )
    assert response.status == 400


# ---------------------------------------------------------------------------- page


async def test_chat_page_is_served_without_external_resources(client: TestClient) -> None:
    response = await client.get("/chat")
    assert response.status == 200
    assert response.content_type == "text/html"
    html = await response.text()
    assert "<title>平台客服</title>" in html
    assert "Content-Security-Policy" in response.headers
    for name in ("chat.js", "chat.css"):
        response = await client.get(f"/static/{name}")
        assert response.status == 200
        assert name in html
    urls = re.compile(r"https?://", re.IGNORECASE)
    for path in STATIC_DIR.iterdir():
        assert not urls.search(path.read_text(encoding="utf-8")), path.name
    js = (STATIC_DIR / "chat.js").read_text(encoding="utf-8")
    assert "innerHTML" not in js
    for path in ("/static/app.py", "/static/..%2fapp.py", "/static/.hidden.js", "/static/nope.js"):
        response = await client.get(path)
        assert response.status == 404, path


async def test_no_500_for_a_burst_of_odd_inputs(client: TestClient) -> None:
    bodies: list[Any] = ["", "😀", "\x00" * 100, "好" * 10_000, {"a": None}, "\u202e反转", "<script>alert(1)</script>"]
    for value in bodies:
        body = value if isinstance(value, dict) else {"text": value}
        response = await client.post("/api/messages", data=json.dumps(body), headers=auth("B1"))
        assert response.status < 500, value
    returned = await (await client.get("/api/messages", headers=auth("B1"), params={"limit": "200"})).json()
    assert "<script>alert(1)</script>" in [m["text"] for m in returned["messages"]]


async def test_a_low_rating_said_to_be_a_slip_is_corrected_while_no_person_has_the_case(
        client: TestClient, bot: FakeRasa) -> None:
    from outreach.cases.conversation import rate
    from outreach.store.models import CaseEvent, Satisfaction
    from tests.factories import make_case

    case_id, buyer, _ = make_case("wrong_item", status="resolved", quantity=1)
    assert rate(case_id, buyer, 2).extra["low"]  # to a person
    response = await post(client, buyer, {"text": "啊手滑点错了 是4分不是2分"})
    returned = (await response.json())["messages"]
    assert [m["sender"] for m in returned] == ["buyer", "bot"] and "4 分" in returned[1]["text"]
    assert bot.calls == []
    with session_scope() as session:
        assert session.get(Case, case_id).status == "closed"
        assert session.execute(select(Satisfaction.rating).where(Satisfaction.case_id == case_id)).scalar_one() == 4
        kinds = session.execute(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)).scalars().all()
        assert "rating_corrected" in kinds


async def test_a_rating_slip_told_after_a_person_took_the_case_changes_nothing(
        client: TestClient, bot: FakeRasa) -> None:
    from outreach.cases.conversation import rate
    from outreach.store.models import Satisfaction
    from tests.factories import make_case

    case_id, buyer, _ = make_case("wrong_item", status="resolved", quantity=1)
    rate(case_id, buyer, 1)
    with session_scope() as session:
        session.get(Case, case_id).status = "claimed"
    response = await post(client, buyer, {"text": "点错了 应该是5分"})
    assert [m["sender"] for m in (await response.json())["messages"]] == ["buyer"]
    with session_scope() as session:
        assert session.get(Case, case_id).status == "claimed"
        assert session.execute(select(Satisfaction.rating).where(Satisfaction.case_id == case_id)).scalar_one() == 1


async def test_a_question_about_the_review_is_answered_while_a_lead_approves(client: TestClient,
                                                                               bot: FakeRasa) -> None:
    from outreach.cases.conversation import choose_problem
    from tests.factories import make_case

    case_id, buyer, _ = make_case("counterfeit", quantity=1, unit_price_fen=69900, live_seafood=False,
                                  kind="apparel")
    assert choose_problem(case_id, buyer, "counterfeit", "confirmed", text="那就给我提交吧").kind == "pending_approval"
    response = await post(client, buyer, {"text": "审核大概要多久？今天能有结果吗"})
    returned = (await response.json())["messages"]
    assert [m["sender"] for m in returned] == ["buyer", "bot"] and "人工审核" in returned[1]["text"]
    # anything else waits for the lead: the bot hears nothing
    response = await post(client, buyer, {"text": "好的 我等着"})
    assert [m["sender"] for m in (await response.json())["messages"]] == ["buyer"]
    assert bot.calls == []
