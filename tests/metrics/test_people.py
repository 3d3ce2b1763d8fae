"""The people who take over, measured: time to the first human reply, the hand-over resolution
rate and the reopen rate, overall and by agent, in `outreach metrics` and on the leads' page."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

from outreach.cases.conversation import rate
from outreach.dashboard.accounts import StaffMember
from outreach.dashboard.views import overview_page
from outreach.metrics.filters import parse_filters
from outreach.metrics.report import metrics_report
from outreach.settings import PROJECT_ROOT
from outreach.store.db import session_scope
from outreach.store.models import CaseEvent
from outreach.store.types import utcnow
from outreach.workspace import desk
from tests.factories import make_case

LI = desk.Staff("agent-li", "李客服", "agent")
WANG = desk.Staff("agent-wang", "王客服", "agent")


def handed_over(minutes_ago: int) -> tuple[int, str]:
    case_id, buyer_id, _ = make_case(status="handed_over")
    with session_scope() as session:
        session.add(CaseEvent(case_id=case_id, kind="handed_over", detail={"reason": "转人工"},
                              created_at=utcnow() - timedelta(minutes=minutes_ago)))
    return case_id, buyer_id


def test_reply_time_resolution_and_reopen_rate_by_agent(db: str) -> None:
    reopened, buyer = handed_over(10)
    closed, _ = handed_over(4)
    handed_over(1)  # nobody has taken it yet
    now = utcnow()
    with session_scope() as session:
        desk.claim(session, reopened, LI, now)
        desk.reply(session, reopened, LI, "您好，我来处理")
        desk.hand_back(session, reopened, LI, now, quiet_hours=48)
        desk.claim(session, closed, WANG, now)
        desk.reply(session, closed, WANG, "您好")
        desk.close(session, closed, WANG, "no_action_needed", now)
    assert rate(reopened, buyer, 1).extra["low"] is True  # back to a person: reopened, settled by agent-li

    report = metrics_report(parse_filters({}))
    people = report["people"]
    assert people["total"]["handed_over"] == 3
    assert people["total"]["handover_resolution_rate"] == 33.3  # one of three settled by a person
    assert people["total"]["reopen_rate"] == 100.0
    assert 4.0 <= people["total"]["minutes_to_first_human_reply"] <= 8.0  # median of ~10 and ~4 minutes
    by_agent = {a["agent"]: a for a in people["agents"]}
    assert by_agent["agent-li"] | {"minutes_to_first_reply": None} == {
        "agent": "agent-li", "name": "agent-li", "claimed": 1, "replied": 1, "minutes_to_first_reply": None,
        "resolved": 1,
        "resolution_rate": 100.0, "reopened": 1, "reopen_rate": 100.0}
    assert 9.5 <= by_agent["agent-li"]["minutes_to_first_reply"] <= 11
    assert (by_agent["agent-wang"]["resolved"], by_agent["agent-wang"]["reopen_rate"]) == (0, None)

    lead = StaffMember(1, "lead1", "张主管", "lead", "token")
    page = overview_page(lead, metrics_report(parse_filters({}), "label", None, ("day", "label", "channel",
                                                                                  "merchant", "badge")),
                         {}, [], "/x")
    assert 'data-metric="handover_resolution_rate">33.3%' in page and "agent-li" in page and "重开率" in page

    cli = subprocess.run([sys.executable, "-m", "outreach.cli", "metrics", "--json"], cwd=PROJECT_ROOT,
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["people"] == json.loads(json.dumps(people))
