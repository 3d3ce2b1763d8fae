"""Asking the buyer for what the rules need to compute money: how many pieces were affected,
and what the goods weighed (足斤足两)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import buyer_of, case_of, conversation, guarded, off_loop, say_quantity_problem
from outreach.cases.conversation import CaseNotFound, NotYourCase
from outreach.diagnosis.weights import weights_in
from outreach.dialogue.knowledge import told_clauses
from outreach.dialogue.person import wants_a_person
from outreach.dialogue.yes_no import after_but, confirms_facts, read_fine_after_all
from outreach.lifecycle.consent import asks_to_stop, asks_to_wait


def _told(text: str) -> str:
    return " ".join(told_clauses(text))  # "2斤 钱几天到": "2斤"


def _ends_the_form(text: str) -> bool:
    """Words that answer no form's question but end it: a person asked for ("麻烦帮我转人工吧"), or
    no more contact ("算啦，好烦，唔好再联络我")."""
    return wants_a_person(text) or asks_to_stop(after_but(text))


def _urgent_told(tracker: Tracker) -> str | None:
    """A problem a person must take first (rules file: person_first) told instead of the answer
    ("宝宝吃了小半碗 晚上吐了两回 今天还在拉肚子" at the count of spoiled rice cereal)."""
    from actions.context import problems_in
    from actions.starting import urgent_among

    return urgent_among(list(problems_in(tracker)))


async def _form_ended(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list[EventType]:
    """A person asked for, or no more contact, instead of the answer a form wanted: handed over or
    opted out, the answer left unset."""
    from actions.contact import opt_out_now
    from actions.context import hand_over_asked

    done = await opt_out_now(dispatcher, tracker, text) if asks_to_stop(after_but(text)) \
        else await hand_over_asked(dispatcher, tracker, text)
    return done + [SlotSet("affected_quantity", None), SlotSet("weighed", None)]


class ValidateQuantityForm(FormValidationAction):
    def name(self) -> str:
        return "validate_quantity_form"

    async def validate_affected_quantity(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        """Pieces, a share ("一半", "三分之一", "30%") or a weight, read by the core against the order;
        an off-script question is answered and the question asked again."""
        text = str(value or "")
        case_id = await case_of(tracker)
        buyer = buyer_of(tracker)
        if case_id is None:
            return {"affected_quantity": None}
        if _ends_the_form(text) or _urgent_told(tracker):
            # "我也说不清少了哪几本 … 麻烦帮我转人工吧", a child sick after eating it: the form ends
            return {"affected_quantity": text}
        try:
            answer = await off_loop(conversation.answer_question, case_id, buyer, text, 0, "asking_quantity")
            if answer is not None:
                dispatcher.utter_message(text=answer)
                told = _told(text)  # "2斤 钱几天到": the question answered, and the amount taken
                if not told or (await off_loop(conversation.check_affected, case_id, buyer, told)).status != "ok":
                    return {"affected_quantity": None}
                text = told
            reading = await off_loop(conversation.check_affected, case_id, buyer, text)
        except (CaseNotFound, NotYourCase):
            return {"affected_quantity": None}
        if reading.status != "ok" and read_fine_after_all(text):
            return {"affected_quantity": text}  # none affected after all: action_take_quantity closes the case
        if reading.status != "ok" and confirms_facts(text):
            # "是的" to the question asked straight after the buyer's own words told the problem: it
            # says we understood; no count was given, and none was misread (the question stands)
            dispatcher.utter_message(response="utter_stated_confirmed")
            return {"affected_quantity": None}
        if reading.status != "ok" and asks_to_wait(text):  # "等下 娃拉了": nothing told; the question stands
            dispatcher.utter_message(response="utter_take_your_time")
            return {"affected_quantity": None}
        if reading.status != "ok":
            brief = await off_loop(conversation.brief, case_id, buyer)
            say_quantity_problem(dispatcher, reading.status, reading.limit or brief.quantity, brief.unit)
            return {"affected_quantity": None}
        return {"affected_quantity": text}


class ActionTakeQuantity(Action):
    """The form has the buyer's answer: the core reads it against the order and makes the offer."""

    def name(self) -> str:
        return "action_take_quantity"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        text = str(tracker.get_slot("affected_quantity") or "")
        if _ends_the_form(text):
            return await _form_ended(dispatcher, tracker, text)
        urgent = _urgent_told(tracker)
        if urgent is not None:  # the problem becomes the one told, which a person takes at once
            events = await guarded(dispatcher, tracker, lambda case_id, buyer: conversation.choose_problem(
                case_id, buyer, urgent, "corrected", text=text))
            return events + [SlotSet("affected_quantity", None)]

        def give(case_id: int, buyer_id: str) -> conversation.Step:
            return conversation.give_affected(case_id, buyer_id, text)

        return await guarded(dispatcher, tracker, give)


class ValidateWeightForm(FormValidationAction):
    def name(self) -> str:
        return "validate_weight_form"

    async def validate_weighed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        """What the goods weighed; an off-script question is answered (and a weight beside it taken)."""
        text = str(value or "")
        if _ends_the_form(text):  # "我家没秤 你们找个人跟我说吧": the form ends, a person takes it
            return {"weighed": text}
        case_id = await case_of(tracker)
        if case_id is not None:
            try:
                answer = await off_loop(conversation.answer_question, case_id, buyer_of(tracker), text, 0,
                                        "asking_weight")
            except (CaseNotFound, NotYourCase):
                answer = None
            if answer is not None:  # "差的钱退回来要几天": answered; the weight question stands
                dispatcher.utter_message(text=answer)
                text = _told(text)
                if not weights_in(text):
                    return {"weighed": None}
        if not weights_in(text) and asks_to_wait(text):  # "我在上班 回头再称": the question stands
            dispatcher.utter_message(response="utter_take_your_time")
            return {"weighed": None}
        if not weights_in(text) and confirms_facts(text):  # "是的": understood; the question stands
            dispatcher.utter_message(response="utter_stated_confirmed")
            return {"weighed": None}
        if not weights_in(text):
            dispatcher.utter_message(response="utter_weight_invalid")
            return {"weighed": None}
        return {"weighed": text}


class ActionTakeWeight(Action):
    """The buyer's weights: the core works out the shortfall and makes the offer."""

    def name(self) -> str:
        return "action_take_weight"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        text = str(tracker.get_slot("weighed") or "")
        if _ends_the_form(text):
            return await _form_ended(dispatcher, tracker, text)

        def give(case_id: int, buyer_id: str) -> conversation.Step:
            return conversation.give_weighed(case_id, buyer_id, text)

        return await guarded(dispatcher, tracker, give)
