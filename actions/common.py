"""What every action shares: who is talking, which case, and turning a Step into replies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import DBAPIError

from outreach.cases import conversation
from outreach.cases.conversation import CaseNotFound, NotYourCase, Step
from outreach.dialogue.replies import Replies, quantity_problem, replies_for
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


async def case_talked_about(tracker: Tracker) -> str | None:
    """The problem of the conversation's case while it is still talked through
    (conversation.talking_about); None when it is not, or with no case of the talking buyer."""
    case_id = await case_of(tracker)
    if case_id is None:
        return None
    try:
        return await off_loop(conversation.talking_about, case_id, buyer_of(tracker))
    except (CaseNotFound, NotYourCase):
        return None


def once(read: Callable[[], Awaitable[T]]) -> Callable[[], Awaitable[T]]:
    """`read`, awaited at the first call only: an action that asks the store the same question at
    several of its steps, changing nothing in between, asks it once."""
    answers: list[T] = []

    async def answer() -> T:
        if not answers:
            answers.append(await read())
        return answers[0]

    return answer


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


def utter(dispatcher: CollectingDispatcher, replies: Replies) -> list[EventType]:
    """Say the replies and return the slot changes (and the form that asks next)."""
    for said in replies.said:
        if said.text is not None:
            dispatcher.utter_message(text=said.text)
        else:
            dispatcher.utter_message(response=said.response, **said.params)
    events: list[EventType] = [SlotSet(name, value) for name, value in replies.slots]
    if replies.form is not None:
        events.append(FollowupAction(replies.form[0]))
    return events


def say_quantity_problem(dispatcher: CollectingDispatcher, status: str, limit: int | None, unit: str) -> None:
    """A polite question back that names the limit: too many, none, vague or unreadable."""
    utter(dispatcher, quantity_problem(status, limit, unit))


def say_step(dispatcher: CollectingDispatcher, step: Step) -> list[EventType]:
    """Utter what a Step means and set the stage the rules read (outreach.dialogue.replies)."""
    return utter(dispatcher, replies_for(step))


MAX_OFFERS = 20  # more offers than any rule table makes: a tapped index beyond it is not one we showed


def offer_index(tracker: Tracker) -> int:
    """The offer the buyer is answering: the one a tapped offer button names (its payload carries
    the index, so a tap repeated after a lost answer still means the offer the buyer saw), else
    the one the conversation last made."""
    tapped = next(tracker.get_latest_entity_values("offer"), None)
    if isinstance(tapped, (str, int)) and str(tapped).isascii() and str(tapped).isdigit() \
            and int(tapped) < MAX_OFFERS:
        return int(tapped)
    return int(tracker.get_slot("offer_index") or 0)


__all__ = ["conversation", "guarded", "only_changes", "case_holds", "case_talked_about", "once", "say_step", "off_loop",
           "buyer_of", "case_of",
           "refuse", "offer_index"]


def buyer_said_before(tracker: Tracker) -> str:
    """The buyer's words before their latest ones ("" when none)."""
    said = [event.get("text") or "" for event in tracker.events if event.get("event") == "user"]
    return said[-2] if len(said) > 1 else ""


def stage_stood(tracker: Tracker) -> bool:
    """Whether the buyer's words before their latest ones answered the question open now: there
    were such words, and the stage has not changed since."""
    said_before = False
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users == 2:
                said_before = True
                break
        elif users >= 1 and event.get("event") == "slot" and event.get("name") == "stage":
            return False
    return said_before
