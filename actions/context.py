"""The buyer's words read against the question the conversation is at, before the intent's own
action runs: an off-script question is answered and the open question asked again; a named
remedy at an offer is taken; a yes with details at the confirmation moves on; a rating in words
at the rating question is recorded. The reading itself is the core's (outreach.dialogue)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from functools import partial

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import DBAPIError

from actions.common import (
    buyer_of,
    buyer_said_before,
    case_holds,
    case_of,
    case_talked_about,
    conversation,
    guarded,
    not_done,
    off_loop,
    offer_index,
    say_step,
)
from outreach.cases.conversation import CaseNotFound, NotYourCase, Step
from outreach.diagnosis.features import readable
from outreach.diagnosis.taxonomy import NO_PROBLEM
from outreach.dialogue.knowledge import is_question, knowledge, told_clauses, without_words_said_back
from outreach.dialogue.person import wants_a_person
from outreach.dialogue.ratings import declines_rating, rating_taken_back, read_rating, satisfied_in_words
from outreach.dialogue.remedy_words import (
    asks_for_it,
    gives_up_the_order,
    read_remedy,
    refused_kinds,
    remedy_mentions,
    set_aside_last,
)
from outreach.dialogue.wavering import settled, wavers, without_abandoned
from outreach.dialogue.words import (
    PIECE_WORDS,
    adds_to,
    asked_clauses,
    clauses_of,
    is_command_like,
    is_key_mash,
    is_pasted_notice,
    media_only,
    more_to_come,
    normalize,
    own_words,
    tells_a_slip,
    without_markup,
)
from outreach.dialogue.yes_no import (
    after_but,
    confirms_facts,
    counts_harm,
    denies_facts,
    ends_refusing,
    ends_with_yes,
    fine_after_all,
    goes_ahead,
    goes_along,
    read_fine_after_all,
    read_no_problem,
    read_yes_no,
    rejects_offer,
    says_fine,
    sets_aside,
    settled_already,
    takes_all,
    turns_to_another,
)
from outreach.lifecycle.consent import asks_to_stop, asks_to_wait, pauses_at_the_end

# How sure the classifier must be of another problem, in words that also pick a remedy or state an
# amount, for them to correct the suspected problem rather than confirm it.
OTHER_PROBLEM_SURE = 0.7
# A count of pieces told fine: "盘子四个都好好的", "6个都没事".
_GOOD_COUNTED = re.compile(r"[\d一两二三四五六七八九十俩仨]+\s*[个只件盒瓶斤双袋包箱枚]?\s*都(?:是)?"
                           r"(?:好好的|好的|完好|没事|没问题)")
# An amount stated, not the 一 of 等一下: digits, a number with a measure word, a share.
_COUNTISH = re.compile(rf"[\d０-９]|[一两二三四五六七八九十俩仨]\s*[{PIECE_WORDS}斤]|一半|分之|全部|都")
# A score and nothing else: "5", "打5分", "五星", "给4分吧", "满分！", "蛮好 四颗星".
_SCORE_ONLY = re.compile(r"\s*(?:(?:蛮好|挺好|很好|还行|还可以|不错)[\s，,]*)?(?:给个|打个|给|打|就|给你们?|给您)?\s*"
                         r"(?:(?:[1-5]|[一二三四五])\s*(?P<unit>分|星|颗星)?|(?P<full>满分))"
                         r"\s*(?:吧|啊|呀|哦|的|了|嘛)?\s*[。.!！~～]*\s*")
# The goods found after all: "找到了 卡在箱子底下", "4个都在", "都齐了".
# ("他拆了一包拿到卧室去了 是齐的 … 没事了": the count was right after all)
_FOUND_AFTER_ALL = re.compile(r"找到了|都在|都齐了|是齐的|(?:^|[\s，,]|[个只件盒瓶袋包双条支罐])齐了"
                              r"|一个不少|一个都不少"
                              r"|(?:拿|收|取|搬)(?:进来|进屋|回来|回家)了"  # "老头子老早拿进来了": at home all along
                              r"|[一二两三四五六七八九十\d]*[个只件盒瓶袋包双条支罐]?都?没少")
# The harm told was of other goods: "搞错了 发霉的是我在菜场买的那袋 … 冇得问题" (with "没问题" said).
# ("没事 点错了 灯好着呢": the yes before was a slip of the finger, when the goods are said fine; "点错了"
# alone beside a payload owns up to the tap; "没坏 虚惊一场": a scare that came to nothing)
_MIXED_UP = re.compile(r"搞错了|弄错了|看错了|记错了|说错了|搞混了|弄混了|虚惊一场|白担心一场|白紧张一场"
                       r"|(?:点错了|按错了|误点|误触)(?=.*(?:好着|好好的|没坏|正常|能用|好用|没毛病|都在|挺好))")
# Sounds of thinking before a question, no yes: "嗯……那个，", "呃 那个".
_THINKING = re.compile(r"\s*(?:(?:嗯+|恩+|呃+|额+|唔+)\s*\.{2,}|(?:嗯+|恩+|呃+|额+|唔+|那)?[\s,]*(?:那个|这个))"
                       r"[\s.,]*(?:那个|这个|就是|我想问一下|想问一下|问一下|问下)?[\s.,]*")
# The lowest score that takes an offer it is given to; a lower one is no yes to it.
OFFER_TAKEN_FROM = 3
_AMOUNTISH = re.compile(r"[\d０-９零〇一二两三四五六七八九十百俩仨半全都%％成]")


def taking_offer(tracker: Tracker, operation: Callable[[int, str], Step]) -> Callable[[int, str], Step]:
    """An operation that takes the offer; when the buyer's words take every remedy ("都按规矩退吧"),
    the next problem's offer, made in the same turn, is taken in the same words too."""
    if not takes_all(text_of(tracker)):
        return operation

    def with_the_next(case_id: int, buyer_id: str) -> Step:
        return conversation.accept_next_too(operation(case_id, buyer_id), buyer_id)

    return with_the_next


def goes_ahead_at_offer(tracker: Tracker, text: str) -> bool:
    """Whether the words at an offer tell us to go ahead with it ("行 你们找人核实"), even where they
    name a person; not "先别提交 找个真人跟我说"."""
    # ("转人工 赶紧的": the hurry is for the person asked for)
    return tracker.get_slot("stage") == "offering" and goes_ahead(text, hurry=not wants_a_person(text)) \
        and read_yes_no(text) is not False


def text_of(tracker: Tracker) -> str:
    """What the buyer typed, in their own words (a notice or a chat line pasted before them left
    out: outreach.dialogue.words.own_words); a button's payload is exact and is not read again."""
    text = tracker.latest_message.get("text") or ""
    # ("本来想跟你说别联系我了……想了想还是说一下吧": the thought begun and not followed is left out)
    # ("你说「立即」取消退款 那299是立马到账吗？": the bot's words said back choose nothing)
    return "" if text.startswith("/") else without_abandoned(own_words(without_words_said_back(text)))


async def answer_off_script(dispatcher: CollectingDispatcher, tracker: Tracker,
                            text: str | None = None) -> list[EventType] | None:
    """An off-script question: answered from the knowledge file, then the open question again."""
    text = text_of(tracker) if text is None else text
    stage = tracker.get_slot("stage")
    if not text or knowledge().topic_of(text, offered=stage not in conversation.BEFORE_OFFER) is None:
        return None
    case_id = await case_of(tracker)
    buyer = buyer_of(tracker)
    try:
        answer = await off_loop(conversation.answer_question, case_id, buyer, text, offer_index(tracker), stage)
        if answer is None:
            return None
        dispatcher.utter_message(text=answer)
        step = None
        if case_id is not None:
            step = await off_loop(conversation.open_question, case_id, buyer, tracker.get_slot("stage"),
                                  offer_index(tracker))
    except (CaseNotFound, NotYourCase):
        dispatcher.utter_message(text=await off_loop(conversation.answer_question, None, buyer, text, 0) or "")
        return []
    return [] if step is None else say_step(dispatcher, step)


# A remedy named bare, as the subject of the question beside it ("寄回去 运费谁出啊", "退款的话 多久到").
# ("错的那件寄回去 运费要我出吗？": the goods to send back named, then the question about it)
_TOPIC_ONLY = re.compile(r"(?:那|如果|要是)?"
                         r"(?:(?:错|坏|破|烂|旧|原来|这|那)的?(?:那|这)?[一两]?[件个只条双台把盒瓶袋包套]?)?"
                         r"(?:寄回去?|寄回来|退货|退回去|换货|补发|退款|退钱|换新|换)(?:的话)?")


# A count said first, alone or with its harm: "2个", "碎了3个".
_COUNT_FIRST = re.compile(rf"(?:[碎坏烂破裂死漏少缺]了?)?\s*[\d一两二三四五六七八九十俩仨几半]+\s*[{PIECE_WORDS}斤]?")
# A clause asking to be told it is so: "钱是退回我付款的卡上吧", "不用操作什么吧" (not "退钱吧", a choice).
_TAG_QUESTION = re.compile(r"(?:是|不用|不会|没有?|应该|不需要)[^，,。.!！？?]*吧[啊呀]?$")


def told_beside_question(text: str, stage: str | None) -> str | None:
    """The clauses that answer the open question when the words also ask something ("是的碎了3个，
    多久能退？", "行 就退款吧 几天到账", "挺满意的 你是真人还是机器人"): both are taken, the question
    answered first. None when the words only ask, or their other clauses answer nothing."""
    if not is_question(text):
        return None
    # (a clause that asks to be told it is so, "钱是退回我付款的卡上吧", "我妈那边不用操作什么吧", asks too)
    clauses = [clause for clause in told_clauses(text) if not _TAG_QUESTION.search(normalize(clause))]
    told = " ".join(clauses)
    if not told or len(clauses) == len(clauses_of(text)) or re.fullmatch(r"(?:哦|噢|喔|啊)?对了[啊呀]?", told) \
            or _THINKING.fullmatch(normalize(told)):
        return None  # ("对了 能开发票不？": by the way, no yes; "嗯……那个，退的钱多久能到账啊？": a thought)
    if stage == "confirming" and (read_yes_no(told) is True
                                  or (counts_harm(told) and knowledge().topic_of(text) is not None)):
        return told  # ("你是哪个嘛 哦平台的嗦 … 烂了五个": asked, and the problem counted beside)
    if stage == "offering" and read_remedy(told) in ("compensation", "legal"):
        return None  # "你们不是说假一赔三吗 我要赔": the demand is what was asked about; answered, not taken
    if stage == "offering" and _TOPIC_ONLY.fullmatch(normalize(told)):
        return None  # "寄回去 运费谁出啊": the remedy is what the question is about; answered, not taken
    # (not a worry said beside the question, "不会是骗子吧", "别又给我弄丢了", nor a fact, "是孙子付的钱")
    fact = bool(re.match(r"是(?![的啊呀滴吧])", told))
    # "不行", "唔使退钱" (not "不退差价" beside a question asking for another remedy: "能直接退货吗？")
    no = (read_yes_no(told) is False and len(told) <= 4) or read_remedy(text) is None and (
        rejects_offer(told) or (read_yes_no(told) is False and bool(refused_kinds(told))))
    if stage == "offering" and ((read_yes_no(told) is True and not fact) or no or read_remedy(told) is not None):
        return told
    if stage == "rating" and (read_rating(told) is not None or satisfied_in_words(told) is not None):
        return told
    return None


async def answered_beside(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> bool:
    """Say the knowledge answer to the question in the words, without asking the open question
    again (their other clauses answer it); False when the words ask no topic of the file."""
    stage = tracker.get_slot("stage")
    try:
        answer = await off_loop(conversation.answer_question, await case_of(tracker), buyer_of(tracker), text,
                                offer_index(tracker), stage)
    except (CaseNotFound, NotYourCase):
        return False
    if answer is None:
        return False
    dispatcher.utter_message(text=answer)
    return True


async def in_context(dispatcher: CollectingDispatcher, tracker: Tracker,
                     text: str | None = None) -> list[EventType] | None:
    """Events when the words (the buyer's latest, unless given) were understood in context; None
    lets the intent's action decide."""
    text = text_of(tracker) if text is None else text
    if not text:
        return None
    if media_only(text):  # "[图片]": a picture the bot cannot see; asked for in words, the question stands
        dispatcher.utter_message(response="utter_media_unseen")
        return await reask(dispatcher, tracker)
    if is_pasted_notice(text) or is_key_mash(text) or is_command_like(text) or (
            not readable(without_markup(text)) and read_yes_no(text) is None and read_rating(text) is None):
        # "？！。。。", "😡😡😡", "<script>…</script>", a pasted courier notice: nothing of the buyer's to
        # read, whatever a classifier made of it; the question stands
        return await not_understood(dispatcher, tracker)
    stage = tracker.get_slot("stage")
    if wavers(text) and _decides(text, settled(text), stage):
        # "退钱吧……或者补发？算了，还是退钱", "退钱的话……嗯……不了，我不要退款": what was weighed and let
        # go decides nothing; the words settled on are read at the question
        return await in_context(dispatcher, tracker, settled(text))
    if pauses_at_the_end(text) or (
            asks_to_wait(text) and read_yes_no(text) is not True and read_remedy(text) is None
            and not _COUNTISH.search(text) and not fine_after_all(text)
            and knowledge().topic_of(text) is None
            and not [found for found in problems_in(tracker) if found != NO_PROBLEM]):
        # ("是没更新…wait 我看一眼": broken off to look, what came before is no answer yet)
        # ("等一下 我又数了一遍 是2个" is a recount, not a pause; "上夜班一直没空拆 今天打开全发霉了" tells)
        # (and "等下 我先问问 … 已经寄出来了？" asks something: answered below)
        # "别催我，我想想", "刚在炒菜呢 等我一下": nothing decided; the question stands
        dispatcher.utter_message(response="utter_take_your_time")
        return await reask(dispatcher, tracker)
    if more_to_come(text):  # "还有", "而且", "对了 还有个事": the buyer types on; the question stands
        dispatcher.utter_message(response="utter_go_on")
        return await reask(dispatcher, tracker)
    if asks_to_stop(after_but(text)):  # "算了 不用处理 以后不要再联系我了", whatever a classifier made of it
        # (only what follows a "but" counts: "我之前说过别联系我，但现在我有问题要处理" asks for help)
        from actions.contact import opt_out_now

        return await opt_out_now(dispatcher, tracker, text)
    if stage == "offering" and not is_question(text):
        urgent = await _urgent_besides(tracker)
        if urgent is not None:  # "吃了两口 现在肚子疼 一直拉" at a refund offer: a person takes it first
            return await guarded(dispatcher, tracker, lambda case_id, buyer: conversation.choose_problem(
                case_id, buyer, urgent, "corrected", text=text))
    taken_back = rating_taken_back(text) if stage == "recommending" else None
    if taken_back is not None:  # "啊说错了 是满意 还没到非常的程度" after 非常满意: the rating corrected
        return await guarded(dispatcher, tracker, lambda case_id, buyer: conversation.correct_rating(
            case_id, buyer, taken_back, text))
    if stage == "rating" and read_remedy(text) is not None and read_rating(text) is None \
            and not is_question(text) and not _NEWS.search(text) \
            and await case_holds(tracker, conversation.remedy_carried_out):
        # "还是那句话 少的补发 烂的退钱" after both were carried out: said again, nothing new to do
        dispatcher.utter_message(response="utter_remedy_already_done")
        dispatcher.utter_message(response="utter_ask_rating_again")
        return []
    if stage == "picking_order":
        from actions.starting import raise_problem, say_start

        named = [label for label in problems_in(tracker) if label != NO_PROBLEM]
        if named:  # "那我说下 拖鞋发错码了": the problem told anew, with its goods: read as the first words were
            model_version = (tracker.latest_message.get("diagnosis") or {}).get("model_version")
            return await raise_problem(dispatcher, tracker, named[0], model_version)
        step = await off_loop(conversation.start_on_named_order, buyer_of(tracker), text)
        if step is not None:  # "袜子": the order whose goods the words name
            return say_start(dispatcher, step)
        shown = _buttons_shown(tracker, "/pick_order")
        if shown and not is_question(text):  # "好的 退吧" before an order is picked: which order, again
            dispatcher.utter_message(response="utter_pick_order", buttons=shown)
            return []
    if stage == "offering" and bot_said_before(tracker, STATED_NOTED):
        stated = await _answer_to_stated(dispatcher, tracker, text)
        if stated is not None:
            return stated
    # "退钱得唔得 唔使补发喇": a remedy on offer asked for and another turned down is the choice
    # (not "…也不用了，我想找人商量一下能不能只换一双": a person asked for, to talk it over)
    if knowledge().topic_of(text) == "scam" and (_LINK.search(text) or read_yes_no(text) is None):
        # a pasted scam message with "退款" in it chooses nothing ("那你提交吧 … 但验证码我不会给" goes ahead)
        answered = await answer_off_script(dispatcher, tracker, text)
        if answered is not None:
            return answered
    if stage == "offering" and knowledge().topic_of(text) == "more" \
            and (read_yes_no(text) is None or is_question(text)) \
            and not ends_with_yes(text) and not ends_refusing(text) and not goes_along(text):
        # "5块？？打发要饭的呢 起码给张50的券", "退款再补我30", "可以full refund吗": more than the offer,
        # asked for; the rules' amount is explained and the offer stands (nothing is carried out)
        answered = await answer_off_script(dispatcher, tracker, text)
        if answered is not None:
            return answered
    if stage == "offering" and asked_clauses(text)[-1:] == [True] and refused_kinds(text) \
            and not _demanded(text) \
            and not wants_a_person(text) and await _offer_check(tracker, text, conversation.refuses_open_offer) \
            and await _asks_for_another_offer(tracker, text):
        # "取消么…算了算了，还是等伊发好了，有补偿伐？": the open offer turned down, and another on offer
        # asked about: the next offer is put, to be taken or not
        return await guarded(dispatcher, tracker, partial(conversation.decline, index=offer_index(tracker)))
    chosen = stage == "offering" and _asks_for_one_not_another(text) and not wants_a_person(text) \
        and await _asks_for_an_offer(tracker, text)
    told = None if chosen else told_beside_question(text, stage)
    if told is not None:
        # "是的碎了3个，多久能退？": the question answered (when the knowledge file has it), then the rest
        # read as the answer it is ("不要退钱 给我补发吧 补发几天能到": the re-ship's message says when)
        await answered_beside(dispatcher, tracker, text)
        understood = await in_context(dispatcher, tracker, told)  # (no events is an answer too: not `or`)
        if understood is None and stage == "confirming":
            # "你是哪个嘛 哦平台的嗦 … 烂了五个": the problem asked about, counted beside the question
            understood = await _confirmed_with_details(dispatcher, tracker, told)
        return understood if understood is not None else await reask(dispatcher, tracker)
    if stage == "offering" and read_remedy(text) not in (None, "cancel") and ends_refusing(text) \
            and (is_question(text) or not set_aside_last(text)) and not _demanded(text):
        # "5块钱的券？打发谁呢 不要": whatever was named, the answer is no (not "…退钱就是了，补发的话又要
        # 等冷链，算了": the remedy waved away last is not the one chosen; the choice is taken below; nor
        # "补两只好的给我，钱不要": one remedy asked for, the other turned down)
        return await guarded(dispatcher, tracker, partial(conversation.decline, index=offer_index(tracker)))
    scored = read_rating(text) if stage == "offering" and _SCORED.search(normalize(text)) else None
    if scored is not None and not is_question(text) and (
            (read_remedy(text) is None and (read_yes_no(text) is True
                                            or (scored >= OFFER_TAKEN_FROM and read_yes_no(text) is None)))
            or (read_remedy(text) is not None and await _asks_for_an_offer(tracker, text)
                and not await _asks_for_another_offer(tracker, text))):
        # "退款办了就行 … 分数嘛，3分", "挺好嘞 五分": the open offer taken (named, or with a yes) and a
        # score given: taken, and rated
        return await guarded(dispatcher, tracker, taking_offer(tracker, partial(
            conversation.accept_content, index=offer_index(tracker), rating=scored, comment=text)))
    if stage == "offering" and read_remedy(text) is not None and (
            not is_question(text) or chosen
            or (asks_for_it(text) and not wants_a_person(text) and await _asks_for_another_offer(tracker, text))):
        # "赔！必须赔三倍" demands a remedy; it asks nothing. "请问是否可以不补发，直接退这一盒的钱呢？" asks
        # for another remedy on offer: taken ("能退货吗", "能赔三倍吗" ask whether, and are answered)
        taken = await _take_remedy(dispatcher, tracker, text)
        if taken is not None:
            return taken
    if stage == "offering" and ends_with_yes(text):  # "五块钱打发要饭的呢……行吧 券我收着": grudgingly taken
        taken = await _take_remedy(dispatcher, tracker, text) if read_remedy(text) is not None else None
        if taken is not None:
            return taken
        return await guarded(dispatcher, tracker, taking_offer(
            tracker, partial(conversation.accept, index=offer_index(tracker))))
    mixed_up = bool(_MIXED_UP.search(normalize(text))) and read_no_problem(text) \
        and not _COUNTISH.search(_GOOD_COUNTED.sub(" ", normalize(text)))  # ("盘子四个都好好的": all fine)
    found = stage == "offering" and bool(_FOUND_AFTER_ALL.search(normalize(text))) and read_fine_after_all(text)
    content = satisfied_in_words(text) if stage == "offering" and read_remedy(text) is None and not mixed_up \
        and not found else None  # ("…老早拿进来了 围巾很好的 没有问题了": found at home, no rating)
    if content is None and stage == "offering" and re.fullmatch(r"[\s★⭐🌟]+", text):
        content = read_rating(text)  # "⭐⭐⭐⭐⭐" to an offer: taken and rated, as 非常满意 is
    if content is not None and read_yes_no(text) is None and not is_question(text):  # "可以的" is a plain yes
        # "非常满意" to an offer: taken, and the rating it already gives is recorded, not asked for
        return await guarded(dispatcher, tracker, taking_offer(tracker, partial(
            conversation.accept_content, index=offer_index(tracker), rating=content, comment=text)))
    demand = _demand_after_question(text) if stage == "offering" else None
    if demand is not None and knowledge().topic_of(text) == "legal_multiple" \
            and not await _asks_for_an_offer(tracker, "假一赔三"):
        demand = None  # "你们不是说假一赔三吗 我要赔" of rotten fruit: the multiple is not on offer; answered below
    if demand is not None:  # "你们不是假一赔十吗 我要赔": the question is rhetorical, the demand is the answer
        taken = await _take_remedy(dispatcher, tracker, demand)
        if taken is not None:
            return taken
    if stage == "confirming" and settled_already(text):  # "我已经找商家说过了 … 钱也收到了 不用再弄了"
        return await guarded(dispatcher, tracker, lambda case_id, buyer: conversation.choose_problem(
            case_id, buyer, NO_PROBLEM, "corrected", text=text))
    other = await _turned_to_another(tracker, text) if stage == "confirming" or (
        stage == "offering" and _grants_fine(text)) else None
    if other is not None:  # "芒果挺新鲜的 没坏 就是箱子里少了两个": not the problem we asked about, this one
        # (only this one: the problem set aside is not queued after it, "盒子是压扁了 东西倒没问题 就是少了一盒")
        told = {other: problems_in(tracker).get(other, "")}
        return await guarded(dispatcher, tracker, lambda case_id, buyer: conversation.choose_problem(
            case_id, buyer, other, "corrected", text=text, more=told))
    if stage == "offering" and read_remedy(text) is None and (found or mixed_up):
        # "啊dbq 找到了 卡在箱子底下泡沫里 4个都在 没事了": nothing wrong after all, whatever was offered
        return await guarded(dispatcher, tracker, lambda case_id, buyer: conversation.choose_problem(
            case_id, buyer, NO_PROBLEM, "corrected", text=text))
    if wants_a_person(text) and not goes_ahead_at_offer(tracker, text):
        # "我不要退货 也不要换 找个人来处理", "能不能叫个真人跟我说说": whatever else ("你们找人核实" at
        # the offer goes ahead with it)
        return await hand_over_asked(dispatcher, tracker, text)
    if stage in (None, "closed") and _problem_told(tracker):
        # "行吧 机器人也行 我买的碗碎了一个": with no conversation going, the remark is answered and the
        # problem the words tell is taken up (by the intent's action), not dropped
        await answered_beside(dispatcher, tracker, text)
        return None
    if stage == "offering":
        added = await _added_problem(dispatcher, tracker, text)
        if added is not None:
            return added
    # (more than the offer asked for is answered above, only when the words decide nothing else; a scam
    # named beside a yes, "那你提交吧 … 但验证码我不会给", leaves the yes to decide)
    topic = knowledge().topic_of(text)
    # ("行 就按那个三倍的办": the multiple on offer taken, not asked about)
    taken = topic == "legal_multiple" and stage == "offering" and read_yes_no(text) is True and not is_question(text)
    # ("那你提交吧 … 但验证码我不会给" decides with a scam remark beside it; "不要验证码吧？" only asks)
    scam_aside = topic == "scam" and read_yes_no(text) is not None and not is_question(text)
    answered = None if topic == "more" or scam_aside or taken \
        else await answer_off_script(dispatcher, tracker, text)
    if answered is not None:
        return answered
    if stage == "offering" and read_yes_no(text) is True and read_remedy(text) is None:
        others = await _other_problems(tracker)
        if others:  # "可以 另外还少了一盒 就11盒": this offer taken, the other problem follows
            return await guarded(dispatcher, tracker, taking_offer(tracker, partial(
                conversation.accept, index=offer_index(tracker), more=others)))
    score = _SCORE_ONLY.fullmatch(normalize(text)) if stage == "offering" else None
    if score is not None and (score.group("unit") or score.group("full") or _remedy_just_done(tracker)
                              or bot_said_before(tracker, STATED_CONFIRMED)):
        rating = read_rating(text)
        if rating is not None and rating >= OFFER_TAKEN_FROM:
            # "打5分" to an offer, or "4" to the next problem's offer made right after a remedy, or to
            # the offer put again after a "是的" (the buyer took it for the rating question, not a
            # new count): content with it, and rated already, as with "非常满意"
            return await guarded(dispatcher, tracker, taking_offer(tracker, partial(
                conversation.accept_content, index=offer_index(tracker), rating=rating, comment=text)))
    if stage == "offering" and _AMOUNTISH.search(text):  # "不对 是4只": the amount corrected at the offer
        case_id = await case_of(tracker)
        if case_id is not None:
            try:
                step = await off_loop(conversation.correct_affected, case_id, buyer_of(tracker), text,
                                      offer_index(tracker))
            except (CaseNotFound, NotYourCase):
                step = None
            if step is not None:
                return await guarded(dispatcher, tracker, lambda _case, _buyer: step)
    if stage == "confirming" and (read_yes_no(text) is False or _WRONG_PICK.search(text)):
        # "不是 点错了 是枕头那单 两个枕头只来了一个": the case moves to the order the words name
        moved = await _moved_to_order(tracker, text)
        if moved is not None:
            return await guarded(dispatcher, tracker, lambda _case, _buyer: moved)
    if stage == "confirming" and fine_after_all(text) and not (
            read_yes_no(text) is True and [label for label in problems_in(tracker) if label != NO_PROBLEM]):
        # "木有问题 东西都收到了": nothing wrong after all (not a yes with a problem told surely: "是的 …
        # 来的大红色 … 客服说我自己点错了")
        return await guarded(dispatcher, tracker, lambda case_id, buyer: conversation.choose_problem(
            case_id, buyer, NO_PROBLEM, "corrected", text=text))
    if stage == "offering" and gives_up_the_order(text):  # "算了 不要了" at an unshipped order's cancellation
        taken = await _take_remedy(dispatcher, tracker, text)
        if taken is not None:
            return taken
    if stage == "offering" and read_remedy(text) is None:
        # "没问题" to an offer is a yes; "点错了" (a slip owned up to) is none
        yes = True if read_no_problem(text) and not tells_a_slip(text) else read_yes_no(text)
        if yes is None and rejects_offer(text):  # "补发也不要 我要的是原来那把", "才这么点？"
            yes = False
        if yes is None and goes_ahead(text):  # "要核实就核实吧 … 录了屏", "那你给我往上报吧"
            yes = True
        if yes is not None:
            if not yes:
                return await guarded(dispatcher, tracker, partial(conversation.decline, index=offer_index(tracker)))
            return await guarded(dispatcher, tracker, taking_offer(
                tracker, partial(conversation.accept, index=offer_index(tracker))))
    if stage == "offering" and read_remedy(text) is not None and (not is_question(text) or asks_for_it(text)):
        # "退钱行不行" asks for the remedy; "补发要多久？" asks about it (answered above, or not taken)
        taken = await _take_remedy(dispatcher, tracker, text)
        if taken is not None:
            return taken
    choices = problem_choices_shown(tracker) if stage == "confirming" else []
    if choices and read_yes_no(text) is True and not problems_in(tracker) and _denied_before_choice(tracker) \
            and f"/{await case_talked_about(tracker)}" not in [choice["payload"] for choice in choices]:
        # "是的" to "which of these is it?" after the buyer turned the first guess down ("不是 … 是少发了一个")
        # picks none of them: the choice again (otherwise a yes is still the guess confirmed)
        return ask_choice_again(dispatcher, choices)
    if stage == "confirming":
        confirmed = await _confirmed(dispatcher, tracker, text)
        if confirmed is not None:
            return confirmed
    if stage == "rating" and declines_rating(text):  # "不评了", "跳过": closed without a rating
        return await guarded(dispatcher, tracker, conversation.skip_rating)
    if stage == "rating" and (read_rating(text) or satisfied_in_words(text)) is not None:
        from actions.contact import record_survey_answer  # one place records a rating, and what is told beside it

        return await record_survey_answer(dispatcher, tracker, text)
    return None


def _decides(text: str, words: str, stage: str | None) -> bool:
    """Whether the `words` a buyer settled on, of all they wrote (`text`), answer the question the
    conversation is at by themselves: a choice, a yes or no, a rating, nothing wrong after all, or no
    more contact."""
    if stage == "offering":
        if _AMOUNTISH.search(words) or is_question(words) \
                or len({kind for _start, kind in remedy_mentions(normalize(words))}) > 1:
            return False  # (a count, a question, remedies weighed against each other: read from all the words)
        # (what all the words say alike is theirs to take; "算了算了 不要了" gives up no order at an offer)
        if read_remedy(words) not in (None, "cancel"):  # ("…或者补发？算了，还是退钱": the question settled)
            return read_remedy(words) != read_remedy(text) or is_question(text)
        if read_remedy(text) is not None:  # "那就退那2瓶的钱吧……补发……算了，不用补了": the choice stands,
            return read_yes_no(words) is True or goes_ahead(words)  # unless the buyer settles on the offer
        return (read_yes_no(words) is not None and read_yes_no(words) != read_yes_no(text)) \
            or (rejects_offer(words) and not rejects_offer(text)) \
            or (ends_refusing(words) and not ends_refusing(text)) \
            or (goes_ahead(words) and not goes_ahead(text))
    if stage == "rating":
        return read_rating(words) is not None or satisfied_in_words(words) is not None or asks_to_stop(words)
    if stage == "confirming":  # "是说碎了吧……其实是我看错了 … 碗都好好的": nothing wrong after all
        return fine_after_all(words) and read_yes_no(words) is not True and not counts_harm(words)
    return False


async def hand_over_asked(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list[EventType]:
    """A person asked for. With no conversation open, a problem the same words tell opens its case
    first ("瑜伽垫颜色发错了 … 直接转人工"), so the person has something to take over."""
    reason = "buyer asked for a person"
    named = [label for label in problems_in(tracker) if label != NO_PROBLEM]
    if named and not await case_holds(tracker, conversation.is_talking):
        from actions.starting import urgent_among

        step = await off_loop(conversation.raise_problem, buyer_of(tracker), text, urgent_among(named) or named[0],
                              None, problems_in(tracker))
        if step.kind == "confirm" and step.case_id:
            handed = await off_loop(conversation.hand_over, step.case_id, buyer_of(tracker), reason)
            return [SlotSet("case_id", str(step.case_id))] + say_step(dispatcher, handed) + [ActiveLoop(None)]
        from actions.starting import say_start

        return say_start(dispatcher, step)  # several orders: which one first (the person is asked for after)
    return await guarded(dispatcher, tracker, lambda case_id, buyer: conversation.hand_over(
        case_id, buyer, reason)) + [ActiveLoop(None)]


def _demand_after_question(text: str) -> str | None:
    """The words that ask nothing, of words that ask something first, when their last sentence demands
    a remedy plainly ("你们不是假一赔十吗 我要赔" gives "我要赔"); not a second option of the question
    ("…还是只能仅退款")."""
    if not is_question(text) or re.search(r"[？?]\s*$", text):  # "… 真能赔十倍？": the last sentence asks too
        return None
    # (voice input writes no stops: a sentence ends at its particle before the next one begins,
    # "取消了我还怎么送礼物啊那不取消你们给赔点钱就行")
    parts = [part for part in re.split(r"[。！!？?…~～\s]+|(?<=[啊呀吗嘛呢])(?=那|你们|我|就|还是|干脆|直接)", text)
             if part]
    if len(parts) < 2:
        return None
    last = parts[-1]
    if is_question(last) or re.match(r"还是|或者|或是|要么", last) or read_remedy(last) is None:
        return None
    # (what was turned down before the question stays with the demand: "refund也不要 我就想知道你们仓库
    # 怎么回事 要个说法" at the last offer declines it, and asks what the rules do not give)
    return " ".join(part for part in parts if not is_question(part))


async def _take_remedy(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list[EventType] | None:
    case_id = await case_of(tracker)
    if case_id is None:
        return None
    try:
        step = await off_loop(conversation.choose_remedy, case_id, buyer_of(tracker), text, offer_index(tracker),
                              remedies_in(tracker))
    except (CaseNotFound, NotYourCase):
        return None
    if step is None:
        return None
    return await guarded(dispatcher, tracker, taking_offer(tracker, lambda _case, _buyer: step))


# Words that bring up something new beside a rating: "对了", "还有", "另外".
_NEWS = re.compile(r"对了|还有|另外|顺便|忘了说|再说一下")
# Words that put right what was told, not add to it: "不是碎了 是少了一个".
_CORRECTING = re.compile(r"不是|搞错|弄错|说错|看错|其实是|应该是|而是")


async def _confirmed_with_details(dispatcher: CollectingDispatcher, tracker: Tracker,
                                  told: str) -> list[EventType] | None:
    """The problem asked about confirmed by words that give its details ("烂了五个"), when they do
    (conversation.confirm_with_details); None otherwise."""
    case_id = await case_of(tracker)
    if case_id is None:
        return None
    try:
        step = await off_loop(conversation.confirm_with_details, case_id, buyer_of(tracker), told)
    except (CaseNotFound, NotYourCase):
        return None
    return None if step is None else await guarded(dispatcher, tracker, lambda _case, _buyer: step)


async def _urgent_besides(tracker: Tracker) -> str | None:
    """A problem a person must take first (rules: person_first) that the latest words tell surely,
    other than the one talked about; None otherwise."""
    from outreach.rules.loader import rules

    urgent = [label for label, clause in problems_in(tracker).items()
              if label in rules().person_first and not _SUPPOSED.search(clause or text_of(tracker))]
    return urgent[0] if urgent and urgent[0] != await case_talked_about(tracker) else None


# What would happen, not what did: "换了就拉肚子", "要是吃了过敏怎么办".
_SUPPOSED = re.compile(r"换了?就|不然|否则|如果|要是|万一|假如|怕")


async def _added_problem(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list[EventType] | None:
    """At an offer, another problem told besides the one it settles, with no answer to the offer
    ("而且" … "还晚发了两天", "另外一个碎了", "发了好几条都不回" at a late shipment's compensation):
    it is noted to follow once this one is settled, and the offer stands. A problem of the same
    goods told with no word that adds it ("碎了一个" at a missing piece's re-ship) puts the case's
    problem right instead (the intent's action; a late shipment, the service and the price each
    stand apart); None then, and when nothing else is told."""
    from outreach.diagnosis.taxonomy import taxonomy
    from outreach.rules.loader import rules

    if read_yes_no(text) is not None or read_remedy(text) is not None or is_question(text) \
            or _CORRECTING.search(normalize(text)):
        return None
    current = await case_talked_about(tracker)
    book = rules()
    told = {label: clause for label, clause in problems_in(tracker).items()
            if label not in (current, NO_PROBLEM) and label not in book.person_first}
    if current is None or not told:
        return None
    label, clause = next(iter(told.items()))
    if knowledge().topic_of(text) == "more":  # "再加点吧 16块钱太少了": haggling, no problem besides
        return None
    goods = {*book.goods_condition, *book.covers_goods, "missing_item"}
    if not (adds_to(text) or more_to_come(buyer_said_before(tracker))) and (
            (label in goods and current in goods) or label not in taxonomy().signs_in(clause or text)):
        return None  # told with no word that adds it: only another kind of problem told by its signs
    case_id = await case_of(tracker)
    try:
        noted = case_id is not None and await off_loop(conversation.note_another_problem, case_id,
                                                       buyer_of(tracker), label, clause or text)
    except (CaseNotFound, NotYourCase):
        return None
    if not noted:
        return None
    dispatcher.utter_message(response="utter_problem_noted_later", label_zh=taxonomy().zh(label))
    return await reask(dispatcher, tracker)


def _buttons_shown(tracker: Tracker, prefix: str) -> list[dict]:
    """The buttons of the bot's latest turn that showed some whose payload starts with `prefix`."""
    for event in reversed(tracker.events):
        if event.get("event") != "bot":
            continue
        buttons = ((event.get("data") or {}).get("buttons") or [])
        if any(str(b.get("payload", "")).startswith(prefix) for b in buttons):
            return [{"title": b.get("title"), "payload": b.get("payload")} for b in buttons]
    return []


def remedies_in(tracker: Tracker) -> list[dict]:
    """The remedies one message picks for several problems ("碎的退钱，少的补发"), each with how likely
    each problem is what it is for (bot.nlu.problem_classifier)."""
    found = tracker.latest_message.get("remedy_clauses") or []
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


async def _confirmed(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list[EventType] | None:
    """At the confirmation: a yes confirms the suspected problem, and so do words with no yes/no at
    all that give its details ("买5盒就到了3盒", "补发，赶紧的"), unless they name another problem.
    None: not confirmed, nothing changed."""
    if bot_said_before(tracker, "utter_ask_problem") and read_remedy(text) is None:
        # "不是碎" … "是少了": the problem asked about was denied; the words tell which it is instead
        # (a remedy asked for then, "钱退我", is for the problem asked about)
        return None
    yes = read_yes_no(text)
    if yes is False and not (read_remedy(text) is not None and refused_kinds(text)):
        # (a no to one remedy, then another asked for, "算了 不换了 … 直接退钱吧", confirms with it)
        return None
    if yes or goes_ahead(text):  # "要核实就核实吧": told to go ahead with it
        return await guarded(dispatcher, tracker, partial(confirm, text=text, more=problems_in(tracker),
                                                          remedies=remedies_in(tracker)))
    if read_remedy(text) is None and not _AMOUNTISH.search(text):
        return None
    case_id = await case_of(tracker)
    if case_id is None:
        return None
    try:
        # whether the details are the case's, and taking them on, in one transaction
        step = await off_loop(conversation.confirm_with_details, case_id, buyer_of(tracker), text,
                              _other_named_surely(tracker), problems_in(tracker), remedies_in(tracker))
    except (CaseNotFound, NotYourCase):
        return None
    except DBAPIError as error:
        return not_done(dispatcher, tracker, error)
    return None if step is None else await guarded(dispatcher, tracker, lambda _case, _buyer: step)


def _other_named_surely(tracker: Tracker) -> str | None:
    """The problem the words name surely (a clause names it, or the classifier is sure), which
    confirms nothing unless it is the case's own; None when they name none. A guess on words that
    only demand a remedy ("等不及了 直接取消退钱") does not override the problem being confirmed."""
    from outreach.diagnosis.taxonomy import taxonomy

    intent = tracker.latest_message.get("intent", {}).get("name")
    confidence = float(tracker.latest_message.get("intent", {}).get("confidence") or 0.0)
    if intent in problems_in(tracker):
        return intent
    if intent in taxonomy().ids and confidence >= OTHER_PROBLEM_SURE and not _only_demands(text_of(tracker)):
        return intent
    return None


def _demanded(text: str) -> bool:
    """Whether a clause that asks nothing names a remedy the words do not turn down ("钱我不要，补一条活的来，
    … 不然买它干嘛？": the re-ship demanded, the question rhetorical)."""
    refused = refused_kinds(text)
    return any(read_remedy(clause) not in (None, *refused) for clause in told_clauses(text))


def _only_demands(text: str) -> bool:
    """Whether every clause of the words demands a remedy ("那就退差价": no price problem told)."""
    clauses = [clause for clause in clauses_of(text) if len(clause) > 2]
    return bool(clauses) and all(read_remedy(clause) is not None for clause in clauses)


def _problem_told(tracker: Tracker) -> bool:
    """Whether a clause of the latest words tells (not asks about) a problem the classifier named surely."""
    return any(label != NO_PROBLEM and clause and not is_question(clause)
               for label, clause in problems_in(tracker).items())


def problems_in(tracker: Tracker) -> dict[str, str]:
    """The problems the clauses of the latest words name surely, each with its clause
    (bot.nlu.problem_classifier)."""
    clauses = tracker.latest_message.get("problem_clauses") or {}
    if isinstance(clauses, dict) and clauses:
        return {str(label): str(text) for label, text in clauses.items()}
    return {str(label): "" for label in tracker.latest_message.get("problems") or []}


def _asks_for_one_not_another(text: str) -> bool:
    """Whether the words ask for one remedy and turn another down ("退钱得唔得 唔使补发喇",
    "换部新的给我行不行？不用退钱"): a choice, whichever is on offer."""
    chosen = read_remedy(text)
    return chosen is not None and asks_for_it(text) and bool(refused_kinds(text) - {chosen})


# A score given with its unit: "3分", "四颗星", "5星" (not "比我算的多一分", "一分钱").
_SCORED = re.compile(r"(?<![\d.多少差扣减])[1-5一二三四五]\s*(?:分(?!之|钟|钱|都|也|不)|颗?星)")
_LINK = re.compile(r"https?://|www\.|t\.cn/", re.IGNORECASE)


async def _offer_check(tracker: Tracker, text: str, check: Callable[[int, str, str, int], bool]) -> bool:
    """What `check` (a question of `conversation` about the offers and the words) says of this
    buyer's case; False with no case of theirs."""
    case_id = await case_of(tracker)
    if case_id is None:
        return False
    try:
        return await off_loop(check, case_id, buyer_of(tracker), text, offer_index(tracker))
    except (CaseNotFound, NotYourCase):
        return False


async def _asks_for_an_offer(tracker: Tracker, text: str) -> bool:
    """Whether the remedy the words name is on offer in this case, the open offer or another."""
    return await _offer_check(tracker, text, conversation.names_an_offer)


async def _asks_for_another_offer(tracker: Tracker, text: str) -> bool:
    """Whether the words name a remedy the rules offer in this case other than the open offer."""
    return await _offer_check(tracker, text, conversation.names_another_offer)


def _grants_fine(text: str) -> bool:
    """Whether the words grant in a clause of its own that what we took for the problem is fine
    ("四只杯子都在，只是其中一只的杯口碎了"), or set it aside: at an offer, a problem they name
    instead is the buyer's correction, not a second problem."""
    return sets_aside(text) or any(says_fine(clause) for clause in clauses_of(text))


async def _turned_to_another(tracker: Tracker, text: str) -> str | None:
    """At the confirmation, the one other problem the words name when they deny or set aside the
    one we asked about ("款式是对的 就是少了两双", "不是 是少发了"); None otherwise."""
    if not turns_to_another(text):
        return None
    named = [label for label in problems_in(tracker) if label != NO_PROBLEM]
    suspected = await _suspected(tracker) if named else None
    if suspected is None:
        return None
    others = [label for label in named if label != suspected]
    # ("盒子是压扁了 … 问题不在这 我拍的是黑色": the problem asked about granted, then set aside)
    return others[0] if len(others) == 1 and (suspected not in named or sets_aside(text)) else None


async def _other_problems(tracker: Tracker) -> dict[str, str]:
    """The problems the clauses name besides the case's own (none when they name only it)."""
    named = {label: clause for label, clause in problems_in(tracker).items() if label != NO_PROBLEM}
    if not named:
        return {}
    suspected = await _suspected(tracker)
    return named if suspected is not None and any(label != suspected for label in named) else {}


async def suspected_among_named(tracker: Tracker, label: str | None,
                                suspected_of: Callable[[], Awaitable[str | None]] | None = None) -> str | None:
    """At the confirmation, the problem we asked about when the buyer's words name it among others
    (the clauses' problems) though the whole words' likeliest `label` is another; None otherwise,
    and when the words deny it ("不是 快递到了 是屏幕摔裂了"). `suspected_of`: how the caller, which
    reads the case anyway, gives the problem asked about (else it is read here)."""
    named = problems_in(tracker)
    if tracker.get_slot("stage") != "confirming" or not named or read_yes_no(text_of(tracker)) is False:
        return None
    from outreach.dialogue.weighing import says_weighed
    from outreach.rules.loader import rules

    suspected = await (suspected_of or partial(_suspected, tracker))()
    book = rules()
    first = clauses_of(normalize(text_of(tracker)))[:1]
    counted = {*book.goods_condition, *book.covers_goods, "missing_item"}
    same_harm = set(book.goods_condition) if suspected in book.goods_condition else set()
    if suspected not in named and suspected in counted and not set(named) & (counted - same_harm) \
            and first and _COUNT_FIRST.fullmatch(first[0]):
        # "2个 还扣了两次钱": the count answers the problem asked about, a problem not of pieces is told
        # beside (not "3个 发错了颜色": the count of the other one); "烂了一半！磕得…" of a breakage asked
        # about is the same harm in other words
        return suspected
    if label in book.covers_goods and label in named and suspected in book.goods_condition \
            and not says_weighed(named[label]):  # (a short weight is a problem of its own: outreach.cases)
        # "开不了机 … 人家说是山寨货 串号都查不到": the fake takes the whole goods back, their state with them
        return None
    return suspected if suspected in named and suspected not in (label, NO_PROBLEM) else None


async def _suspected(tracker: Tracker) -> str | None:
    """The problem the conversation's case is about so far, or None with no case of this buyer."""
    case_id = await case_of(tracker)
    if case_id is None:
        return None
    try:
        return (await off_loop(conversation.brief, case_id, buyer_of(tracker))).label
    except (CaseNotFound, NotYourCase):
        return None


def confirm(case_id: int, buyer_id: str, text: str | None = None,
            more: dict[str, str] | None = None, remedies: list[dict] | None = None) -> conversation.Step:
    """The buyer confirms the suspected problem; details in the same words move the conversation on,
    and other problems they name follow it, each with the remedy the words pick for it. The
    suspected problem is read in the same transaction."""
    return conversation.choose_problem(case_id, buyer_id, None, "confirmed", text=text, more=more,
                                       remedies=remedies)


async def not_understood(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Words the bot cannot place: say so briefly and ask the open question again, with its
    buttons, so the offer or the rating question never disappears behind a "没太明白"."""
    case_id = await case_of(tracker)
    step = None
    if case_id is not None:
        try:
            step = await off_loop(conversation.open_question, case_id, buyer_of(tracker), tracker.get_slot("stage"),
                                  offer_index(tracker))
        except (CaseNotFound, NotYourCase):
            step = None
    if step is None:
        choices = problem_choices_shown(tracker)
        if choices:  # "是的" to "which of these?": the same choice again, not a dead end
            return ask_choice_again(dispatcher, choices)
        dispatcher.utter_message(response="utter_default")
        return []
    dispatcher.utter_message(response="utter_not_understood")
    return say_step(dispatcher, step)


# The order picked was not the one: "点错了", "选错了", "不是这单".
_WRONG_PICK = re.compile(r"点错|选错|按错|弄错|搞错|不是这[单个笔]")


async def _moved_to_order(tracker: Tracker, text: str) -> Step | None:
    """The case moved to the other order the words name (conversation.move_to_order), or None."""
    case_id = await case_of(tracker)
    if case_id is None:
        return None
    try:
        return await off_loop(conversation.move_to_order, case_id, buyer_of(tracker), text)
    except (CaseNotFound, NotYourCase):
        return None


def _denied_before_choice(tracker: Tracker) -> bool:
    """Whether the buyer's words that drew the bot's latest turn said no ("不是 我说错了 …")."""
    passed_bot = False
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            passed_bot = True
        elif event.get("event") == "user" and passed_bot:
            return read_yes_no(event.get("text") or "") is False
    return False


def ask_choice_again(dispatcher: CollectingDispatcher, choices: list[dict]) -> list[EventType]:
    """The buyer's words picked none of the problems offered: say so and show the same choice."""
    dispatcher.utter_message(response="utter_not_understood")
    dispatcher.utter_message(response="utter_which_problem", buttons=choices)
    return []


def _remedy_just_done(tracker: Tracker) -> bool:
    """Whether the bot's turn before the buyer's latest words said a remedy was carried out."""
    return bot_said_before(tracker, "utter_remedy_done")


def bot_said_before(tracker: Tracker, response: str) -> bool:
    """Whether the bot's turn before the buyer's latest words said `response`."""
    turns = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            turns += 1
            if turns == 2:
                return False
        elif turns == 1 and event.get("event") == "bot" \
                and (event.get("metadata") or {}).get("utter_action") == response:
            return True
    return False


# The offer made straight after a buyer's own words told the problem opens with what we understood
# (outreach.dialogue.replies); after a "是的" to it, it is put again after STATED_CONFIRMED.
STATED_NOTED = "utter_started_noted"
STATED_CONFIRMED = "utter_stated_confirmed"


async def _answer_to_stated(dispatcher: CollectingDispatcher, tracker: Tracker,
                            text: str) -> list[EventType] | None:
    """The first answer to an offer made straight after the buyer's own words told the problem,
    read as the answer to what we understood, which the offer opened with: "是的", "对 就是一直不发货"
    confirm it and pick no remedy (the offer is put again); "不是", "不对 是少了一袋" deny it (the
    problem the words name instead is taken, or asked for). None: an answer to the offer itself."""
    if confirms_facts(text):
        dispatcher.utter_message(response=STATED_CONFIRMED)
        return await guarded(dispatcher, tracker, partial(confirm, text=text, more=problems_in(tracker),
                                                          remedies=remedies_in(tracker)))
    if not (denies_facts(text) or _WRONG_PICK.search(text)) or read_remedy(text) is not None:
        return None
    moved = await _moved_to_order(tracker, text)
    if moved is not None:  # "不对不对 点错了 台灯好好的 碎的是那个花瓶": that order's offer instead
        return await guarded(dispatcher, tracker, lambda _case, _buyer: moved)
    suspected = await case_talked_about(tracker)
    others = [label for label in problems_in(tracker) if label not in (NO_PROBLEM, suspected)]
    if others:
        return await guarded(dispatcher, tracker, lambda case_id, buyer: conversation.choose_problem(
            case_id, buyer, others[0], "corrected", text=text, more=problems_in(tracker)))
    dispatcher.utter_message(response="utter_ask_problem")
    return [SlotSet("stage", "confirming")]


def problem_choices_shown(tracker: Tracker) -> list[dict]:
    """The buttons of the bot's latest turn when it asked which problem it is (a payload per
    label of the taxonomy, and the way to a person); none otherwise."""
    from outreach.diagnosis.taxonomy import taxonomy

    labels = set(taxonomy().ids)
    latest = next((event for event in reversed(tracker.events) if event.get("event") == "bot"), None)
    buttons = ((latest or {}).get("data") or {}).get("buttons") or []
    if any(str(b.get("payload", "")).lstrip("/") in labels for b in buttons):
        return [{"title": b.get("title"), "payload": b.get("payload")} for b in buttons]
    return []


async def reask(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """The open question again, with its buttons (nothing else said)."""
    case_id = await case_of(tracker)
    if case_id is None:
        return []
    try:
        step = await off_loop(conversation.open_question, case_id, buyer_of(tracker), tracker.get_slot("stage"),
                              offer_index(tracker))
    except (CaseNotFound, NotYourCase):
        return []
    return [] if step is None else say_step(dispatcher, step)

