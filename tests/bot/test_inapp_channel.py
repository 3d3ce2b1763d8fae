"""The in-app output channel keeps every bot message in the buyer's inbox, a turn at a time."""

from __future__ import annotations

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
