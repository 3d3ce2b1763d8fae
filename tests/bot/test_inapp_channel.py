"""The in-app output channel keeps every bot message in the buyer's inbox, a turn at a time."""

from __future__ import annotations

import pytest

from outreach.inbox.messages import since
from outreach.store.db import session_scope
from tests.factories import make_case


def inbox_texts(buyer_id: str) -> list[tuple[str, int | None]]:
    with session_scope() as session:
        return [(m["text"], m["case_id"]) for m in since(session, buyer_id)]


async def test_a_turns_messages_are_stored_together_under_the_buyers_case_in_order(sqlite_db: str) -> None:
    from bot.channels.inapp import InAppOutput

    case_id, buyer_id, _ = make_case("spoiled")
    output = InAppOutput("secret", None, per_turn=True)
    await output.send_text_message(buyer_id, "收到，已记录您反馈的「生鲜变质」问题。")
    await output.send_text_with_buttons(buyer_id, "可以为您退款119.40元，您看可以吗？",
                                        [{"title": "可以", "payload": "/affirm"}])
    assert inbox_texts(buyer_id) == []  # kept until the turn ends
    await output.flush()
    assert inbox_texts(buyer_id) == [("收到，已记录您反馈的「生鲜变质」问题。", case_id),
                                     ("可以为您退款119.40元，您看可以吗？", case_id)]
    assert [m["buttons"] for m in output.messages] == [[], [{"title": "可以", "payload": "/affirm"}]]
    await output.flush()  # nothing new: nothing stored twice
    assert len(inbox_texts(buyer_id)) == 2


async def test_outside_a_buyers_turn_each_message_is_stored_at_once(sqlite_db: str) -> None:
    from bot.channels.inapp import InAppOutput

    _, buyer_id, _ = make_case("spoiled")
    output = InAppOutput("secret", None)  # e.g. the scheduler's trigger_intent
    await output.send_text_message(buyer_id, "您好，我是平台客服小助手。")
    assert inbox_texts(buyer_id)[0][0] == "您好，我是平台客服小助手。"
    assert output.messages[0]["text"] == "您好，我是平台客服小助手。"


async def test_live_connections_are_woken_unless_the_web_server_is_still_waiting_for_the_turn(sqlite_db: str) -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    from bot.channels.inapp import InAppOutput
    from bot.http_session import close_session

    woken: list[str] = []

    async def notify(request: web.Request) -> web.Response:
        woken.append((await request.json())["buyer_id"])
        return web.json_response({"woken": 1})

    app = web.Application()
    app.router.add_post("/internal/notify", notify)
    _, buyer_id, _ = make_case("spoiled")
    async with TestServer(app) as server:
        url = str(server.make_url("/internal/notify"))
        waiting = InAppOutput("secret", url, per_turn=True)
        await waiting.send_text_message(buyer_id, "好的")
        await waiting.flush(notify=False)  # the web server wakes them when the answer reaches it
        assert woken == [] and inbox_texts(buyer_id)[-1][0] == "好的"
        gone = InAppOutput("secret", url, per_turn=True)
        await gone.send_text_message(buyer_id, "已为您办理")
        await gone.flush()  # the web server gave up waiting: the channel wakes them itself
        assert woken == [buyer_id]
    await close_session()


async def test_a_turns_messages_are_stored_over_a_database_restart(sqlite_db: str, monkeypatch) -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError

    import bot.channels.inapp as inapp
    from outreach.store import db

    monkeypatch.setattr(db, "RETRY_DELAYS_S", (0.01, 0.01))
    _, buyer_id, _ = make_case("spoiled")
    real_store, attempts = inapp._store, []

    def store_after_a_restart(buyer: str, pending: list, inbox_after: int | None = None) -> tuple:
        attempts.append(buyer)
        if len(attempts) == 1:  # the database was restarting
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
        return real_store(buyer, pending, inbox_after)

    monkeypatch.setattr(inapp, "_store", store_after_a_restart)
    output = inapp.InAppOutput("secret", None, per_turn=True)
    await output.send_text_message(buyer_id, "这个问题需要专业客服为您处理，我已经为您转接人工客服。")
    await output.flush()
    assert len(attempts) == 2
    assert inbox_texts(buyer_id)[-1][0] == "这个问题需要专业客服为您处理，我已经为您转接人工客服。"


async def test_a_turn_can_bring_back_the_buyers_inbox_read_where_it_was_stored(sqlite_db: str) -> None:
    from bot.channels.inapp import InAppOutput
    from outreach.inbox import messages

    _, buyer_id, _ = make_case("spoiled")
    with session_scope() as session:
        earlier = messages.append(session, buyer_id, "bot", "较早的消息")["id"]
        asked = messages.append(session, buyer_id, "buyer", "螃蟹死了3只")["id"]
    output = InAppOutput("secret", None, per_turn=True, inbox_after=asked - 1)
    await output.send_text_message(buyer_id, "很抱歉，已为您记录。")
    assert output.inbox is None  # nothing stored yet
    await output.flush()
    assert [m["text"] for m in output.inbox] == ["螃蟹死了3只", "很抱歉，已为您记录。"]
    assert all(m["id"] > earlier for m in output.inbox)
    plain = InAppOutput("secret", None, per_turn=True)  # not asked for: none read
    await plain.send_text_message(buyer_id, "好的")
    await plain.flush()
    assert plain.inbox is None


@pytest.mark.parametrize(("after", "wanted"), [(41, 41), (0, 0), (-1, None), ("41", None), (True, None),
                                              (None, None), (4.5, None)])
def test_only_a_whole_message_id_asks_for_the_inbox(after: object, wanted: int | None) -> None:
    from bot.channels.inapp import inbox_after_of

    assert inbox_after_of({"sender": "B1", "message": "x", "inbox_after": after}) == wanted
    assert inbox_after_of({"sender": "B1", "message": "x"}) is None
