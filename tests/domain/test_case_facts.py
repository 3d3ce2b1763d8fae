"""The facts the rules read for a case, and for a further problem told of another order."""

from __future__ import annotations

from datetime import timedelta

from outreach.rules.facts import case_facts, facts_for_order
from outreach.store.db import session_scope
from outreach.store.models import Case
from outreach.store.types import utcnow
from tests.factories import make_case, make_order


def test_a_problem_told_of_another_order_is_read_with_that_order_s_goods_and_dates(any_db: str) -> None:
    case_id, buyer_id, order_id = make_case("spoiled")
    _, other = make_order(buyer_id=buyer_id, title="纯棉袜子 10双装", kind="apparel", unit_price_fen=3990,
                          quantity=1, unit="包", live_seafood=False, shipped_at=None, delivered_at=None)
    with session_scope() as session:
        case = session.get(Case, case_id)
        own = case_facts(session, case)
        told = facts_for_order(session, case, other, "not_shipped")
        assert session.get(Case, case_id).order_id == order_id  # the case itself is untouched
    assert (own.label, own.item_kind, own.unit_price_fen) == ("spoiled", "seafood", 3980)
    assert (told.label, told.item_kind, told.unit_price_fen, told.quantity) == ("not_shipped", "apparel", 3990, 1)
    assert told.shipped_at is None and told.delivered_at is None and told.affected_quantity is None
    assert told.line_total_fen == 3990 and told.line_refunded_fen == 0
    assert abs(told.reported_at - utcnow()) < timedelta(minutes=1)
