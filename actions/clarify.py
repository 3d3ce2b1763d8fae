"""A message the bot is not sure about: ask which problem it is, with the likeliest as buttons."""

from __future__ import annotations

from functools import partial
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import case_holds, conversation, guarded
from actions.context import (
    confirm,
    in_context,
    not_understood,
    problems_in,
    remedies_in,
    suspected_among_named,
    text_of,
)
from actions.starting import note_all_well, raise_problem
from outreach.diagnosis.taxonomy import taxonomy
from outreach.dialogue.yes_no import read_no_problem

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
        if not named and read_no_problem(text_of(tracker)) and not await case_holds(tracker, conversation.is_talking):
            # "误点进来了 没事 衣服挺好的", "香肠收到了 莫得啥子问题": no case open, and the words only say
            # all is well (the classifier could not place the dialect or the slip)
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
