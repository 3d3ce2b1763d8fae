"""Dashboard accounts for the demo: one support lead and one agent, with fresh passwords."""

from __future__ import annotations

from outreach.dashboard.accounts import add_user, new_password


def seed_staff() -> dict[str, str]:
    lead, agent = new_password(), new_password()
    add_user("lead", "lead", lead, "张主管")
    add_user("agent", "agent", agent, "李客服")
    return {"dashboard_lead": f"lead / {lead}", "dashboard_agent": f"agent / {agent}"}
