"""The buyer's yes and no, and the problem they name. What yes or no means depends on the stage:
at the opening it confirms or denies the suspected problem, at an offer it accepts or declines it.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    buyer_of,
    case_holds,
    case_of,
    case_talked_about,
    conversation,
    guarded,
    off_loop,
    offer_index,
    once,
)
from actions.contact import is_survey_answer, record_survey_answer
from actions.context import (
    bot_said_before,
    confirm,
    in_context,
    not_understood,
    problems_in,
    reask,
    remedies_in,
    suspected_among_named,
    taking_offer,
    text_of,
)
from actions.starting import note_all_well, raise_problem
from outreach.diagnosis.taxonomy import NO_PROBLEM, taxonomy
from outreach.dialogue.knowledge import is_question
from outreach.dialogue.wavering import settled
from outreach.dialogue.words import tells_a_slip
from outreach.dialogue.yes_no import (
    ends_with_yes,
    fine_after_all,
    read_fine_after_all,
    read_no_problem,
    read_yes_no,
    wants_nothing_done,
)

CHITCHAT_HURT = 0.3  # a "problem" the diagnosis thinks this unlikely to be a complaint is small talk


# How sure the classifier must be of a yes in words that hold no yes of their own ("是的", "可以",
# "行"...: outreach.dialogue.yes_no.read_yes_no) before a problem is confirmed or an offer accepted.
YES_SURE = 0.7


def _unsure_yes(tracker: Tracker) -> bool:
    text = text_of(tracker)
    if not text:  # a tapped button is exact
        return False
    confidence = float(tracker.latest_message.get("intent", {}).get("confidence") or 0.0)
    return read_yes_no(text) is not True and confidence < YES_SURE


class ActionAnswerYes(Action):
    def name(self) -> str:
        return "action_answer_yes"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        understood = await in_context(dispatcher, tracker)
        if understood is not None:
            return understood
        stage = tracker.get_slot("stage")
        if stage in ("confirming", "offering") and read_yes_no(text_of(tracker)) is False \
                and not ends_with_yes(text_of(tracker)):
            # "勿是" (Wu: 不是) guessed as a yes by its 是: the words read as meant say no
            return await ActionAnswerNo().run(dispatcher, tracker, domain)
        if stage in ("confirming", "offering") and _unsure_yes(tracker):
            # "今天好冷啊" guessed as a yes: nothing is confirmed or carried out on a guess; the question stands
            dispatcher.utter_message(response="utter_ack")
            return await reask(dispatcher, tracker)
        if stage == "confirming":
            return await guarded(dispatcher, tracker,
                                 partial(confirm, text=text_of(tracker), more=problems_in(tracker),
                                         remedies=remedies_in(tracker)))
        if stage == "offering":
            index = offer_index(tracker)
            return await guarded(dispatcher, tracker, taking_offer(tracker, partial(conversation.accept, index=index)))
        if stage == "rating":
            # A second yes: the confirmation may have been lost on the way; say it is done.
            if await case_holds(tracker, conversation.remedy_carried_out):
                dispatcher.utter_message(response="utter_remedy_already_done")
            dispatcher.utter_message(response="utter_ask_rating_again")
            return []
        if stage == "recommending":
            dispatcher.utter_message(response="utter_ask_recommend_again")
            return []
        return await not_understood(dispatcher, tracker)


class ActionAnswerNo(Action):
    def name(self) -> str:
        return "action_answer_no"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        understood = await in_context(dispatcher, tracker)
        if understood is not None:
            return understood
        stage = tracker.get_slot("stage")
        if stage == "confirming":
            talked = await case_talked_about(tracker)
            if talked is not None and talked in problems_in(tracker) and read_yes_no(text_of(tracker)) is not False:
                # "不热了👎": the classifier's "no" for a thumbs-down, while a clause tells the very problem
                # asked about surely (by its signs): it is confirmed
                return await guarded(dispatcher, tracker, partial(confirm, text=text_of(tracker),
                                                                  more=problems_in(tracker),
                                                                  remedies=remedies_in(tracker)))
            dispatcher.utter_message(response="utter_ask_problem")
            return []
        if stage == "offering":
            index = offer_index(tracker)
            return await guarded(dispatcher, tracker, partial(conversation.decline, index=index))
        if stage == "rating":
            dispatcher.utter_message(response="utter_ask_rating_again")
            return []
        if stage == "recommending":  # the recommendation question is optional
            dispatcher.utter_message(response="utter_thanks_for_recommend")
            return [SlotSet("stage", "closed")]
        return await not_understood(dispatcher, tracker)


# Any word that may say all is well ("米没事", "到了 没事", "不用麻烦了 谢谢", "冇 好好哋"): the
# classifier's "no problem" is trusted then; with none ("拿去专柜验了") it is a guess.
_FINE_HINT = re.compile(r"没|冇|无|不用|不要紧|勿要紧|唔使|好|谢|收到|到了|正常|解决|补过|换好|粘好|点错|乱点|手滑|误"
                        r"|行|可以|满意|ok", re.IGNORECASE)


async def _names_another_order(tracker: Tracker) -> bool:
    case_id = await case_of(tracker)
    if case_id is None:
        return False
    try:
        return await off_loop(conversation.names_another_order, case_id, buyer_of(tracker), text_of(tracker))
    except (conversation.CaseNotFound, conversation.NotYourCase):
        return False


class ActionChooseProblem(Action):
    """The buyer named a problem in their own words: the intent is the label, and it wins."""

    def name(self) -> str:
        return "action_choose_problem"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        label = tracker.latest_message.get("intent", {}).get("name")
        understood = await in_context(dispatcher, tracker)
        if understood is not None:
            return understood
        # the case's problem while it is talked through: read once, for each question below
        talked_about = once(lambda: case_talked_about(tracker))
        if is_survey_answer(tracker):
            # "还行吧" or "挺满意" after the survey question answers it; it names no new problem.
            return await record_survey_answer(dispatcher, tracker)
        stage = tracker.get_slot("stage")
        if label == NO_PROBLEM and stage == "confirming" and read_yes_no(text_of(tracker)) is not False \
                and not read_no_problem(text_of(tracker)) \
                and ([found for found in problems_in(tracker) if found != NO_PROBLEM]
                     or taxonomy().signs_in(text_of(tracker)))[:1] == [await talked_about()]:
            # "我也不着急哈，就是想问问怎么还没寄过来": the classifier's "no problem" for a calm voice, while
            # the words tell the very problem asked about (in a clause, or by its signs in a question): it
            # is confirmed
            label = await talked_about()
            told_by_signs = True
        else:
            told_by_signs = False
        if label not in (None, NO_PROBLEM) and label not in problems_in(tracker) and not told_by_signs and (
                (stage == "confirming" and is_question(text_of(tracker))
                 # ("阿门家弄的嘛 苹果哈磕烂了三分之一": the problem asked about told, in a rhetorical question)
                 and await suspected_among_named(tracker, label, talked_about) is None)
                or (stage == "offering" and label != await talked_about())) \
                and await talked_about() is not None:
            # (at an offer, a guessed label that no clause names never turns the problem either: "不想等
            # 补发了" is no late delivery)
            # "你们是商家那边的还是平台的？" asks something; a guessed label that no clause names surely
            # never turns the problem being settled into another
            return await not_understood(dispatcher, tracker)
        if stage == "confirming" and label not in (None, NO_PROBLEM) and label not in problems_in(tracker) \
                and await _names_another_order(tracker):
            # "前天那单是吧……不对 前天到的是充电宝 收音机是上礼拜到的": the buyer sorting out which order is
            # which, not a problem told of this one (no clause names it surely); the question stands
            dispatcher.utter_message(response="utter_ack")
            return await reask(dispatcher, tracker)
        hurt = (tracker.latest_message.get("diagnosis") or {}).get("hurt_probability")
        if tracker.get_slot("stage") == "confirming" and label != NO_PROBLEM and hurt is not None \
                and float(hurt) < CHITCHAT_HURT and await talked_about() is not None:
            # "今天好冷啊": small talk the classifier had to put somewhere; the question stands
            dispatcher.utter_message(response="utter_ack")
            return await reask(dispatcher, tracker)
        if label == NO_PROBLEM and tracker.get_slot("stage") not in (None, "confirming", "closed") \
                and (not read_no_problem(text_of(tracker)) or tells_a_slip(text_of(tracker))):
            # ("点错了" beside a payload never shown: a slip owned up to, the question stands)
            # mid-flow, the classifier's "no problem" alone never closes a case ("伐要补了 退铜钿好了")
            return await not_understood(dispatcher, tracker)
        if label == NO_PROBLEM and tracker.get_slot("stage") == "confirming" and tells_a_slip(text_of(tracker)) \
                and not read_no_problem(text_of(tracker)) and bot_said_before(tracker, "utter_not_understood"):
            # "不好意思 刚才孩子抢我手机乱按的" after keys pressed at random: the slip of the words before
            # owned up to, nothing said of the goods; the question stands
            dispatcher.utter_message(response="utter_ack")
            return await reask(dispatcher, tracker)
        if label == NO_PROBLEM and tracker.get_slot("stage") == "confirming" \
                and not _FINE_HINT.search(text_of(tracker)) and read_yes_no(text_of(tracker)) is not False \
                and not (read_no_problem(text_of(tracker)) or fine_after_all(text_of(tracker))
                         or read_fine_after_all(text_of(tracker))) \
                and not problems_in(tracker) and await talked_about() is not None:
            # "拿去专柜验了" at a suspected fake: the classifier's "no problem" with no word that says
            # all is well never closes the case; the question stands
            dispatcher.utter_message(response="utter_ack")
            return await reask(dispatcher, tracker)
        if label != NO_PROBLEM and stage == "recommending" and not problems_in(tracker):
            # "哦 是问要不要补偿 要" at the optional last question: no problem told; it is let go
            dispatcher.utter_message(response="utter_thanks_for_recommend")
            return [SlotSet("stage", "closed")]
        if label == NO_PROBLEM and is_question(settled(text_of(tracker))) and not read_no_problem(text_of(tracker)):
            # "我这个办好了么" asks; it does not say nothing went wrong ("本来想问问…其实吧刚刚已经送到了
            # … 没事了" settles on all well)
            return await not_understood(dispatcher, tracker)
        if label not in taxonomy().ids:
            return await not_understood(dispatcher, tracker)
        issue = next(tracker.get_latest_entity_values("issue"), None)
        text = tracker.latest_message.get("text") or ""
        model_version = (tracker.latest_message.get("diagnosis") or {}).get("model_version")
        more = problems_in(tracker)  # several problems in one message, each with its clause
        if label != NO_PROBLEM and await talked_about() is None:
            # no conversation about a problem is open (none yet, closed, opted out): the buyer starts one
            return await raise_problem(dispatcher, tracker, label, model_version)
        if label == NO_PROBLEM and await case_of(tracker) is None:
            told = [found for found in more if found != NO_PROBLEM]
            if told and not fine_after_all(text) and not wants_nothing_done(text):
                # "袜子那单 买了4双就到了3双 口罩那单没事": one order fine, a problem told of another (not
                # "上回摔碎的那几只碗 补发的已经收到了 完好无损": the harm told is the settled one)
                return await raise_problem(dispatcher, tracker, told[0], model_version)
            return await note_all_well(dispatcher, tracker, text, model_version)
        how = "corrected"
        others = [found for found in more if found not in (label, NO_PROBLEM)]
        if stage == "confirming" and others and read_yes_no(text) is False and label == await talked_about():
            # "不是 箱子是压瘪了 米没事 就是少了一袋": the problem asked about is denied, the other told is it
            label, more = others[0], {found: clause for found, clause in more.items() if found != label}
        suspected = await suspected_among_named(tracker, label, talked_about) if label != NO_PROBLEM else None
        if suspected is not None:
            # "烂了三分之一 而且拖了两天半才发": the problem we asked about and another besides; the whole
            # words' likeliest label is the other one, but ours is confirmed and the other follows
            # (the whole words' guess is a further problem only when a clause names it too: "死了1只
            # 给我补发一只活的吧" reads as missing goods as a whole, yet no clause tells of any)
            label, how, more = suspected, "confirmed", ({**more, label: more[label]} if label in more else more)
        elif issue is None and label != NO_PROBLEM and not (
                tracker.get_slot("stage") == "offering" and label == await talked_about()):
            # (a tapped issue button answers our question; the problem already talked about, told
            # again in anger, is not news: "四天了动都没动一下" at the offer)
            dispatcher.utter_message(response="utter_problem_noted", label_zh=taxonomy().zh(label))

        def choose(case_id: int, buyer_id: str) -> conversation.Step:
            return conversation.choose_problem(case_id, buyer_id, label, how, text=text, issue=issue,
                                               model_version=model_version, more=more)

        return await guarded(dispatcher, tracker, choose)
