"""The conversation moves on from what the buyer already said: details given with a yes, a
remedy named in their own words, shares, off-script questions with the open question kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from outreach.cases.conversation import (
    Step,
    accept,
    answer_question,
    choose_problem,
    choose_remedy,
    correct_affected,
    decline,
    give_affected,
    names_another_order,
    open_question,
)
from outreach.lifecycle.states import CaseStatus
from outreach.rules.loader import rules
from outreach.store.db import session_scope
from outreach.store.models import Case, Remedy
from tests.factories import make_case, make_order


def remedy_of(case_id: int) -> Remedy | None:
    with session_scope() as session:
        return session.execute(select(Remedy).where(Remedy.case_id == case_id)).scalar_one_or_none()


def test_a_yes_with_the_count_confirms_and_offers_without_asking_how_many(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=12, unit="个", unit_price_fen=500, live_seafood=False,
                                  kind="fruit")
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="是的，一箱12个有4个是烂的")
    assert step.kind == "offer" and step.offer.amount_fen == 2000
    assert "4个" in step.message


def test_a_yes_that_also_names_the_remedy_carries_it_out(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=10, unit_price_fen=3980)
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="对，死了3只，直接退款吧")
    assert step.kind == "executed" and remedy_of(case_id).amount_fen == 11940


def test_a_named_remedy_at_the_offer_picks_that_offer_not_the_other(db: str) -> None:
    case_id, buyer, _ = make_case("missing_item", quantity=3, unit="盒", unit_price_fen=8800, live_seafood=False)
    step = choose_problem(case_id, buyer, "missing_item", "confirmed", text="是的，少了1盒")
    assert step.kind == "offer" and step.offer.kind == "reship_share"  # reship is offered first
    step = choose_remedy(case_id, buyer, "不用补发了，直接退钱吧", step.offer_index)
    assert step.kind == "executed"
    remedy = remedy_of(case_id)
    assert (remedy.kind, remedy.amount_fen) == ("refund_share", 8800)


def test_a_remedy_the_rules_do_not_allow_says_so_and_keeps_the_offer(db: str) -> None:
    case_id, buyer, _ = make_case("late_delivery", quantity=1, unit_price_fen=30000, live_seafood=False,
                                  shipped_at=None, delivered_at=None)
    first = choose_problem(case_id, buyer, "late_delivery", "confirmed")
    step = choose_remedy(case_id, buyer, "给我换个新的", first.offer_index)
    assert step.kind == "offer" and step.extra["unavailable"] == "replace" and remedy_of(case_id) is None
    assert choose_remedy(case_id, buyer, "好的", 0) is None  # no remedy named: yes/no decides


def test_half_a_box_is_a_share_and_refunds_half_the_line(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=1, unit="箱", unit_price_fen=12900, live_seafood=False,
                                  kind="fruit", title="麒麟西瓜 整箱")
    choose_problem(case_id, buyer, "spoiled", "confirmed")
    step = give_affected(case_id, buyer, "烂了一半")
    assert step.kind == "offer" and step.offer.amount_fen == 6450 and "一半" in step.message
    accept(case_id, buyer, step.offer_index)
    with session_scope() as session:
        assert session.get(Case, case_id).facts["affected_share"] == "1/2"


def test_out_of_range_amounts_get_the_question_back_with_the_limit(db: str) -> None:
    case_id, buyer, _ = make_case("damaged", quantity=10, unit="个", unit_price_fen=500, live_seafood=False)
    choose_problem(case_id, buyer, "damaged", "confirmed")
    for text, status in (("坏了100个", "too_many"), ("0个", "zero"), ("大部分都碎了", "vague"), ("五星", "none")):
        step = give_affected(case_id, buyer, text)
        assert step.kind == "ask_quantity" and step.extra["invalid"] == status and step.extra["max"] == 10
    assert remedy_of(case_id) is None
    assert give_affected(case_id, buyer, "碎了两个").offer.amount_fen == 1000


def test_off_script_questions_are_answered_from_the_case_and_the_offer_stays_open(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=10, unit_price_fen=3980, trust_badge=False)
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="是的 死了3只")
    timing = answer_question(case_id, buyer, "退款多久到账？", step.offer_index)
    assert rules().timing.original_route in timing
    assert "平台客服" in answer_question(case_id, buyer, "你是机器人吗？")
    assert "签收" in answer_question(case_id, buyer, "快递到哪了？")
    assert "假一赔三" in answer_question(case_id, buyer, "能不能假一赔三？")
    assert answer_question(case_id, buyer, "死了3只") is None
    assert step.message in answer_question(case_id, buyer, "能退多少钱？", step.offer_index)
    again = open_question(case_id, buyer, "offering", step.offer_index)
    assert again.kind == "offer" and again.message == step.message
    assert remedy_of(case_id) is None


def test_whether_every_problem_told_is_taken_up_is_answered_from_the_case(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=10, unit_price_fen=3980, trust_badge=False)
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="是的 死了3只 还少了一只",
                          more={"spoiled": "死了3只", "missing_item": "还少了一只"})
    both = answer_question(case_id, buyer, "这两样都能退吗？", step.offer_index)
    assert "「生鲜变质」" in both and "「少件漏发」" in both
    assert open_question(case_id, buyer, "offering", step.offer_index).message == step.message
    assert remedy_of(case_id) is None
    alone, buyer_alone, _ = make_case("spoiled", quantity=10, unit_price_fen=3980, trust_badge=False)
    step = choose_problem(alone, buyer_alone, "spoiled", "confirmed", text="是的 死了3只")
    one = answer_question(alone, buyer_alone, "另一个问题呢？", step.offer_index)
    assert "这一个问题" in one and "少件漏发" not in one


def test_why_so_little_is_answered_by_the_share_only_where_the_amount_has_one(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=10, unit_price_fen=3980, trust_badge=False)
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="是的 死了3只")
    assert "按受影响的部分计算" in answer_question(case_id, buyer, "为什么只退这么点？", step.offer_index)
    case_id, buyer, _ = make_case("service_attitude", quantity=1, unit_price_fen=26800, live_seafood=False,
                                  kind="apparel", title="真丝印花方巾")
    step = choose_problem(case_id, buyer, "service_attitude", "confirmed")
    coupon = answer_question(case_id, buyer, "就五块钱的券？", step.offer_index)
    assert "5元" in coupon and "受影响" not in coupon and "统一的标准" in coupon
    # a late-shipping compensation offered after the cancellation: its amount is the same for everyone
    case_id, buyer, _ = make_case("late_delivery", quantity=4, unit_price_fen=1500, live_seafood=False,
                                  shipped_at=None, delivered_at=None)
    first = choose_problem(case_id, buyer, "late_delivery", "confirmed")
    second = decline(case_id, buyer, first.offer_index)
    assert second.offer.kind == "compensation_percent"
    late = answer_question(case_id, buyer, "就5块钱？", second.offer_index)
    assert "统一的标准" in late and "受影响" not in late


def test_how_long_an_offer_a_person_must_check_takes_names_the_review_first(db: str) -> None:
    case_id, buyer, _ = make_case("counterfeit", quantity=1, unit_price_fen=18900, live_seafood=False,
                                  kind="beauty", trust_badge=True)
    step = choose_problem(case_id, buyer, "counterfeit", "confirmed")
    assert step.offer.needs_approval
    answer = answer_question(case_id, buyer, "核实要多久？", step.offer_index)
    assert rules().timing.review in answer and answer.index(rules().timing.review) < answer.index("通过后")
    # an offer carried out at once says only its own timing
    case_id, buyer, _ = make_case("spoiled", quantity=10, unit_price_fen=3980, trust_badge=False)
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="是的 死了3只")
    assert rules().timing.review not in answer_question(case_id, buyer, "多久到账？", step.offer_index)


def test_after_the_remedy_the_timing_answer_names_it(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=10, unit_price_fen=3980, trust_badge=False)
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="是的 死了3只")
    accept(case_id, buyer, step.offer_index)
    answer = answer_question(case_id, buyer, "钱什么时候能到？")
    assert "已办理" in answer and rules().timing.original_route in answer
    assert "已经办理好了" in answer_question(case_id, buyer, "退款办好了吗？")


def test_a_count_corrected_in_the_confirming_words_is_the_one_offered(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=8, unit="个", unit_price_fen=1000, live_seafood=False,
                                  kind="fruit")
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="对 坏了3个 哦不 是4个",
                          more={"spoiled": "坏了3个"})
    assert step.kind == "offer" and step.offer.amount_fen == 4000
    # the count denied at the end ("是三袋不是两袋"), outside the clauses that name the problem
    case_id, buyer, _ = make_case("spoiled", quantity=4, unit="袋", unit_price_fen=3500, live_seafood=False,
                                  kind="food")
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="两袋胀了 等下 底下那袋也鼓了 是三袋不是两袋",
                          more={"spoiled": "两袋胀了 底下那袋也鼓了"})
    assert step.kind == "offer" and step.offer.amount_fen == 10500


def test_a_count_above_the_order_at_the_confirmation_asks_back_naming_the_limit(db: str) -> None:
    case_id, buyer, _ = make_case("damaged", quantity=12, unit="个", unit_price_fen=300, live_seafood=False)
    step = choose_problem(case_id, buyer, "damaged", "confirmed", text="是的 碎了30个")
    assert step.kind == "ask_quantity" and (step.extra["invalid"], step.extra["max"]) == ("too_many", 12)
    assert remedy_of(case_id) is None


def test_a_count_recounted_at_the_offer_replaces_the_first(db: str) -> None:
    from outreach.cases.conversation import correct_affected

    case_id, buyer, _ = make_case("damaged", quantity=6, unit="个", unit_price_fen=1000, live_seafood=False)
    step = choose_problem(case_id, buyer, "damaged", "confirmed", text="碎了3个")
    assert step.offer.amount_fen == 3000
    step = correct_affected(case_id, buyer, "仔细数过了 裂开的其实只有2个 另外那个就是有点划痕", step.offer_index)
    assert step.kind == "offer" and step.offer.amount_fen == 2000


def test_a_changed_mind_in_one_message_takes_the_last_choice_not_the_worry(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=6, unit="个", unit_price_fen=1000, live_seafood=False,
                                  kind="fruit")
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="坏了2个")
    step = choose_remedy(case_id, buyer, "重新发吧 算了 还是退钱 免得补过来还是烂的", step.offer_index)
    assert step.kind == "executed" and remedy_of(case_id).kind == "refund_share"


def test_a_replacement_asked_as_another_colour_is_taken(db: str) -> None:
    case_id, buyer, _ = make_case("wrong_item", quantity=1, unit="件", unit_price_fen=9900, live_seafood=False,
                                  kind="apparel", title="纯棉T恤 白色 L")
    step = choose_problem(case_id, buyer, "wrong_item", "confirmed", text="发成黑色了")
    step = choose_remedy(case_id, buyer, "换白色的", step.offer_index)
    assert step.kind == "executed" and remedy_of(case_id).kind in ("reship_full", "reship_share")


@pytest.mark.parametrize(("question", "words"), [
    ("钱大概几天能到我卡上", ("工作日", "到账", "原路")),
    ("退的钱是回到支付宝吗", ("原路",)),
    ("包裹现在在哪", ("包裹", "运输")),
    ("可以退货退款吗", ("退货退款", "寄回")),
    ("退货行不行", ("退货退款", "寄回")),
])
def test_off_script_questions_asked_in_other_words_are_answered(db: str, question: str,
                                                                 words: tuple[str, ...]) -> None:
    from datetime import timedelta

    from outreach.store.types import utcnow

    case_id, buyer, _ = make_case("damaged", quantity=2, unit="个", unit_price_fen=2500, live_seafood=False,
                                  delivered_at=None, shipped_at=utcnow() - timedelta(days=1))
    step = choose_problem(case_id, buyer, "damaged", "confirmed", text="碎了1个")
    answer = answer_question(case_id, buyer, question, step.offer_index or 0)
    assert answer is not None and any(word in answer for word in words), answer


def test_none_affected_after_all_at_the_quantity_question_closes_the_case(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=5, unit="斤", unit_price_fen=598, live_seafood=False,
                                  kind="fruit")
    assert choose_problem(case_id, buyer, "spoiled", "confirmed", text="嗯 好像有几根黑了").kind == "ask_quantity"
    step = give_affected(case_id, buyer, "哦我刚剥开看了 是熟透了 里面好好的 能吃 不用处理了")
    assert step.kind == "no_problem" and remedy_of(case_id) is None
    with session_scope() as session:
        case = session.get(Case, case_id)
        assert (case.status, case.category) == (CaseStatus.CLOSED, "no_problem")


def test_an_answer_with_no_amount_that_is_not_fine_is_asked_again(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=5, unit="斤", unit_price_fen=598, live_seafood=False,
                                  kind="fruit")
    choose_problem(case_id, buyer, "spoiled", "confirmed")
    step = give_affected(case_id, buyer, "不能吃了")
    assert step.kind == "ask_quantity" and remedy_of(case_id) is None


def test_a_weighing_corrected_at_the_offer_is_worked_out_again(db: str) -> None:
    from outreach.cases.conversation import correct_affected

    case_id, buyer, _ = make_case("not_as_described", quantity=2, unit="斤", unit_price_fen=6800,
                                  live_seafood=False, kind="food", title="风干牛肉干 散称 2斤",
                                  promises=["weight_guarantee"])
    step = choose_problem(case_id, buyer, "not_as_described", "confirmed", text="是的 称了只有1斤6两")
    assert step.kind == "offer" and step.offer.amount_fen == 2720  # 4两 short of 2斤: 20 %
    step = correct_affected(case_id, buyer, "哦 看错了 秤上是1斤7两", step.offer_index)
    assert step is not None and step.kind == "offer" and step.offer.amount_fen == 2040  # 15 %
    # taken back with no word of weighing, only the weight said again
    step = correct_affected(case_id, buyer, "哎不对 刚才连盆一块儿减错了 是1斤8两", step.offer_index)
    assert step is not None and step.kind == "offer" and step.offer.amount_fen == 1360  # 10 %
    # the weight typed with a slip ("只有1今9两": 今 for 斤), read as meant
    step = correct_affected(case_id, buyer, "不对不对 刚才是连盆一起称得 去掉盆只有1今9两", step.offer_index)
    assert step is not None and step.kind == "offer" and step.offer.amount_fen == 680  # 5 %


def test_a_share_told_of_one_piece_the_words_count_is_that_piece(db: str) -> None:
    case_id, buyer, _ = make_case("damaged", quantity=3, unit="台", unit_price_fen=9900, live_seafood=False,
                                  kind="digital", title="迷你电炖锅 0.8升")
    step = choose_problem(case_id, buyer, "damaged", "confirmed", text="是的 三个电炖锅 其中一个 那个陶瓷内胆裂了一半",
                          more={"damaged": "那个陶瓷内胆裂了一半"})
    assert step.kind == "offer" and step.offer.amount_fen == 9900  # the one pot, not half the line


def test_a_remedy_turned_down_in_the_words_that_ask_something_else_is_not_taken(db: str) -> None:
    case_id, buyer, _ = make_case("missing_item", quantity=2, unit="个", unit_price_fen=1290, live_seafood=False,
                                  kind="digital")
    step = choose_problem(case_id, buyer, "missing_item", "confirmed", text="是的 少了一个")
    from outreach.cases.conversation import decline

    step = decline(case_id, buyer, step.offer_index)  # "不要补发"
    assert step.kind == "offer" and step.offer.kind == "refund_share"
    step = choose_remedy(case_id, buyer, "退钱也不要 我要个说法", step.offer_index)
    assert step is not None and step.kind == "handover" and remedy_of(case_id) is None


def test_told_to_go_ahead_at_the_confirmation_submits_what_a_person_must_check(db: str) -> None:
    from outreach.store.models import Approval

    case_id, buyer, _ = make_case("counterfeit", quantity=1, unit_price_fen=69900, live_seafood=False,
                                  kind="apparel")
    step = choose_problem(case_id, buyer, "counterfeit", "confirmed", text="那好那你就给我提交吧")
    assert step.kind == "pending_approval"  # waits for a person's verification; nothing paid yet
    with session_scope() as session:
        assert session.execute(select(Approval).where(Approval.case_id == case_id)).scalar_one_or_none() is not None
    other, buyer2, _ = make_case("damaged", quantity=2, unit_price_fen=1000, live_seafood=False, kind="home")
    assert choose_problem(other, buyer2, "damaged", "confirmed", text="是的 碎了1个 那就提交吧").kind == "offer"


def test_a_recount_stated_with_its_reason_and_then_agreed_to_is_carried_out(db: str) -> None:
    from outreach.cases.conversation import correct_affected

    case_id, buyer, _ = make_case("spoiled", quantity=24, unit="只", unit_price_fen=250, kind="seafood")
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="是的，死了5个")
    assert step.offer.amount_fen == 1250
    step = correct_affected(case_id, buyer, "等一下，我又数了一遍，死的是6个，刚才漏了一个", step.offer_index)
    assert step.kind == "offer" and step.offer.amount_fen == 1500  # the 6 stated, not the 1 of the reason
    assert correct_affected(case_id, buyer, "对，6个", step.offer_index) is None  # nothing new
    done = correct_affected(case_id, buyer, "不对 是7个，可以了", step.offer_index)
    assert done.kind == "executed" and remedy_of(case_id).amount_fen == 1750


def test_a_refused_remedy_with_its_count_is_no_recount(db: str) -> None:
    from outreach.cases.conversation import correct_affected

    case_id, buyer, _ = make_case("damaged", quantity=1, unit="个", unit_price_fen=12800, live_seafood=False)
    step = choose_problem(case_id, buyer, "damaged", "confirmed", text="是的，缸底裂了一条缝")
    assert correct_affected(case_id, buyer, "补发一个也不要，我的鱼都死了", step.offer_index) is None


def test_a_where_is_my_parcel_question_about_a_late_order_is_answered_but_its_complaint_is_not(db: str) -> None:
    from datetime import timedelta

    from outreach.store.types import utcnow

    case_id, buyer, _ = make_case("late_delivery", quantity=1, unit="个", unit_price_fen=29900, live_seafood=False,
                                  shipped_at=utcnow() - timedelta(days=2), delivered_at=None)
    assert "运输途中" in answer_question(case_id, buyer, "我的快递现在到哪了？", 0, "confirming")
    assert answer_question(case_id, buyer, "怎么还没到？", 0, "confirming") is None
    assert answer_question(case_id, buyer, "四天了 连个快递单号都没有 是不是压根没货", 0, "confirming") is None


def test_a_refund_that_takes_the_goods_back_is_not_what_a_buyer_keeping_them_asked_for(db: str) -> None:
    case_id, buyer, _ = make_case("wrong_item", quantity=1, unit="双", unit_price_fen=2990, live_seafood=False,
                                  kind="apparel", title="居家棉拖鞋 40-41码")
    step = choose_problem(case_id, buyer, "wrong_item", "confirmed", text="是的 来的36码")
    kept = choose_remedy(case_id, buyer, "错的我留着凑合穿 退我一半钱就行", step.offer_index)
    assert kept.kind == "offer" and kept.extra.get("unavailable") == "refund" and remedy_of(case_id) is None


def test_harm_to_a_body_told_at_the_count_question_goes_to_a_person(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=2, unit="盒", unit_price_fen=5900, live_seafood=False,
                                  kind="food")
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="是的 一打开就有股酸臭味")
    assert step.kind == "ask_quantity"
    step = give_affected(case_id, buyer, "两盒都有味 我老公昨晚吃了几只 半夜上吐下泻 现在还在医院挂水")
    assert step.kind == "handover" and remedy_of(case_id) is None


def test_a_buyer_who_names_the_goods_of_one_order_is_not_asked_to_pick_it() -> None:
    from outreach.cases.conversation import orders_named

    orders = [("O-1", "补水面膜 玻尿酸精华 25片/盒"), ("O-2", "原木抽纸 3层 100抽 24包")]
    assert orders_named("你好 我买的面膜少了一盒 下单三盒只收到两盒", orders) == [orders[0]]
    assert orders_named("东西少了一盒", orders) == []


def test_who_pays_postage_asked_before_the_offer_is_answered_for_the_first_offer(db: str) -> None:
    case_id, buyer_id, _ = make_case("spoiled", quantity=12)
    choose_problem(case_id, buyer_id, None, "confirmed")  # the count question is open
    assert "不产生运费" in answer_question(case_id, buyer_id, "坏的要不要寄回去啊", 0, "asking_quantity")
    case_id, buyer_id, _ = make_case("quality_defect", quantity=1)
    assert "商家承担" in answer_question(case_id, buyer_id, "坏的要寄回去吗", 0, "confirming")


def test_one_piece_inside_a_box_the_title_counts_is_a_share_of_the_box(db: str) -> None:
    case_id, buyer_id, _ = make_case("spoiled", title="阳澄湖大闸蟹礼盒 4对8只 鲜活现捆", quantity=1, unit="盒",
                                     unit_price_fen=39800, kind="seafood", live_seafood=True)
    step = choose_problem(case_id, buyer_id, None, "confirmed", text="死了一只 还有啥好说的")
    assert step.kind == "offer" and step.offer.amount_fen == 4975  # 398.00 x 1/8, not the whole box


def test_a_timing_question_naming_another_remedy_is_answered_for_that_remedy(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=4, unit="盒", unit_price_fen=3500, kind="fruit",
                                  live_seafood=False, trust_badge=False, title="怒江蓝莓 125g/盒 4盒装")
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="是的 坏了两盒")
    assert step.offer.kind == "refund_share"
    reship = answer_question(case_id, buyer, "补发的话要多久能到", step.offer_index)
    assert "48 小时" in reship and rules().timing.original_route not in reship
    assert rules().timing.original_route in answer_question(case_id, buyer, "退款几天到账", step.offer_index)


def test_the_order_given_up_is_its_cancellation_only_where_it_can_be_cancelled(db: str) -> None:
    """"算了 不要了" at an unshipped order's cancellation takes it; where nothing can be cancelled it
    chooses nothing (the yes or no reading decides)."""
    from datetime import timedelta

    from outreach.store.types import utcnow

    case_id, buyer, _ = make_case("late_delivery", quantity=1, unit_price_fen=8900, live_seafood=False,
                                  paid_at=utcnow() - timedelta(days=3), shipped_at=None, delivered_at=None)
    first = choose_problem(case_id, buyer, "late_delivery", "confirmed")
    assert first.kind == "offer" and first.offer.kind == "cancel_refund"
    step = choose_remedy(case_id, buyer, "算了 不要了", first.offer_index)
    assert step.kind == "executed" and remedy_of(case_id).kind == "cancel_refund"

    case_id, buyer, _ = make_case("spoiled", quantity=1, unit_price_fen=8900, live_seafood=False, kind="fruit")
    first = choose_problem(case_id, buyer, "spoiled", "confirmed")
    assert choose_remedy(case_id, buyer, "算了 不要了", first.offer_index) is None


def test_returning_the_goods_asked_before_the_amount_is_answered_without_a_sum(db: str) -> None:
    """"能不能直接退货退款啊" at the quantity question: the refund needs no return, said without a sum
    the buyer has not given yet."""
    case_id, buyer, _ = make_case("damaged", quantity=6, unit="瓶", unit_price_fen=8800, live_seafood=False,
                                  kind="drinks")
    step = choose_problem(case_id, buyer, "damaged", "confirmed")
    assert step.kind == "ask_quantity"
    answer = answer_question(case_id, buyer, "能不能直接退货退款啊", 0, "asking_quantity")
    assert answer is not None and "不需要寄回" in answer and "按受影响的部分退款" in answer and "元" not in answer


def test_the_good_ones_counted_at_the_confirmation_make_the_rest_the_harm(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=10, unit="个", unit_price_fen=399, live_seafood=False,
                                  kind="fruit")
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="是的 10个就剩3个是好的 其他都坏了")
    assert step.kind == "offer" and step.offer.amount_fen == 2793  # 39.90 x 7/10


def test_the_share_an_offer_stands_on_said_again_while_refusing_it_is_no_correction(db: str) -> None:
    from outreach.cases.conversation import correct_affected

    case_id, buyer, _ = make_case("damaged", quantity=1, unit="盒", unit_price_fen=8800, live_seafood=False,
                                  kind="fruit")
    step = choose_problem(case_id, buyer, "damaged", "confirmed", text="是的 压扁了一半")
    assert step.offer.amount_fen == 4400
    # "只退一半我不接受" refuses the half; it corrects nothing (it had been offered again, unchanged)
    assert correct_affected(case_id, buyer, "不要 只退一半我不接受", step.offer_index) is None
    step = correct_affected(case_id, buyer, "不对 应该是三分之一", step.offer_index)
    assert step is not None and step.offer.amount_fen == 2933


def _rot_and_short_weight(told: str, rot: str, short: str) -> tuple[int, str, Step]:
    """Ten jin of oranges (足斤足两), some rotten and the box short, told at the confirmation."""
    case_id, buyer, _ = make_case("spoiled", quantity=10, unit="斤", unit_price_fen=599, kind="fruit",
                                  live_seafood=False, promises=["fresh_rot_refund", "weight_guarantee"],
                                  title="赣南脐橙 10斤装")
    step = choose_problem(case_id, buyer, None, "confirmed", text=told,
                          more={"spoiled": rot, "not_as_described": short})
    return case_id, buyer, step


def test_a_short_weight_told_beside_rot_keeps_the_act_of_weighing_for_its_turn(db: str) -> None:
    case_id, buyer, step = _rot_and_short_weight("是哩 烂了2斤左右 还有我放秤上称了一下 整箱才9斤 说好的10斤",
                                                 "烂了2斤左右", "整箱才9斤")
    assert step.offer.amount_fen == 1198
    following = accept(case_id, buyer, step.offer_index).extra["next"]
    # "整箱才9斤" alone is no weighing; "我放秤上称了一下" said apart makes it one (a person had been called)
    assert following.kind == "offer" and following.offer.rule_id == "short_weight_refund"
    assert following.offer.amount_fen == 599


def test_a_further_problem_told_of_another_order_is_that_order_s_own_case(db: str) -> None:
    from tests.factories import make_order

    case_id, buyer, strawberries = make_case("spoiled", quantity=1, unit="盒", unit_price_fen=8990, kind="fruit",
                                             live_seafood=False, promises=["fresh_rot_refund"],
                                             title="丹东99红颜草莓 3斤礼盒")
    _, cherries = make_order(buyer_id=buyer, title="智利车厘子 JJ级 2斤", kind="fruit", unit_price_fen=13800,
                             quantity=1, unit="盒", live_seafood=False, shipped_at=None, delivered_at=None,
                             promised_ship_hours=48)
    told = "是 一盒草莓烂了三分之一 软趴趴的 还有我前天拍的车厘子 到现在都没发货 说好48小时的"
    step = choose_problem(case_id, buyer, None, "confirmed", text=told,
                          more={"spoiled": "一盒草莓烂了三分之一", "late_delivery": "到现在都没发货"})
    assert step.offer.amount_fen == 2997
    following = accept(case_id, buyer, step.offer_index).extra["next"]
    assert following.kind == "offer" and following.extra["order_title"] == "智利车厘子 JJ级 2斤"
    with session_scope() as session:
        case = session.get(Case, following.case_id)
        assert (case.order_id, case.category) == (cherries, "late_delivery") and cherries != strawberries


def test_another_order_named_a_few_clauses_before_its_problem_is_that_order_s(db: str) -> None:
    from tests.factories import make_order

    case_id, buyer, _ = make_case("spoiled", quantity=1, unit="盒", unit_price_fen=12800, kind="seafood",
                                  live_seafood=False, title="挪威冰鲜三文鱼中段 刺身级 500g")
    from datetime import timedelta

    from outreach.store.types import utcnow

    _, masks = make_order(buyer_id=buyer, title="补水面膜 玻尿酸精华 25片/盒", kind="cosmetics", unit_price_fen=6900,
                          quantity=2, unit="盒", live_seafood=False, shipped_at=utcnow() - timedelta(days=2),
                          delivered_at=utcnow() - timedelta(hours=6))
    told = "对 三文鱼已经臭了 还有我同一天收到的另外一单面膜 拍了两盒 就来了一盒 少了一盒"
    step = choose_problem(case_id, buyer, None, "confirmed", text=told,
                          more={"spoiled": "三文鱼已经臭了", "missing_item": "就来了一盒 少了一盒"})
    following = accept(case_id, buyer, step.offer_index).extra["next"]
    with session_scope() as session:
        case = session.get(Case, following.case_id)
        assert (case.order_id, case.category) == (masks, "missing_item")


def test_words_that_take_every_remedy_take_the_next_problem_s_offer_too(db: str) -> None:
    from outreach.cases.conversation import accept_next_too

    case_id, buyer, step = _rot_and_short_weight(
        "是的 烂了2斤 另外我觉得分量也不对 拿家里的秤称了一下 整箱连烂的一起才8斤6两 说好的10斤呢",
        "烂了2斤", "我觉得分量也不对 说好的10斤呢")
    assert step.offer.amount_fen == 1198  # "分量也不对" is the complaint, not a correction of the 2斤
    both = accept_next_too(accept(case_id, buyer, step.offer_index), buyer)
    following = both.extra["next"]
    assert following.kind == "executed" and following.extra["label_zh"] == "货不对板"
    with session_scope() as session:
        paid = session.execute(select(Remedy.rule_id, Remedy.amount_fen).order_by(Remedy.id)).all()
    assert [tuple(row) for row in paid][-2:] == [("spoiled_share_refund", 1198), ("short_weight_refund", 839)]


def test_the_last_offer_turned_down_by_name_with_a_remedy_not_given_goes_to_a_person(db: str) -> None:
    case_id, buyer, _ = make_case("wrong_item", quantity=1, unit="个", unit_price_fen=8900, live_seafood=False,
                                  kind="electronics")
    first = choose_problem(case_id, buyer, "wrong_item", "confirmed", text="对 要的白色 来的是黑色")
    last = decline(case_id, buyer, first.offer_index)
    assert last.kind == "offer" and last.offer.kind == "refund_full"
    step = choose_remedy(case_id, buyer, "refund也不要 要个说法", last.offer_index)
    assert step.kind == "handover" and remedy_of(case_id) is None


def test_a_count_of_goods_sold_by_the_kuai_is_no_sum_of_money(db: str) -> None:
    case_id, buyer, _ = make_case("missing_item", quantity=60, unit="块", unit_price_fen=148, live_seafood=False,
                                  kind="stationery", title="绘图橡皮 60块")
    first = choose_problem(case_id, buyer, "missing_item", "confirmed", text="是的，少了12块")
    assert first.kind == "offer" and first.offer.kind == "reship_share"
    step = choose_remedy(case_id, buyer, "少的那12块退钱就行，不用补发", first.offer_index)
    assert step.kind == "executed" and remedy_of(case_id).amount_fen == 1776


def test_words_that_name_the_goods_of_another_order_are_told_apart(db: str) -> None:
    case_id, buyer, _ = make_case("quality_defect", quantity=1, unit="台", unit_price_fen=15900, live_seafood=False,
                                  kind="electronics", title="老人便携收音机 插卡大音量")
    make_order(buyer_id=buyer, title="20000毫安充电宝 快充", kind="electronics", unit_price_fen=9900, quantity=1,
               unit="个", live_seafood=False)
    assert names_another_order(case_id, buyer, "前天那单是吧……不对 前天到的是充电宝 收音机是上礼拜到的")
    assert not names_another_order(case_id, buyer, "对 收音机开不了机")


def test_when_a_reship_on_offer_goes_out_is_its_timing_not_where_the_order_is(db: str) -> None:
    case_id, buyer, _ = make_case("missing_item", quantity=4, unit="袋", unit_price_fen=2450, live_seafood=False)
    step = choose_problem(case_id, buyer, "missing_item", "confirmed", text="是的 少了一袋")
    assert step.offer.kind == "reship_share"
    answer = answer_question(case_id, buyer, "补发的话几天能发出来", step.offer_index)
    assert "48" in answer and "签收" not in answer


def test_the_open_offer_turned_down_by_name_is_told_apart(db: str) -> None:
    from outreach.cases.conversation import refuses_open_offer

    case_id, buyer, _ = make_case("late_delivery", quantity=2, unit_price_fen=3980, live_seafood=False,
                                  shipped_at=None, delivered_at=None)
    step = choose_problem(case_id, buyer, "late_delivery", "confirmed")
    assert step.offer.kind == "cancel_refund"
    assert refuses_open_offer(case_id, buyer, "取消么…算了算了，还是等他发好了，有补偿吗？", step.offer_index)
    assert not refuses_open_offer(case_id, buyer, "补发就算了", step.offer_index)


def test_money_asked_for_while_the_cancellation_is_turned_down_takes_the_compensation(db: str) -> None:
    case_id, buyer, _ = make_case("late_delivery", quantity=1, unit_price_fen=15900, live_seafood=False,
                                  shipped_at=None, delivered_at=None)
    first = choose_problem(case_id, buyer, "late_delivery", "confirmed")
    assert first.offer.kind == "cancel_refund"
    step = choose_remedy(case_id, buyer, "不取消 我还等着穿呢 你们赔钱就行", first.offer_index)
    assert step.kind == "executed" and remedy_of(case_id).kind == "compensation_percent"



def test_the_offers_own_sum_said_back_is_no_new_count(db: str) -> None:
    """"那好吧 就退这33" of a 33-yuan offer on six glasses takes the sum, it counts no 33 glasses; a count
    told ("不对 是4只") still corrects the offer."""
    case_id, buyer, _ = make_case("damaged", quantity=6, unit="只", unit_price_fen=1650, live_seafood=False,
                                  kind="home")
    step = choose_problem(case_id, buyer, "damaged", "confirmed", text="是的 碎了2只")
    assert step.kind == "offer" and step.offer.amount_fen == 3300
    assert correct_affected(case_id, buyer, "那好吧 就退这33", step.offer_index) is None
    assert correct_affected(case_id, buyer, "得嘞 就33元", step.offer_index) is None
    again = correct_affected(case_id, buyer, "不对 是4只", step.offer_index)
    assert again is not None and again.offer.amount_fen == 6600
