"""Exactly-once payouts, the approval queue and the payment adapter, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from outreach.cases.conversation import accept, choose_problem, give_affected_quantity
from outreach.inbox.messages import since
from outreach.lifecycle.approvals import ApprovalError, decide, pending
from outreach.rules import payments
from outreach.rules.payments import PaymentReceipt, PaymentRequest
from outreach.store.db import session_scope
from outreach.store.models import Approval, Case, CaseEvent, Payment, Remedy
from tests.factories import make_case

QUIET_HOURS = 48  # limits.yml: satisfaction.quiet_hours


def crab_refund_on_offer() -> tuple[int, str]:
    """10 live crabs at 39.80 yuan, 3 dead, confirmed: the 119.40-yuan share refund is on offer."""
    case_id, buyer_id, _ = make_case("spoiled")
    choose_problem(case_id, buyer_id, "spoiled", "confirmed")
    assert give_affected_quantity(case_id, buyer_id, 3).offer.amount_fen == 11940
    return case_id, buyer_id


def fake_lipstick_accepted() -> tuple[int, str, int]:
    """A 320-yuan lipstick from a 信任购 shop is fake; the buyer accepts 假一赔十: a person must verify."""
    case_id, buyer_id, _ = make_case("counterfeit", title="大牌口红 正品保证", kind="cosmetics", unit_price_fen=32000,
                                     quantity=1, unit="支", live_seafood=False, trust_badge=True)
    assert choose_problem(case_id, buyer_id, "counterfeit", "confirmed").offer.rule_id == "counterfeit_ten_times"
    step = accept(case_id, buyer_id, 0)
    assert step.kind == "pending_approval" and step.extra["amount"] == "3200"
    with session_scope() as session:
        approval_id = session.execute(select(Approval.id).where(Approval.case_id == case_id)).scalar_one()
    return case_id, buyer_id, approval_id


def rows(model, **where) -> list:
    with session_scope() as session:
        query = select(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return list(session.execute(query).scalars())


def test_two_hundred_concurrent_accepts_pay_exactly_once(any_db: str) -> None:
    case_id, buyer_id = crab_refund_on_offer()
    threads = 200
    start = threading.Barrier(threads)

    def press_accept(_: int):
        start.wait(timeout=60)
        return accept(case_id, buyer_id, 0)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        steps = list(pool.map(press_accept, range(threads)))

    assert [s.kind for s in steps] == ["executed"] * threads
    assert sum(not s.already_done for s in steps) == 1
    assert [(r.rule_id, r.amount_fen, r.status) for r in rows(Remedy, case_id=case_id)] == [
        ("spoiled_share_refund", 11940, "executed")]
    paid = rows(Payment, case_id=case_id)
    assert [(p.amount_fen, p.provider, p.idempotency_key, p.rule_id) for p in paid] == [
        (11940, "ledger", f"case:{case_id}:remedy", "spoiled_share_refund")]
    assert [row.status for row in rows(Case, id=case_id)] == ["resolved"]


def test_a_re_ship_is_recorded_but_pays_nothing(any_db: str) -> None:
    case_id, buyer_id = crab_refund_on_offer()
    from outreach.cases.conversation import decline

    decline(case_id, buyer_id, 0)
    assert accept(case_id, buyer_id, 1).kind == "executed"
    assert rows(Payment, case_id=case_id) == []
    assert [r.rule_id for r in rows(Remedy, case_id=case_id)] == ["spoiled_reship_share"]


def test_a_legal_floor_waits_in_the_queue_and_an_approval_pays_once_and_tells_the_buyer(any_db: str) -> None:
    case_id, buyer_id, approval_id = fake_lipstick_accepted()
    with session_scope() as session:
        queued = pending(session)
    assert [(q["id"], q["rule"], q["amount_fen"], q["reasons"]) for q in queued] == [
        (approval_id, "counterfeit_ten_times", 320000, ["verification", "above_cap"])]
    assert rows(Payment, case_id=case_id) == []

    with session_scope() as session:
        decision = decide(session, approval_id, True, "lead_zhao", "鉴定报告确认为假货", quiet_hours=QUIET_HOURS)
    assert (decision.status, decision.paid_fen, decision.already_decided) == ("approved", 320000, False)
    with session_scope() as session:
        again = decide(session, approval_id, True, "lead_zhao", "重复点击", quiet_hours=QUIET_HOURS)
    assert again.already_decided is True
    with pytest.raises(ApprovalError, match="already approved"), session_scope() as session:
        decide(session, approval_id, False, "lead_qian", "改主意", quiet_hours=QUIET_HOURS)

    assert [(p.amount_fen, p.rule_id) for p in rows(Payment, case_id=case_id)] == [(320000, "counterfeit_ten_times")]
    case = rows(Case, id=case_id)[0]
    assert case.status == "resolved"
    assert rows(Remedy, case_id=case_id)[0].status == "executed"
    with session_scope() as session:
        told = [m["text"] for m in since(session, buyer_id)]
        kinds = list(session.execute(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)).scalars())
    assert any("3200元" in text and "审核通过" in text and "假一赔十" in text for text in told)
    assert kinds.count("remedy_approved") == 1
    with session_scope() as session:
        assert pending(session) == []


def test_after_an_approval_the_buyer_is_asked_to_rate_and_the_answer_is_kept(any_db: str) -> None:
    from outreach.cases.conversation import awaiting_rating, rate

    case_id, buyer_id, approval_id = fake_lipstick_accepted()
    assert awaiting_rating(case_id, buyer_id) is False  # nothing asked while a person decides
    with session_scope() as session:
        decide(session, approval_id, True, "lead_zhao", "鉴定报告确认为假货", quiet_hours=QUIET_HOURS)
    with session_scope() as session:
        last = since(session, buyer_id)[-1]
        assert "打个分" in last["text"]
        assert [b["payload"] for b in last["buttons"]][0] == '/rate{"rating": "5"}'
    assert awaiting_rating(case_id, buyer_id) is True
    assert rate(case_id, buyer_id, 5).extra["rating"] == 5
    assert awaiting_rating(case_id, buyer_id) is False


def test_a_rejection_pays_nothing_keeps_a_person_on_the_case_and_says_why(any_db: str) -> None:
    case_id, buyer_id, approval_id = fake_lipstick_accepted()
    with pytest.raises(ApprovalError, match="reason"), session_scope() as session:
        decide(session, approval_id, False, "lead_zhao", "  ", quiet_hours=QUIET_HOURS)
    with session_scope() as session:
        decide(session, approval_id, False, "lead_zhao", "鉴定为正品", quiet_hours=QUIET_HOURS)
    assert rows(Payment) == []
    assert rows(Remedy, case_id=case_id)[0].status == "rejected"
    case = rows(Case, id=case_id)[0]
    assert case.status == "handed_over" and "鉴定为正品" in case.handover_reason
    with session_scope() as session:
        assert any("鉴定为正品" in m["text"] and "未能通过" in m["text"] for m in since(session, buyer_id))
    with pytest.raises(ApprovalError, match="no approval 999"), session_scope() as session:
        decide(session, 999, True, "lead", "x", quiet_hours=QUIET_HOURS)


def test_a_buyer_with_many_refunds_in_90_days_needs_a_person(db: str) -> None:
    first, buyer_id = crab_refund_on_offer()
    accept(first, buyer_id, 0)
    for _ in range(2):
        other, _, _ = make_case("wrong_item", buyer_id=buyer_id, quantity=1, unit_price_fen=5000)
        choose_problem(other, buyer_id, "wrong_item", "confirmed")
        from outreach.cases.conversation import decline

        decline(other, buyer_id, 0)
        assert accept(other, buyer_id, 1).kind == "executed"  # the 2nd and 3rd refund are still automatic
    fourth, _, _ = make_case("wrong_item", buyer_id=buyer_id, quantity=1, unit_price_fen=5000)
    choose_problem(fourth, buyer_id, "wrong_item", "confirmed")
    step = decline(fourth, buyer_id, 0)
    assert step.offer.needs_approval and step.offer.approval_reasons == ("buyer_risk",)
    assert accept(fourth, buyer_id, 1).kind == "pending_approval"
    assert rows(Approval, case_id=fourth)[0].reasons == ["buyer_risk"]


def test_missing_platform_facts_send_the_case_to_a_person_without_guessing_money(db: str) -> None:
    case_id, buyer_id, _ = make_case("price_issue", quantity=1, unit_price_fen=12900, live_seafood=False)
    assert choose_problem(case_id, buyer_id, "price_issue", "confirmed").kind == "ask_issue"  # the buyer knows
    step = choose_problem(case_id, buyer_id, "price_issue", "corrected", issue="double_charge")
    assert step.kind == "handover"  # only the payment records know how much
    assert rows(Case, id=case_id)[0].handover_reason == "facts the rules need are missing: overcharge_fen"
    with session_scope() as session:
        session.get(Case, case_id).facts = {"issue": "double_charge", "overcharge_fen": 12900}
        session.get(Case, case_id).status = "contacted"
    offer = choose_problem(case_id, buyer_id, "price_issue", "confirmed")
    assert (offer.offer.rule_id, offer.offer.amount_fen) == ("price_double_charge_refund", 12900)


class RecordingProvider:
    """A stand-in for a real payment provider: remembers every request it got."""

    name = "fakepay"
    requests: list[PaymentRequest] = []

    def pay(self, request: PaymentRequest) -> PaymentReceipt:
        self.requests.append(request)
        return PaymentReceipt(provider_ref=f"fp-{len(self.requests)}")


def make_provider() -> RecordingProvider:
    return RecordingProvider()


def test_a_real_provider_plugs_in_by_configuration_and_gets_the_idempotency_key(db: str, monkeypatch) -> None:
    monkeypatch.setenv(payments.ADAPTER_ENV, f"{__name__}:make_provider")
    payments.adapter.cache_clear()
    RecordingProvider.requests = []
    try:
        case_id, buyer_id = crab_refund_on_offer()
        accept(case_id, buyer_id, 0)
        accept(case_id, buyer_id, 0)
    finally:
        payments.adapter.cache_clear()
    assert [(r.idempotency_key, r.amount_fen, r.rule_id) for r in RecordingProvider.requests] == [
        (f"case:{case_id}:remedy", 11940, "spoiled_share_refund")]
    assert [(p.provider, p.provider_ref) for p in rows(Payment, case_id=case_id)] == [("fakepay", "fp-1")]


@pytest.mark.parametrize("spec", ["no.such.module:make", f"{__name__}:missing", "tests"])
def test_a_payment_adapter_that_cannot_be_loaded_is_refused_with_the_setting_named(spec: str) -> None:
    with pytest.raises(payments.PaymentConfigError, match=payments.ADAPTER_ENV):
        payments.load_adapter(spec)


def test_payments_never_exceed_one_per_remedy(db: str) -> None:
    case_id, buyer_id = crab_refund_on_offer()
    accept(case_id, buyer_id, 0)
    with session_scope() as session:
        remedy = session.execute(select(Remedy).where(Remedy.case_id == case_id)).scalar_one()
        assert payments.pay_once(session, remedy).provider_ref == f"ledger:case:{case_id}:remedy"
        assert session.execute(select(func.count(Payment.id))).scalar_one() == 1


def test_an_accept_looks_up_the_ledger_once_and_pays_without_looking_for_a_payment(any_db: str) -> None:
    """The accept checks for a remedy before anything else; recording it does not look again, and a
    remedy recorded in the same transaction cannot be paid yet: the unique keys keep both to once."""
    from sqlalchemy import event

    from outreach.store.db import get_engine

    case_id, buyer_id = crab_refund_on_offer()
    reads: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith(("SELECT remedies.", "SELECT payments.")):  # a remedy or a payment read
            reads.append(statement.split(".")[0].split()[1])

    event.listen(get_engine(), "before_cursor_execute", note)
    try:
        step = accept(case_id, buyer_id, 0)
    finally:
        event.remove(get_engine(), "before_cursor_execute", note)
    assert step.kind == "executed" and not step.already_done
    assert reads == ["remedies"]
    assert [p.amount_fen for p in rows(Payment, case_id=case_id)] == [11940]
