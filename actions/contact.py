"""Hand-over to a person, opting out of contact, and the satisfaction rating."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    buyer_of,
    buyer_said_before,
    case_holds,
    case_of,
    conversation,
    guarded,
    off_loop,
    offer_index,
    only_changes,
    say_step,
    stage_stood,
)
from outreach.cases.survey import comment_of, parse_recommend
from outreach.diagnosis.numbers import parse_rating


class ActionHandover(Action):
    def name(self) -> str:
        return "action_handover"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        from actions.context import goes_ahead_at_offer, in_context, text_of
        from outreach.dialogue.knowledge import is_question, knowledge
        from outreach.dialogue.person import asks_for_person, wants_a_person

        text = text_of(tracker)
        if text and (not asks_for_person(text) or goes_ahead_at_offer(tracker, text)
                     or ((is_question(text) or knowledge().topic_of(text) == "privacy")
                         and not wants_a_person(text))):
            # "你是真人还是机器人" asks who is talking; "给我换个新的" picks a remedy: no request for a person
            # ("你们不会跟店家说是我投诉的吧" asks about a complaint, "你们莫跟店家讲是我投诉的哦" asks to keep it
            # from the shop; neither makes one)
            understood = await in_context(dispatcher, tracker)
            if understood is not None:
                return understood
        from actions.context import hand_over_asked

        return await hand_over_asked(dispatcher, tracker, text)


class ActionHandoverLanguage(Action):
    """The buyer writes in a language the model does not read: say so, and a person takes over."""

    def name(self) -> str:
        return "action_handover_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        from actions.context import in_context, not_understood, text_of
        from outreach.dialogue.words import english_reply, is_key_mash

        if is_key_mash(text_of(tracker)):  # "asdkjhqw": keys pressed at random, no language; the question stands
            return await not_understood(dispatcher, tracker)
        meant = english_reply(text_of(tracker)) or _score_among_foreign_words(tracker, text_of(tracker))
        if meant is not None and _wrote_chinese_before(tracker):
            # "ok refund the 50 pls", "cancel", "rating 4", "arigatou 5" at the rating question, from a buyer
            # who wrote Chinese so far: a reply to the question, read (a buyer who wrote none goes to a
            # person who reads their language)
            understood = await in_context(dispatcher, tracker, meant)
            if understood is not None:
                return understood
        language = (tracker.latest_message.get("diagnosis") or {}).get("language") or "other"
        dispatcher.utter_message(response="utter_other_language")
        reason = f"buyer writes in a language the model does not read ({language}): a person who reads it takes over"
        events = await guarded(
            dispatcher, tracker, lambda case_id, buyer: conversation.hand_over(case_id, buyer, reason))
        return events + [ActiveLoop(None)]


def _score_among_foreign_words(tracker: Tracker, text: str) -> str | None:
    """At the rating or recommendation question, the one score among words of another language
    ("arigatou 5", "spasibo 4"): the score; None elsewhere, or with no score or several."""
    stage = tracker.get_slot("stage")
    if stage not in ("rating", "recommending"):
        return None
    scores = re.findall(r"(?<![\d.])\d{1,2}(?![\d.])", text)
    top = 5 if stage == "rating" else 10
    return scores[0] if len(scores) == 1 and 0 <= int(scores[0]) <= top else None


def _wrote_chinese_before(tracker: Tracker) -> bool:
    """Whether the buyer wrote Chinese earlier in this conversation."""
    said = [event.get("text") or "" for event in tracker.events if event.get("event") == "user"][:-1]
    return any(re.search(r"[\u4e00-\u9fff]", text) for text in said)


# Words about being contacted: with them a remedy word may still be an opt-out ("退订").
_CONTACT = re.compile(r"联系|打扰|电话|消息|短信|退订|推送|骚扰|发了|回访|找我")


class ActionOptOut(Action):
    def name(self) -> str:
        return "action_opt_out"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        from actions.context import in_context, not_understood, text_of
        from outreach.dialogue.remedy_words import read_remedy
        from outreach.dialogue.yes_no import read_yes_no
        from outreach.lifecycle.consent import asks_to_stop, without_past_opt_out

        text = tracker.latest_message.get("text") or ""
        # (the buyer's own words: "你说「…5元…补偿」？不用了 … 别再联系我" quotes the offer, and takes nothing)
        text = text if text.startswith("/") else text_of(tracker) or text
        if not text.startswith("/") and not asks_to_stop(text) and (
                not _CONTACT.search(without_past_opt_out(text))  # ("我之前说过别联系我，这次…": told, not asked)
                or read_remedy(text) is not None or read_yes_no(text) is not None):
            # the classifier's guess alone never opts a buyer out: a remedy asked for ("取消订单吧",
            # "不用重发了 我退货") or a refusal of an offer ("不要退钱 我就要米 让他快点发") is no opt-out
            understood = await in_context(dispatcher, tracker)  # (no events is an answer too: not `or`)
            return understood if understood is not None else await not_understood(dispatcher, tracker)
        return await opt_out_now(dispatcher, tracker, text)


async def opt_out_now(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list[EventType]:
    """The buyer asks for no more contact: any remedy chosen in the same words first, then the
    opt-out recorded for every channel, and the conversation closed."""
    from actions.common import case_of

    if tracker.get_slot("stage") == "offering":
        # "退款吧，以后别再联系我了": the remedy chosen in the same words is carried out first
        await _accept_first(dispatcher, tracker, text)
    case_id = await case_of(tracker)
    if tracker.get_slot("stage") == "rating" and case_id is not None:
        # "给个4分吧，以后就别再发消息问我了": the rating given in the same words is recorded first
        from outreach.dialogue.ratings import read_rating

        rating = read_rating(text)
        if rating is not None:
            try:
                await off_loop(conversation.rate, case_id, buyer_of(tracker), rating, None)
            except (conversation.CaseNotFound, conversation.NotYourCase):
                pass
    try:
        await off_loop(conversation.opt_out, buyer_of(tracker), text, case_id)
    except (conversation.CaseNotFound, conversation.NotYourCase):
        await off_loop(conversation.opt_out, buyer_of(tracker), text)
    dispatcher.utter_message(response="utter_opt_out_done")
    return [ActiveLoop(None), SlotSet("stage", "closed")]


_POLITE = re.compile(r"\s*(?:谢谢|感谢|多谢|辛苦)")
# The offer let go beside the opt-out: "这点小事就算了吧", "不用麻烦了".
_LET_GO = re.compile(r"算了|不用了|不用麻烦|不用处理|不要了|不必了|免了")


async def _accept_first(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> None:
    from actions.common import case_of
    from outreach.dialogue.remedy_words import read_remedy
    from outreach.dialogue.wavering import settled
    from outreach.dialogue.yes_no import read_yes_no

    let_go = bool(_LET_GO.search(text))
    text = settled(text)  # "要不补偿一下……算了，我不要了，别再给我发消息了": the offer let go
    case_id = await case_of(tracker)
    if case_id is None or not (read_remedy(text) or (read_yes_no(text) and not _POLITE.match(text)
                                                     and not let_go)):
        # "谢谢你们 不过我不想再收到任何回访了": thanks, not a yes to the offer; "嗯……这点小事就算了吧
        # 也请以后别再联系我了": the offer let go
        return
    index = offer_index(tracker)
    try:
        step = await off_loop(conversation.choose_remedy, case_id, buyer_of(tracker), text, index)
        if step is None and read_remedy(text) is not None:
            # "补发也好退钱也好 … 那就都不要了 别再联系我": what they named is not on offer; nothing taken
            return
        if step is None:
            step = await off_loop(conversation.accept, case_id, buyer_of(tracker), index)
    except (conversation.CaseNotFound, conversation.NotYourCase):
        return
    if step.kind == "executed" and step.offer is not None:
        dispatcher.utter_message(response="utter_remedy_done", remedy_text=step.offer.done)


def is_survey_answer(tracker: Tracker) -> bool:
    """Whether the buyer's words answer the survey question the conversation is at."""
    text = tracker.latest_message.get("text") or ""
    stage = tracker.get_slot("stage")
    if stage == "rating":
        return parse_rating(text) is not None
    return stage == "recommending" and parse_recommend(text) is not None


async def record_survey_answer(dispatcher: CollectingDispatcher, tracker: Tracker,
                               text: str | None = None) -> list[EventType]:
    """The buyer's answer to the rating (1-5) or the recommendation question (0-10), with any comment
    (in the words given: the part a buyer who wavered settled on)."""
    text = (tracker.latest_message.get("text") or "") if text is None else text
    raw = next(tracker.get_latest_entity_values("rating"), None)
    stage = tracker.get_slot("stage")
    comment = comment_of(tracker.latest_message.get("text") or "")
    if stage == "recommending":
        score = parse_recommend(str(raw)) if raw is not None else parse_recommend(text)
        if score is None:
            dispatcher.utter_message(response="utter_ask_recommend_again")
            return []
        return await guarded(dispatcher, tracker,
                             lambda case_id, buyer: conversation.recommend(case_id, buyer, score, comment))
    rating = None
    if stage == "rating":
        from outreach.dialogue.ratings import declines_rating, rating_over_two, read_rating, scored_out_of_range
        from outreach.lifecycle.consent import asks_to_stop

        if asks_to_stop(text) and read_rating(text) is None:  # "不评价。今后勿再联系。"
            return await opt_out_now(dispatcher, tracker, text)
        if declines_rating(text):  # "不评了", "跳过": closed without a rating
            return await guarded(dispatcher, tracker, conversation.skip_rating)

        # the whole words read as meant first: "挺满一的" is 挺满意的, not the 1 a stray numeral would
        # give, and "打个4分 哎算了 给你们满分" is the 5 said last, not the 4 an entity found
        rating = read_rating(text)
        if stage_stood(tracker):  # "非常" and then "满意": one rating over two messages
            rating = rating_over_two(buyer_said_before(tracker), text) or rating
        if rating is None:  # "等下 重新挑了一遍 烂的是4个" after 5 were paid for: no rating, a recount
            case_id = await case_of(tracker)
            recount = None if case_id is None else await off_loop(conversation.recount_after_remedy, case_id,
                                                                  buyer_of(tracker), text)
            if recount is not None:
                return only_changes(tracker, say_step(dispatcher, recount))
        if rating is None and scored_out_of_range(text):  # "给你们打一百分 满分一百那种": asked again
            dispatcher.utter_message(response="utter_ask_rating_again")
            return []
    if rating is None and raw is not None:
        rating = parse_rating(str(raw))
    if rating is None:
        rating = parse_rating(text)
    if rating is None:
        dispatcher.utter_message(response="utter_ask_rating_again")
        return []
    if stage not in ("rating", "closed") and not await case_holds(tracker, conversation.awaiting_rating):
        # A number said mid-conversation is not a rating of a case still in progress, unless
        # the rating question came with a person's decision (an approval): the open question again
        from actions.context import not_understood

        return await not_understood(dispatcher, tracker)
    told = await _new_problem_told(tracker) if stage == "rating" else None
    if told is not None:  # "4星 对了 说好送的开瓶器也没给我": rated, then the new problem, not the last question
        return await _rate_then_raise(dispatcher, tracker, rating, comment, told)
    return await guarded(dispatcher, tracker,
                         lambda case_id, buyer: conversation.rate(case_id, buyer, rating, comment))


# Words that bring up something new: "对了", "还有", "另外", "顺便说一下".
_NEWS = re.compile(r"对了|还有|另外|顺便|忘了说|再说一下|还有个事")
# Remarks beside a rating ("5分 就是快递有点慢", "4星 客服态度一般") are no new case; goods problems are.
_REMARK_LABELS = ("late_delivery", "service_attitude")


async def _new_problem_told(tracker: Tracker) -> str | None:
    """A problem the words beside a rating tell surely, other than the case's own and a remark: a
    new problem the buyer raises now."""
    from actions.context import problems_in
    from outreach.cases.conversation import CaseNotFound, NotYourCase
    from outreach.diagnosis.taxonomy import NO_PROBLEM, taxonomy
    from outreach.dialogue.ratings import read_rating

    text = tracker.latest_message.get("text") or ""
    clauses = problems_in(tracker)
    # told as news ("对了", "还有", "另外") or by its signs, never the words of the rating ("就3分 不能再多了")
    named = [label for label, clause in clauses.items()
             if label != NO_PROBLEM and label not in _REMARK_LABELS and read_rating(clause) is None
             and (_NEWS.search(text) or label in taxonomy().signs_in(clause))]
    case_id = await case_of(tracker)
    if not named or case_id is None:
        return None
    try:
        own = (await off_loop(conversation.brief, case_id, buyer_of(tracker))).label
    except (CaseNotFound, NotYourCase):
        return None
    return next((label for label in named if label != own), None)


async def _rate_then_raise(dispatcher: CollectingDispatcher, tracker: Tracker, rating: int, comment: str | None,
                           label: str) -> list[EventType]:
    from actions.starting import raise_problem
    from outreach.cases.conversation import CaseNotFound, NotYourCase

    case_id = await case_of(tracker)
    try:
        step = None if case_id is None else await off_loop(conversation.rate, case_id, buyer_of(tracker), rating,
                                                           comment)
    except (CaseNotFound, NotYourCase):
        step = None
    if step is None or step.kind != "rated" or step.already_done or step.extra.get("low"):
        return await guarded(dispatcher, tracker, lambda _case, _buyer: step) if step is not None else []
    dispatcher.utter_message(response="utter_thanks_for_rating", rating=rating)
    model_version = (tracker.latest_message.get("diagnosis") or {}).get("model_version")
    return [SlotSet("stage", None)] + await raise_problem(dispatcher, tracker, label, model_version)


class ActionRecordRating(Action):
    def name(self) -> str:
        return "action_record_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        from actions.context import in_context, text_of
        from outreach.dialogue.ratings import read_rating
        from outreach.dialogue.remedy_words import read_remedy

        if tracker.get_slot("stage") not in ("rating", "recommending") or (
                read_remedy(text_of(tracker)) is not None and read_rating(text_of(tracker)) is None):
            # "五星" or "3" said mid-conversation is read in context (an amount, a question), not as a
            # rating; so are words at the rating question that name a remedy and give no score
            understood = await in_context(dispatcher, tracker)
            if understood is not None:
                return understood
        return await record_survey_answer(dispatcher, tracker)


# A greeting in so many words ("你好", "在吗", "hello"), not a fragment a classifier guessed as one.
_GREETING = re.compile(r"你好|您好|在吗|在不在|在么|哈喽|嗨|hi|hello|早上好|晚上好|下午好|中午好|早啊|早安|亲",
                       re.IGNORECASE)


class ActionSmallTalk(Action):
    """A greeting or thanks, then the open question again; when the same words ask something or
    answer the open question, that wins."""

    def name(self) -> str:
        return "action_small_talk"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        from actions.context import in_context, reask, text_of

        understood = await in_context(dispatcher, tracker)
        if understood is not None:
            return understood
        intent = tracker.latest_message.get("intent", {}).get("name")
        if intent == "greet" and tracker.get_slot("stage") not in (None, "closed") \
                and not _GREETING.search(text_of(tracker)):
            # "充一晚上" guessed as a greeting mid-conversation: no hello, only that it was heard
            dispatcher.utter_message(response="utter_ack")
            return await reask(dispatcher, tracker)
        dispatcher.utter_message(response="utter_thank" if intent == "thank" else "utter_greet")
        # a question still open comes back with its buttons ("谢谢你啊姑娘" at the confirmation is
        # no answer to it, and the conversation must not stall)
        return await reask(dispatcher, tracker)
