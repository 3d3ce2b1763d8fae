"""What the bot says after a step, in one place for the action server and the demo's chats."""

from __future__ import annotations

from outreach.cases.conversation import Step
from outreach.dialogue.replies import fill, replies_for
from outreach.inbox.bot_texts import bot_response


def test_an_offer_is_said_with_its_words_and_moves_the_conversation_to_offering() -> None:
    replies = replies_for(Step(kind="offer", case_id=7, offer_index=1, message="为您全额退款。",
                               extra={"unavailable": "reship"}))
    assert [(s.response, s.params) for s in replies.said] == [
        ("utter_remedy_unavailable", {"remedy_zh": "补发"}),
        ("utter_offer", {"offer_text": "为您全额退款。", "offer_tap": "1"})]
    assert replies.slots == [("stage", "offering"), ("offer_index", 1.0)] and replies.form is None


def test_a_quantity_question_is_asked_by_the_form_after_naming_the_limit() -> None:
    replies = replies_for(Step(kind="ask_quantity", case_id=7, extra={"invalid": "too_many", "max": 3, "unit": "只"}))
    assert [(s.response, s.params) for s in replies.said] == [
        ("utter_quantity_too_many", {"max_quantity": 3, "unit": "只"})]
    assert replies.form == ("quantity_form", "affected_quantity")
    assert ("stage", "asking_quantity") in replies.slots


def test_the_next_problem_follows_a_carried_out_remedy_in_its_own_case_without_a_rating_question() -> None:
    following = Step(kind="offer", case_id=9, offer_index=0, message="补偿您5元。", extra={"label_zh": "物流慢"})
    replies = replies_for(Step(kind="executed", case_id=7, extra={"next": following, "ask_rating": False}))
    said = [s.response for s in replies.said]
    assert said == ["utter_remedy_done", "utter_next_problem", "utter_offer"]
    assert ("case_id", "9") in replies.slots and replies.slots[-2:] == [("stage", "offering"), ("offer_index", 0.0)]


def test_a_low_rating_goes_to_a_person_and_a_good_one_to_the_recommendation_question() -> None:
    low = replies_for(Step(kind="rated", case_id=7, extra={"rating": 1, "low": True}))
    good = replies_for(Step(kind="rated", case_id=7, extra={"rating": 5}))
    assert [s.response for s in low.said] == ["utter_sorry_low_rating"] and low.slots == [("stage", "human")]
    assert [s.response for s in good.said] == ["utter_thanks_for_rating", "utter_ask_recommend"]


def test_a_hand_over_is_said_in_the_rules_words() -> None:
    replies = replies_for(Step(kind="handover", case_id=7, message="已为您转接人工客服。"))
    assert [(s.text, s.response) for s in replies.said] == [("已为您转接人工客服。", None)]


def test_filling_a_response_puts_the_values_in_and_leaves_unknown_names_visible() -> None:
    text, _ = bot_response("utter_thanks_for_rating")
    assert "5" in fill(text, {"rating": 5}) and "{rating}" not in fill(text, {"rating": 5})
    assert fill("共{count}件，{unit}", {"count": 2}) == "共2件，{unit}"
