"""A buyer raises a problem with no conversation about it open (none yet, a closed case, after an
opt-out): they pick the order, their words become feedback and a case opens (outreach.cases)."""

from __future__ import annotations

import json
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import buyer_of, conversation, off_loop, refuse, say_step
from outreach.cases.conversation import CaseNotFound, NotYourCase, Step
from outreach.diagnosis.taxonomy import NO_PROBLEM
from outreach.dialogue.knowledge import is_question


def last_words(tracker: Tracker) -> str:
    """The buyer's latest typed words: a tapped problem button carries none of its own."""
    for event in reversed(tracker.events):
        if event.get("event") == "user" and not (event.get("text") or "").startswith("/"):
            return event.get("text") or ""
    text = tracker.latest_message.get("text") or ""
    return "" if text.startswith("/") else text


def say_start(dispatcher: CollectingDispatcher, step: Step) -> list[EventType]:
    if step.kind == "pick_order":
        buttons = [{"title": title[:30], "payload": "/pick_order" + json.dumps({"order_id": order_id})}
                   for order_id, title in step.extra["orders"]]
        dispatcher.utter_message(response="utter_pick_order", buttons=buttons)
        return [SlotSet("stage", "picking_order")]
    if step.kind == "no_order":
        dispatcher.utter_message(response="utter_no_recent_order")
        return [SlotSet("stage", None)]
    events: list[EventType] = [SlotSet("case_id", str(step.case_id)), SlotSet("offer_index", None),
                               SlotSet("affected_quantity", None)]
    if step.extra.get("unit"):
        events.append(SlotSet("unit", step.extra["unit"]))
    return events + say_step(dispatcher, step)


async def note_all_well(dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                        model_version: str | None) -> list[EventType]:
    """With no case open, words that only say all is well: a polite close ("哦 知道了 没别的事")
    records nothing; words about the goods ("就是跟你们说一声 花瓶收到了 没有任何问题") are recorded
    on the order they are about, diagnosed no_problem and closed."""
    from outreach.dialogue.yes_no import tells_of_goods

    if not tells_of_goods(text):
        dispatcher.utter_message(response="utter_nothing_more")
        return []
    closed = await off_loop(conversation.note_all_fine, buyer_of(tracker), text, model_version)
    dispatcher.utter_message(response="utter_glad_all_fine")
    return [] if closed is None else [SlotSet("case_id", str(closed)), SlotSet("stage", "closed")]


def urgent_among(named: list[str]) -> str | None:
    """Of the problems the words name, the one a person must take first (rules file: person_first),
    which leads whatever was told before it ("充电宝…冒烟发烫，本人右手被烫伤起泡": the burn)."""
    from outreach.rules.loader import rules

    return next((found for found in named if found in rules().person_first), None)


async def raise_problem(dispatcher: CollectingDispatcher, tracker: Tracker, label: str,
                        model_version: str | None) -> list[EventType]:
    from actions.context import problems_in, remedies_in

    # "狗粮吃了第二天就又吐又拉 …": a problem a person must take first, named surely in a clause, wins
    named = [found for found in problems_in(tracker) if found != NO_PROBLEM]
    urgent = urgent_among(named)
    if urgent is not None:
        label = urgent
    elif named and (label not in named or _told_first(problems_in(tracker), named[0], label)):
        # "我那套书到底发货没有啊 付完款四天了一点动静都没有": the whole words' likeliest label is
        # named by no clause, while a clause tells its problem surely: that one is the buyer's. Of
        # several told, the first is taken first when its signs tell it ("盘子碎了两个 而且还少了一个":
        # the broken ones, then the missing one); otherwise the whole words' label is their focus
        # ("快递到了 打开一看碎了一个", "上次说发货慢的那单到了，结果碎了两个杯子": the broken cups)
        label = named[0]
    text = last_words(tracker) or label
    if label == "late_delivery" and is_question(text):
        where = await off_loop(conversation.where_is_order, buyer_of(tracker), text)
        if where is not None:  # "快递怎么还没到": where it is; a problem only when the promise was missed
            answer, late = where
            dispatcher.utter_message(text=answer)
            if not late:
                return []
    step = await off_loop(conversation.raise_problem, buyer_of(tracker), text, label, model_version,
                          problems_in(tracker), remedies_in(tracker), _sureness(tracker, label, named))
    return say_start(dispatcher, step)


def _sureness(tracker: Tracker, label: str, named: list[str]) -> int | None:
    """How sure the reading of the buyer's words is of `label`, per mille: sure when a clause names
    it by its signs (bot.nlu.problem_classifier), else the classifier's confidence in it."""
    if label in named:
        return 1000
    intent = tracker.latest_message.get("intent") or {}
    if intent.get("name") != label:
        return None
    return round(1000 * float(intent.get("confidence") or 0.0))


# Words that turn to what the message is about: "…那单到了，结果碎了两个杯子".
_TURN = re.compile(r"^(?:结果|但是|可是|没想到|谁知道?|不料|哪知道?)")


def _told_first(clauses: dict[str, str], first: str, focus: str) -> bool:
    """Whether the problem told first (`first`) comes before the whole words' label (`focus`): its
    clause shows its signs, and the words do not turn to the focus ("…那单到了，结果碎了两个杯子")."""
    from outreach.diagnosis.taxonomy import taxonomy

    return first != focus and first in taxonomy().signs_in(clauses.get(first, "")) \
        and not _TURN.match(clauses.get(focus, "").strip())


class ActionPickOrder(Action):
    """The buyer tapped the order their problem is about."""

    def name(self) -> str:
        return "action_pick_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        order_id = next(tracker.get_latest_entity_values("order_id"), None)
        if not order_id:
            dispatcher.utter_message(response="utter_default")
            return []
        try:
            step = await off_loop(conversation.start_on_order, buyer_of(tracker), str(order_id))
        except (CaseNotFound, NotYourCase) as error:
            return refuse(dispatcher, error)
        return say_start(dispatcher, step)
