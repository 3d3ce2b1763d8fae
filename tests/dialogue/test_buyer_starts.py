"""A buyer may raise a problem at any time: with no case, after a closed case, after an opt-out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from outreach.cases.conversation import accept, choose_problem, opt_out, raise_problem, start_on_order
from outreach.lifecycle.rating import may_ask
from outreach.store.db import session_scope
from outreach.store.models import Case, Feedback, OptOut
from outreach.store.types import utcnow
from tests.factories import make_case, make_order


def cases_of(buyer: str) -> list[Case]:
    with session_scope() as session:
        rows = session.execute(select(Case).where(Case.buyer_id == buyer).order_by(Case.id)).scalars().all()
        session.expunge_all()
        return list(rows)


def test_with_no_case_and_one_recent_order_a_complaint_opens_a_case_to_confirm(db: str) -> None:
    buyer, order = make_order(title="手工玻璃杯 6只装", unit="个", quantity=6, unit_price_fen=1500, kind="home",
                              live_seafood=False, shipped_at=utcnow() - timedelta(days=2),
                              delivered_at=utcnow() - timedelta(hours=3))
    step = raise_problem(buyer, "杯子碎了两个", "damaged")
    assert step.kind == "confirm" and step.extra["order_title"] == "手工玻璃杯 6只装"
    (case,) = cases_of(buyer)
    assert (case.order_id, case.category, case.status) == (order, "damaged", "contacted")
    with session_scope() as session:
        feedback = session.execute(select(Feedback).where(Feedback.case_id == case.id)).scalar_one()
        assert (feedback.source, feedback.text) == ("chat", "杯子碎了两个")
    step = choose_problem(case.id, buyer, "damaged", "confirmed", text="对，碎了两个")
    assert step.kind == "offer" and step.offer.amount_fen == 3000


def test_with_several_orders_the_buyer_picks_the_order(db: str) -> None:
    buyer, first = make_order(title="赣南脐橙", kind="fruit", shipped_at=utcnow() - timedelta(days=2),
                              delivered_at=utcnow() - timedelta(hours=3))
    make_order(buyer_id=buyer, title="羊毛围巾", kind="apparel")
    step = raise_problem(buyer, "买的东西烂了好多", "spoiled")  # no goods named
    assert step.kind == "pick_order" and {o for o, _ in step.extra["orders"]} >= {first}
    assert cases_of(buyer) == []
    step = start_on_order(buyer, first)
    assert step.kind == "confirm"
    assert [(c.order_id, c.category) for c in cases_of(buyer)] == [(first, "spoiled")]


def test_after_an_opt_out_a_problem_the_buyer_raises_is_served_and_consent_is_kept(db: str) -> None:
    case_id, buyer, order = make_case("spoiled")
    opt_out(buyer, "别再联系我")
    step = raise_problem(buyer, "又收到一箱坏的", "spoiled")
    assert step.kind == "confirm"
    new = cases_of(buyer)[-1]
    assert new.id != case_id and new.status == "contacted" and new.order_id == order
    with session_scope() as session:
        assert session.execute(select(OptOut).where(OptOut.buyer_id == buyer)).first() is not None


def test_an_opted_out_buyer_who_starts_a_chat_is_asked_to_rate_it_but_not_after_opting_out_in_it(
        db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", title="阳澄湖大闸蟹 10只装", unit="只", quantity=10, unit_price_fen=3980)
    opt_out(buyer, "别再联系我")
    raise_problem(buyer, "又收到死螃蟹了 死了2只", "spoiled")
    served = cases_of(buyer)[-1]
    step = choose_problem(served.id, buyer, "spoiled", "confirmed", text="对 死了2只")
    assert step.kind == "offer"
    done = accept(served.id, buyer, step.offer_index)
    assert done.kind == "executed" and done.extra["ask_rating"] is True  # their own conversation

    with session_scope() as session:  # quiet time 0: only the opt-outs decide
        assert may_ask(session, session.get(Case, served.id), utcnow(), 0)
        session.add(OptOut(buyer_id=buyer, source_text="以后别再给我发消息了", created_at=utcnow()))
    with session_scope() as session:  # an opt-out after the buyer started it: not asked
        assert not may_ask(session, session.get(Case, served.id), utcnow(), 0)
        assert not may_ask(session, session.get(Case, case_id), utcnow(), 0)  # the case we started


def test_another_buyers_order_cannot_be_picked(db: str) -> None:
    buyer, _ = make_order()
    make_order(buyer_id=buyer)
    _, other_order = make_order()
    assert raise_problem(buyer, "东西坏了", "damaged").kind == "pick_order"
    try:
        start_on_order(buyer, other_order)
    except LookupError:
        pass
    else:
        raise AssertionError("another buyer's order was accepted")
    assert cases_of(buyer) == []


def test_two_problems_in_the_buyers_first_words_are_both_taken(db: str) -> None:
    buyer, _order = make_order(title="日式粗陶盘子 6个装", unit="个", quantity=6, unit_price_fen=1980, kind="home",
                               live_seafood=False, shipped_at=utcnow() - timedelta(days=2),
                               delivered_at=utcnow() - timedelta(hours=3))
    step = raise_problem(buyer, "盘子碎了两个 而且还少了一个 一共买了6个", "missing_item",
                         more={"damaged": "盘子碎了两个", "missing_item": "而且还少了一个"})
    assert step.kind == "confirm"
    (case,) = cases_of(buyer)
    step = choose_problem(case.id, buyer, None, "confirmed", text="好")
    assert step.kind == "offer" and step.offer.kind == "reship_share"  # the one missing plate first
    with session_scope() as session:
        waiting = session.get(Case, case.id).facts.get("more_problems")
    assert [item["label"] for item in waiting] == ["damaged"]  # the broken ones follow


def test_the_order_is_picked_by_typing_part_of_its_goods(db: str) -> None:
    from outreach.cases.conversation import start_on_named_order

    buyer, socks = make_order(title="纯棉中筒袜 男 10双装", unit="双", quantity=10, unit_price_fen=390, kind="clothing",
                              live_seafood=False, shipped_at=utcnow() - timedelta(days=2),
                              delivered_at=utcnow() - timedelta(hours=3))
    make_order(buyer_id=buyer, title="低温鲜牛奶 950ml", unit="瓶", quantity=2, unit_price_fen=1590, kind="food",
               live_seafood=False, shipped_at=utcnow() - timedelta(days=2), delivered_at=utcnow() - timedelta(hours=3))
    assert raise_problem(buyer, "少了两双 买10双到了8双", "missing_item").kind == "pick_order"
    assert start_on_named_order(buyer, "牛肉") is None  # names none of them: the question stands
    step = start_on_named_order(buyer, "中筒袜那个")
    assert step is not None and step.kind == "confirm" and cases_of(buyer)[0].order_id == socks


def test_where_a_buyers_one_order_is_is_answered_and_only_a_missed_promise_is_a_problem(db: str) -> None:
    from outreach.cases.conversation import where_is_order

    now = utcnow()
    on_time, _ = make_order(title="加厚珊瑚绒毯子", kind="home", live_seafood=False, paid_at=now - timedelta(days=2),
                            shipped_at=now - timedelta(days=1))
    answer, late = where_is_order(on_time, "快递怎么还没到")
    assert "运输途中" in answer and late is False
    stuck, _ = make_order(title="保温杯", kind="home", live_seafood=False, paid_at=now - timedelta(days=4))
    answer, late = where_is_order(stuck, "什么时候发货啊？")
    assert "还没有发货" in answer and late is True  # 48 h promised, 4 days gone
    assert where_is_order(on_time, "毯子掉毛很严重") is None  # no question of where it is


def test_with_several_orders_only_the_one_the_words_name_is_answered(db: str) -> None:
    from outreach.cases.conversation import where_is_order

    now = utcnow()
    buyer, _ = make_order(title="赣南脐橙 5斤装", kind="fruit", live_seafood=False, paid_at=now - timedelta(days=1))
    make_order(buyer_id=buyer, title="羊毛围巾", kind="apparel", live_seafood=False, paid_at=now - timedelta(days=1),
               shipped_at=now - timedelta(hours=20))
    assert where_is_order(buyer, "快递到哪了") is None  # which order is not said
    answer, late = where_is_order(buyer, "围巾的快递到哪了")
    assert "运输途中" in answer and late is False


def test_a_buyer_who_starts_with_two_problems_gets_each_its_own_count(db: str) -> None:
    buyer, _order = make_order(title="凯特芒果 大果", unit="个", quantity=10, unit_price_fen=590, kind="fruit",
                               live_seafood=False, promises=["fresh_rot_refund"],
                               shipped_at=utcnow() - timedelta(days=2), delivered_at=utcnow() - timedelta(hours=3))
    step = raise_problem(buyer, "芒果烂了3个 还少发了2个", "spoiled",
                         more={"spoiled": "芒果烂了3个", "missing_item": "还少发了2个"})
    assert step.kind == "confirm"
    step = choose_problem(step.case_id, buyer, "spoiled", "confirmed", text="对")
    assert step.kind == "offer" and step.offer.amount_fen == 1770  # 59.00 x 3/10, not the 2 missing


def test_a_remedy_named_in_the_first_words_is_kept_for_its_problem(db: str) -> None:
    buyer, _order = make_order(title="负离子吹风机 折叠便携", unit="个", quantity=1, unit_price_fen=15900,
                               kind="digital", live_seafood=False, shipped_at=utcnow() - timedelta(days=5),
                               delivered_at=utcnow() - timedelta(days=3))
    step = raise_problem(buyer, "吹风机用了一次就不出热风了 给我换个新的", "quality_defect")
    assert step.kind == "confirm"
    step = choose_problem(step.case_id, buyer, "quality_defect", "confirmed", text="对")
    # the replacement asked for, not the first offer (a return and refund)
    assert step.kind == "executed" and step.extra["rule"] == "quality_replace"


def test_goods_said_with_a_noun_suffix_name_their_order() -> None:
    from outreach.cases.conversation import orders_named

    orders = [("a", "纯棉中筒袜 男"), ("b", "低温鲜牛奶 950ml"), ("c", "原木抽纸 24包")]
    assert orders_named("袜子少了两双 买10双到了8双", orders) == [("a", "纯棉中筒袜 男")]
    assert orders_named("东西坏了", orders) == []
    assert orders_named("瓜子受潮了", [("a", "洽洽瓜子 500g"), ("b", "香瓜")]) == [("a", "洽洽瓜子 500g")]


def test_goods_said_with_one_character_name_their_order_only_when_told_with_what_went_wrong() -> None:
    from outreach.cases.conversation import orders_named

    orders = [("a", "洗衣凝珠 持久留香 52颗"), ("b", "日式釉下彩陶瓷碗 4只装"), ("c", "不锈钢炒锅 32cm")]
    assert orders_named("碗碎了一个 拆开就是裂成两半的", orders) == [("b", "日式釉下彩陶瓷碗 4只装")]
    assert orders_named("碗到了碎了一个", orders) == [("b", "日式釉下彩陶瓷碗 4只装")]
    assert orders_named("那个锅漏了", orders) == [("c", "不锈钢炒锅 32cm")]
    assert orders_named("东西坏了", orders) == [] and orders_named("这个都坏了", orders) == []


def test_the_status_of_a_remedy_asked_with_no_conversation_open(db: str) -> None:
    from outreach.cases.conversation import answer_question
    from outreach.rules.ledger import idempotency_key
    from outreach.store.models import Remedy

    buyer, _order = make_order(title="广西沃柑 中果", unit="个", quantity=24, unit_price_fen=200, kind="fruit",
                               live_seafood=False)
    assert "还没有办理过" in answer_question(None, buyer, "我的退款到哪了", stage=None)
    case_id, buyer, _ = make_case("late_delivery", buyer_id=buyer)
    with session_scope() as session:
        case = session.get(Case, case_id)
        case.status = "closed"
        session.add(Remedy(case_id=case_id, idempotency_key=idempotency_key(case_id), rule_id="late_ship_compensation",
                           kind="compensation_percent", amount_fen=500, status="executed", reason="test"))
    assert "已经办理好了" in answer_question(None, buyer, "上次那个退款办好了吗", stage=None)


def test_the_wrong_order_picked_is_corrected_at_the_confirmation_and_the_case_moves(db: str) -> None:
    from outreach.cases.conversation import move_to_order
    from outreach.store.models import CaseEvent

    buyer, sheet = make_order(title="全棉磨毛床单 单件", kind="home", unit="件", quantity=1, live_seafood=False)
    _, pillows = make_order(buyer_id=buyer, title="天然乳胶枕 2只装", kind="home", unit="只", quantity=2,
                            unit_price_fen=7900, live_seafood=False)
    assert raise_problem(buyer, "有个东西少发了一个", "missing_item").kind == "pick_order"
    (case,) = [c for c in [start_on_order(buyer, sheet)] if c.kind == "confirm"]
    assert move_to_order(case.case_id, buyer, "不是 点错了") is None  # no order named: nothing moves
    step = move_to_order(case.case_id, buyer, "不是 点错了 是枕头那单 两个枕头只来了一个")
    assert step is not None and step.kind == "confirm" and step.extra["order_title"] == "天然乳胶枕 2只装"
    (moved,) = cases_of(buyer)  # one case, now on the pillows, with the count the words give
    assert (moved.order_id, moved.status, moved.affected_quantity) == (pillows, "contacted", 1)
    with session_scope() as session:
        kinds = session.execute(select(CaseEvent.kind).where(CaseEvent.case_id == moved.id)).scalars().all()
        assert "order_corrected" in kinds
    # once the problem is confirmed and the case moved on, it stays on its order
    choose_problem(moved.id, buyer, "missing_item", "confirmed")
    assert move_to_order(moved.id, buyer, "不是 点错了 是床单那单") is None


def test_a_problem_the_rules_give_nothing_for_goes_to_a_person_without_a_confirmation(db: str) -> None:
    # kiwis found rotten four days after delivery: past the evidence window, nothing depends on a yes
    buyer, order = make_order(title="陕西徐香猕猴桃 30个装", unit="个", quantity=30, unit_price_fen=200, kind="fruit",
                              live_seafood=False, promises=["fresh_rot_refund"],
                              shipped_at=utcnow() - timedelta(days=6), delivered_at=utcnow() - timedelta(days=4))
    step = raise_problem(buyer, "猕猴桃签收以后放了几天 今天打开一看烂了12个 能退吗", "spoiled")
    assert step.kind == "handover"
    (case,) = cases_of(buyer)
    assert (case.order_id, case.status) == (order, "handed_over")
    # the same the day after delivery is confirmed first, as usual
    buyer, _ = make_order(title="陕西徐香猕猴桃 30个装", unit="个", quantity=30, unit_price_fen=200, kind="fruit",
                          live_seafood=False, promises=["fresh_rot_refund"],
                          shipped_at=utcnow() - timedelta(days=2), delivered_at=utcnow() - timedelta(hours=20))
    assert raise_problem(buyer, "猕猴桃烂了12个", "spoiled").kind == "confirm"


def test_a_price_drop_told_past_the_price_protection_goes_to_a_person_at_once(db: str) -> None:
    # the words name the issue (a drop: "现在直播间卖99了"); ten days after paying, 价保 (7 days) is over
    def power_bank(paid_days: int) -> str:
        buyer, _ = make_order(title="20000毫安充电宝", kind="electronics", unit_price_fen=12900, quantity=1, unit="个",
                              live_seafood=False, current_unit_price_fen=9900, promises=["price_protection"],
                              paid_at=utcnow() - timedelta(days=paid_days),
                              shipped_at=utcnow() - timedelta(days=paid_days - 1),
                              delivered_at=utcnow() - timedelta(days=paid_days - 3))
        return buyer

    late = power_bank(10)
    assert raise_problem(late, "我十天前买的充电宝129 现在直播间卖99了 能退差价吗", "price_issue").kind == "handover"
    (case,) = cases_of(late)
    assert case.status == "handed_over" and case.facts["issue"] == "price_drop"
    in_time = power_bank(5)
    assert raise_problem(in_time, "我五天前买的充电宝129 现在直播间卖99了 能退差价吗", "price_issue").kind == "confirm"


def test_a_weighing_told_beside_rot_in_the_first_words_is_the_short_weight_too(db: str) -> None:
    from outreach.cases.conversation import _waiting

    buyer, _ = make_order(title="赣南脐橙 10斤整箱", kind="fruit", unit_price_fen=499, quantity=10, unit="斤",
                          live_seafood=False, promises=["fresh_rot_refund", "weight_guarantee"],
                          shipped_at=utcnow() - timedelta(days=2), delivered_at=utcnow() - timedelta(hours=3))
    step = raise_problem(buyer, "橙子烂了2斤 整箱称了一下才9斤", "spoiled", more={"spoiled": "橙子烂了2斤"})
    assert step.kind == "confirm"
    (case,) = cases_of(buyer)
    assert [item["label"] for item in _waiting(case)] == ["not_as_described"]


def _glasses(**extra: object) -> tuple[str, str]:
    return make_order(title="手工玻璃杯 6只装", unit="个", quantity=6, unit_price_fen=1500, kind="home",
                      live_seafood=False, shipped_at=utcnow() - timedelta(days=2),
                      delivered_at=utcnow() - timedelta(hours=3), **extra)


def test_a_problem_the_buyers_words_tell_surely_goes_straight_to_its_offer(db: str) -> None:
    buyer, order = _glasses()
    step = raise_problem(buyer, "杯子碎了两个", "damaged", confidence=1000)
    assert step.kind == "offer" and step.offer.amount_fen == 3000  # 2 of 6 at 15.00: no "对吗？" first
    assert step.extra["started"] == {"order_title": "手工玻璃杯 6只装", "label_zh": "运输破损"}
    (case,) = cases_of(buyer)
    assert "problem_stated" in _kinds(case.id) and "problem_confirmed" not in _kinds(case.id)
    # a count still missing is asked, with what was understood said first
    other, _ = _glasses()
    step = raise_problem(other, "杯子碎了", "damaged", confidence=1000)
    assert step.kind == "ask_quantity" and step.extra["started"]["label_zh"] == "运输破损"


def test_a_problem_read_unsurely_is_still_put_to_the_buyer_to_confirm(db: str) -> None:
    buyer, _ = _glasses()
    step = raise_problem(buyer, "杯子碎了两个", "damaged", confidence=500)
    assert step.kind == "confirm" and "started" not in step.extra
    other, _ = _glasses()
    assert raise_problem(other, "杯子碎了两个", "damaged").kind == "confirm"  # no sureness given


def test_a_remedy_named_in_words_told_surely_is_carried_out_at_once(db: str) -> None:
    buyer, _ = _glasses()
    step = raise_problem(buyer, "杯子碎了两个 直接退钱吧", "damaged", confidence=1000)
    assert step.kind == "executed" and step.offer.amount_fen == 3000 and "started" in step.extra


def test_the_wrong_order_told_at_the_offer_made_at_once_moves_the_case_and_offers_anew(db: str) -> None:
    from outreach.cases.conversation import move_to_order

    buyer, glasses = _glasses()
    _, vase = make_order(buyer_id=buyer, title="透明玻璃花瓶 30cm", unit="个", quantity=1, unit_price_fen=4590,
                         kind="home", live_seafood=False, shipped_at=utcnow() - timedelta(days=2),
                         delivered_at=utcnow() - timedelta(hours=3))
    step = start_on_order(buyer, glasses) if raise_problem(buyer, "东西碎了一个", "damaged",
                                                           confidence=1000).kind == "pick_order" else None
    assert step is not None and step.kind == "offer"
    moved = move_to_order(step.case_id, buyer, "不对 点错了 杯子好好的 碎的是那个花瓶")
    assert moved is not None and moved.kind == "offer" and moved.offer.amount_fen == 4590
    assert [(c.order_id, c.category) for c in cases_of(buyer)] == [(vase, "damaged")]
    accept(moved.case_id, buyer, moved.offer_index or 0)
    assert move_to_order(moved.case_id, buyer, "不对 是杯子那单") is None  # settled: it stays


def test_a_buyer_who_only_says_all_is_well_gets_a_closed_no_problem_case_on_that_order(db: str) -> None:
    from outreach.cases.conversation import note_all_fine

    buyer, order = _glasses()
    case_id = note_all_fine(buyer, "杯子收到了 一个没破 包得挺好 跟你们说一声")
    assert case_id is not None
    (case,) = cases_of(buyer)
    assert (case.id, case.order_id, case.category, case.status) == (case_id, order, "no_problem", "closed")
    # several orders and words that name none of them: kept as feedback, no case
    make_order(buyer_id=buyer, title="羊毛围巾", kind="apparel", live_seafood=False)
    assert note_all_fine(buyer, "都收到了 挺好的 谢谢") is None and len(cases_of(buyer)) == 1
    with session_scope() as session:
        kept = session.execute(select(Feedback.category).where(Feedback.buyer_id == buyer)).scalars().all()
    assert kept == ["no_problem", "no_problem"]


def _kinds(case_id: int) -> list[str]:
    from outreach.store.models import CaseEvent

    with session_scope() as session:
        return list(session.execute(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)).scalars())
