"""What every action shares: who is talking, which case, and turning a Step into replies."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import DBAPIError

from outreach.cases import conversation
from outreach.cases.conversation import CaseNotFound, NotYourCase, Step
from outreach.lifecycle.events import mask
from outreach.store.db import retry_transient, session_scope

log = logging.getLogger("actions")
T = TypeVar("T")


async def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """Run blocking domain work in a thread: the action server keeps serving meanwhile.

    A database restart under the work runs it again (store.db.retry_transient): every domain
    operation is one transaction and safe to repeat.
    """
    return await asyncio.to_thread(retry_transient, fn, *args)


def buyer_of(tracker: Tracker) -> str:
    return tracker.sender_id


def _current_case(buyer_id: str) -> int | None:
    from outreach.inbox.messages import active_case_id

    with session_scope() as session:
        return active_case_id(session, buyer_id)


async def case_of(tracker: Tracker) -> int | None:
    """The case of this conversation: the slot, else the buyer's most recently contacted case."""
    slot = tracker.get_slot("case_id")
    if slot:
        return int(slot)
    return await off_loop(_current_case, buyer_of(tracker))


async def case_holds(tracker: Tracker, question: Callable[[int, str], bool]) -> bool:
    """A yes/no question about the conversation's case (e.g. conversation.awaiting_rating);
    no case, or not the talking buyer's, is a no."""
    case_id = await case_of(tracker)
    if case_id is None:
        return False
    try:
        return await off_loop(question, case_id, buyer_of(tracker))
    except (CaseNotFound, NotYourCase):
        return False


def refuse(dispatcher: CollectingDispatcher, error: Exception) -> list[EventType]:
    """A case that is not the talking buyer's: say so, change nothing, forget the case."""
    log.warning("refused: %s", error)
    if isinstance(error, NotYourCase):
        dispatcher.utter_message(response="utter_not_your_case")
    else:
        dispatcher.utter_message(response="utter_no_active_case")
    return [SlotSet("case_id", None), SlotSet("stage", None)]


async def guarded(
    dispatcher: CollectingDispatcher, tracker: Tracker, operation: Callable[[int, str], Step]
) -> list[EventType]:
    """Run a case operation for the talking buyer and say what follows."""
    try:
        case_id = await case_of(tracker)
        if case_id is None:
            dispatcher.utter_message(response="utter_no_active_case")
            return []
        step = await off_loop(operation, case_id, buyer_of(tracker))
    except (CaseNotFound, NotYourCase) as error:
        return refuse(dispatcher, error)
    except DBAPIError as error:
        return not_done(dispatcher, tracker, error)
    return only_changes(tracker, [SlotSet("case_id", str(case_id))] + say_step(dispatcher, step))


def only_changes(tracker: Tracker, events: list[EventType]) -> list[EventType]:
    """Leave out slot events that set a slot to the value it holds: each would be one more
    event Rasa stores, reads back and goes through on every later turn of the conversation."""
    return [event for event in events
            if not (event.get("event") == "slot" and tracker.get_slot(event["name"]) == event.get("value"))]


def not_done(dispatcher: CollectingDispatcher, tracker: Tracker, error: DBAPIError) -> list[EventType]:
    """The store failed (unreachable through every retry): tell the buyer, change no slot, so
    the same answer sent again repeats the step (each step is safe to repeat)."""
    log.error("buyer=%s stage=%s: the store failed, nothing done: %s",
              mask(buyer_of(tracker)), tracker.get_slot("stage"), str(error.orig or error).splitlines()[0][:200])
    dispatcher.utter_message(response="utter_step_not_done")
    return []


def _maybe_ask_rating(dispatcher: CollectingDispatcher, step: Step) -> list[EventType]:
    """Ask for the rating unless the satisfaction rule says this buyer was asked too recently."""
    if step.extra.get("ask_rating", True):
        dispatcher.utter_message(response="utter_ask_rating")
        return [SlotSet("stage", "rating")]
    return [SlotSet("stage", "closed")]


# What a buyer names that the rules do not allow for this order ("unavailable" of an offer step).
REMEDY_ZH = {"refund": "退款", "return_refund": "退货退款", "replace": "换新", "reship": "补发",
             "cancel": "取消订单", "compensation": "补偿"}


def say_quantity_problem(dispatcher: CollectingDispatcher, status: str, limit: int | None, unit: str) -> None:
    """A polite question back that names the limit: too many, none, vague or unreadable."""
    if status == "too_many":
        dispatcher.utter_message(response="utter_quantity_too_many", max_quantity=limit, unit=unit)
    elif status == "zero":
        dispatcher.utter_message(response="utter_quantity_zero")
    elif status == "vague":
        dispatcher.utter_message(response="utter_quantity_vague", unit=unit)
    else:
        dispatcher.utter_message(response="utter_quantity_invalid", max_quantity=limit or "订单数量", unit=unit)


def say_step(dispatcher: CollectingDispatcher, step: Step) -> list[EventType]:
    """Utter what a Step means and set the stage the rules read."""
    if step.kind == "offer":
        if step.extra.get("amount_problem"):
            say_quantity_problem(dispatcher, step.extra["amount_problem"], step.extra.get("max"),
                                 step.extra.get("unit", ""))
        if step.extra.get("unavailable"):
            dispatcher.utter_message(response="utter_remedy_unavailable",
                                     remedy_zh=REMEDY_ZH.get(step.extra["unavailable"], "这个方案"))
        dispatcher.utter_message(response="utter_offer", offer_text=step.message)
        return [SlotSet("stage", "offering"), SlotSet("offer_index", float(step.offer_index or 0))]
    if step.kind == "confirm":
        if step.extra.get("listing"):
            dispatcher.utter_message(response="utter_listing_weight", listing=step.extra["listing"])
        if step.extra.get("order_title"):  # a conversation the buyer started
            dispatcher.utter_message(response="utter_confirm_started", label_zh=step.extra.get("label_zh", ""),
                                     order_title=step.extra["order_title"])
        else:
            dispatcher.utter_message(response="utter_ask_confirm_again", label_zh=step.extra.get("label_zh", ""))
        return [SlotSet("stage", "confirming")]
    if step.kind == "ask_rating":
        dispatcher.utter_message(response="utter_ask_rating")
        return [SlotSet("stage", "rating")]
    if step.kind == "ask_recommending":
        dispatcher.utter_message(response="utter_ask_recommend")
        return [SlotSet("stage", "recommending")]
    if step.kind == "ask_quantity":
        if "invalid" in step.extra:
            status = step.extra["invalid"] if isinstance(step.extra["invalid"], str) else "none"
            say_quantity_problem(dispatcher, status, step.extra.get("max"), step.extra.get("unit", ""))
        return [
            SlotSet("stage", "asking_quantity"),
            SlotSet("affected_quantity", None),
            FollowupAction("quantity_form"),
        ]
    if step.kind == "ask_issue":
        label = step.extra["label"]
        buttons = [{"title": choice["title"],
                    "payload": f"/{label}" + json.dumps({"issue": choice["issue"]}, ensure_ascii=False)}
                   for choice in step.extra["choices"]]
        dispatcher.utter_message(response="utter_ask_issue", buttons=buttons)
        return [SlotSet("stage", "asking_issue")]
    if step.kind == "ask_weight":
        if step.extra.get("invalid"):
            dispatcher.utter_message(response="utter_weight_invalid")
        elif step.extra.get("promised"):
            dispatcher.utter_message(response="utter_weight_promised", promised=step.extra["promised"])
        return [SlotSet("stage", "asking_weight"), SlotSet("weighed", None), FollowupAction("weight_form")]
    if step.kind == "handover":
        dispatcher.utter_message(text=step.message)
        return [SlotSet("stage", "human")]
    if step.kind == "no_problem":
        dispatcher.utter_message(response="utter_no_problem")
        return _maybe_ask_rating(dispatcher, step)
    if step.kind == "executed":
        if step.already_done:
            dispatcher.utter_message(response="utter_remedy_already_done")
        else:
            dispatcher.utter_message(response="utter_remedy_done", remedy_text=step.offer.done if step.offer else "")
        following = step.extra.get("next")
        if following is not None:  # the next problem the buyer named, in its own case
            dispatcher.utter_message(response="utter_next_problem", label_zh=following.extra.get("label_zh", ""))
            return [SlotSet("case_id", str(following.case_id)), SlotSet("offer_index", None),
                    SlotSet("affected_quantity", None)] + say_step(dispatcher, following)
        return _maybe_ask_rating(dispatcher, step)
    if step.kind == "pending_approval":
        if step.already_done:
            dispatcher.utter_message(response="utter_remedy_already_done")
        else:
            from outreach.rules.loader import rules

            dispatcher.utter_message(response="utter_pending_approval", amount=step.extra.get("amount", ""),
                                     review=rules().timing.review)
        return [SlotSet("stage", "human")]
    if step.kind == "rated":
        rating = step.extra.get("rating")
        if step.already_done:
            dispatcher.utter_message(response="utter_already_rated")
            return [SlotSet("stage", "closed")]
        if step.extra.get("low"):
            dispatcher.utter_message(response="utter_sorry_low_rating", rating=rating)
            return [SlotSet("stage", "human")]
        dispatcher.utter_message(response="utter_thanks_for_rating", rating=rating)
        dispatcher.utter_message(response="utter_ask_recommend")
        return [SlotSet("stage", "recommending")]
    if step.kind == "recommended":
        dispatcher.utter_message(response="utter_thanks_for_recommend")
        return [SlotSet("stage", "closed")]
    dispatcher.utter_message(response="utter_case_closed")
    return [SlotSet("stage", "closed")]


__all__ = ["conversation", "guarded", "only_changes", "case_holds", "say_step", "off_loop", "buyer_of", "case_of",
           "refuse"]
