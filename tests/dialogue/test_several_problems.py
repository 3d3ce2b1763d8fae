"""Several problems in one message are handled one after another, each in its own recorded case."""

from __future__ import annotations

from fractions import Fraction

import pytest
from sqlalchemy import select

from outreach.cases.conversation import accept, choose_problem
from outreach.store.db import session_scope
from outreach.store.models import Case, CaseEvent, Remedy
from tests.factories import make_case


def test_a_wrong_colour_and_a_late_shipment_are_settled_one_after_the_other(db: str) -> None:
    from datetime import timedelta

    from outreach.store.types import utcnow

    now = utcnow()
    case_id, buyer, order = make_case("wrong_item", quantity=1, unit_price_fen=19900, kind="apparel",
                                      live_seafood=False, paid_at=now - timedelta(days=6),
                                      shipped_at=now - timedelta(days=2), delivered_at=now - timedelta(hours=3))
    step = choose_problem(case_id, buyer, "wrong_item", "corrected", text="颜色发错了，而且晚了三天才发货",
                          more=["wrong_item", "late_delivery"])
    assert step.kind == "offer" and step.offer.rule_id == "wrong_item_reship"
    done = accept(case_id, buyer, step.offer_index)
    following = done.extra["next"]
    assert done.kind == "executed" and done.extra["ask_rating"] is False
    assert following.kind == "offer" and following.offer.rule_id == "late_ship_compensation"
    assert following.case_id != case_id and following.extra["label_zh"]
    last = accept(following.case_id, buyer, following.offer_index)
    assert last.kind == "executed" and "next" not in last.extra
    with session_scope() as session:
        cases = session.execute(select(Case).where(Case.order_id == order).order_by(Case.id)).scalars().all()
        assert [(c.category, c.status) for c in cases] == [("wrong_item", "closed"), ("late_delivery", "resolved")]
        rules = session.execute(select(Remedy.rule_id).order_by(Remedy.id)).scalars().all()
        assert rules == ["wrong_item_reship", "late_ship_compensation"]
        noted = session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                        CaseEvent.kind == "more_problems")).scalars().all()
        assert len(noted) == 2  # named, then handed on to the next case


def test_a_health_reaction_named_with_a_yes_goes_to_a_person_first(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=2)
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="是的 鱼有点臭 我老公吃了以后上吐下泻",
                          more=["spoiled", "health_reaction"])
    assert step.kind == "handover"
    with session_scope() as session:
        case = session.get(Case, case_id)
        assert (case.category, case.status) == ("health_reaction", "handed_over")


def test_another_word_for_the_state_of_the_same_goods_is_not_a_second_problem(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=1, unit="袋", unit_price_fen=3990, live_seafood=False,
                                  kind="food", title="速冻馄饨 800g")
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="对 解冻了三分之一 馄饨全黏成一团了",
                          more={"spoiled": "解冻了三分之一", "quality_defect": "馄饨全黏成一团了"})
    done = accept(case_id, buyer, step.offer_index)
    assert done.kind == "executed" and "next" not in done.extra
    with session_scope() as session:
        assert "more_problems" not in (session.get(Case, case_id).facts or {})


def test_as_many_pieces_come_as_were_bought_is_no_missing_goods_beside_another_problem(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=1, unit="盒", unit_price_fen=12800, live_seafood=False,
                                  kind="seafood", title="冰鲜三文鱼中段 500g")
    choose_problem(case_id, buyer, "spoiled", "confirmed", text="对 臭了 一盒就来了一盒 我也只要一盒",
                   more={"spoiled": "臭了", "missing_item": "一盒就来了一盒"})
    with session_scope() as session:
        assert "more_problems" not in (session.get(Case, case_id).facts or {})
    short_id, short_buyer, _ = make_case("spoiled", quantity=3, unit="盒", unit_price_fen=12800, live_seafood=False,
                                         kind="seafood", title="冰鲜三文鱼中段 500g")
    choose_problem(short_id, short_buyer, "spoiled", "confirmed", text="对 臭了一盒 三盒就来了两盒",
                   more={"spoiled": "臭了一盒", "missing_item": "三盒就来了两盒"})
    with session_scope() as session:
        waiting = session.get(Case, short_id).facts.get("more_problems")
        assert [item["label"] for item in waiting] == ["missing_item"]


def test_clauses_name_problems_surely_and_not_from_yes_words_or_insults() -> None:
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser

    diagnoser = load_diagnoser()
    assert diagnoser.diagnose("是啊是啊").confidence >= 0.7  # the model alone would name a problem here
    assert set(clause_problems(diagnoser, "是啊是啊 碎了两个")) == {"damaged"}
    assert "health_reaction" not in clause_problems(diagnoser, "发错尺码了 你们眼睛长哪里去了")
    assert "health_reaction" in clause_problems(diagnoser, "是的 狗吃了以后一直拉肚子 已经去宠物医院了")
    # every clause naming a problem is kept with it: together they say which price problem it is
    price = clause_problems(diagnoser, "杯子碎了一个 而且结账时满减没减 多付了15块")
    assert price["price_issue"] == "结账时满减没减 多付了15块"
    # what was bought, told as a count, is the measure of what is missing, not a wrong item
    assert set(clause_problems(diagnoser, "哦 是这样 我买的三副 盒子里就只有两副")) == {"missing_item"}
    # Cantonese "成袋冇晒气" (the bag lost all its air) is how the shrimp died, not goods missing
    assert set(clause_problems(diagnoser, "系啊 死咗一斤 成袋冇晒气")) == {"spoiled"}
    # how the money was paid names no fault of the goods; a health effect that never came is the claim's
    assert set(clause_problems(diagnoser, "对 扣了我两次钱 微信一次银行卡一次 都是139")) == {"price_issue"}
    assert "health_reaction" not in clause_problems(diagnoser, "物流看得我头晕")
    claim = ("直播间那个主播讲这个纳豆激酶吃了能通血管 还说可以代替降压药 "
             "我七十多了就信了 吃了一个月天天量血压一点变化都没有")
    assert set(clause_problems(diagnoser, claim)) == {"not_as_described"}


def test_one_message_that_picks_a_remedy_for_each_problem_settles_both_as_picked(db: str) -> None:
    from outreach.cases.conversation import choose_remedy

    case_id, buyer, order = make_case("damaged", quantity=6, unit="个", unit_price_fen=1500, live_seafood=False,
                                      kind="home", title="玻璃水杯 6个装")
    step = choose_problem(case_id, buyer, "damaged", "confirmed", text="是的 碎了两个 还少了一个",
                          more={"damaged": "碎了两个", "missing_item": "少了一个"})
    assert step.kind == "offer" and step.offer.rule_id == "damaged_share_refund"
    # the last remedy named is the re-ship, but it is for the missing glass: the broken ones get the money
    clauses = [{"remedy": "refund", "problems": {"damaged": 0.45, "quality_defect": 0.3, "missing_item": 0.02}},
               {"remedy": "reship", "problems": {"damaged": 0.05, "missing_item": 0.76}}]
    done = choose_remedy(case_id, buyer, "碎了的退钱 少了的补一个", step.offer_index, remedies=clauses)
    assert done.kind == "executed" and done.offer.rule_id == "damaged_share_refund"
    following = done.extra["next"]
    assert following.kind == "executed" and following.offer.rule_id == "missing_item_reship"
    with session_scope() as session:
        rules = session.execute(select(Remedy.rule_id).order_by(Remedy.id)).scalars().all()
        assert rules == ["damaged_share_refund", "missing_item_reship"]


def test_the_words_before_each_remedy_point_at_its_problem() -> None:
    from bot.nlu.problem_classifier import remedy_clauses
    from outreach.cases.conversation import assign_remedies
    from outreach.diagnosis.registry import load_diagnoser

    diagnoser = load_diagnoser()
    for text in ("碎了的退钱 少了的补一个", "缺的那个补上，摔坏的两个退款"):
        clauses = remedy_clauses(diagnoser, text)
        assert assign_remedies(clauses, ["damaged", "missing_item"]) == {"damaged": "refund", "missing_item": "reship"}
    assert remedy_clauses(diagnoser, "直接退钱吧") == []  # one remedy: the usual reading


def test_a_second_problem_of_goods_refunded_in_full_is_not_paid_again(db: str) -> None:
    case_id, buyer, order = make_case("not_as_described", quantity=1, unit_price_fen=16800, live_seafood=False,
                                      kind="apparel", title="桑蚕丝连衣裙")
    step = choose_problem(case_id, buyer, "not_as_described", "confirmed", text="根本不是真丝 一股塑料味",
                          more={"not_as_described": "根本不是真丝", "quality_defect": "一股塑料味"})
    assert step.kind == "offer" and step.offer.kind == "refund_full" and step.offer.amount_fen == 16800
    done = accept(case_id, buyer, step.offer_index)
    assert done.kind == "executed" and "next" not in done.extra  # nothing left to give for the dress
    with session_scope() as session:
        paid = session.execute(select(Remedy.amount_fen).join(Case, Case.id == Remedy.case_id)
                               .where(Case.order_id == order)).scalars().all()
        assert sum(paid) == 16800


def test_shares_refunded_for_two_problems_of_one_order_stay_within_what_was_paid() -> None:
    import dataclasses

    from outreach.rules.engine import quote
    from outreach.rules.loader import rules
    from tests.domain.test_rules_engine import fruit_facts

    facts = dataclasses.replace(fruit_facts(label="quality_defect"), affected_quantity=2)  # 256.00 in full
    assert any(o.kind == "refund_full" for o in quote(facts, rules()).offers)
    after_one_box = quote(dataclasses.replace(facts, line_refunded_fen=12800), rules())
    assert all(o.amount_fen <= 12800 for o in after_one_box.offers if o.kind.startswith("refund"))
    after_all = quote(dataclasses.replace(facts, line_refunded_fen=25600), rules())
    assert not any(o.kind.startswith(("refund", "reship")) for o in after_all.offers)


def test_a_told_sign_of_harm_to_a_body_is_named_whatever_the_model_says() -> None:
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser

    diagnoser = load_diagnoser()
    found = clause_problems(diagnoser, "换了你们家的狗粮第二天 我家狗就又吐又拉 今天都站不起来了")
    assert found["health_reaction"] == "我家狗就又吐又拉"
    assert "health_reaction" not in clause_problems(diagnoser, "宝宝用了没有过敏 就是发货太慢了")
    assert "health_reaction" not in clause_problems(diagnoser, "这个面霜敏感肌用了会不会过敏")


def test_signs_are_read_with_their_denials() -> None:
    from outreach.diagnosis.taxonomy import taxonomy

    assert taxonomy().signs_in("用了两天脸上起疹子") == ["health_reaction"]
    assert taxonomy().signs_in("吃了没拉肚子") == [] and taxonomy().signs_in("医院附近的店") == []


@pytest.mark.parametrize(("clause", "label"), [
    ("我买的那个砂糖橘烂了不少我儿子让我跟你们说一下", "spoiled"),  # rotten, in a quantity
    ("一共二十斤我挑出来称了烂的有四斤", "spoiled"),
    ("有两杯胀包了", "spoiled"),  # swollen packs
    ("买了6卷保鲜袋就到了4卷", "missing_item"),  # counted short, in any measure word
])
def test_signs_of_rot_in_a_quantity_swollen_packs_and_short_rolls(clause: str, label: str) -> None:
    from outreach.diagnosis.taxonomy import taxonomy

    assert taxonomy().signs_in(clause) == [label]
    assert taxonomy().signs_in("纸箱烂了") == [] and taxonomy().signs_in("鞋底烂了两个洞") == []


def test_a_short_weight_named_beside_a_rotten_part_follows_it(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=10, unit="斤", unit_price_fen=4990, live_seafood=False,
                                  kind="fruit", title="赣南脐橙 10斤整箱", promises=["weight_guarantee"])
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="是的，烂了2斤，而且我称了一下整箱只有8斤半",
                          more={"spoiled": "烂了2斤", "not_as_described": "我称了一下整箱只有8斤半"})
    assert step.kind == "offer" and step.offer.amount_fen == 9980
    following = accept(case_id, buyer, step.offer_index).extra["next"]
    # the refund of the rotten part leaves room for the shortfall: 15 % of 499.00
    assert following.kind == "offer" and following.offer.kind == "refund_shortfall"
    assert following.offer.amount_fen == 7485


def test_a_short_clause_that_shows_a_sign_names_its_problem() -> None:
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser

    assert clause_problems(load_diagnoser(), "没发") == {"late_delivery": "没发"}


def test_a_clause_that_only_counts_names_no_problem_of_its_own() -> None:
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser

    diagnoser = load_diagnoser()
    assert clause_problems(diagnoser, "对 少了1瓶 箱子里就5瓶") == {"missing_item": "少了1瓶"}
    assert "not_as_described" not in clause_problems(diagnoser, "坏的挑出来称了 一斤半")
    # a weight bought is the order's quantity: "买的5斤" names no short weight beside the rot
    assert set(clause_problems(diagnoser, "嗯 买的5斤 烂了1斤 水汪汪的都发臭了")) == {"spoiled"}


def test_a_sign_that_is_no_regular_expression_is_refused_naming_it() -> None:
    import pytest
    from pydantic import ValidationError

    from outreach.diagnosis.taxonomy import Label

    with pytest.raises(ValidationError, match="sign '吐\\(' is not a valid regular expression"):
        Label(id="health_reaction", zh="人身健康", severity=1, covers="x", signs=["吐("])


def test_a_clause_about_the_packing_names_no_missing_piece_and_belly_up_seafood_is_dead() -> None:
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser
    from outreach.diagnosis.taxonomy import taxonomy

    diagnoser = load_diagnoser()
    found = clause_problems(diagnoser, "箱子角都塌进去了，里面连个隔板都没有，碎了三个")
    assert "missing_item" not in found and "damaged" in found
    assert not taxonomy().model_may_name("missing_item", "中间连张纸都没垫")
    assert taxonomy().model_may_name("missing_item", "少了一个杯子")
    # Cantonese "死咗 反晒肚": dead shrimp, no health reaction of a person
    assert set(clause_problems(diagnoser, "係啊，啲虾一到就有一半死咗，反晒肚，郁都唔郁")) == {"spoiled"}


def test_the_counts_of_two_problems_come_from_their_own_clauses(db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=8, unit="只", unit_price_fen=2980, kind="seafood")
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser

    text = "是的，死了两只，而且盒子里一共才7只，少了一只"
    more = clause_problems(load_diagnoser(), text)
    assert more["spoiled"] == "死了两只" and more["missing_item"] == "少了一只"
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text=text, more=more)
    assert step.offer.amount_fen == 5960  # 2 of 8, not 4
    following = accept(case_id, buyer, step.offer_index).extra["next"]
    assert following.offer.kind == "reship_share" and "1只" in following.message


def test_a_short_weight_told_with_the_box_total_keeps_the_weighing_and_the_rotten_part(db: str) -> None:
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser

    case_id, buyer, _ = make_case("spoiled", quantity=9, unit="斤", unit_price_fen=666, live_seafood=False,
                                  kind="fruit", title="赣南脐橙 9斤装",
                                  promises=["fresh_rot_refund", "weight_guarantee"])
    text = "是的，烂了2斤，我把整箱放秤上称了，连烂的算上一共才8斤，不够秤"
    more = clause_problems(load_diagnoser(), text)
    assert "not_as_described" in more
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text=text, more=more)
    assert step.offer.amount_fen == 1332  # 2 of 9 斤, not the 8 斤 the whole box weighed
    following = accept(case_id, buyer, step.offer_index).extra["next"]
    assert following.kind == "offer" and following.offer.kind == "refund_shortfall"  # no weight asked again


def test_a_clause_that_says_what_is_fine_names_no_problem_and_leaves_the_one_that_is_wrong() -> None:
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser

    diagnoser = load_diagnoser()
    assert set(clause_problems(diagnoser, "芒果挺新鲜的 没坏 就是箱子里少了两个")) == {"missing_item"}
    assert set(clause_problems(diagnoser, "不是 是少发了")) == {"missing_item"}


def test_the_service_is_a_further_problem_only_in_words_about_it() -> None:
    from outreach.diagnosis.taxonomy import taxonomy

    for addressed in ("是那个客服是吧", "我儿子说让我问问你们", "一点消息都没有"):
        assert not taxonomy().model_may_name("service_attitude", addressed, addressed), addressed
    for complaint in ("客服态度太差了", "他说我自己数错了 爱买不买", "问了半天没人理"):
        assert taxonomy().model_may_name("service_attitude", complaint, complaint), complaint
    # the words about it may stand in another clause of the message
    assert taxonomy().model_may_name("service_attitude", "我去问客服", "拖了三天才发货 我去问客服 还凶我")


def test_a_yes_that_names_another_problem_takes_the_offer_and_the_other_follows(db: str) -> None:
    case_id, buyer_id, _ = make_case("damaged", quantity=12, unit="盒", unit_price_fen=500)
    step = choose_problem(case_id, buyer_id, None, "confirmed", text="是的 破了2盒")
    assert step.offer.amount_fen == 1000
    step = accept(case_id, buyer_id, step.offer_index or 0, more={"missing_item": "另外还少了一盒 就11盒"})
    with session_scope() as session:
        remedies = session.execute(select(Remedy).where(Remedy.case_id == case_id)).scalars().all()
        cases = session.execute(select(Case.category).where(Case.buyer_id == buyer_id)).scalars().all()
    assert [r.amount_fen for r in remedies] == [1000]  # the 11 is no recount of the broken ones
    assert sorted(cases) == ["damaged", "missing_item"]  # the missing box follows as its own case


def test_in_a_long_story_the_model_names_only_its_problem_and_signs_name_the_rest() -> None:
    from bot.nlu.problem_classifier import LONG_CLAUSES, clause_problems, clauses_to_read, model_reads
    from outreach.diagnosis.registry import load_diagnoser

    story = ("真的气死我了！！我5号下的单，88块一箱，说是新鲜现摘，今天才到，我下楼搬了2趟，"
             "打开一看烂了6个！！汁水流了一箱，我家3个孩子等着吃的，你们还说包赔，"
             "我买了这么多年水果头一回，这也太过分了，下次真的不敢买了，赶紧处理")
    assert len(model_reads(clauses_to_read(story))) > LONG_CLAUSES
    assert set(clause_problems(load_diagnoser(), story)) == {"spoiled"}
    told = story + "，客服还骂人"  # a further problem with its sign still counts
    assert set(clause_problems(load_diagnoser(), told)) == {"spoiled", "service_attitude"}


def test_a_short_weight_told_with_its_promise_beside_rot_gets_its_refund(db: str) -> None:
    case_id, buyer_id, _ = make_case("spoiled", title="广西砂糖橘 新鲜采摘", kind="fruit", unit_price_fen=560,
                                     quantity=8, unit="斤", promises=["fresh_rot_refund", "weight_guarantee"])
    step = choose_problem(case_id, buyer_id, None, "confirmed",
                          text="是 烂了1斤 而且我上秤称了 一共只有7斤3两 说好的8斤",
                          more={"spoiled": "烂了1斤", "not_as_described": "说好的8斤"})
    step = accept(case_id, buyer_id, step.offer_index or 0)
    following = step.extra["next"]
    assert following.kind == "offer" and (following.offer.rule_id, following.offer.amount_fen) == (
        "short_weight_refund", 403)  # 7斤3两 of 8斤: 9 % of 44.80, not the promised 8斤 read as weighed


def test_clauses_that_restate_an_amount_or_talk_to_the_bot_name_no_problem() -> None:
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser

    diagnoser = load_diagnoser()
    assert clause_problems(diagnoser, "是的 烂了3斤 哦不对 我刚称了是2斤半") == {"spoiled": "烂了3斤"}
    assert list(clause_problems(diagnoser, "算了 跟你说也一样 那个商家客服骂我")) == ["service_attitude"]


@pytest.mark.parametrize(("text", "label"), [
    ("有两只冇气咗 瞓喺度一动都唔动", "spoiled"),  # Cantonese: gone still, not gone missing
    ("我那套书到底发货没有啊 付完款四天了一点动静都没有", "late_delivery"),
    ("你们这螃蟹拖了三天多才发出来", "late_delivery"),
    ("说是十双我数了好几遍就七双", "missing_item"),
    ("黄桃罐头买了6罐 就到了5罐", "missing_item"),
    ("跟商家说还回我爱买不买", "service_attitude"),
    ("打电话给店家还直接挂我电话", "service_attitude"),
    ("这两天还老头晕", "health_reaction"),  # a body unwell since, after a health food
])
def test_signs_name_problems_told_in_everyday_words(text: str, label: str) -> None:
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser

    assert list(clause_problems(load_diagnoser(), text)) == [label]


def test_harm_to_a_person_is_named_by_the_model_only_beside_words_about_a_body() -> None:
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser

    diagnoser = load_diagnoser()
    assert "health_reaction" not in clause_problems(diagnoser, "对 洗一次掉一盆毛 擦脸糊一脸")
    assert "health_reaction" in clause_problems(diagnoser, "宝宝用了以后脸上起了好多红点点")


def test_one_remedy_beside_two_problems_goes_with_what_it_is_said_of() -> None:
    from bot.nlu.problem_classifier import remedy_clauses
    from outreach.diagnosis.registry import load_diagnoser

    diagnoser = load_diagnoser()
    [told] = remedy_clauses(diagnoser, "芒果烂了3个 还少发了2个 少的那两个直接退钱就行", several_problems=True)
    assert told["remedy"] == "refund" and max(told["problems"], key=told["problems"].get) == "missing_item"
    [told] = remedy_clauses(diagnoser, "吹风机用了一次就不出热风了 给我换个新的 另外你们客服态度也太差了",
                            several_problems=True)
    assert told["remedy"] == "replace" and max(told["problems"], key=told["problems"].get) == "quality_defect"
    assert remedy_clauses(diagnoser, "芒果烂了3个 少的那两个直接退钱就行") == []  # one problem: the usual reading


def test_a_short_weight_first_leaves_a_rotten_part_its_own_turn(db: str) -> None:
    case_id, buyer, _ = make_case("not_as_described", quantity=1, unit="箱", unit_price_fen=5990, live_seafood=False,
                                  kind="fruit", title="赣南脐橙 10斤装", promises=["weight_guarantee"])
    step = choose_problem(case_id, buyer, "not_as_described", "confirmed", text="标的10斤 我称了只有9斤 还烂了三分之一",
                          more={"not_as_described": "标的10斤 我称了只有9斤", "spoiled": "还烂了三分之一"})
    assert step.kind == "offer" and step.offer.kind == "refund_shortfall"
    following = accept(case_id, buyer, step.offer_index).extra["next"]
    assert following.kind == "offer" and following.offer.rule_id == "spoiled_share_refund"


def test_one_remedy_at_the_confirmation_goes_with_the_problem_it_is_said_of(db: str) -> None:
    from bot.nlu.problem_classifier import remedy_clauses
    from outreach.diagnosis.registry import load_diagnoser

    text = "是的 有一盒有臭味 还少了一盒 少的那盒退钱就行"
    case_id, buyer, _ = make_case("spoiled", quantity=4, unit="盒", unit_price_fen=4500, kind="seafood",
                                  live_seafood=False, title="冷冻大虾仁 去虾线 500g/盒")
    remedies = remedy_clauses(load_diagnoser(), text, several_problems=True)
    step = choose_problem(case_id, buyer, None, "confirmed", text=text,
                          more={"spoiled": "有一盒有臭味", "missing_item": "还少了一盒"}, remedies=remedies)
    assert step.kind == "offer" and step.offer.rule_id == "spoiled_share_refund"  # offered, not carried out
    following = accept(case_id, buyer, step.offer_index).extra["next"]
    assert following.kind == "executed" and following.offer.rule_id == "missing_item_share_refund"


@pytest.mark.parametrize(("text", "labels"), [
    ("左耳没声音 还有这个发货晚了两天", ["quality_defect", "late_delivery"]),
    ("用了三天就不出热风了 问店家还说是我用法不对 态度特别差", ["quality_defect", "service_attitude"]),
])
def test_a_product_that_does_not_work_and_what_the_shop_said_are_read_apart(text: str, labels: list[str]) -> None:
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser

    assert list(clause_problems(load_diagnoser(), text)) == labels


def test_a_clause_whose_signs_name_its_problem_names_no_other_by_the_model() -> None:
    from bot.nlu.problem_classifier import problems_named
    from outreach.diagnosis.classifier import Diagnosis
    from outreach.diagnosis.taxonomy import taxonomy

    def sure(label: str) -> Diagnosis:
        return Diagnosis(category=label, confidence=0.9, hurt=True, severity=3)

    clauses = [("买的吐司4袋有2袋发霉了", True), ("上面一片片绿点", True)]
    named = problems_named(taxonomy(), clauses, [sure("spoiled"), sure("not_as_described")])
    assert named == {"spoiled": "买的吐司4袋有2袋发霉了 上面一片片绿点"}  # the mould, not the listing
    # without a sign the model's sure reading of a clause still names its problem
    named = problems_named(taxonomy(), [("颜色和图片上完全不一样", True)], [sure("not_as_described")])
    assert named == {"not_as_described": "颜色和图片上完全不一样"}


def test_half_of_one_monitors_screen_is_the_monitor_but_half_a_box_of_cherries_is_half(db: str) -> None:
    """rules.yml `whole_piece_kinds`: a share of one piece of such a kind counts the piece."""
    from outreach.cases.conversation import check_affected

    case_id, buyer, _ = make_case("damaged", title="27英寸4K显示器", kind="electronics", unit_price_fen=129900,
                                  quantity=1, unit="台", live_seafood=False)
    reading = check_affected(case_id, buyer, "屏幕上好几道裂纹 开机一半是花的")
    assert (reading.pieces, reading.share) == (1, 1)
    case_id, buyer, _ = make_case("spoiled", title="智利车厘子 2斤礼盒", kind="fruit", unit_price_fen=13800,
                                  quantity=1, unit="盒", live_seafood=False)
    assert check_affected(case_id, buyer, "烂了一半").share == Fraction(1, 2)


def test_a_clause_that_only_takes_back_what_was_said_names_no_problem() -> None:
    from bot.nlu.problem_classifier import clauses_to_read

    assert ("我说错了", False) in clauses_to_read("不是 我说错了 没有碎的 是少发了一个")


def test_phantom_problems_of_fresh_sets_61_to_64_are_not_named() -> None:
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser
    from outreach.diagnosis.taxonomy import taxonomy

    diagnoser = load_diagnoser()
    tax = taxonomy()
    # only the goods bought, named, is no wrong item
    assert not tax.model_may_name("wrong_item", "我买的钧瓷茶杯", "我买的钧瓷茶杯 今儿个到了 拆开碎了一只")
    assert set(clause_problems(diagnoser, "俺买的钧瓷茶杯 今儿个到了 拆开碎了一只 红枣那单没事")) == {"damaged"}
    # one of two cups cracked (Cantonese 爆咗) is the breakage, no piece missing
    assert set(clause_problems(diagnoser, "系啊 啱啱拆开 两只杯有一只爆咗 杯身裂开咗条缝")) == {"damaged"}
    assert not tax.model_may_name("missing_item", "两只杯有一只爆了", "两只杯有一只爆了")
    # goods not yet sent harm no body: a pregnant buyer's belly is why she needs them
    assert "health_reaction" not in clause_problems(diagnoser, "可不是嘛 三天了还没发嘞 俺肚子都坠得慌")
    # a crayfish belly up is dead, no illness
    assert set(clause_problems(diagnoser, "是的 死咯一斤半 都翻白肚子咯")) == {"spoiled"}
    # weighed short, the weight said as a clause of its own: a short weight beside the rot
    found = clause_problems(diagnoser, "是的 烂了2斤 而且整箱拿秤称了一下 才9斤 主播还说足斤足两")
    assert set(found) == {"spoiled", "not_as_described"}
    assert tax.signs_in("称了一下 9斤 没问题") == []
    # a count after counting, said as a clause of its own, is no missing goods ("数了好几遍，一共八个，碎了三个")
    assert "missing_item" not in clause_problems(diagnoser, "我数了好几遍，一共八个，碎了三个")
    # a variant bought is not only the goods named
    assert tax.model_may_name("wrong_item", "我拍的l", "颜色是对的 是码数不对 我拍的l 领标上写的s")


def test_phantom_problems_of_fresh_sets_65_to_68_are_not_named() -> None:
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser
    from outreach.diagnosis.taxonomy import taxonomy

    diagnoser = load_diagnoser()
    tax = taxonomy()
    # who paid is no price problem
    assert clause_problems(diagnoser, "钱退到哪个账户上啊？是孙子付的钱") == {}
    # what a delay nearly cost is no fault of the goods
    assert not tax.model_may_name("quality_defect", "差点赶不上年夜饭", "差点赶不上年夜饭")
    late = "是，晚了整整一天多才发出来，差点赶不上年夜饭，好在今天到了"
    assert "quality_defect" not in clause_problems(diagnoser, late)
    # a crab that no longer moves is dead, not missing
    assert not tax.model_may_name("missing_item", "刚才又翻出来一只腿都不动的", "刚才又翻出来一只腿都不动的")
    # an amount said as a clause of its own goes with the problem's clause
    found = clause_problems(diagnoser, "一个烂的把周围一圈都感染了。烂的我都挑出来了，一共3斤")
    assert found["spoiled"].endswith("一共3斤")


def test_goods_bought_elsewhere_before_and_a_remedy_waved_away_name_no_problem() -> None:
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser

    diagnoser = load_diagnoser()
    text = "是的，充不进电。我想换个新的，别退钱。我上次在别的店买的那个用了半年就鼓包了，吓得我直接扔了"
    assert set(clause_problems(diagnoser, text)) == {"quality_defect"}
    assert set(clause_problems(diagnoser, "对，压坏了一盒。退钱没用，我就要葡萄")) == {"damaged"}
    # a visit to someone in hospital, with no harm told, is no health reaction
    visit = "整盒都压扁了 这盒葡萄是我要拿去医院看我同学的 她刚做完手术 我只好空着手去了医院"
    assert set(clause_problems(diagnoser, visit)) == {"damaged"}


def test_a_problem_told_while_an_offer_is_open_waits_its_turn_after_it(db: str) -> None:
    from datetime import timedelta

    from outreach.cases.conversation import note_another_problem
    from outreach.store.types import utcnow

    now = utcnow()
    case_id, buyer, order = make_case("damaged", quantity=2, unit_price_fen=6400, kind="home", live_seafood=False,
                                      paid_at=now - timedelta(days=5), shipped_at=now - timedelta(days=1),
                                      delivered_at=now - timedelta(hours=3))
    step = choose_problem(case_id, buyer, "damaged", "confirmed", text="碎了一只")
    assert step.kind == "offer" and step.offer.rule_id == "damaged_share_refund"
    # "而且" … "还晚发了两天": noted once, the offer stands; the case's own problem is no news
    assert note_another_problem(case_id, buyer, "late_delivery", "还晚发了两天") is True
    assert note_another_problem(case_id, buyer, "late_delivery", "晚了好几天") is False
    assert note_another_problem(case_id, buyer, "damaged", "另一只也有裂纹") is False
    done = accept(case_id, buyer, step.offer_index)
    following = done.extra["next"]
    assert done.offer.rule_id == "damaged_share_refund" and done.offer.amount_fen == 6400
    assert following.offer.rule_id == "late_ship_compensation" and following.offer.amount_fen == 640
    with session_scope() as session:
        labels = session.execute(select(Case.category).where(Case.order_id == order).order_by(Case.id)).scalars()
        assert list(labels) == ["damaged", "late_delivery"]


def test_one_remedy_for_all_the_problems_told_goes_to_each(db: str) -> None:
    from outreach.cases.conversation import choose_remedy

    case_id, buyer, order = make_case("damaged", quantity=4, unit_price_fen=4800, kind="food", live_seafood=False,
                                      title="农家土蜂蜜 500g 玻璃瓶装", unit="瓶")
    step = choose_problem(case_id, buyer, "damaged", "confirmed", text="碎了1瓶 而且只收到3瓶 少发了1瓶",
                          more={"damaged": "碎了1瓶", "missing_item": "少发了1瓶"})
    assert step.offer.rule_id == "damaged_share_refund"
    done = choose_remedy(case_id, buyer, "要是都能直接退钱 那就都退钱", step.offer_index)
    assert done.kind == "executed" and done.offer.rule_id == "damaged_share_refund"
    following = done.extra["next"]
    # the missing jar's refund, picked with the broken one's, not its re-ship offered first
    assert following.kind == "executed" and following.offer.rule_id == "missing_item_share_refund"
    assert following.offer.amount_fen == 4800


def test_a_low_rating_at_the_end_sends_every_problem_settled_in_the_conversation_to_a_person(db: str) -> None:
    from outreach.cases.conversation import choose_remedy, rate

    case_id, buyer, _ = make_case("damaged", quantity=6, unit="个", unit_price_fen=1500, live_seafood=False,
                                  kind="home", title="玻璃水杯 6个装")
    step = choose_problem(case_id, buyer, "damaged", "confirmed", text="是的 碎了两个 还少了一个",
                          more={"damaged": "碎了两个", "missing_item": "少了一个"})
    clauses = [{"remedy": "refund", "problems": {"damaged": 0.45, "missing_item": 0.02}},
               {"remedy": "reship", "problems": {"damaged": 0.05, "missing_item": 0.76}}]
    done = choose_remedy(case_id, buyer, "碎了的退钱 少了的补一个", step.offer_index, remedies=clauses)
    last = done.extra["next"].case_id
    with session_scope() as session:
        assert session.get(Case, case_id).status == "closed"  # settled; the one rating comes at the end
    rate(last, buyer, 2)
    with session_scope() as session:
        assert [session.get(Case, c).status for c in (case_id, last)] == ["handed_over", "handed_over"]


def test_a_guess_of_the_model_beside_a_problem_named_surely_is_a_story_not_a_second_problem() -> None:
    from bot.nlu.problem_classifier import SECOND_SURE, problems_named
    from outreach.diagnosis.classifier import Diagnosis
    from outreach.diagnosis.taxonomy import taxonomy

    def read(*found: tuple[str, str, float]) -> dict[str, str]:
        clauses = [(clause, True) for clause, _label, _confidence in found]
        diagnoses = [Diagnosis(label, confidence, True, 3) for _clause, label, confidence in found]
        return problems_named(taxonomy(), clauses, diagnoses)

    sure, guess = SECOND_SURE + 0.1, SECOND_SURE - 0.05
    # the story around the fault ("想着能撑一个月", "还没给她吃"), read at 0.7-0.8: a guess, dropped beside
    # a problem the model is sure of
    assert read(("杯盖那里往外漏水", "quality_defect", sure), ("想着能撑一个月", "missing_item", guess)) \
        == {"quality_defect": "杯盖那里往外漏水"}
    # a middling guess whose clause holds a word of its problem (taxonomy file: `cues`) is a second problem
    assert set(read(("颜色发错了", "wrong_item", sure), ("而且晚发了好几天", "late_delivery", guess))) \
        == {"wrong_item", "late_delivery"}
    assert set(read(("颜色发错了", "wrong_item", sure), ("客服态度还特别冲", "service_attitude", guess))) \
        == {"wrong_item", "service_attitude"}
    # alone, the same guess still names its problem; two sure ones stay two
    assert read(("想着能撑一个月", "quality_defect", guess)) == {"quality_defect": "想着能撑一个月"}
    assert set(read(("杯盖那里往外漏水", "quality_defect", sure), ("颜色也发错了", "wrong_item", sure))) \
        == {"quality_defect", "wrong_item"}
    # a problem told by its signs is sure, whatever the model says of its clause
    assert set(read(("想着能撑一个月", "quality_defect", guess), ("箱子里少了两包", "no_problem", 0.9))) \
        == {"missing_item"}


def test_a_short_yes_or_no_names_a_problem_only_by_its_signs() -> None:
    from rasa.shared.nlu.constants import INTENT, TEXT
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.problem_classifier import ProblemClassifier
    from outreach.diagnosis.registry import load_diagnoser

    component = ProblemClassifier({}, load_diagnoser())

    def read(text: str) -> dict[str, str] | None:
        message = Message(data={TEXT: text, INTENT: {"name": "deny", "confidence": 0.6}})
        component.process([message])
        return message.get("problem_clauses")

    assert read("不热了👎") == {"quality_defect": "不热了👎"}  # a thumbs-down beside the fault it tells
    assert read("没发") == {"late_delivery": "没发"}
    assert read("不是") is None and read("不要") is None


def test_beside_a_problem_told_in_its_words_a_wordless_clause_needs_a_certain_model() -> None:
    from bot.nlu.problem_classifier import WORDLESS_SURE, problems_named
    from outreach.diagnosis.classifier import Diagnosis
    from outreach.diagnosis.taxonomy import taxonomy

    def read(*found: tuple[str, str, float]) -> dict[str, str]:
        clauses = [(clause, True) for clause, _label, _confidence in found]
        diagnoses = [Diagnosis(label, confidence, True, 3) for _clause, label, confidence in found]
        return problems_named(taxonomy(), clauses, diagnoses)

    # dead shrimp told in its own words; "结果等来的是这样的东西" holds no word of a wrong item: the story
    assert read(("两斤虾送到的时候已经有一斤死了", "spoiled", 0.9), ("结果等来的是这样的东西", "wrong_item", 0.95)) \
        == {"spoiled": "两斤虾送到的时候已经有一斤死了"}
    assert read(("又按了一次", "quality_defect", 0.86), ("才知道被扣了两笔钱", "price_issue", 0.98)) \
        == {"price_issue": "才知道被扣了两笔钱"}
    # all but certain, it stays a second problem; two told in their words stay two
    assert set(read(("两斤虾送到的时候已经有一斤死了", "spoiled", 0.9),
                    ("结果等来的是这样的东西", "wrong_item", WORDLESS_SURE))) == {"spoiled", "wrong_item"}
    assert set(read(("虾死了一半", "spoiled", 0.9), ("还少了一袋", "missing_item", 0.75))) \
        == {"spoiled", "missing_item"}


def test_weights_told_short_are_a_short_weight_not_missing_pieces() -> None:
    from outreach.diagnosis.taxonomy import taxonomy

    tax = taxonomy()
    # the weight bought, then the lower one that came: short weight, by its signs
    assert tax.signs_in("三斤虾总共只有两斤半") == ["not_as_described"]
    assert tax.signs_in("买了3斤就2斤是好的") == []  # the good part of it, not a weighing
    # short by a weight ("少了四两") names no missing pieces; short by a count does
    assert "missing_item" not in tax.signs_in("少说少了四两")
    assert "missing_item" in tax.signs_in("少了两个")
    # what was ordered names a wrong variant's cue ("我拍的L"), not how many or when ("下单的是叁罐", "我3号拍的")
    assert tax.cued("wrong_item", "我拍的l") and tax.cued("wrong_item", "要的是红色")
    assert not tax.cued("wrong_item", "下单的是叁罐") and not tax.cued("wrong_item", "我3号拍的")


def test_a_shock_from_the_goods_is_a_harm_to_the_buyer() -> None:
    from outreach.diagnosis.taxonomy import taxonomy

    tax = taxonomy()
    assert "health_reaction" in tax.signs_in("昨儿晚上摸开关把我手电了一下")
    assert "health_reaction" in tax.signs_in("插头被电了一下")
    assert tax.cued("quality_defect", "这电热毯不热")


def test_freight_asked_for_a_shipped_only_now_fakes_and_a_torn_box_beside_fine_goods() -> None:
    """Sets 125-128: who pays a return's freight names no price problem; "昨天才给发出来" is a late
    shipment; a fake told in so many words is one beside the fault it explains; harm to the box
    beside goods said unharmed is no breakage."""
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser

    diagnoser = load_diagnoser()
    assert set(clause_problems(diagnoser, "吹风机只出冷风 热风档一点都不热 给我换个新的 来回运费你们出")) == {
        "quality_defect"}
    assert "price_issue" in clause_problems(diagnoser, "说好包邮的 结果还收了我十块运费")
    assert set(clause_problems(diagnoser, "页面上写的三天里头发货 昨天才给发出来")) == {"late_delivery"}
    fake = clause_problems(diagnoser, "这手机充了一宿电还是开不了机 人家说这不是正规牌子 是山寨货 串号都查不到")
    assert set(fake) == {"quality_defect", "counterfeit"}
    assert set(clause_problems(diagnoser, "包装是破了 但东西没坏 是少了一个 拍了4个只来了3个")) == {"missing_item"}
    assert "damaged" in clause_problems(diagnoser, "箱子压坏了 碎了一个 其他东西没坏")


def test_problems_named_in_the_words_of_sets_133_to_140() -> None:
    """Smoke from the goods is a fault, a cut from them a harm to the child; a chilled fish come thawed is
    spoiled; closed tight and still leaking is a fault, not transit breakage; the cause on the way makes
    breakage; a pet sick since, a shop's chat unanswered; and no problem in the buyer's own slip, the
    chat's pictures, or what stood idle waiting for a late parcel."""
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser
    from outreach.diagnosis.taxonomy import taxonomy

    diagnoser = load_diagnoser()
    assert set(clause_problems(diagnoser, "给我转人工。她25号生日那天第一次用就冒烟了")) == {"quality_defect"}
    cut = clause_problems(diagnoser, "碎了 娃伸手去抓 手指头被玻璃划了个口子 流了好些血")
    assert "health_reaction" in cut
    assert "spoiled" in clause_problems(diagnoser, "我買的三文魚今天到 整塊都退冰了 軟軟的還有怪味")
    assert "health_reaction" in clause_problems(diagnoser, "結果我家狗狗偷吃了一塊 現在一直吐 好擔心")
    assert set(clause_problems(diagnoser, "是 少了1盒 我找店家客服发了三次消息都没人回")) == {
        "missing_item", "service_attitude"}
    assert set(clause_problems(diagnoser, "是 拖了四天才发 三轮车趴窝好几天 地里的菜都拉不出去")) == {"late_delivery"}
    assert "not_as_described" not in clause_problems(diagnoser, "😭图片发不出去 就是有3袋胀袋了")
    assert "wrong_item" not in clause_problems(diagnoser, "只有冷风……嗯，是不是我按错了？不是，试过了，就是坏了")
    assert "wrong_item" not in clause_problems(diagnoser, "不好意思，是我之前搞错了，包裹其实昨天就到了")
    assert "quality_defect" in taxonomy().signs_in("饭盒盖子扣紧了还是漏汤")
    assert "damaged" in taxonomy().signs_in("一打开就断成两截了 应该是路上压的")


def test_problems_named_in_the_words_of_sets_141_to_152() -> None:
    """The network lagging or the pay button not answering at payment is no fault of the goods;
    harm counted, or no word of goods short, is no missing item."""
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser

    diagnoser = load_diagnoser()
    assert set(clause_problems(diagnoser, "买雨衣那会网卡了 扣了我两次钱")) == {"price_issue"}
    paid_twice = ("那天付钱的时候我按了那个按钮半天没反应我以为没按上又按了一下后来我儿子帮我翻银行发来的短信"
                  "一看这个锅扣了我两回钱一回189")
    assert set(clause_problems(diagnoser, paid_twice)) == {"price_issue"}
    assert set(clause_problems(diagnoser, "🤬🤬🤬 死了4只！！！十只里面死四只 这蟹是从哪捞的啊")) == {"spoiled"}
    told = "对 碎了一个 而且付完款拖了四天才发货 说好48小时发的 我家三只猫一只一个碗 现在又得抢"
    assert set(clause_problems(diagnoser, told)) == {"damaged", "late_delivery"}
    assert "quality_defect" in clause_problems(diagnoser, "吹风机按了开关半天没反应")
    thought = ("那天拆箱子听见里面咣当咣当响还以为是碗摔碎了写完评价才一个个拿出来看碗都好好的一只都没碎"
               "原来是盒子里空了一格就来了五只少了一只")
    assert set(clause_problems(diagnoser, thought)) == {"missing_item"}
    books = "排到后面发现第七本和第九本都没有一共就来了8本"  # (the 没有 is of the two books, not of the count)
    assert set(clause_problems(diagnoser, books)) == {"missing_item"}
    lamp = ("是的这台灯刚来那几天挺好前天晚上灯突然灭了怎么按都不亮了我去问店家客服怎么回事那个客服张口就说是"
            "我们自己摔坏的还骂我想白嫖")
    assert "damaged" not in clause_problems(diagnoser, lamp) and "service_attitude" in clause_problems(diagnoser, lamp)


def test_problems_named_in_the_words_of_sets_153_to_158() -> None:
    """No one answering messages is the service in Hunan words too (冇人回: 没有人回), beside what is
    missing; the bot's refund said back in a question is no price problem."""
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser
    from outreach.dialogue.knowledge import without_words_said_back

    diagnoser = load_diagnoser()
    told = "是的 5袋只到哒4袋 我找店里客服问 发哒好几条消息都冇人回"
    assert set(clause_problems(diagnoser, told)) == {"missing_item", "service_attitude"}
    asked = without_words_said_back("你说「全额退回219元」 那手机要寄到哪去？我不会弄这些")
    assert "price_issue" not in clause_problems(diagnoser, asked)


def test_problems_named_in_the_words_of_sets_159_to_162() -> None:
    """Rot told how ("烂得流汁"), a bag blown up, the shop asked again and again and then silent, and a
    breakage put down to the transit (the damage, not a fault of make)."""
    from bot.nlu.problem_classifier import clause_problems
    from outreach.diagnosis.registry import load_diagnoser

    diagnoser = load_diagnoser()
    kiwis = "打开箱子，有三个已经烂得流汁、一按一个坑；另外我按格子数了一遍，说好二十个，实际只来了十八个，少了两个"
    assert set(clause_problems(diagnoser, kiwis)) == {"spoiled", "missing_item"}
    ignored = "这期间我问店里客服三次，前两次不回， 第三次就回了一句“急什么，又不是不给你发”，然后再也不理我了"
    assert set(clause_problems(diagnoser, ignored)) == {"service_attitude"}
    swollen = "剩下的里面有一袋鼓得像个气球，摸着软乎乎的，打开一股酸味，肯定是坏了"
    assert set(clause_problems(diagnoser, swollen)) == {"spoiled"}
    snapped = "你好 那个 就是我买的电动车手机支架 今天到了 拆开夹子就断了 应该是路上压的"
    assert set(clause_problems(diagnoser, snapped)) == {"damaged"}
    counted = "对，5条 买 的，4条 来 了，少 1条"  # (what came, counted, tells no wrong goods)
    assert "wrong_item" not in clause_problems(diagnoser, counted)
    from outreach.diagnosis.taxonomy import taxonomy

    assert taxonomy().signs_in("死4只") == ["spoiled"] and taxonomy().signs_in("上回才死1只") == []
