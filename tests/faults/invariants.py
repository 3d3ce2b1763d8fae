"""What must hold after a fault, read from the store, the payment provider's record and what
each buyer saw. Each check returns a list of violations (empty: it holds), so a failing test
names every buyer and case that went wrong at once.

The definitions:

- Exactly-once payouts: a buyer who tapped accept has exactly one executed remedy and one
  payment row for their case, with the offer's amount; a buyer who declined has none. The
  provider's record holds exactly the ledger's payment keys, each for the same amount
  (a repeated call with the same key is the same payout, as the provider contract says).
- No case stuck: every case of the scenario is settled for the conversation (closed after
  the rating, or handed over to a person); none is left new, contacted or offering, and no
  case is still leased to a scheduler worker (a dead worker's lease ran out and another
  worker recorded the contact).
- Contacted once: each buyer got exactly one opening message, however the workers died.
- Resumed or handed over: every conversation reached its end (rated or handed over).
- Never left in silence: every message a buyer sent got a bot answer, the busy notice, or an
  error text from the web server; never nothing.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from outreach.store.db import session_scope
from outreach.store.models import Case, InboxMessage, Payment, Remedy
from tests.faults.buyers import OPENING_MARK, Conversation
from tests.faults.payments_recorder import provider_payouts


def case_ids(buyers: list[str]) -> dict[str, int]:
    with session_scope() as session:
        rows = session.execute(select(Case.buyer_id, Case.id).where(Case.buyer_id.in_(buyers))).all()
    return {buyer: case_id for buyer, case_id in rows}


def payouts_exactly_once(conversations: dict[str, Conversation], offer_fen: int, provider_log: Path) -> list[str]:
    cases = case_ids(list(conversations))
    provider = provider_payouts(provider_log)
    problems = []
    with session_scope() as session:
        for buyer, conversation in conversations.items():
            case_id = cases[buyer]
            remedies = session.execute(select(Remedy).where(Remedy.case_id == case_id)).scalars().all()
            payments = session.execute(select(Payment).where(Payment.case_id == case_id)).scalars().all()
            keys = {k for k, p in provider.items() if p.case_id == case_id}
            if conversation.accepted_at is None:
                if remedies or payments or keys:
                    problems.append(f"{buyer} (case {case_id}) never accepted but has {len(remedies)} remedies, "
                                    f"{len(payments)} payments, provider keys {sorted(keys)}")
                continue
            got = [(r.status, r.amount_fen) for r in remedies], [p.amount_fen for p in payments]
            if got != ([("executed", offer_fen)], [offer_fen]):
                problems.append(f"{buyer} (case {case_id}) accepted: remedies/payments {got}, "
                                f"expected one executed remedy and one payment of {offer_fen} fen")
            ledger_keys = {p.idempotency_key for p in payments}
            if keys != ledger_keys:
                problems.append(f"{buyer} (case {case_id}): provider paid keys {sorted(keys)}, "
                                f"ledger has {sorted(ledger_keys)}")
            elif any(provider[k].amount_fen != p.amount_fen for k, p in zip(sorted(keys), payments)):
                problems.append(f"{buyer} (case {case_id}): provider and ledger amounts differ")
    return problems


SETTLED = {"rated": "closed", "handed_over": "handed_over"}


def no_case_stuck(conversations: dict[str, Conversation]) -> list[str]:
    problems = []
    with session_scope() as session:
        rows = session.execute(
            select(Case.id, Case.buyer_id, Case.status, Case.claimed_by, Case.claimed_until)
            .where(Case.buyer_id.in_(list(conversations)))
        ).all()
    for row in rows:
        expected = SETTLED.get(conversations[row.buyer_id].outcome)
        if row.status != expected:
            problems.append(f"case {row.id} of {row.buyer_id} is {row.status!r}, "
                            f"expected {expected!r} after the conversation ended "
                            f"{conversations[row.buyer_id].outcome!r}")
        if row.claimed_by is not None or row.claimed_until is not None:
            problems.append(f"case {row.id} is still leased to {row.claimed_by} until {row.claimed_until}")
    return problems


def contacted_once(buyers: list[str]) -> list[str]:
    with session_scope() as session:
        rows = dict(session.execute(
            select(InboxMessage.buyer_id, func.count(InboxMessage.id))
            .where(InboxMessage.buyer_id.in_(buyers), InboxMessage.sender == "bot",
                   InboxMessage.text.contains(OPENING_MARK))
            .group_by(InboxMessage.buyer_id)
        ).all())
    return [f"{buyer} got {rows.get(buyer, 0)} opening messages, expected 1"
            for buyer in buyers if rows.get(buyer, 0) != 1]


def resumed_or_handed_over(conversations: dict[str, Conversation]) -> list[str]:
    return [f"{c.buyer_id} did not finish: outcome {c.outcome}, last bot message {c.last_bot[:60]!r}, "
            f"turns {[t.kind for t in c.turns]}"
            for c in conversations.values() if c.outcome not in SETTLED]


def never_silent(conversations: dict[str, Conversation]) -> list[str]:
    return [f"{c.buyer_id} sent {t.sent!r} and saw nothing (HTTP {t.status})"
            for c in conversations.values() for t in c.turns if t.kind == "silent"]


def all_violations(conversations: dict[str, Conversation], offer_fen: int, provider_log: Path) -> list[str]:
    buyers = list(conversations)
    return (payouts_exactly_once(conversations, offer_fen, provider_log) + no_case_stuck(conversations)
            + contacted_once(buyers) + resumed_or_handed_over(conversations) + never_silent(conversations))
