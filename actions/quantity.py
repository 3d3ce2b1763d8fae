"""Asking how many pieces were affected, when the rules need it to compute money."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import conversation, guarded
from outreach.diagnosis.numbers import first_number


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
