"""Hand-over to a person, opting out of contact, and the satisfaction rating."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import buyer_of, conversation, guarded, off_loop
from outreach.diagnosis.numbers import parse_rating


class ActionHandover(Action):
    def name(self) -> str:
        return "action_handover"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        events = await guarded(
            dispatcher,
            tracker,
            lambda case_id, buyer: conversation.hand_over(case_id, buyer, "buyer asked for a person"),
        )
        return events + [ActiveLoop(None)]


class ActionOptOut(Action):
    def name(self) -> str:
        return "action_opt_out"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        await off_loop(conversation.opt_out, buyer_of(tracker), text)
        dispatcher.utter_message(response="utter_opt_out_done")
        return [ActiveLoop(None), SlotSet("stage", "closed")]


class ActionRecordRating(Action):
    def name(self) -> str:
        return "action_record_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        raw = next(tracker.get_latest_entity_values("rating"), None)
        rating = parse_rating(str(raw)) if raw is not None else None
        if rating is None:
            rating = parse_rating(tracker.latest_message.get("text") or "")
        if rating is None:
            dispatcher.utter_message(response="utter_ask_rating_again")
            return []
        if tracker.get_slot("stage") not in ("rating", "closed"):
            # A number said mid-conversation is not a rating of a case still in progress.
            dispatcher.utter_message(response="utter_default")
            return []
        return await guarded(dispatcher, tracker, lambda case_id, buyer: conversation.rate(case_id, buyer, rating))
