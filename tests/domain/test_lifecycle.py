"""One owner of the case lifecycle: every move in the table is allowed, every other one is
refused with nothing changed, and two decisions at once never both win (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from outreach.cases.conversation import accept, choose_problem, decline
from outreach.inbox.messages import since
from outreach.lifecycle import consent, machine
from outreach.lifecycle.approvals import ApprovalError, decide
from outreach.lifecycle.states import TRANSITIONS, CaseStatus, EventKind
from outreach.store.db import session_scope
from outreach.store.models import Approval, Case, CaseEvent, Payment, Remedy
from outreach.store.types import utcnow
from outreach.workspace import desk
from tests.factories import make_case

ALL_MOVES = [(a, b) for a in CaseStatus for b in CaseStatus]
QUIET_HOURS = 48


def snapshot(case_id: int) -> tuple[str, int, int]:
    with session_scope() as session:
        case = session.get(Case, case_id)
        trail = session.execute(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id))
        return case.status, case.version, trail.scalar_one()


@pytest.mark.parametrize(("current", "target"), ALL_MOVES, ids=[f"{a.value}->{b.value}" for a, b in ALL_MOVES])
def test_every_move_of_the_table_is_allowed_and_every_other_one_refused_with_nothing_changed(
        db: str, current: CaseStatus, target: CaseStatus) -> None:
    case_id, _, _ = make_case(status=current.value)
    before = snapshot(case_id)
    if target in TRANSITIONS[current]:
        with session_scope() as session:
            machine.move(session, session.get(Case, case_id), target, EventKind.STAFF_ACTION, note="walk")
        status, version, trail = snapshot(case_id)
        assert (status, version, trail) == (target.value, before[1] + 1, before[2] + 1)
        with session_scope() as session:
            last = session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                   .order_by(CaseEvent.id.desc()).limit(1)).scalar_one()
            assert last.detail == {"from": current.value, "to": target.value, "note": "walk"}
    else:
        with pytest.raises(machine.IllegalTransition, match=f"from {current.value} to {target.value}") as refused:
            with session_scope() as session:
                machine.move(session, session.get(Case, case_id), target, EventKind.STAFF_ACTION)
        assert "不能变为" in refused.value.zh
        assert snapshot(case_id) == before


def test_every_status_can_be_left_and_closed_cases_only_reopen_for_a_person() -> None:
    assert set(TRANSITIONS) == set(CaseStatus)
    assert TRANSITIONS[CaseStatus.CLOSED] == {CaseStatus.HANDED_OVER}
    assert all(TRANSITIONS[status] - {status} for status in CaseStatus)  # no status is a dead end
    # Back to new only when a call could not be made and the chat is tried instead.
    assert {s for s in CaseStatus if CaseStatus.NEW in TRANSITIONS[s]} == {CaseStatus.CALLING, CaseStatus.CONTACTED}


def test_a_decision_on_a_case_that_moved_on_since_it_was_read_is_refused(any_db: str) -> None:
    case_id, _, _ = make_case(status="handed_over")
    with session_scope() as first, session_scope() as second:
        seen_by_first = first.get(Case, case_id)
        seen_by_second = second.get(Case, case_id)
        assert seen_by_second.version == seen_by_first.version
    with session_scope() as session:
        machine.move(session, session.merge(seen_by_first), CaseStatus.CLAIMED, EventKind.CLAIMED)
    with pytest.raises(machine.StaleCase), session_scope() as session:
        stale = session.merge(seen_by_second, load=False)
        machine.move(session, stale, CaseStatus.CLOSED, EventKind.CLOSED)
    assert snapshot(case_id)[0] == "claimed"


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; each result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the test looks at what each one got
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def claim_as(case_id: int, name: str) -> Callable[[], str]:
    def call() -> str:
        with session_scope() as session:
            desk.claim(session, case_id, desk.Staff(name, name, "agent"), utcnow())
        return name
    return call


def test_two_agents_claiming_at_once_one_wins_the_other_is_refused(any_db: str) -> None:
    for _ in range(3):
        case_id, _, _ = make_case(status="handed_over")
        results = at_once(claim_as(case_id, "agent-li"), claim_as(case_id, "agent-wang"))
        winners = [r for r in results if isinstance(r, str)]
        losers = [r for r in results if not isinstance(r, str)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert isinstance(losers[0], (machine.StaleCase, desk.DeskError))
        with session_scope() as session:
            case = session.get(Case, case_id)
            assert (case.status, case.agent) == ("claimed", winners[0])
            claims = session.execute(select(CaseEvent.detail).where(
                CaseEvent.case_id == case_id, CaseEvent.kind == "claimed")).scalars().all()
            assert [c["staff"] for c in claims] == winners


def lipstick_waiting_for_approval() -> tuple[int, str, int]:
    case_id, buyer_id, _ = make_case("wrong_item", title="羊绒大衣 M码 驼色", kind="apparel", unit_price_fen=89900,
                                     quantity=1, unit="件", live_seafood=False)
    choose_problem(case_id, buyer_id, "wrong_item", "confirmed")
    decline(case_id, buyer_id, 0)
    assert accept(case_id, buyer_id, 1).kind == "pending_approval"
    with session_scope() as session:
        approval_id = session.execute(select(Approval.id).where(Approval.case_id == case_id)).scalar_one()
    return case_id, buyer_id, approval_id


def decide_as(approval_id: int, approve: bool, lead: str) -> Callable[[], str]:
    def call() -> str:
        with session_scope() as session:
            decide(session, approval_id, approve, lead, "核实完毕", quiet_hours=QUIET_HOURS)
        return "approved" if approve else "rejected"
    return call


def test_approve_against_reject_of_one_remedy_at_once_exactly_one_wins(any_db: str) -> None:
    for _ in range(3):
        case_id, buyer_id, approval_id = lipstick_waiting_for_approval()
        results = at_once(decide_as(approval_id, True, "lead_zhao"), decide_as(approval_id, False, "lead_qian"))
        winners = [r for r in results if isinstance(r, str)]
        assert len(winners) == 1, results
        assert isinstance(next(r for r in results if not isinstance(r, str)), ApprovalError)
        with session_scope() as session:
            approval = session.get(Approval, approval_id)
            remedy = session.get(Remedy, approval.remedy_id)
            case = session.get(Case, case_id)
            paid = session.execute(select(func.count()).select_from(Payment).where(Payment.case_id == case_id))
            notices = [m for m in since(session, buyer_id) if "审核" in m["text"] or "未能通过" in m["text"]]
            assert approval.status == winners[0]
            if winners[0] == "approved":
                assert (remedy.status, paid.scalar_one(), case.status) == ("executed", 1, "resolved")
            else:
                assert (remedy.status, paid.scalar_one(), case.status) == ("rejected", 0, "handed_over")
            assert len(notices) == 1, notices


def test_an_opt_out_closes_a_claimed_hand_over_and_cancels_its_call_and_closes_a_settled_case(any_db: str) -> None:
    claimed, buyer_id, _ = make_case(status="handed_over")
    settled, _, _ = make_case("late_delivery", status="resolved", buyer_id=buyer_id)
    with session_scope() as session:
        desk.claim(session, claimed, desk.Staff("agent-li", "李", "agent"), utcnow())
    assert consent.asks_to_stop("别再联系我！") and consent.asks_to_stop("TD") and consent.asks_to_stop("以后别找我了")
    assert not consent.asks_to_stop("螃蟹死了，联系一下商家") and not consent.asks_to_stop("")
    with session_scope() as session:
        assert consent.opt_out(session, buyer_id, "别再联系我") == 2
    with session_scope() as session:
        case = session.get(Case, claimed)
        assert (case.status, case.closed_reason, case.agent, case.open_key) == ("closed", "opted_out", None, None)
        # settled and waiting for its rating: closed, the rating never asked now
        assert (session.get(Case, settled).status, session.get(Case, settled).closed_reason) == ("closed", "opted_out")
        assert consent.is_opted_out(session, buyer_id)
    with pytest.raises(desk.DeskError, match="not_claimed"), session_scope() as session:
        desk.reply(session, claimed, desk.Staff("agent-li", "李", "agent"), "您好")
    with session_scope() as session:
        assert consent.opt_in(session, buyer_id) is True
        assert not consent.is_opted_out(session, buyer_id)


def test_the_architecture_diagram_draws_exactly_the_table() -> None:
    from outreach.settings import PROJECT_ROOT

    text = (PROJECT_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    diagram = text.split("```mermaid", 1)[1].split("```", 1)[0]
    drawn = {tuple(line.strip().split(" --> ")) for line in diagram.splitlines() if " --> " in line}
    table = {(a.value, b.value) for a in CaseStatus for b in TRANSITIONS[a]} | {("[*]", "new")}
    assert drawn == table


def test_no_module_but_the_lifecycle_writes_a_case_status() -> None:
    import re

    from outreach.settings import PROJECT_ROOT

    writes = re.compile(r"\bcase\.status\s*=[^=]|\bcase\.status\s*,[^\n]*=\s*\"|update\(Case\)[^\n]*status")
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{n}"
        for folder in ("outreach", "actions", "bot")
        for path in (PROJECT_ROOT / folder).rglob("*.py")
        if "lifecycle" not in path.parts and "migrations" not in path.parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if writes.search(line)
    ]
    assert offenders == []


def test_the_platform_records_an_opt_out_and_an_opt_in_from_the_command_line(db: str) -> None:
    import json
    import subprocess
    import sys

    from outreach.settings import PROJECT_ROOT

    case_id, buyer_id, _ = make_case(status="handed_over")

    def cli(*args: str) -> dict[str, Any]:
        done = subprocess.run([sys.executable, "-m", "outreach.cli", "buyer", *args, "--json"], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    assert cli("opt-out", buyer_id, "--reason", "电话里说不要再联系") == {"buyer_id": buyer_id, "cases_closed": 1}
    assert snapshot(case_id)[0] == "closed"
    assert cli("opt-in", buyer_id) == {"buyer_id": buyer_id, "opted_in": True}
    with session_scope() as session:
        assert not consent.is_opted_out(session, buyer_id)


def test_a_pause_is_no_opt_out_and_goods_asked_for_are_no_silence() -> None:
    from outreach.lifecycle.consent import asks_to_stop, asks_to_wait

    for pause in ("别催我，我想想", "先别烦我 在开车 一会儿说", "刚在炒菜呢 等我一下", "等会儿 我问问我老公"):
        assert asks_to_wait(pause) and not asks_to_stop(pause), pause
    assert not asks_to_stop("券也不要钱也不要 再给我发2只活的")
    for stop in ("以后别再联系我了", "别再给我发消息了", "别再找我了 再发我就拉黑"):
        assert asks_to_stop(stop) and not asks_to_wait(stop), stop


def test_stopping_messages_said_as_pushes_or_of_this_kind() -> None:
    from outreach.lifecycle.consent import asks_to_stop

    assert asks_to_stop("不需要 以后也不要再给我推这些消息") and asks_to_stop("不打分了 以后这类消息别再发给我")
    assert asks_to_stop("分就不打了 以后别给我推这些了") and asks_to_stop("别再推送了")
    # pushing off blame is no opt-out
    assert not asks_to_stop("别推卸责任 赶紧退钱") and not asks_to_stop("你们别推脱了") and not asks_to_stop("别推荐了")


def test_a_move_stores_its_changes_whether_given_or_worked_out_by_the_database(any_db: str) -> None:
    case_id, _, _ = make_case(status="offering")
    with session_scope() as session:
        case = session.get(Case, case_id)
        machine.move(session, case, CaseStatus.HANDED_OVER, EventKind.HANDED_OVER,
                     changes={"handover_reason": "given", "agent": None, "severity": Case.severity + 1})
        assert (case.status, case.handover_reason, case.severity) == ("handed_over", "given", 4)
    with session_scope() as session:
        stored = session.get(Case, case_id)
        assert (stored.status, stored.handover_reason, stored.agent, stored.severity) == ("handed_over", "given",
                                                                                          None, 4)
        machine.move(session, stored, CaseStatus.CLAIMED, None, changes={"agent": "lin", "handover_reason": None})
    assert snapshot(case_id)[:2] == ("claimed", 2)
    with session_scope() as session:
        assert (session.get(Case, case_id).agent, session.get(Case, case_id).handover_reason) == ("lin", None)
