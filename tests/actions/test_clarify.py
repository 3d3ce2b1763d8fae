"""The clarifying question: the two or three likeliest problems as buttons, and a way to a person."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import ActionClarifyProblem, likeliest_problems
from outreach.diagnosis.taxonomy import taxonomy


def _tracker(ranking: list[dict[str, Any]], stage: str | None = "confirming", sender: str = "B1",
             case_id: int | None = None) -> Tracker:
    return Tracker(
        sender_id=sender,
        slots={"stage": stage, "case_id": str(case_id) if case_id else None, "offer_index": 0.0},
        latest_message={"intent": {"name": "nlu_fallback", "confidence": 0.45}, "intent_ranking": ranking,
                        "text": "东西不太对劲", "entities": []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


RANKING = [
    {"name": "nlu_fallback", "confidence": 0.45},
    {"name": "no_problem", "confidence": 0.26},
    {"name": "missing_item", "confidence": 0.24},
    {"name": "affirm", "confidence": 0.2},
    {"name": "wrong_item", "confidence": 0.09},
    {"name": "damaged", "confidence": 0.04},
]


async def test_the_likeliest_problems_become_buttons_and_a_person_is_always_offered() -> None:
    dispatcher = CollectingDispatcher()
    assert await ActionClarifyProblem().run(dispatcher, _tracker(RANKING), {}) == []
    (message,) = dispatcher.messages
    assert message["response"] == "utter_which_problem"
    payloads = [button["payload"] for button in message["buttons"]]
    assert payloads == ["/no_problem", "/missing_item", "/wrong_item", "/request_human"]
    titles = [button["title"] for button in message["buttons"]]
    assert titles[:3] == [taxonomy().zh("no_problem"), taxonomy().zh("missing_item"), taxonomy().zh("wrong_item")]


def test_at_least_two_choices_even_when_one_problem_stands_out() -> None:
    ranking = [{"name": "spoiled", "confidence": 0.97}, {"name": "damaged", "confidence": 0.01},
               {"name": "greet", "confidence": 0.01}]
    assert likeliest_problems(ranking, taxonomy().ids) == ["spoiled", "damaged"]
    assert likeliest_problems([{"name": "greet", "confidence": 1.0}], taxonomy().ids) == []


async def test_while_an_offer_is_on_the_table_a_vague_message_gets_the_offer_and_its_buttons_again(db: str) -> None:
    from outreach.cases.conversation import choose_problem
    from tests.factories import make_case

    case_id, buyer, _ = make_case("spoiled", quantity=1)
    offer = choose_problem(case_id, buyer, "spoiled", "confirmed")
    dispatcher = CollectingDispatcher()
    await ActionClarifyProblem().run(dispatcher, _tracker(RANKING, stage="offering", sender=buyer, case_id=case_id),
                                     {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_not_understood", "utter_offer"]
    assert dispatcher.messages[1]["offer_text"] == offer.message


async def test_words_that_answer_no_choice_get_the_same_problem_choice_again(db: str) -> None:
    """ "是的" to "which of these is it?" picks nothing: the choice comes back, not a dead end."""
    from actions.context import not_understood

    shown = [{"title": taxonomy().zh("spoiled"), "payload": "/spoiled"},
             {"title": taxonomy().zh("missing_item"), "payload": "/missing_item"},
             {"title": "都不是，转人工", "payload": "/request_human"}]
    tracker = _tracker(RANKING, stage=None)
    tracker.events = [{"event": "bot", "text": "想跟您确认一下…", "data": {"buttons": shown}},
                      {"event": "user", "text": "是的"}]
    dispatcher = CollectingDispatcher()
    assert await not_understood(dispatcher, tracker) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_not_understood", "utter_which_problem"]
    assert dispatcher.messages[1]["buttons"] == shown

    tracker.events = [{"event": "bot", "text": "您好", "data": {"buttons": [{"title": "转人工",
                                                                         "payload": "/request_human"}]}}]
    dispatcher = CollectingDispatcher()
    await not_understood(dispatcher, tracker)
    assert [m["response"] for m in dispatcher.messages] == ["utter_default"]


async def test_yes_to_the_problem_choice_at_the_confirmation_asks_the_choice_again(db: str) -> None:
    """ "是的" to "which of these is it?" while a case waits for its confirmation confirms none of
    them, least of all the first guess the buyer just turned down."""
    from actions.context import in_context
    from tests.factories import make_case

    case_id, buyer, _ = make_case("damaged", quantity=4, unit="个")
    shown = [{"title": taxonomy().zh("missing_item"), "payload": "/missing_item"},
             {"title": "都不是，转人工", "payload": "/request_human"}]
    tracker = _tracker(RANKING, stage="confirming", sender=buyer, case_id=case_id)
    tracker.latest_message.update({"intent": {"name": "affirm", "confidence": 0.99}, "text": "是的"})
    tracker.events = [{"event": "user", "text": "不是 我说错了 没有碎的 是少发了一个"},
                      {"event": "bot", "text": "想跟您确认一下…", "data": {"buttons": shown}}]
    dispatcher = CollectingDispatcher()
    assert await in_context(dispatcher, tracker) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_not_understood", "utter_which_problem"]

    # with no denial before the choice ("拖鞋" typed at the confirmation), a yes is still the guess
    tracker.events = [{"event": "user", "text": "拖鞋"},
                      {"event": "bot", "text": "想跟您确认一下…", "data": {"buttons": shown}}]
    dispatcher = CollectingDispatcher()
    await in_context(dispatcher, tracker)
    assert "utter_which_problem" not in [m.get("response") for m in dispatcher.messages]
