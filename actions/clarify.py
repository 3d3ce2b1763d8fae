"""A message the bot is not sure about: ask which problem it is, with the likeliest as buttons."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import case_holds, case_talked_about, conversation, guarded
from actions.context import (
    confirm,
    in_context,
    not_understood,
    problems_in,
    reask,
    remedies_in,
    suspected_among_named,
    text_of,
)
from actions.starting import note_all_well, raise_problem
from outreach.diagnosis.taxonomy import NO_PROBLEM, taxonomy
from outreach.dialogue.words import normalize
from outreach.dialogue.yes_no import fine_after_all, read_no_problem, read_yes_no

MAX_CHOICES = 3
MIN_CONFIDENCE = 0.05  # below this a problem is not worth a button
# Stages at which a vague message is most likely about the problem itself.
PROBLEM_STAGES = (None, "confirming", "closed")


def likeliest_problems(intent_ranking: list[dict[str, Any]], labels: list[str]) -> list[str]:
    """The two or three likeliest problem labels in an NLU intent ranking, best first."""
    known = set(labels)
    ranked = [
        entry["name"]
        for entry in sorted(intent_ranking, key=lambda entry: -float(entry.get("confidence") or 0.0))
        if entry.get("name") in known
    ]
    chosen = [
        label
        for label in dict.fromkeys(ranked)
        if any(e.get("name") == label and float(e.get("confidence") or 0) >= MIN_CONFIDENCE for e in intent_ranking)
    ][:MAX_CHOICES]
    if len(chosen) < 2:  # always offer a real choice
        chosen += [label for label in dict.fromkeys(ranked) if label not in chosen][: 2 - len(chosen)]
    return chosen


def _a_fragment(tracker: Tracker) -> bool:
    """Whether the words are one or two characters, or only name the goods ("口红")."""
    plain = re.sub(r"[\s，,。.!！~～…]+", "", normalize(text_of(tracker)))
    goods = [str(e.get("value") or "") for e in tracker.latest_message.get("entities") or []
             if e.get("entity") == "product"]
    if read_yes_no(plain) is not None:  # "没", "对": an answer, however short
        return False
    return len(plain) <= 2 or plain in goods


class ActionClarifyProblem(Action):
    def name(self) -> str:
        return "action_clarify_problem"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        understood = await in_context(dispatcher, tracker)
        if understood is not None:
            return understood
        named = problems_in(tracker)
        suspected = await suspected_among_named(tracker, None)
        if suspected is not None:  # "有一盒全长毛了 还有…降到29.9了": ours among the problems named
            return await guarded(dispatcher, tracker, partial(confirm, text=text_of(tracker), more=named,
                                                              remedies=remedies_in(tracker)))
        if named and tracker.get_slot("stage") in PROBLEM_STAGES and not await case_holds(tracker,
                                                                                      conversation.is_talking):
            # no conversation open and a clause names a problem surely: the buyer starts one
            model_version = (tracker.latest_message.get("diagnosis") or {}).get("model_version")
            return await raise_problem(dispatcher, tracker, next(iter(named)), model_version)
        if tracker.get_slot("stage") not in PROBLEM_STAGES:
            return await not_understood(dispatcher, tracker)
        if tracker.get_slot("stage") == "confirming" and read_yes_no(text_of(tracker)) is False:
            # "碎？谁跟你说碎了？杯子好好的，是少了一只": the problem asked about denied, another told
            talked = await case_talked_about(tracker)
            others = {label: clause for label, clause in named.items() if label not in (talked, NO_PROBLEM)}
            if talked is not None and others:
                return await guarded(dispatcher, tracker, lambda case_id, buyer: conversation.choose_problem(
                    case_id, buyer, next(iter(others)), "corrected", text=text_of(tracker), more=others))
        if tracker.get_slot("stage") == "confirming" and not named and _a_fragment(tracker) \
                and await case_talked_about(tracker) is not None:
            # "口红", "桃子", "码": a piece of what the buyer is typing, not a problem to pick from buttons
            dispatcher.utter_message(response="utter_ack")
            return await reask(dispatcher, tracker)
        if not named and (read_no_problem(text_of(tracker)) or fine_after_all(text_of(tracker))) \
                and not await case_holds(tracker, conversation.is_talking):
            # "误点进来了 没事 衣服挺好的", "香肠收到了 莫得啥子问题": no case open, and the words only say
            # all is well (the classifier could not place the dialect or the slip); "还以为少了个盖子 后来
            # 找到了 没事了": a worry found groundless
            model_version = (tracker.latest_message.get("diagnosis") or {}).get("model_version")
            return await note_all_well(dispatcher, tracker, text_of(tracker), model_version)
        tax = taxonomy()
        choices = likeliest_problems(tracker.latest_message.get("intent_ranking") or [], tax.ids)
        if len(choices) < 2:
            return await not_understood(dispatcher, tracker)
        buttons = [{"title": tax.label(label).zh, "payload": f"/{label}"} for label in choices]
        buttons.append({"title": "都不是，转人工", "payload": "/request_human"})
        dispatcher.utter_message(response="utter_which_problem", buttons=buttons)
        return []
