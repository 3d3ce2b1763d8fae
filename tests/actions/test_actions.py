"""The custom actions, run against trackers built in code and a real (SQLite) store."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from actions.answers import ActionAnswerNo, ActionAnswerYes, ActionChooseProblem
from actions.contact import ActionHandover, ActionOptOut, ActionRecordRating
from actions.quantity import ActionTakeQuantity, ValidateQuantityForm
from actions.start_case import ActionStartCase
from outreach.store.db import session_scope
from outreach.store.models import Case, CaseEvent, OptOut, Remedy, Satisfaction
from tests.factories import make_case

QUIET_HOURS = 48  # limits.yml: satisfaction.quiet_hours


def tracker(
    sender: str,
    *,
    slots: dict[str, Any] | None = None,
    intent: str = "affirm",
    text: str = "",
    entities: list[dict[str, Any]] | None = None,
) -> Tracker:
    return Tracker(
        sender_id=sender,
        slots=slots or {},
        latest_message={"intent": {"name": intent, "confidence": 0.99}, "entities": entities or [], "text": text},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def told(buyer: str, intent: str, text: str, clause: str | None = None, *, label: str | None = None,
         slots: dict[str, Any] | None = None) -> Tracker:
    """The buyer's words as the NLU reads them: the intent, and the clause naming a problem surely
    (bot.nlu.problem_classifier), `label` when it is not the intent's."""
    t = tracker(buyer, intent=intent, text=text, slots=slots)
    t.latest_message["problem_clauses"] = {label or intent: clause or text}
    return t


def the_buyers_case(buyer: str) -> tuple[str, str]:
    """(order, label) of the buyer's one case."""
    with session_scope() as session:
        case = session.execute(select(Case).where(Case.buyer_id == buyer)).scalar_one()
        return case.order_id, case.category


async def run(action: Action, t: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, events


def slot(events: list[dict[str, Any]], name: str) -> Any:
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]
    return values[-1] if values else None


def responses(messages: list[dict[str, Any]]) -> list[str]:
    return [m.get("response") or "text" for m in messages]


async def test_outreach_names_the_order_and_the_suspected_problem(db: str) -> None:
    case_id, buyer, order = make_case("spoiled", status="new", contacted=False, quantity=1)
    messages, events = await run(
        ActionStartCase(),
        tracker(buyer, intent="EXTERNAL_case_outreach", entities=[{"entity": "case_id", "value": str(case_id)}]),
    )
    assert responses(messages) == ["utter_case_opening"]
    assert messages[0]["order_id"] == order and messages[0]["label_zh"] == "生鲜变质"
    assert "大闸蟹" in messages[0]["order_title"]
    assert slot(events, "case_id") == str(case_id) and slot(events, "stage") == "confirming"


async def test_outreach_for_another_buyers_case_is_refused_and_logged(db: str) -> None:
    case_id, _owner, _ = make_case("spoiled", status="new", contacted=False)
    messages, events = await run(
        ActionStartCase(),
        tracker("B_intruder", intent="EXTERNAL_case_outreach", entities=[{"entity": "case_id", "value": str(case_id)}]),
    )
    assert responses(messages) == ["utter_not_your_case"]
    assert slot(events, "stage") is None
    with session_scope() as session:
        kinds = session.execute(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)).scalars().all()
    assert "access_refused" in kinds


async def test_a_typed_order_number_is_never_enough_to_act(db: str) -> None:
    case_id, _owner, order = make_case("spoiled", quantity=1)
    stranger = tracker("B_stranger", intent="spoiled", text=f"我的订单{order}螃蟹死了，给我退款")
    messages, _ = await run(ActionChooseProblem(), stranger)
    assert responses(messages) == ["utter_no_recent_order"]  # the stranger's own orders only: none
    accept_messages, _ = await run(
        ActionAnswerYes(), tracker("B_stranger", slots={"case_id": str(case_id), "stage": "offering", "offer_index": 0})
    )
    assert responses(accept_messages) == ["utter_not_your_case"]
    with session_scope() as session:
        assert session.execute(select(func.count(Remedy.id))).scalar_one() == 0
        assert session.get(Case, case_id).status == "contacted"


async def test_confirm_offer_accept_pays_once_and_asks_for_a_rating(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=1, unit_price_fen=4590)
    slots = {"case_id": str(case_id), "stage": "confirming"}
    messages, events = await run(ActionAnswerYes(), tracker(buyer, slots=slots))
    assert responses(messages) == ["utter_offer"]
    assert "45.9" in messages[0]["offer_text"]
    assert slot(events, "stage") == "offering" and slot(events, "offer_index") == 0

    offering = tracker(buyer, slots={"case_id": str(case_id), "stage": "offering", "offer_index": 0})
    first, events = await run(ActionAnswerYes(), offering)
    again, _ = await run(ActionAnswerYes(), offering)
    assert responses(first) == ["utter_remedy_done", "utter_ask_rating"]
    assert slot(events, "stage") == "rating"
    assert responses(again) == ["utter_remedy_already_done", "utter_ask_rating"]
    with session_scope() as session:
        remedies = session.execute(select(Remedy)).scalars().all()
    assert [(r.rule_id, r.amount_fen, r.status) for r in remedies] == [("spoiled_share_refund", 4590, "executed")]


async def test_the_offer_named_with_a_score_is_carried_out_and_rated_at_once(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=1, unit_price_fen=4590)
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}))
    text = "退款办了就行。说实话这事不赖你们平台，分数嘛，3分，中不溜吧"
    offering = tracker(buyer, intent="affirm", text=text,
                       slots={"case_id": str(case_id), "stage": "offering", "offer_index": 0})
    messages, _events = await run(ActionAnswerYes(), offering)
    assert "utter_ask_rating" not in responses(messages)
    with session_scope() as session:
        remedy = session.execute(select(Remedy)).scalar_one()
        rating = session.execute(select(Satisfaction.rating).where(Satisfaction.case_id == case_id)).scalar_one()
    assert (remedy.rule_id, remedy.status, rating) == ("spoiled_share_refund", "executed", 3)


async def test_more_than_the_offer_asked_for_is_explained_and_nothing_is_carried_out(db: str) -> None:
    from outreach.cases.conversation import choose_problem

    case_id, buyer, _ = make_case("spoiled", quantity=2, unit_price_fen=4590)
    choose_problem(case_id, buyer, "spoiled", "confirmed", text="是的 死了1只")
    offering = tracker(buyer, intent="affirm", text="才退这么点？死一只赔两只才对 退款再补我30",
                       slots={"case_id": str(case_id), "stage": "offering", "offer_index": 0})
    messages, _events = await run(ActionAnswerYes(), offering)
    assert "没法再额外增加" in messages[0]["text"] and responses(messages)[-1] == "utter_offer"
    with session_scope() as session:
        assert session.execute(select(Remedy)).scalar_one_or_none() is None


async def test_a_pasted_scam_message_that_says_refund_is_answered_and_chooses_nothing(db: str) -> None:
    case_id, buyer, _ = make_case("wrong_item", quantity=1, unit_price_fen=12900, kind="apparel", live_seafood=False)
    text = "【平台客服】您的订单存在异常，需办理退款，请点击 http://t.cn/A6x9kq 填写银行卡信息 —— 这条是你们发的？？"
    messages, events = await run(ActionAnswerYes(), tracker(buyer, intent="affirm", text=text, slots={
        "case_id": str(case_id), "stage": "confirming"}))
    assert "诈骗" in messages[0]["text"] and slot(events, "stage") != "rating"
    with session_scope() as session:
        assert session.execute(select(Remedy)).scalar_one_or_none() is None


async def test_declining_walks_to_the_next_offer_then_a_person(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=1)
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}))
    messages, events = await run(
        ActionAnswerNo(),
        tracker(buyer, intent="deny", slots={"case_id": str(case_id), "stage": "offering", "offer_index": 0}),
    )
    assert responses(messages) == ["utter_offer"] and "补发" in messages[0]["offer_text"]
    assert slot(events, "offer_index") == 1
    messages, events = await run(
        ActionAnswerNo(),
        tracker(buyer, intent="deny", slots={"case_id": str(case_id), "stage": "offering", "offer_index": 1}),
    )
    assert slot(events, "stage") == "human" and "人工" in messages[0]["text"]
    with session_scope() as session:
        assert session.get(Case, case_id).status == "handed_over"


async def test_a_correction_wins_over_the_suspected_problem(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=1, kind="apparel", live_seafood=False)
    messages, events = await run(
        ActionChooseProblem(),
        tracker(buyer, intent="wrong_item", text="发错码了", slots={"case_id": str(case_id), "stage": "confirming"}),
    )
    assert responses(messages) == ["utter_problem_noted", "utter_offer"]
    assert messages[0]["label_zh"] == "发错货"
    with session_scope() as session:
        case = session.get(Case, case_id)
        assert (case.suspected_category, case.category) == ("spoiled", "wrong_item")


async def test_a_no_to_the_problem_asked_about_with_another_told_is_that_other(db: str) -> None:
    case_id, buyer, _ = make_case("damaged", quantity=5, unit="袋", unit_price_fen=1200, live_seafood=False)
    text = "不是 箱子是压瘪了 米没事 就是少了一袋 五袋就来了四袋"
    t = tracker(buyer, intent="damaged", text=text, slots={"case_id": str(case_id), "stage": "confirming"})
    t.latest_message["problems"] = ["damaged", "missing_item"]
    t.latest_message["problem_clauses"] = {"damaged": "箱子是压瘪了", "missing_item": "就是少了一袋 五袋就来了四袋"}
    messages, _ = await run(ActionChooseProblem(), t)
    assert responses(messages)[0] == "utter_problem_noted" and messages[0]["label_zh"] == "少件漏发"
    with session_scope() as session:
        case = session.get(Case, case_id)
        assert (case.suspected_category, case.category) == ("damaged", "missing_item")


async def test_a_problem_set_aside_for_another_is_not_taken_up_after_it(db: str) -> None:
    from actions.context import in_context

    case_id, buyer, _ = make_case("damaged", quantity=2, unit="盒", unit_price_fen=13900, live_seafood=False)
    text = "盒子是压扁了 东西倒没问题 就是少了一盒 我买的两盒只收到一盒"
    t = tracker(buyer, intent="missing_item", text=text, slots={"case_id": str(case_id), "stage": "confirming"})
    t.latest_message["problems"] = ["damaged", "missing_item"]
    t.latest_message["problem_clauses"] = {"damaged": "盒子是压扁了",
                                           "missing_item": "就是少了一盒 我买的两盒只收到一盒"}
    await in_context(CollectingDispatcher(), t)
    with session_scope() as session:
        case = session.get(Case, case_id)
        assert case.category == "missing_item" and "more_problems" not in (case.facts or {})


async def test_the_problem_asked_about_told_in_a_rhetorical_question_confirms_it(db: str) -> None:
    case_id, buyer, _ = make_case("damaged", quantity=1, unit="箱", unit_price_fen=5980, live_seafood=False,
                                  kind="fruit")
    text = "阿门家弄的嘛 苹果哈磕烂了三分之一"
    t = tracker(buyer, intent="spoiled", text=text, slots={"case_id": str(case_id), "stage": "confirming"})
    t.latest_message["problems"] = ["damaged"]
    t.latest_message["problem_clauses"] = {"damaged": "苹果哈磕烂了三分之一"}
    messages, events = await run(ActionChooseProblem(), t)
    assert "utter_not_understood" not in responses(messages) and slot(events, "stage") == "offering"
    with session_scope() as session:
        assert session.get(Case, case_id).category == "damaged"


async def test_a_health_reaction_goes_to_a_person_at_once(db: str) -> None:
    case_id, buyer, _ = make_case("health_reaction", quantity=1)
    messages, events = await run(
        ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"})
    )
    assert slot(events, "stage") == "human"
    assert "专员" in messages[0]["text"] and "打电话" in messages[0]["text"]  # a call is booked


async def test_a_counterfeit_is_offered_ten_times_and_waits_for_a_persons_verification(db: str) -> None:
    case_id, buyer, _ = make_case("counterfeit", quantity=1, unit_price_fen=32000, kind="cosmetics",
                                  live_seafood=False, trust_badge=True)
    slots = {"case_id": str(case_id), "stage": "confirming"}
    messages, events = await run(ActionAnswerYes(), tracker(buyer, slots=slots))
    assert slot(events, "stage") == "offering" and "假一赔十" in messages[0]["offer_text"]
    messages, events = await run(ActionAnswerYes(), tracker(buyer, slots={**slots, "stage": "offering"}))
    assert responses(messages) == ["utter_pending_approval"] and messages[0]["amount"] == "3200"
    assert slot(events, "stage") == "human"
    with session_scope() as session:
        remedy = session.execute(select(Remedy)).scalar_one()
    assert (remedy.rule_id, remedy.amount_fen, remedy.status) == ("counterfeit_ten_times", 320000, "pending_approval")


async def test_the_affected_quantity_is_asked_parsed_and_priced(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=10, unit_price_fen=3980)
    _, events = await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}))
    assert FollowupAction("quantity_form") in events and slot(events, "stage") == "asking_quantity"

    validator = ValidateQuantityForm()
    dispatcher = CollectingDispatcher()
    at_case = tracker(buyer, slots={"case_id": str(case_id)})
    assert await validator.validate_affected_quantity("死了三只", dispatcher, at_case, {}) == {
        "affected_quantity": "死了三只"
    }
    assert await validator.validate_affected_quantity("不知道", dispatcher, at_case, {}) == {"affected_quantity": None}
    assert await validator.validate_affected_quantity("五星", dispatcher, at_case, {}) == {"affected_quantity": None}
    assert await validator.validate_affected_quantity("坏了30只", dispatcher, at_case, {}) == {
        "affected_quantity": None}
    # a moment asked for ("等下 娃拉了"): no misread count, the question stands
    assert await validator.validate_affected_quantity("等下 娃拉了", dispatcher, at_case, {}) == {
        "affected_quantity": None}
    # (the goods found while asking for a moment: none affected after all)
    found = "等一下我再翻翻……哦找到了 一只都没少 不好意思啊"
    assert await validator.validate_affected_quantity(found, dispatcher, at_case, {}) == {"affected_quantity": found}
    assert responses(dispatcher.messages) == ["utter_quantity_invalid", "utter_quantity_invalid",
                                              "utter_quantity_too_many", "utter_take_your_time"]
    assert dispatcher.messages[-2]["max_quantity"] == 10
    messages, events = await run(
        ActionTakeQuantity(), tracker(buyer, slots={"case_id": str(case_id), "affected_quantity": "死了三只"})
    )
    assert responses(messages) == ["utter_offer"] and "119.4" in messages[0]["offer_text"]

    too_many, events = await run(
        ActionTakeQuantity(), tracker(buyer, slots={"case_id": str(case_id), "affected_quantity": "30"})
    )
    assert responses(too_many) == ["utter_quantity_too_many"] and SlotSet("affected_quantity", None) in events


async def test_rating_is_stored_once_and_closes_the_case(db: str) -> None:
    case_id, buyer = await settled_at_rating()
    rated = tracker(buyer, intent="rate", text="五星好评", slots={"case_id": str(case_id), "stage": "rating"})
    messages, events = await run(ActionRecordRating(), rated)
    assert responses(messages) == ["utter_thanks_for_rating", "utter_ask_recommend"] and messages[0]["rating"] == 5
    again, _ = await run(ActionRecordRating(), rated)
    assert responses(again) == ["utter_already_rated"]
    with session_scope() as session:
        assert [s.rating for s in session.execute(select(Satisfaction)).scalars()] == [5]
        case = session.get(Case, case_id)
        assert case.status == "closed" and case.open_key is None


async def test_a_rating_said_over_two_messages_is_read_whole(db: str) -> None:
    """"非常" (asked again) then "满意": the rating question stood through both, so 5, not the 4 of
    "满意" alone; after another question the earlier words are no part of the rating."""
    for stage_between, expected in ((None, 5), ("offering", 4)):
        case_id, buyer = await settled_at_rating()
        rated = tracker(buyer, intent="rate", text="满意", slots={"case_id": str(case_id), "stage": "rating"})
        rated.events = [{"event": "user", "text": "非常"}, {"event": "bot", "text": "请回复 1 到 5 之间的数字"},
                        {"event": "user", "text": "满意"}]
        if stage_between:
            rated.events.insert(1, {"event": "slot", "name": "stage", "value": "rating"})
        messages, _ = await run(ActionRecordRating(), rated)
        assert responses(messages)[0] == "utter_thanks_for_rating" and messages[0]["rating"] == expected


async def test_a_recount_at_the_rating_question_is_no_rating_and_a_person_settles_the_difference(db: str) -> None:
    """"等下 重新挑了一遍 有一个只是熟透了 烂的是4个" after 5 were refunded: no rating of 1 from "一个",
    the refund stands (carried out once) and a person takes the difference."""
    case_id, buyer, _ = make_case("spoiled", quantity=12, unit="个")
    slots = {"case_id": str(case_id), "stage": "confirming"}
    await run(ActionChooseProblem(), told(buyer, "spoiled", "12个烂了5个 就退烂的钱", "12个烂了5个", slots=slots))
    with session_scope() as session:
        assert [r.amount_fen for r in session.execute(select(Remedy)).scalars()] == [3980 * 5]
    recount = tracker(buyer, intent="rate", text="等下 重新挑了一遍 有一个只是熟透了还能吃 烂的是4个",
                      slots={"case_id": str(case_id), "stage": "rating"})
    messages, events = await run(ActionRecordRating(), recount)
    assert responses(messages)[0] == "utter_recounted_after_remedy" and messages[0]["said"] == "4个"
    assert slot(events, "stage") == "human"
    with session_scope() as session:
        assert session.get(Case, case_id).status == "handed_over"
        assert session.execute(select(func.count()).select_from(Satisfaction)).scalar_one() == 0
        assert session.execute(select(func.count()).select_from(Remedy)).scalar_one() == 1


async def test_a_health_reaction_told_at_an_open_offer_goes_to_a_person_before_any_refund(db: str) -> None:
    """"吃了两口 现在肚子疼 一直拉" while the spoiled salmon's refund is on offer: a person takes it now,
    and nothing is paid by the bot."""
    case_id, buyer, _ = make_case("spoiled", quantity=1, unit="盒")
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}, text="嗯 臭的"))
    sick = told(buyer, "health_reaction", "吃了两口 现在肚子疼 一直拉", "现在肚子疼",
                slots={"case_id": str(case_id), "stage": "offering", "offer_index": 0})
    messages, events = await run(ActionChooseProblem(), sick)
    assert slot(events, "stage") == "human" and "专员" in (messages[0].get("text") or "")
    with session_scope() as session:
        case = session.get(Case, case_id)
        assert (case.category, case.status) == ("health_reaction", "handed_over")
        assert session.execute(select(func.count()).select_from(Remedy)).scalar_one() == 0


async def test_a_count_said_first_beside_a_problem_not_of_pieces_confirms_the_one_asked_about(db: str) -> None:
    """"2个 还扣了两次钱" at a breakage's confirmation: two broken, and the double charge follows (the
    whole words' likeliest problem is the charge, which has no pieces to count)."""
    case_id, buyer, _ = make_case("damaged", quantity=6, unit="只")
    said = told(buyer, "price_issue", "2个 还扣了两次钱", "还扣了两次钱",
                slots={"case_id": str(case_id), "stage": "confirming"})
    messages, _ = await run(ActionChooseProblem(), said)
    assert responses(messages) == ["utter_offer"] and "2只" in messages[0]["offer_text"]
    with session_scope() as session:
        case = session.get(Case, case_id)
        assert (case.category, case.affected_quantity) == ("damaged", 2)
        assert [item["label"] for item in case.facts["more_problems"]] == ["price_issue"]


async def settled_at_rating(label: str = "spoiled") -> tuple[int, str]:
    """A case confirmed, its offer accepted, the rating question open: (case id, buyer)."""
    case_id, buyer, _ = make_case(label, quantity=1)
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}))
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "offering", "offer_index": 0}))
    return case_id, buyer


async def test_a_new_problem_told_beside_the_rating_is_rated_then_raised(db: str) -> None:
    """"4星 对了 说好送的开瓶器也没给我": the settled case keeps its 4, and the new problem opens a case
    of its own (not the last survey question): the one crab's line was refunded in full already, so the
    rules give nothing more and a person takes it at once; a remark beside a rating opens nothing."""
    case_id, buyer = await settled_at_rating()
    rated = told(buyer, "rate", "4星 对了 说好送的开瓶器也没给我", "说好送的开瓶器也没给我", label="missing_item",
                 slots={"case_id": str(case_id), "stage": "rating"})
    messages, _ = await run(ActionRecordRating(), rated)
    assert responses(messages) == ["utter_thanks_for_rating", "text"] and messages[0]["rating"] == 4
    assert "人工" in messages[1]["text"]
    with session_scope() as session:
        cases = session.execute(select(Case).where(Case.buyer_id == buyer).order_by(Case.id)).scalars().all()
        assert [(c.category, c.status) for c in cases] == [("spoiled", "closed"), ("missing_item", "handed_over")]
        assert session.execute(select(Satisfaction.rating)).scalars().all() == [4]

    case_id, buyer = await settled_at_rating()
    remark = told(buyer, "rate", "5分 就是快递有点慢", "就是快递有点慢", label="late_delivery",
                  slots={"case_id": str(case_id), "stage": "rating"})
    messages, _ = await run(ActionRecordRating(), remark)
    assert responses(messages) == ["utter_thanks_for_rating", "utter_ask_recommend"]

    case_id, buyer = await settled_at_rating()  # a guess of the model in the rating's own words is no news
    grudging = told(buyer, "rate", "就3分 不能再多了", "不能再多了", label="quality_defect",
                    slots={"case_id": str(case_id), "stage": "rating"})
    messages, _ = await run(ActionRecordRating(), grudging)
    assert responses(messages) == ["utter_thanks_for_rating", "utter_ask_recommend"]


async def test_a_number_mid_conversation_is_not_taken_as_a_rating(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=1)
    messages, _ = await run(
        ActionRecordRating(),
        tracker(buyer, intent="rate", text="3", slots={"case_id": str(case_id), "stage": "offering"}),
    )
    assert responses(messages) == ["utter_default"]
    with session_scope() as session:
        assert session.execute(select(func.count(Satisfaction.id))).scalar_one() == 0


async def test_opt_out_is_recorded_and_stops_the_conversation(db: str) -> None:
    case_id, buyer, _ = make_case("late_delivery", quantity=1)
    messages, events = await run(ActionOptOut(), tracker(buyer, intent="opt_out", text="别再联系我了"))
    assert responses(messages) == ["utter_opt_out_done"] and slot(events, "stage") == "closed"
    with session_scope() as session:
        opt_out = session.execute(select(OptOut)).scalar_one()
        assert opt_out.buyer_id == buyer and opt_out.source_text == "别再联系我了"
        assert session.get(Case, case_id).closed_reason == "opted_out"


async def test_asking_for_a_person_hands_over_and_ends_any_form(db: str) -> None:
    case_id, buyer, _ = make_case("damaged", quantity=4)
    messages, events = await run(
        ActionHandover(), tracker(buyer, intent="request_human", slots={"case_id": str(case_id)})
    )
    assert slot(events, "stage") == "human"
    assert ActiveLoop(None) in events
    with session_scope() as session:
        assert session.get(Case, case_id).handover_reason == "buyer asked for a person"


async def test_database_work_runs_off_the_action_servers_event_loop(db: str, monkeypatch) -> None:
    import threading

    from actions import answers

    case_id, buyer, _ = make_case("spoiled", quantity=1)
    seen: list[threading.Thread] = []
    real_accept = answers.conversation.accept

    def recording_accept(*args: Any, **kwargs: Any) -> Any:
        seen.append(threading.current_thread())
        return real_accept(*args, **kwargs)

    monkeypatch.setattr(answers.conversation, "accept", recording_accept)
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}))
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "offering", "offer_index": 0}))
    assert seen and all(thread is not threading.main_thread() for thread in seen)


async def test_an_unknown_price_problem_is_asked_with_buttons_and_a_tap_gets_the_offer(db: str) -> None:
    case_id, buyer, _ = make_case("price_issue", text="价格有问题", title="每日坚果礼盒", kind="snacks",
                                  unit_price_fen=8800, quantity=2, unit="盒", live_seafood=False, charged_fen=35200)
    slots = {"case_id": str(case_id), "stage": "confirming"}
    messages, events = await run(ActionAnswerYes(), tracker(buyer, slots=slots))
    assert responses(messages) == ["utter_ask_issue"] and slot(events, "stage") == "asking_issue"
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert '/price_issue{"issue": "double_charge"}' in payloads and len(payloads) == 5

    tapped = tracker(buyer, slots={**slots, "stage": "asking_issue"}, intent="price_issue",
                     text='/price_issue{"issue": "double_charge"}',
                     entities=[{"entity": "issue", "value": "double_charge"}])
    messages, events = await run(ActionChooseProblem(), tapped)
    assert responses(messages) == ["utter_offer"] and "176元" in messages[0]["offer_text"]
    assert slot(events, "stage") == "offering"


async def test_a_rating_tapped_after_an_approval_is_recorded_though_a_person_had_the_case(db: str) -> None:
    from outreach.lifecycle.approvals import decide
    from outreach.store.models import Approval

    case_id, buyer, _ = make_case("counterfeit", title="大牌口红 正品保证", kind="cosmetics", unit_price_fen=32000,
                                  quantity=1, unit="支", live_seafood=False, trust_badge=True)
    slots = {"case_id": str(case_id), "stage": "confirming"}
    await run(ActionAnswerYes(), tracker(buyer, slots=slots))
    messages, events = await run(ActionAnswerYes(), tracker(buyer, slots={**slots, "stage": "offering",
                                                                         "offer_index": 0.0}))
    assert slot(events, "stage") == "human"
    rate_five = dict(intent="rate", text='/rate{"rating": "5"}', entities=[{"entity": "rating", "value": "5"}])
    messages, _ = await run(ActionRecordRating(), tracker(buyer, slots={**slots, "stage": "human"}, **rate_five))
    assert responses(messages) == ["utter_default"]  # nothing was asked while a person decides
    with session_scope() as session:
        approval_id = session.execute(select(Approval.id).where(Approval.case_id == case_id)).scalar_one()
        decide(session, approval_id, True, "lead_zhao", "鉴定为假货", quiet_hours=QUIET_HOURS)
    messages, events = await run(ActionRecordRating(), tracker(buyer, slots={**slots, "stage": "human"}, **rate_five))
    assert responses(messages) == ["utter_thanks_for_rating", "utter_ask_recommend"]
    with session_scope() as session:
        assert session.execute(select(Satisfaction.rating).where(Satisfaction.case_id == case_id)).scalar_one() == 5


async def test_a_weight_complaint_starts_the_weight_form_and_the_weighed_text_gets_the_offer(db: str) -> None:
    from actions.quantity import ActionTakeWeight, ValidateWeightForm

    case_id, buyer, _ = make_case("not_as_described", text="缺斤少两", title="赣南脐橙 10斤整箱", kind="fruit",
                                  unit_price_fen=4990, quantity=1, unit="箱", live_seafood=False,
                                  promises=["weight_guarantee"])
    slots = {"case_id": str(case_id), "stage": "confirming"}
    messages, events = await run(ActionAnswerYes(), tracker(buyer, slots=slots))
    assert responses(messages) == ["utter_weight_promised"] and messages[0]["promised"] == "10斤"
    assert FollowupAction("weight_form") in events and slot(events, "stage") == "asking_weight"

    dispatcher = CollectingDispatcher()
    bad = await ValidateWeightForm().validate_weighed("不清楚", dispatcher, tracker(buyer), {})
    assert bad == {"weighed": None} and dispatcher.messages[0]["response"] == "utter_weight_invalid"
    assert await ValidateWeightForm().validate_weighed("8斤7两", CollectingDispatcher(), tracker(buyer), {}) == {
        "weighed": "8斤7两"}
    dispatcher = CollectingDispatcher()  # a question at the weight question is answered; the weight beside it taken
    asked = await ValidateWeightForm().validate_weighed("称了8斤7两 差的钱退回来要几天", dispatcher, tracker(buyer), {})
    assert asked == {"weighed": "称了8斤7两"} and "工作日" in dispatcher.messages[0]["text"]
    messages, events = await run(ActionTakeWeight(), tracker(buyer, slots={**slots, "weighed": "8斤7两"}))
    assert responses(messages) == ["utter_offer"] and "足斤足两" in messages[0]["offer_text"]


async def test_a_second_yes_after_the_remedy_says_it_was_done_before_asking_the_rating_again(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=1)
    slots = {"case_id": str(case_id), "stage": "offering", "offer_index": 0.0}
    await run(ActionAnswerYes(), tracker(buyer, slots={**slots, "stage": "confirming"}))
    messages, events = await run(ActionAnswerYes(), tracker(buyer, slots=slots))
    assert slot(events, "stage") == "rating"
    messages, _ = await run(ActionAnswerYes(), tracker(buyer, slots={**slots, "stage": "rating"}))
    assert responses(messages) == ["utter_remedy_already_done", "utter_ask_rating_again"]
    other, other_buyer, _ = make_case("no_problem", quantity=1)
    messages, _ = await run(ActionAnswerYes(), tracker(other_buyer, slots={"case_id": str(other), "stage": "rating"}))
    assert responses(messages) == ["utter_ask_rating_again"]
    with session_scope() as session:
        assert session.execute(select(func.count(Remedy.id)).where(Remedy.case_id == case_id)).scalar_one() == 1


async def test_only_slots_that_change_are_sent_back_to_rasa(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=1, unit_price_fen=4590)
    confirming = tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming", "offer_index": None})
    _, events = await run(ActionAnswerYes(), confirming)
    slots_sent = [(e["name"], e["value"]) for e in events if e.get("event") == "slot"]
    # case_id holds the same case: no event for it; the stage and the offer changed
    assert slots_sent == [("stage", "offering"), ("offer_index", 0.0)]

    new_case, new_buyer, _ = make_case("spoiled")
    _, started = await run(ActionStartCase(), tracker(
        new_buyer, intent="EXTERNAL_case_outreach", slots={"offer_index": None, "affected_quantity": None},
        entities=[{"entity": "case_id", "value": str(new_case)}]))
    assert {e["name"] for e in started if e.get("event") == "slot"} == {"case_id", "stage", "unit"}


async def test_a_remedy_turned_down_by_name_at_the_last_offer_hands_over(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=1)
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}))
    await run(ActionAnswerNo(), tracker(buyer, intent="deny", text="不要退款",
                                        slots={"case_id": str(case_id), "stage": "offering", "offer_index": 0}))
    # the classifier may hear a new problem in "我要的是原来那个"; the words turn the re-ship down
    messages, events = await run(ActionChooseProblem(), tracker(
        buyer, intent="wrong_item", text="补发也不要 我要的是原来那个",
        slots={"case_id": str(case_id), "stage": "offering", "offer_index": 1}))
    assert slot(events, "stage") == "human" and "人工" in messages[0]["text"]
    with session_scope() as session:
        assert (session.get(Case, case_id).status, session.get(Case, case_id).category) == ("handed_over", "spoiled")


async def test_punctuation_only_words_are_not_read_as_a_problem(db: str) -> None:
    case_id, buyer, _ = make_case("damaged", quantity=2)
    messages, _events = await run(ActionChooseProblem(), tracker(
        buyer, intent="service_attitude", text="？！。" * 700, slots={"case_id": str(case_id), "stage": "confirming"}))
    assert responses(messages)[0] == "utter_not_understood"
    with session_scope() as session:
        assert session.get(Case, case_id).category == "damaged"
        assert session.execute(select(func.count()).select_from(Remedy)
                               .where(Remedy.case_id == case_id)).scalar_one() == 0


async def test_a_guessed_opt_out_in_words_that_refuse_an_offer_declines_it_and_opts_nobody_out(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=1)
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}))
    messages, events = await run(ActionOptOut(), tracker(
        buyer, intent="opt_out", text="不要退钱 你们看着办吧",
        slots={"case_id": str(case_id), "stage": "offering", "offer_index": 0}))
    assert responses(messages) == ["utter_offer"] and slot(events, "offer_index") == 1  # the next offer
    with session_scope() as session:
        assert session.execute(select(func.count()).select_from(OptOut)).scalar_one() == 0


async def test_markup_and_a_pasted_notice_change_nothing_at_the_confirmation(db: str) -> None:
    case_id, buyer, _ = make_case("damaged", quantity=2)
    slots = {"case_id": str(case_id), "stage": "confirming"}
    for intent, text in (("no_problem", "<script>alert('退款')</script>"), ("late_delivery",
                         "【中通快递】您的快件已由【菜鸟驿站】代收，请凭取件码6-3-2087及时取件，如有疑问请联系驿站。")):
        messages, _events = await run(ActionChooseProblem(), tracker(buyer, intent=intent, text=text, slots=slots))
        assert responses(messages)[0] == "utter_not_understood"
    with session_scope() as session:
        case = session.get(Case, case_id)
        assert (case.category, case.status) == ("damaged", "contacted")


async def test_a_grudging_yes_after_a_complaint_about_the_offer_takes_it(db: str) -> None:
    case_id, buyer, _ = make_case("service_attitude", quantity=1, unit_price_fen=9900, live_seafood=False,
                                  kind="apparel")
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}))
    messages, _events = await run(ActionChooseProblem(), tracker(
        buyer, intent="price_issue", text="五块钱打发要饭的呢……行吧 券我收着",
        slots={"case_id": str(case_id), "stage": "offering", "offer_index": 0}))
    assert "utter_remedy_done" in responses(messages)
    with session_scope() as session:
        assert session.execute(select(Remedy.kind).where(Remedy.case_id == case_id)).scalar_one() == "coupon"


async def test_a_plain_demand_after_a_rhetorical_question_is_taken(db: str) -> None:
    case_id, buyer, _ = make_case("missing_item", quantity=3, unit="盒", unit_price_fen=8800, live_seafood=False)
    await run(ActionAnswerYes(), tracker(buyer, text="是的 少了1盒", slots={"case_id": str(case_id),
                                                                         "stage": "confirming"}))
    messages, _events = await run(ActionChooseProblem(), tracker(
        buyer, intent="price_issue", text="你们不是说少件包退吗 直接退钱",
        slots={"case_id": str(case_id), "stage": "offering", "offer_index": 0}))
    assert "utter_remedy_done" in responses(messages)
    with session_scope() as session:
        assert session.execute(select(Remedy.amount_fen).where(Remedy.case_id == case_id)).scalar_one() == 8800


async def test_words_that_name_the_problem_asked_about_among_others_confirm_it(db: str) -> None:
    case_id, buyer, _ = make_case("late_delivery", quantity=1, unit_price_fen=4500, live_seafood=False,
                                  kind="home", shipped_at=None, delivered_at=None)
    t = tracker(buyer, intent="missing_item", text="没发", slots={"case_id": str(case_id), "stage": "confirming"})
    t.latest_message["problem_clauses"] = {"late_delivery": "没发"}  # as bot.nlu.problem_classifier reads it
    messages, _events = await run(ActionChooseProblem(), t)
    assert "utter_problem_noted" not in responses(messages)
    with session_scope() as session:
        assert session.get(Case, case_id).category == "late_delivery"


async def test_a_tapped_no_repeated_after_its_answer_was_lost_answers_the_offer_the_buyer_saw(db: str) -> None:
    """The replica that declined offer 0 saved offer_index 1 and died before the buyer saw offer 1:
    the same tap again names offer 0 in its payload and must not decline offer 1."""
    case_id, buyer, _ = make_case("spoiled", quantity=1)
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}))
    offering = {"case_id": str(case_id), "stage": "offering", "offer_index": 0}
    await run(ActionAnswerNo(), tracker(buyer, intent="deny", slots=offering,
                                       entities=[{"entity": "offer", "value": "0"}]))
    moved_on = {**offering, "offer_index": 1.0}  # what the dead replica saved
    messages, _ = await run(ActionAnswerNo(), tracker(buyer, intent="deny", slots=moved_on,
                                                           entities=[{"entity": "offer", "value": "0"}]))
    assert responses(messages) == ["utter_offer_moved_on", "utter_offer"]
    assert messages[-1]["offer_tap"] == "1"  # its buttons answer offer 1
    with session_scope() as session:
        assert session.get(Case, case_id).status == "offering"
        assert session.execute(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.kind == "declined")).scalar_one() == 1
    # an index the bot never showed is no tap: the conversation's own offer is answered
    messages, _ = await run(ActionAnswerYes(), tracker(buyer, slots=moved_on,
                                                       entities=[{"entity": "offer", "value": "99"}]))
    assert responses(messages)[0] == "utter_remedy_done"


async def test_content_in_words_at_an_offer_takes_it_and_is_the_rating_a_digit_is_no_answer(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=1)
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}))
    offering = {"case_id": str(case_id), "stage": "offering", "offer_index": 0}
    messages, _ = await run(ActionRecordRating(), tracker(buyer, intent="rate", text="4", slots=offering))
    assert responses(messages)[-1] == "utter_offer"  # the offer and its buttons stay; nothing is carried out
    with session_scope() as session:
        assert session.execute(
            select(func.count()).select_from(Remedy).where(Remedy.case_id == case_id)).scalar_one() == 0
    messages, events = await run(ActionRecordRating(), tracker(buyer, intent="rate", text="非常满意", slots=offering))
    assert responses(messages) == ["utter_remedy_done", "utter_thanks_for_rating", "utter_ask_recommend"]
    assert slot(events, "stage") == "recommending"
    with session_scope() as session:
        assert session.execute(select(Satisfaction.rating).where(Satisfaction.case_id == case_id)).scalar_one() == 5
        assert session.execute(select(func.count()).select_from(Remedy).where(
            Remedy.case_id == case_id, Remedy.status == "executed")).scalar_one() == 1


async def test_a_question_beside_the_answer_is_answered_and_the_answer_taken(db: str) -> None:
    case_id, buyer, _ = make_case("damaged", quantity=6)
    slots = {"case_id": str(case_id), "stage": "confirming"}
    messages, events = await run(ActionAnswerYes(), tracker(buyer, slots=slots, text="是的碎了3个，多久能退？"))
    assert "工作日" in messages[0]["text"]  # the question answered first
    assert responses(messages)[-1] == "utter_offer" and "3" in messages[-1]["offer_text"]  # then the count taken
    slots = {"case_id": str(case_id), "stage": "offering", "offer_index": 0.0}
    messages, _ = await run(ActionAnswerYes(), tracker(buyer, slots=slots, text="我能退货退款吗 还是只能仅退款"))
    assert remedy_of(case_id) is None  # the choice after 还是 belongs to the question: nothing carried out
    messages, _ = await run(ActionAnswerYes(), tracker(buyer, slots=slots, text="对了 我还想开个电子发票 怎么弄"))
    assert "发票" in messages[0]["text"] and remedy_of(case_id) is None  # 对了: by the way, no yes
    messages, _ = await run(ActionAnswerYes(), tracker(buyer, slots=slots, text="行 就退款吧 几天到账"))
    assert remedy_of(case_id) is not None  # accepted, and the timing said


def kinds(case_id: int) -> list[str]:
    with session_scope() as session:
        return list(session.execute(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)).scalars())


def remedy_of(case_id: int) -> Remedy | None:
    with session_scope() as session:
        return session.execute(select(Remedy).where(Remedy.case_id == case_id)).scalars().first()


async def test_with_no_conversation_a_remark_is_answered_and_the_problem_told_beside_it_taken_up(db: str) -> None:
    from tests.factories import make_order

    buyer, order = make_order(title="骨瓷饭碗 4只装", kind="home", unit="只", quantity=4, unit_price_fen=1200,
                              live_seafood=False)
    t = tracker(buyer, intent="damaged", text="行吧 机器人也行 我买的碗碎了一个")
    t.latest_message["problem_clauses"] = {"damaged": "我买的碗碎了一个"}  # as bot.nlu.problem_classifier reads it
    messages, events = await run(ActionChooseProblem(), t)
    assert "智能客服" in messages[0]["text"]  # who is talking: answered
    # and the problem its clause tells is taken up, opening with what we understood
    assert responses(messages)[1] == "utter_started_noted" and messages[1]["label_zh"] == "运输破损"
    with session_scope() as session:
        case = session.execute(select(Case).where(Case.buyer_id == buyer)).scalar_one()
        assert (case.order_id, case.category) == (order, "damaged")


async def test_with_no_conversation_where_an_order_on_time_is_answered_and_no_case_opens(db: str) -> None:
    from datetime import timedelta

    from outreach.store.types import utcnow
    from tests.factories import make_order

    now = utcnow()
    buyer, _ = make_order(title="加厚珊瑚绒毯子", kind="home", live_seafood=False, paid_at=now - timedelta(days=2),
                          shipped_at=now - timedelta(days=1))
    t = tracker(buyer, intent="late_delivery", text="快递怎么还没到")
    t.latest_message["problem_clauses"] = {"late_delivery": "快递怎么还没到"}
    messages, _events = await run(ActionChooseProblem(), t)
    assert ["运输途中" in (m.get("text") or "") for m in messages] == [True]
    with session_scope() as session:
        assert session.execute(select(func.count(Case.id)).where(Case.buyer_id == buyer)).scalar_one() == 0


async def test_a_question_never_turns_the_problem_being_settled_into_a_guessed_one(db: str) -> None:
    case_id, buyer, _ = make_case("quality_defect", quantity=1, unit_price_fen=12900, live_seafood=False,
                                  kind="digital")
    t = tracker(buyer, intent="service_attitude", text="你们客服晚上几点下班啊？",
                slots={"case_id": str(case_id), "stage": "confirming"})
    messages, _events = await run(ActionChooseProblem(), t)
    assert "utter_not_understood" in responses(messages)
    with session_scope() as session:
        assert session.get(Case, case_id).category == "quality_defect"
    t.latest_message["problem_clauses"] = {"service_attitude": "你们客服晚上几点下班啊？"}
    await run(ActionChooseProblem(), t)  # a clause that names it surely: the buyer's correction wins
    with session_scope() as session:
        assert session.get(Case, case_id).category == "service_attitude"


async def test_a_person_asked_for_in_the_first_words_takes_the_case_those_words_open(db: str) -> None:
    from tests.factories import make_order

    buyer, order = make_order(title="瑜伽垫 加厚防滑 紫色", kind="sports", unit="张", quantity=1, unit_price_fen=8900,
                              live_seafood=False)
    text = "瑜伽垫颜色发错了 我下单的紫色 来的是灰的 不想跟机器聊 直接转人工"
    t = tracker(buyer, intent="wrong_item", text=text)
    t.latest_message["problem_clauses"] = {"wrong_item": "瑜伽垫颜色发错了 来的是灰的"}
    _messages, events = await run(ActionChooseProblem(), t)
    with session_scope() as session:
        case = session.execute(select(Case).where(Case.buyer_id == buyer)).scalar_one()
        assert (case.order_id, case.category, case.status) == (order, "wrong_item", "handed_over")
    assert slot(events, "case_id") == str(case.id)


async def test_a_rating_turned_down_closes_the_settled_case_without_one(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=1)
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}))
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "offering", "offer_index": 0}))
    with session_scope() as session:
        assert session.get(Case, case_id).status == "resolved"
    messages, events = await run(ActionRecordRating(), tracker(
        buyer, intent="deny", text="不评了 没啥好说的", slots={"case_id": str(case_id), "stage": "rating"}))
    assert responses(messages) == ["utter_rating_declined"] and slot(events, "stage") == "closed"
    with session_scope() as session:
        assert session.get(Case, case_id).status == "closed"
        ratings = select(func.count(Satisfaction.id)).where(Satisfaction.case_id == case_id)
        assert session.execute(ratings).scalar_one() == 0


async def test_a_person_asked_for_with_a_problem_and_several_orders_is_first_asked_which_order(db: str) -> None:
    from tests.factories import make_order

    buyer, first = make_order(title="瑜伽垫 加厚防滑 紫色", kind="sports", unit="张", quantity=1, unit_price_fen=8900,
                              live_seafood=False)
    make_order(buyer_id=buyer, title="保温杯", kind="home", live_seafood=False)
    t = told(buyer, "wrong_item", "颜色发错了 直接转人工", "颜色发错了")
    messages, events = await run(ActionChooseProblem(), t)
    assert responses(messages) == ["utter_pick_order"] and slot(events, "stage") == "picking_order"
    assert any(first in str(b["payload"]) for b in messages[0]["buttons"])


async def test_a_first_message_is_opened_as_the_problem_its_clause_tells_not_the_whole_words_guess(db: str) -> None:
    from tests.factories import make_order

    buyer, order = make_order(title="明朝那些事儿 全套9册", kind="books", unit="套", quantity=1, unit_price_fen=13800,
                              live_seafood=False, shipped_at=None, delivered_at=None)
    t = told(buyer, "missing_item", "那套书到底发货没有啊 付完款四天了一点动静都没有", "付完款四天了一点动静都没有",
             label="late_delivery")
    await run(ActionChooseProblem(), t)
    assert the_buyers_case(buyer) == (order, "late_delivery")


async def test_a_problem_told_anew_instead_of_picking_the_order_opens_as_told(db: str) -> None:
    from tests.factories import make_order

    buyer, slippers = make_order(title="居家棉拖鞋 情侣款", kind="apparel", unit="双", quantity=1, unit_price_fen=5980,
                                 live_seafood=False)
    make_order(buyer_id=buyer, title="去屑洗发水 750ml", kind="beauty", live_seafood=False)
    _messages, events = await run(ActionChooseProblem(), told(buyer, "service_attitude", "你们客服真敷衍"))
    assert slot(events, "stage") == "picking_order"
    t = told(buyer, "wrong_item", "拖鞋发错码了 要40的来了38", slots={"stage": "picking_order"})
    await run(ActionChooseProblem(), t)
    assert the_buyers_case(buyer) == (slippers, "wrong_item")


def test_only_words_that_take_every_remedy_take_the_next_offer_too(monkeypatch) -> None:
    """The offer-taking paths wrap their operation (actions.context.taking_offer); nothing else does."""
    from actions import context
    from outreach.cases.conversation import Step

    taken = Step(kind="executed", case_id=7)
    followed: list[Step] = []

    def the_next_too(step: Step, buyer: str) -> Step:
        followed.append(step)
        return Step(kind="executed", case_id=8)

    monkeypatch.setattr(context.conversation, "accept_next_too", the_next_too)
    plain = context.taking_offer(tracker("b-1", text="好的"), lambda case_id, buyer: taken)
    assert plain(7, "b-1") is taken and not followed
    both = context.taking_offer(tracker("b-1", text="都按规矩退吧"), lambda case_id, buyer: taken)
    assert both(7, "b-1").case_id == 8 and followed == [taken]


async def test_a_person_asked_for_instead_of_the_count_ends_the_form_and_hands_over(db: str) -> None:
    case_id, buyer, _ = make_case("missing_item", quantity=10, unit="本", unit_price_fen=1990, live_seafood=False,
                                  kind="books", title="儿童绘本礼盒 10册")
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}))
    text = "我也说不清少了哪几本，书单上写的跟收到的对不上，麻烦帮我转人工吧"
    at_case = tracker(buyer, slots={"case_id": str(case_id)})
    assert await ValidateQuantityForm().validate_affected_quantity(text, CollectingDispatcher(), at_case, {}) == {
        "affected_quantity": text}  # the form ends: no "how many?" again
    messages, events = await run(
        ActionTakeQuantity(), tracker(buyer, slots={"case_id": str(case_id), "affected_quantity": text}))
    assert SlotSet("affected_quantity", None) in events and ActiveLoop(None) in events
    with session_scope() as session:
        case = session.get(Case, case_id)
        assert (case.status, case.handover_reason) == ("handed_over", "buyer asked for a person")
        assert session.execute(select(func.count(Remedy.id))).scalar_one() == 0


async def test_no_more_contact_asked_instead_of_the_count_ends_the_form_and_opts_out(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=8, unit="只", unit_price_fen=4500)
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}))
    text = "算啦，好煩，唔好再聯絡我"
    at_case = tracker(buyer, slots={"case_id": str(case_id)})
    assert await ValidateQuantityForm().validate_affected_quantity(text, CollectingDispatcher(), at_case, {}) == {
        "affected_quantity": text}  # no "没能看懂" and the count asked again
    _messages, events = await run(
        ActionTakeQuantity(), tracker(buyer, slots={"case_id": str(case_id), "affected_quantity": text}))
    assert SlotSet("affected_quantity", None) in events
    with session_scope() as session:
        assert session.get(Case, case_id).status == "closed"
        assert session.execute(select(OptOut).where(OptOut.buyer_id == buyer)).first() is not None


async def _at_a_coupon_offer() -> tuple[str, dict[str, Any]]:
    """A buyer at the offer of a service problem's coupon (no count in it): the buyer and the slots."""
    case_id, buyer, _ = make_case("service_attitude", quantity=1, unit_price_fen=19900, live_seafood=False,
                                  kind="appliance", title="高速负离子吹风机")
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}))
    return buyer, {"case_id": str(case_id), "stage": "offering", "offer_index": 0}


async def test_a_score_given_to_an_offer_with_no_count_takes_it_and_rates(db: str) -> None:
    from actions.context import in_context

    buyer, offering = await _at_a_coupon_offer()
    low = CollectingDispatcher()
    assert await in_context(low, tracker(buyer, slots=offering, intent="rate", text="2")) is None  # no yes
    dispatcher = CollectingDispatcher()
    events = await in_context(dispatcher, tracker(buyer, slots=offering, intent="rate", text="打4分"))
    assert events is not None and "utter_remedy_done" in responses(dispatcher.messages)
    with session_scope() as session:
        assert session.execute(select(Remedy.rule_id)).scalars().all() == ["service_apology_coupon"]
        assert session.execute(select(Satisfaction.rating)).scalars().all() == [4]


async def test_a_bare_digit_takes_an_offer_only_right_after_a_remedy_was_carried_out(db: str) -> None:
    from actions.context import in_context

    buyer, offering = await _at_a_coupon_offer()
    first = CollectingDispatcher()
    assert await in_context(first, tracker(buyer, slots=offering, intent="rate", text="3")) is None
    after_a_remedy = tracker(buyer, slots=offering, intent="rate", text="3")
    after_a_remedy.events = [  # the bot's turn before: the first problem's remedy, then this offer
        {"event": "user", "text": "可以"},
        {"event": "bot", "text": "已为您办理好了", "metadata": {"utter_action": "utter_remedy_done"}},
        {"event": "bot", "text": "接下来处理", "metadata": {"utter_action": "utter_offer"}},
        {"event": "user", "text": "3"},
    ]
    assert await in_context(CollectingDispatcher(), after_a_remedy) is not None
    with session_scope() as session:
        assert session.execute(select(Satisfaction.rating)).scalars().all() == [3]


async def test_a_buyer_who_writes_only_to_say_all_is_well_is_thanked_and_the_chat_closed_on_its_order(
        db: str) -> None:
    from tests.factories import make_order

    buyer, order = make_order(title="透明玻璃花瓶 30cm", kind="home", unit="个", quantity=1, live_seafood=False)
    text = "你好，就是跟你们说一声，花瓶收到了，包得很仔细，没有任何问题，不用处理，谢谢"
    messages, events = await run(ActionChooseProblem(), tracker(buyer, intent="no_problem", text=text))
    assert responses(messages) == ["utter_glad_all_fine"] and slot(events, "stage") == "closed"
    with session_scope() as session:  # recorded on its order, diagnosed no_problem, nothing to settle or rate
        case = session.execute(select(Case).where(Case.buyer_id == buyer)).scalar_one()
        assert (str(case.id), case.order_id, case.category, case.status) == (
            slot(events, "case_id"), order, "no_problem", "closed")
    # someone not a buyer of the platform: thanked, and nothing is recorded
    messages, events = await run(ActionChooseProblem(), tracker("B-glad", intent="no_problem", text=text))
    assert responses(messages) == ["utter_glad_all_fine"] and events == []


def _stated_offer(buyer: str, case_id: int, text: str, said_before: str = "utter_started_noted",
                  **latest: Any) -> Tracker:
    """The buyer's words answering the offer made straight after their own words told the problem."""
    t = tracker(buyer, intent=latest.pop("intent", "affirm"), text=text,
                slots={"case_id": str(case_id), "stage": "offering", "offer_index": 0})
    t.latest_message.update(latest)
    t.events = [{"event": "user", "text": "杯子碎了两个"},
                {"event": "bot", "text": "…", "metadata": {"utter_action": said_before}},
                {"event": "bot", "text": "…", "metadata": {"utter_action": "utter_offer"}},
                {"event": "user", "text": text}]
    return t


async def _started(title: str = "手工玻璃杯 6只装") -> tuple[str, int]:
    from datetime import timedelta

    from outreach.cases.conversation import raise_problem
    from outreach.store.types import utcnow
    from tests.factories import make_order

    buyer, _ = make_order(title=title, kind="home", unit="个", quantity=6, unit_price_fen=1500, live_seafood=False,
                          shipped_at=utcnow() - timedelta(days=2), delivered_at=utcnow() - timedelta(hours=3))
    step = raise_problem(buyer, "杯子碎了两个", "damaged", confidence=1000)
    assert step.kind == "offer" and "started" in step.extra
    return buyer, step.case_id


async def test_a_yes_to_the_offer_made_at_once_confirms_what_we_understood_and_puts_the_offer_again(
        db: str) -> None:
    from actions.context import in_context

    buyer, case_id = await _started()
    dispatcher = CollectingDispatcher()
    events = await in_context(dispatcher, _stated_offer(buyer, case_id, "对 就是碎了两个"))
    assert responses(dispatcher.messages) == ["utter_stated_confirmed", "utter_offer"]
    assert slot(events, "stage") in (None, "offering")  # (unchanged slots are left out)
    assert remedy_of(case_id) is None and "problem_confirmed" in kinds(case_id)
    # a bare score to the offer put again is the buyer taking it and rating it
    dispatcher = CollectingDispatcher()
    await in_context(dispatcher, _stated_offer(buyer, case_id, "5", said_before="utter_stated_confirmed"))
    assert remedy_of(case_id).amount_fen == 3000
    with session_scope() as session:
        assert session.execute(select(Satisfaction.rating)).scalars().all() == [5]


async def test_words_that_take_the_offer_made_at_once_take_it(db: str) -> None:
    from actions.context import in_context

    buyer, case_id = await _started()
    await in_context(CollectingDispatcher(), _stated_offer(buyer, case_id, "可以"))
    assert remedy_of(case_id).amount_fen == 3000


async def test_a_no_to_what_we_understood_at_the_offer_made_at_once_turns_to_the_problem_named(db: str) -> None:
    from actions.context import in_context

    buyer, case_id = await _started()
    t = _stated_offer(buyer, case_id, "不是 是少了一个 拍了6个只到5个", intent="deny",
                      problem_clauses={"missing_item": "是少了一个 拍了6个只到5个"})
    await in_context(CollectingDispatcher(), t)
    with session_scope() as session:
        assert session.get(Case, case_id).category == "missing_item"
    assert remedy_of(case_id) is None
    # a bare no names nothing: the problem is asked for, nothing declined
    other, other_case = await _started()
    dispatcher = CollectingDispatcher()
    events = await in_context(dispatcher, _stated_offer(other, other_case, "不对", intent="deny"))
    assert responses(dispatcher.messages) == ["utter_ask_problem"] and slot(events, "stage") == "confirming"
    assert "declined" not in kinds(other_case)


async def test_a_short_english_reply_from_a_buyer_who_wrote_chinese_is_read_not_handed_over(db: str) -> None:
    from actions.contact import ActionHandoverLanguage

    case_id, buyer, _ = make_case("spoiled", quantity=1, unit_price_fen=4590)
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}))
    offering = {"case_id": str(case_id), "stage": "offering", "offer_index": 0}
    english = tracker(buyer, slots=offering, intent="other_language", text="ok refund pls")
    english.events = [{"event": "user", "text": "是的 坏了"}, {"event": "user", "text": "ok refund pls"}]
    messages, _ = await run(ActionHandoverLanguage(), english)
    assert "utter_remedy_done" in responses(messages) and "utter_other_language" not in responses(messages)
    with session_scope() as session:
        assert session.execute(select(Remedy.rule_id)).scalars().all() == ["spoiled_share_refund"]
    # a buyer who has written no Chinese is handed to a person who reads their language
    case_id, buyer, _ = make_case("spoiled", quantity=1, unit_price_fen=4590)
    first = tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}, intent="other_language",
                    text="yes")
    first.events = [{"event": "user", "text": "yes"}]
    messages, _ = await run(ActionHandoverLanguage(), first)
    assert "utter_other_language" in responses(messages)


async def test_a_score_among_foreign_words_at_the_rating_question_is_the_rating(db: str) -> None:
    from actions.contact import ActionHandoverLanguage

    case_id, buyer = await settled_at_rating()
    thanks = tracker(buyer, slots={"case_id": str(case_id), "stage": "rating"}, intent="other_language",
                     text="arigatou 5")
    thanks.events = [{"event": "user", "text": "是的 坏了"}, {"event": "user", "text": "arigatou 5"}]
    messages, _ = await run(ActionHandoverLanguage(), thanks)
    assert "utter_other_language" not in responses(messages)
    with session_scope() as session:
        assert session.execute(select(Satisfaction.rating).where(Satisfaction.case_id == case_id)).scalar_one() == 5


async def test_a_calm_question_that_tells_the_problem_asked_about_confirms_it(db: str) -> None:
    from actions.answers import ActionChooseProblem

    case_id, buyer, _ = make_case("late_delivery", quantity=1, unit_price_fen=21900, live_seafood=False,
                                  shipped_at=None, delivered_at=None)
    # the classifier's "no problem" for a calm voice; the words' signs tell the late delivery asked about
    t = tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}, intent="no_problem",
                text="我也不着急哈，就是想问问怎么还没寄过来")
    messages, events = await run(ActionChooseProblem(), t)
    assert "utter_not_understood" not in responses(messages) and slot(events, "stage") == "offering"


async def test_a_slip_owned_up_to_after_keys_pressed_at_random_keeps_the_question(db: str) -> None:
    case_id, buyer, _ = make_case("quality_defect", quantity=1, unit_price_fen=12900, live_seafood=False)
    slots = {"case_id": str(case_id), "stage": "confirming"}
    t = tracker(buyer, slots=slots, intent="no_problem", text="不好意思 刚才娃抢了我手机乱按的")
    t.events = [{"event": "user", "text": "sdfghjkl;;;"},
                {"event": "bot", "text": "抱歉", "metadata": {"utter_action": "utter_not_understood"}},
                {"event": "bot", "text": "想再跟您确认一下", "metadata": {"utter_action": "utter_confirm_again"}},
                {"event": "user", "text": "不好意思 刚才娃抢了我手机乱按的"}]
    messages, events = await run(ActionChooseProblem(), t)
    assert responses(messages)[0] == "utter_ack" and slot(events, "stage") != "closed"
    with session_scope() as session:
        assert session.get(Case, case_id).category == "quality_defect"
    # said with no slip before it, the same words are the classifier's "no problem" to weigh as ever
    t.events = [{"event": "user", "text": "不好意思 刚才娃抢了我手机乱按的"}]
    messages, _ = await run(ActionChooseProblem(), t)
    assert "utter_ack" not in responses(messages)


async def test_a_buyer_who_writes_that_a_worry_was_groundless_is_thanked_on_the_order(db: str) -> None:
    from actions.clarify import ActionClarifyProblem
    from tests.factories import make_order

    buyer, order = make_order(title="硅胶奶瓶 240ml", kind="home", unit="个", quantity=1, live_seafood=False)
    text = "跟你们说下 还以为奶瓶盖子没给 后来在盒子夹层里找到了 没事了 东西挺好的"
    t = tracker(buyer, intent="nlu_fallback", text=text)
    t.latest_message["intent_ranking"] = [{"name": "no_problem", "confidence": 0.4},
                                          {"name": "missing_item", "confidence": 0.35}]
    messages, events = await run(ActionClarifyProblem(), t)
    assert responses(messages) == ["utter_glad_all_fine"] and slot(events, "stage") == "closed"
    with session_scope() as session:
        case = session.execute(select(Case).where(Case.buyer_id == buyer)).scalar_one()
        assert (case.order_id, case.category, case.status) == (order, "no_problem", "closed")


async def test_a_no_that_tells_the_very_problem_asked_about_by_its_signs_confirms_it(db: str) -> None:
    from actions.answers import ActionAnswerNo

    case_id, buyer, _ = make_case("quality_defect", quantity=1, unit_price_fen=4900, live_seafood=False,
                                  kind="electronics", title="充电暖手宝")
    t = tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}, intent="deny", text="不热了👎")
    t.latest_message["problem_clauses"] = {"quality_defect": "不热了👎"}
    messages, events = await run(ActionAnswerNo(), t)
    assert responses(messages)[-1] == "utter_offer" and slot(events, "stage") == "offering"
    # a plain no still asks what the problem is
    other, buyer2, _ = make_case("quality_defect", quantity=1, unit_price_fen=4900, live_seafood=False)
    t = tracker(buyer2, slots={"case_id": str(other), "stage": "confirming"}, intent="deny", text="不是")
    messages, _ = await run(ActionAnswerNo(), t)
    assert responses(messages) == ["utter_ask_problem"]


async def test_a_yes_owned_up_to_as_a_slip_at_the_offer_closes_the_case_with_no_problem(db: str) -> None:
    from actions.context import in_context
    from outreach.cases.conversation import choose_problem

    case_id, buyer, _ = make_case("quality_defect", quantity=1, unit="个", unit_price_fen=2590,
                                  live_seafood=False, kind="electronics", title="电动车LED尾灯")
    step = choose_problem(case_id, buyer, "quality_defect", "confirmed", text="👍")
    slots = {"case_id": str(case_id), "stage": "offering", "offer_index": step.offer_index}
    await in_context(CollectingDispatcher(), tracker(buyer, slots=slots, intent="no_problem",
                                                     text="没事 点错了 灯好着呢"))
    with session_scope() as session:
        case = session.get(Case, case_id)
        assert (case.category, case.status) == ("no_problem", "closed")
        assert session.execute(select(func.count(Remedy.id))).scalar_one() == 0
    # "点错了" alone owns up to a tap, and says nothing of the goods: the offer stands
    case_id, buyer, _ = make_case("missing_item", quantity=4, unit="罐", unit_price_fen=8000, live_seafood=False,
                                  kind="food", title="明前龙井 礼盒 4罐装")
    step = choose_problem(case_id, buyer, "missing_item", "confirmed", text="就3罐")
    slots = {"case_id": str(case_id), "stage": "offering", "offer_index": step.offer_index}
    await in_context(CollectingDispatcher(), tracker(buyer, slots=slots, intent="no_problem", text="点错了"))
    with session_scope() as session:
        assert session.get(Case, case_id).status == "offering"


async def test_a_rating_taken_back_at_the_recommendation_question_is_corrected(db: str) -> None:
    from actions.context import in_context
    from outreach.cases.conversation import choose_problem, choose_remedy, rate

    for said, rating, status in (("啊说错了 是满意 还没到非常的程度", 4, "closed"),
                                 ("不对 其实不太满意 退得太慢了", 2, "handed_over")):
        case_id, buyer, _ = make_case("spoiled", quantity=1, unit="箱", unit_price_fen=4590, live_seafood=False,
                                      kind="fruit", title="贵妃芒 整箱")
        step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="烂了一半")
        choose_remedy(case_id, buyer, "行 直接退款", step.offer_index)
        rate(case_id, buyer, 5)
        dispatcher = CollectingDispatcher()
        events = await in_context(dispatcher, tracker(buyer, slots={"case_id": str(case_id), "stage": "recommending"},
                                                      intent="rate", text=said))
        assert events is not None
        with session_scope() as session:
            assert session.execute(select(Satisfaction.rating).where(Satisfaction.case_id == case_id)).scalar_one() \
                == rating
            assert session.get(Case, case_id).status == status
            kinds = session.execute(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)).scalars().all()
            assert "rating_corrected" in kinds
        said_back = "utter_rating_updated" if rating > 2 else "utter_sorry_low_rating"
        assert responses(dispatcher.messages) == [said_back]
    # a bare number at that question answers it (0-10): no rating is taken back
    assert await in_context(CollectingDispatcher(), tracker(
        buyer, slots={"case_id": str(case_id), "stage": "recommending"}, intent="rate", text="8")) is None


async def test_a_health_reaction_told_instead_of_the_count_ends_the_form_with_a_person(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=2, unit="盒", unit_price_fen=3900, live_seafood=False,
                                  kind="baby", title="婴儿营养米粉 南瓜味 225g")
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}))
    text = "关键是宝宝昨天吃了小半碗 晚上吐了两回 今天还在拉肚子😭 我现在特别怕"
    told = {"health_reaction": "晚上吐了两回 今天还在拉肚子"}
    at_case = tracker(buyer, slots={"case_id": str(case_id)}, text=text)
    at_case.latest_message["problem_clauses"] = told
    assert await ValidateQuantityForm().validate_affected_quantity(text, CollectingDispatcher(), at_case, {}) == {
        "affected_quantity": text}  # no "how many?" again
    taking = tracker(buyer, slots={"case_id": str(case_id), "affected_quantity": text}, text=text)
    taking.latest_message["problem_clauses"] = told
    _messages, events = await run(ActionTakeQuantity(), taking)
    assert SlotSet("affected_quantity", None) in events
    with session_scope() as session:
        case = session.get(Case, case_id)
        assert (case.category, case.status) == ("health_reaction", "handed_over")
        assert session.execute(select(func.count(Remedy.id))).scalar_one() == 0


async def test_a_rating_given_with_the_opt_out_is_recorded_first(db: str) -> None:
    from outreach.cases.conversation import choose_problem, choose_remedy

    case_id, buyer, _ = make_case("quality_defect", quantity=1, unit="台", unit_price_fen=3900, live_seafood=False,
                                  kind="electronics", title="USB桌面小风扇 静音")
    step = choose_problem(case_id, buyer, "quality_defect", "confirmed", text="用了两天就不转了")
    choose_remedy(case_id, buyer, "退吧", step.offer_index)
    await run(ActionOptOut(), tracker(buyer, slots={"case_id": str(case_id), "stage": "rating"},
                                      intent="opt_out", text="给个4分吧，以后就别再发消息问我了"))
    with session_scope() as session:
        assert session.execute(select(Satisfaction.rating).where(Satisfaction.case_id == case_id)).scalar_one() == 4
        assert session.execute(select(OptOut).where(OptOut.buyer_id == buyer)).first() is not None
        assert session.get(Case, case_id).status == "closed"


async def test_a_no_in_dialect_guessed_as_a_yes_denies_the_problem(db: str) -> None:
    case_id, buyer, _ = make_case("damaged", quantity=1, unit="只", unit_price_fen=3500, live_seafood=False,
                                  kind="home", title="玻璃公道杯 300ml")
    messages, _events = await run(ActionAnswerYes(), tracker(
        buyer, slots={"case_id": str(case_id), "stage": "confirming"}, intent="affirm", text="勿是"))
    assert "utter_offer" not in responses(messages)
    with session_scope() as session:
        assert session.execute(select(func.count(Remedy.id))).scalar_one() == 0
        assert session.get(Case, case_id).status != "offering"


async def test_a_buyer_who_thinks_aloud_at_an_offer_gets_what_they_settle_on(db: str) -> None:
    """"退钱的话……嗯……不了，我不要退款" turns the refund down (the next offer is put); "退…不 补吧"
    takes the re-ship, not the refund said first; a picture alone asks for words and the offer stands."""
    case_id, buyer, _ = make_case("spoiled", quantity=1)
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}))
    offering = {"case_id": str(case_id), "stage": "offering", "offer_index": 0}
    messages, _ = await run(ActionAnswerYes(), tracker(buyer, slots=offering, text="[图片]"))
    assert responses(messages)[0] == "utter_media_unseen" and responses(messages)[-1] == "utter_offer"
    weighed = "退钱的话……嗯……不了，我不要退款"
    messages, events = await run(ActionAnswerYes(), tracker(buyer, slots=offering, text=weighed))
    assert responses(messages) == ["utter_offer"] and "补发" in messages[0]["offer_text"]
    assert slot(events, "offer_index") == 1
    with session_scope() as session:
        assert session.execute(select(func.count(Remedy.id))).scalar_one() == 0

    case_id, buyer, _ = make_case("missing_item", quantity=5)
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "confirming"}, text="少1个"))
    await run(ActionAnswerYes(), tracker(buyer, slots={"case_id": str(case_id), "stage": "offering", "offer_index": 0},
                                         text="退…不 补吧"))
    with session_scope() as session:
        rule = session.execute(select(Remedy.rule_id).where(Remedy.case_id == case_id)).scalar_one()
    assert rule == "missing_item_reship"
