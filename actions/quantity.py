"""Asking the buyer for what the rules need to compute money: how many pieces were affected,
and what the goods weighed (足斤足两)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import conversation, guarded
from outreach.diagnosis.numbers import first_number
from outreach.diagnosis.weights import weights_in


class ValidateQuantityForm(FormValidationAction):
    def name(self) -> str:
        return "validate_quantity_form"

    def validate_affected_quantity(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        number = first_number(str(value or ""))
        if number is None or number <= 0:
            dispatcher.utter_message(response="utter_quantity_invalid", max_quantity="订单数量")
            return {"affected_quantity": None}
        return {"affected_quantity": str(number)}


class ActionTakeQuantity(Action):
    """The form has a number: the core checks it against the order and makes the offer."""

    def name(self) -> str:
        return "action_take_quantity"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        quantity = int(tracker.get_slot("affected_quantity") or 0)

        def give(case_id: int, buyer_id: str) -> conversation.Step:
            return conversation.give_affected_quantity(case_id, buyer_id, quantity)

        return await guarded(dispatcher, tracker, give)


class ValidateWeightForm(FormValidationAction):
    def name(self) -> str:
        return "validate_weight_form"

    def validate_weighed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if not weights_in(str(value or "")):
            dispatcher.utter_message(response="utter_weight_invalid")
            return {"weighed": None}
        return {"weighed": str(value)}


class ActionTakeWeight(Action):
    """The buyer's weights: the core works out the shortfall and makes the offer."""

    def name(self) -> str:
        return "action_take_weight"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        text = str(tracker.get_slot("weighed") or "")

        def give(case_id: int, buyer_id: str) -> conversation.Step:
            return conversation.give_weighed(case_id, buyer_id, text)

        return await guarded(dispatcher, tracker, give)
