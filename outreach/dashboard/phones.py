"""A buyer's phone number on the dashboard. Only the agent working a booked call of the case
needs it: the agent who claimed that call (`outreach calls next --agent NAME`, NAME being
the agent's dashboard user name) may reveal the number, and each reveal is recorded as a
`phone_revealed` case event. Everyone else, leads included, sees 139****5678."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.dashboard.accounts import StaffMember
from outreach.inbox.privacy import mask_phone_number
from outreach.lifecycle import events
from outreach.lifecycle.states import EventKind
from outreach.store.db import session_scope
from outreach.store.models import Buyer, CallTask, Case


@dataclass(frozen=True)
class PhoneView:
    shown: str  # masked unless revealed
    may_reveal: bool
    revealed: bool = False


def _claimed_call(session: Session, case_id: int, member: StaffMember) -> CallTask | None:
    if member.role != "agent":
        return None
    return session.execute(
        select(CallTask).where(CallTask.case_id == case_id, CallTask.status == "claimed",
                               CallTask.agent == member.username).limit(1)
    ).scalar_one_or_none()


def _phone(session: Session, case_id: int) -> str | None:
    return session.execute(
        select(Buyer.phone).join(Case, Case.buyer_id == Buyer.id).where(Case.id == case_id)
    ).scalar_one_or_none()


def phone_view(case_id: int, member: StaffMember) -> PhoneView:
    with session_scope() as session:
        phone = _phone(session, case_id)
        return PhoneView(mask_phone_number(phone), bool(phone) and _claimed_call(session, case_id, member) is not None)


def reveal_phone(case_id: int, member: StaffMember) -> PhoneView | None:
    """The full number for the agent holding the case's claimed call, recorded; else None."""
    with session_scope() as session:
        call = _claimed_call(session, case_id, member)
        phone = _phone(session, case_id)
        if call is None or not phone:
            return None
        events.record(session, case_id, EventKind.PHONE_REVEALED, staff=member.username, task=call.id)
        return PhoneView(phone, True, revealed=True)
