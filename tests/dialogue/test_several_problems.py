"""Several problems in one message are handled one after another, each in its own recorded case."""

from __future__ import annotations

from sqlalchemy import select

from outreach.cases.conversation import accept, choose_problem
from outreach.store.db import session_scope
from outreach.store.models import Case, CaseEvent, Remedy
from tests.factories import make_case


def test_a_wrong_colour_and_a_late_shipment_are_settled_one_after_the_other(any_db: str) -> None:
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


def test_a_health_reaction_named_with_a_yes_goes_to_a_person_first(any_db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=2)
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="是的 鱼有点臭 我老公吃了以后上吐下泻",
                          more=["spoiled", "health_reaction"])
    assert step.kind == "handover"
    with session_scope() as session:
        case = session.get(Case, case_id)
        assert (case.category, case.status) == ("health_reaction", "handed_over")


def test_another_word_for_the_state_of_the_same_goods_is_not_a_second_problem(any_db: str) -> None:
    case_id, buyer, _ = make_case("spoiled", quantity=1, unit="袋", unit_price_fen=3990, live_seafood=False,
                                  kind="food", title="速冻馄饨 800g")
    step = choose_problem(case_id, buyer, "spoiled", "confirmed", text="对 解冻了三分之一 馄饨全黏成一团了",
                          more={"spoiled": "解冻了三分之一", "quality_defect": "馄饨全黏成一团了"})
    done = accept(case_id, buyer, step.offer_index)
    assert done.kind == "executed" and "next" not in done.extra
    with session_scope() as session:
        assert "more_problems" not in (session.get(Case, case_id).facts or {})


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


def test_one_message_that_picks_a_remedy_for_each_problem_settles_both_as_picked(any_db: str) -> None:
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
