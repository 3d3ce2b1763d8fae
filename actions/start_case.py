"""The scheduler's external intent opens the conversation about one case."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import buyer_of, conversation, log, off_loop, only_changes, refuse
from outreach.cases.conversation import CaseClosed, CaseNotFound, NotYourCase


class ActionStartCase(Action):
    def name(self) -> str:
        return "action_start_case"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        case_id = next(tracker.get_latest_entity_values("case_id"), None)
        try:
            brief = await off_loop(conversation.open_conversation, case_id, buyer_of(tracker))
        except (CaseNotFound, NotYourCase) as error:
            return refuse(dispatcher, error)
        except CaseClosed as error:
            log.info("not opening: %s", error)  # say nothing: the buyer may have opted out
            return []
        dispatcher.utter_message(
            response="utter_case_opening",
            order_title=brief.order_title,
            order_id=brief.order_id,
            label_zh=brief.label_zh,
        )
        return only_changes(tracker, [
            SlotSet("case_id", str(brief.case_id)),
            SlotSet("stage", "confirming"),
            SlotSet("unit", brief.unit),
            SlotSet("offer_index", None),
            SlotSet("affected_quantity", None),
        ])
