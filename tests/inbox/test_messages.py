"""Storing a bot's turn and reading the buyer's page back in the same transaction."""

from __future__ import annotations

import pytest

from outreach.inbox import messages
from outreach.store.db import session_scope
from tests.factories import make_case, make_order

TURN = [("很抱歉给您添麻烦了。", []),
        ("可以为您退款39.80元，您看可以吗？", [{"title": "可以，就这样", "payload": "/affirm"}])]


def test_a_turn_is_stored_under_the_active_case_and_the_page_read_back(any_db: str) -> None:
    case_id, buyer_id, _ = make_case("spoiled")
    with session_scope() as session:
        earlier = messages.append(session, buyer_id, "bot", "较早的消息")["id"]
        asked = messages.append(session, buyer_id, "buyer", "螃蟹死了3只 😭")["id"]
    with session_scope() as session:
        stored, page = messages.append_turn(session, buyer_id, "bot", TURN, asked - 1)
    assert [m["text"] for m in page] == ["螃蟹死了3只 😭", *[text for text, _ in TURN]]
    assert all(m["id"] > earlier for m in page)
    assert stored == page[1:]  # the stored messages with their ids, as the page has them
    assert {m["case_id"] for m in stored} == {case_id}
    assert stored[1]["buttons"] == [{"title": "可以，就这样", "payload": "/affirm"}]
    with session_scope() as session:  # what was read is what is kept
        assert messages.since(session, buyer_id, asked - 1) == page


def test_a_buyer_without_a_contacted_case_keeps_messages_under_no_case(any_db: str) -> None:
    buyer_id, _ = make_order()
    with session_scope() as session:
        stored, page = messages.append_turn(session, buyer_id, "bot", TURN[:1], 0)
    assert [(m["text"], m["case_id"]) for m in page] == [("很抱歉给您添麻烦了。", None)]
    assert stored == page


def test_another_buyers_case_is_never_the_active_one(any_db: str) -> None:
    other_case, _, _ = make_case("damaged")
    case_id, buyer_id, _ = make_case("spoiled")
    with session_scope() as session:
        stored, _ = messages.append_turn(session, buyer_id, "bot", TURN, 0)
    assert {m["case_id"] for m in stored} == {case_id} != {other_case}


def test_an_agents_message_is_not_a_turn_and_nothing_is_stored(any_db: str) -> None:
    _, buyer_id, _ = make_case("spoiled")
    with pytest.raises(ValueError), session_scope() as session:
        messages.append_turn(session, buyer_id, "agent", TURN, 0)
    with session_scope() as session:
        assert messages.since(session, buyer_id) == []


def test_a_case_the_caller_just_read_as_none_is_not_looked_up_again(any_db: str, monkeypatch) -> None:
    case_id, buyer_id, _ = make_case("spoiled")
    looked: list[str] = []
    real = messages.active_case_id
    monkeypatch.setattr(messages, "active_case_id", lambda s, b: looked.append(b) or real(s, b))
    with session_scope() as session:
        told = messages.append(session, buyer_id, "buyer", "在吗", case_id=None, case_known=True)
        found = messages.append(session, buyer_id, "buyer", "在吗")
    assert (told["case_id"], found["case_id"]) == (None, case_id)
    assert looked == [buyer_id]  # only where the caller did not say
