"""Plays a corpus conversation (tests/support/conversations.py) through the running stack as a
buyer would, and checks the outcome from the store.

Set-up goes through the platform's own paths: orders through the import's validation and
storage, the flagged report as feedback with a case opened for it (`open_case_for`, as
triage does, with the label the conversation states), and the scheduler's `dispatch_once`,
which starts the chat through Rasa's HTTP API. The buyer then talks to the web server's
`/api/messages` with a signed token, typing text or tapping a button the bot showed.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy import select

from outreach.cases.triage import open_case_for
from outreach.diagnosis.severity import severity_of
from outreach.importing.jsonl import store_feedback, store_orders
from outreach.importing.schema import BuyerIn, FeedbackIn, ItemIn, OrderIn, ShopIn
from outreach.inbox import tokens
from outreach.lifecycle import consent
from outreach.rules.ledger import idempotency_key
from outreach.scheduling.dispatch import dispatch_once
from outreach.settings import Settings
from outreach.store.db import session_scope
from outreach.store.models import Buyer, Case, Feedback, OptOut, Order, Remedy, Satisfaction
from outreach.store.types import utcnow
from tests.support.conversations import Ask, Conversation, OrderSpec, Payload, Tap, ago
from tests.support.stack import Buyer as BuyerApp

HTTP_TIMEOUT_S = 90
# Never right in any conversation (issue 16): the platform speaks as 平台客服, not as the shop;
# "no problem" is not a problem to record; a template's placeholder never reaches the buyer.
NEVER_IN_ANY = ("本店", "「无问题」问题")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|订单数量 之间")


@dataclass
class Line:
    """One message of the transcript."""

    sender: str  # buyer, bot, system, agent, note (the player's own remark)
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    payload: str | None = None

    def show(self) -> str:
        who = {"buyer": "买家", "bot": "客服", "note": "  ##"}.get(self.sender, self.sender)
        tail = f"  [{self.payload}]" if self.payload else ""
        buttons = "  {" + " | ".join(b["title"] for b in self.buttons) + "}" if self.buttons else ""
        return f"    {who}: {self.text}{tail}{buttons}"


@dataclass
class Result:
    kind: str
    conversation: Conversation
    transcript: list[Line] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.differences

    def report(self) -> str:
        head = f"FAILED {self.kind}/{self.conversation.id}"
        if self.conversation.note:
            head += f" ({self.conversation.note})"
        lines = [head, "  what differed:"] + [f"    - {d}" for d in self.differences] + ["  transcript:"]
        return "\n".join(lines + [line.show() for line in self.transcript])


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _order_line(spec: OrderSpec, order_id: str, buyer: BuyerIn, now: datetime, n: int) -> OrderIn:
    item = spec.item
    shipped = None if spec.shipped is None else now - ago(spec.shipped)
    delivered = None if spec.delivered is None else now - ago(spec.delivered)
    return OrderIn(
        order_id=order_id, buyer=buyer,
        shop=ShopIn(id=f"{order_id}-S", name=spec.shop, trust_badge=spec.trust_badge,
                    merchant_id=f"{order_id}-M", merchant_name=spec.shop),
        items=[ItemIn(title=item.title, kind=item.kind, unit_price_fen=item.price_fen, quantity=item.quantity,
                      unit=item.unit, promises=item.promises, live_seafood=item.live_seafood,
                      current_unit_price_fen=item.current_price_fen)],
        total_fen=spec.total_fen, charged_fen=spec.charged_fen, paid_at=_iso(now - ago(spec.paid)),
        promised_ship_hours=spec.ship_hours, shipped_at=_iso(shipped), delivered_at=_iso(delivered),
    )


@dataclass
class World:
    """What the set-up stored for one conversation."""

    buyer_id: str
    order_ids: list[str]
    earlier_cases: set[int]


def set_up(conversation: Conversation, tag: str, settings: Settings) -> tuple[World, list[str]]:
    """Store the buyer, orders, history and flagged case; start the chat when one is flagged.
    Returns the world and any problem that stops the conversation before the buyer speaks."""
    now = utcnow()
    buyer_id = f"CV-{tag}"
    spec = conversation.buyer
    buyer = BuyerIn(id=buyer_id, name=spec.name, phone=spec.phone, age_band=spec.age_band,
                    last_app_active_at=_iso(now - timedelta(hours=1)))
    order_ids = [f"CV-{tag}-{n}" for n in range(len(conversation.orders or []))]
    lines = [_order_line(o, oid, buyer, now, n) for n, (o, oid) in enumerate(zip(conversation.orders or [], order_ids))]
    stored = store_orders(lines)
    if stored.errors:
        return World(buyer_id, order_ids, set()), [f"set-up: orders refused: {stored.errors}"]
    with session_scope() as session:
        session.get(Buyer, buyer_id).preferred_channel = "inapp"  # the corpus is about the chat
    _history(conversation, buyer_id, order_ids, now)
    with session_scope() as session:
        earlier = set(session.execute(select(Case.id).where(Case.buyer_id == buyer_id)).scalars())
    world = World(buyer_id, order_ids, earlier)
    if conversation.flag is None:
        return world, []
    return world, _flag_and_start(conversation, world, settings, now)


def _history(conversation: Conversation, buyer_id: str, order_ids: list[str], now: datetime) -> None:
    """What happened before: a case settled (its compensation paid) and rated ten days ago, or an opt-out."""
    if conversation.history == "closed_case":
        long_ago = now - timedelta(days=10)
        with session_scope() as session:
            case = Case(buyer_id=buyer_id, order_id=order_ids[0], open_key=None, suspected_category="late_delivery",
                        category="late_delivery", severity=4, status="closed", created_at=long_ago,
                        due_at=long_ago, first_contact_at=long_ago, resolved_at=long_ago, closed_at=long_ago,
                        closed_reason="rated")
            session.add(case)
            session.flush()
            # settled: its compensation was paid before the rating, as the ledger would show
            session.add(Remedy(case_id=case.id, idempotency_key=idempotency_key(case.id),
                               rule_id="late_ship_compensation", kind="compensation_percent", amount_fen=500,
                               status="executed",
                               reason="settled before the conversation (corpus history)", created_at=long_ago))
            session.add(Satisfaction(case_id=case.id, buyer_id=buyer_id, rating=4, created_at=long_ago))
    elif conversation.history == "opted_out":
        with session_scope() as session:
            consent.opt_out(session, buyer_id, "以后不要再给我发消息了", now - timedelta(days=5))


def _flag_and_start(conversation: Conversation, world: World, settings: Settings, now: datetime) -> list[str]:
    flag = conversation.flag
    assert flag is not None
    order_id = world.order_ids[flag.order]
    spec = (conversation.orders or [])[flag.order]
    reported = now - timedelta(minutes=30)
    if spec.delivered is not None:
        reported = max(now - ago(spec.delivered) + timedelta(minutes=30), now - ago(spec.paid))
        reported = min(reported, now - timedelta(minutes=5))
    if flag.reported is not None:
        reported = now - ago(flag.reported)
    result = store_feedback([FeedbackIn(feedback_id=f"{order_id}-F", buyer_id=world.buyer_id, order_id=order_id,
                                        source="review", text=flag.text, created_at=_iso(reported))])
    if result.errors:
        return [f"set-up: feedback refused: {result.errors}"]
    with session_scope() as session:
        feedback = session.execute(select(Feedback).where(Feedback.external_id == f"{order_id}-F")).scalar_one()
        order = session.get(Order, order_id)
        level = severity_of(flag.label, flag.text, age_band=conversation.buyer.age_band,
                            order_total_fen=order.total_fen).level
        feedback.category, feedback.severity, feedback.diagnosed_at = flag.label, level, now
        feedback.decision = "contact"
        case, _ = open_case_for(session, feedback, order, flag.label, level, "corpus")
        feedback.case_id = case.id
    asyncio.run(dispatch_once(settings))
    with session_scope() as session:
        case = session.execute(select(Case).where(Case.order_id == order_id)).scalars().first()
        if case.first_contact_at is None:
            return [f"set-up: the scheduler did not open the chat (case {case.status}, channel {case.channel}, "
                    f"{case.hold_reason or 'no reason'})"]
    return []


class App(BuyerApp):
    """The buyer's app, with a token issued in-process (the corpus has a buyer per conversation).
    A refused request is shown in the transcript, as the app shows it, and the conversation goes on."""

    def __init__(self, settings: Settings, buyer_id: str) -> None:
        super().__init__(settings, buyer_id, tokens.issue(settings.buyer_token_secret, buyer_id))

    def say(self, text: str, payload: str | None = None) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"text": text}
        if payload:
            body["payload"] = payload
        response = requests.post(f"{self.base}/api/messages", json=body, headers=self.headers,
                                 timeout=HTTP_TIMEOUT_S)
        if response.status_code != 200:
            try:
                said = response.json().get("error", "")
            except ValueError:
                said = response.text[:200]
            return [{"sender": "note", "text": f"HTTP {response.status_code}: {said}", "buttons": []}]
        return [m for m in response.json()["messages"] if m["sender"] != "buyer"]


def _to_lines(messages: list[dict[str, Any]]) -> list[Line]:
    return [Line(m["sender"], m["text"], list(m.get("buttons") or [])) for m in messages]


def play(kind: str, conversation: Conversation, settings: Settings, tag: str | None = None) -> Result:
    """Set up, play every turn, and compare the outcome with what the conversation expects."""
    started = utcnow()
    tag = tag or secrets.token_hex(4)
    result = Result(kind, conversation)
    world, problems = set_up(conversation, tag, settings)
    app = App(settings, world.buyer_id)
    result.transcript += _to_lines(app.inbox())
    if problems:
        result.differences += problems
        return result
    if conversation.flag is not None and not any(line.sender == "bot" for line in result.transcript):
        result.differences.append("the chat opened without a bot message")
        return result
    for turn in conversation.turns:
        text, payload = _turn(turn, result.transcript)
        if isinstance(turn, Tap) and payload is None:
            result.transcript.append(Line("note", f"no button with 「{turn.tap}」 was shown: typed instead"))
        open_buttons = _shown(result.transcript)
        result.transcript.append(Line("buyer", text, payload=payload))
        try:
            replies = _to_lines(app.say(text, payload))
        except requests.RequestException as exc:
            result.differences.append(f"the web server failed on 「{text}」: {exc}")
            return result
        result.transcript += replies
        if isinstance(turn, Ask):
            result.differences += _answered_and_back(text, open_buttons, replies, turn.answer)
    result.differences += check(conversation, world, result.transcript)
    result.seconds = (utcnow() - started).total_seconds()
    return result


def _shown(transcript: list[Line]) -> list[dict[str, str]]:
    """The buttons the bot's latest turn shows (the open question's); older ones are stale."""
    for line in reversed(transcript):
        if line.sender == "buyer":
            return []
        if line.sender == "bot" and line.buttons:
            return line.buttons
    return []


def _turn(turn: Any, transcript: list[Line]) -> tuple[str, str | None]:
    if isinstance(turn, str):
        return turn, None
    if isinstance(turn, Ask):
        return turn.ask, None
    if isinstance(turn, Payload):
        return turn.text or turn.payload, turn.payload
    button = next((b for b in _shown(transcript) if turn.tap in b["title"]), None)
    return (button["title"], button["payload"]) if button else (turn.tap, None)


def _answered_and_back(question: str, open_buttons: list[dict[str, str]], replies: list[Line],
                       answer: list[str]) -> list[str]:
    """An off-script question gets an answer (naming one of `answer`, when given), and the open
    question's buttons come back."""
    said = [line for line in replies if line.sender == "bot"]
    if not said:
        return [f"no answer to 「{question}」"]
    if answer and not any(word in line.text for line in said for word in answer):
        return [f"the reply to 「{question}」 does not answer it (none of {' / '.join(answer)})"]
    titles = [b["title"] for b in open_buttons]
    if titles and not any([b["title"] for b in line.buttons] == titles for line in said):
        shown = " | ".join(titles)
        return [f"after answering 「{question}」 the open question's buttons {{{shown}}} did not come back"]
    return []


def check(conversation: Conversation, world: World, transcript: list[Line]) -> list[str]:
    """What differs between the store (and the bot's words) and the expected outcome."""
    expect = conversation.expect
    differences: list[str] = []
    said = [line.text for line in transcript if line.sender == "bot"]
    for text in expect.says:
        if not any(text in s for s in said):
            differences.append(f"the bot never said 「{text}」")
    for text in (*expect.never_says, *(t for t in NEVER_IN_ANY if t not in expect.never_says)):
        hits = [s for s in said if text in s]
        if hits:
            differences.append(f"the bot said 「{text}」: 「{hits[0][:80]}」")
    unfilled = [s for s in said if PLACEHOLDER.search(s)]
    if unfilled:
        differences.append(f"a placeholder reached the buyer: 「{unfilled[0][:80]}」")
    with session_scope() as session:
        cases = [c for c in session.execute(select(Case).where(Case.buyer_id == world.buyer_id).order_by(Case.id))
                 .scalars() if c.id not in world.earlier_cases]
        ids = [c.id for c in cases]
        remedies = session.execute(select(Remedy).where(Remedy.case_id.in_(ids)).order_by(Remedy.id)).scalars().all()
        ratings = session.execute(select(Satisfaction.rating).where(Satisfaction.case_id.in_(ids))).scalars().all()
        opted = session.execute(select(OptOut.id).where(OptOut.buyer_id == world.buyer_id,
                                                        OptOut.revoked_at.is_(None))).first() is not None
        got_cases = [(c.id, c.category, c.status) for c in cases]
    if expect.cases is not None and len(cases) != expect.cases:
        differences.append(f"cases opened: expected {expect.cases}, got {len(cases)} {got_cases}")
    needs_case = expect.status is not None or expect.label is not None
    if needs_case and not cases:
        differences.append("no case was opened for the buyer")
    if expect.status is not None and cases and any(c.status != expect.status for c in cases):
        differences.append(f"status: expected {expect.status}, got {[c.status for c in cases]}")
    if expect.label is not None and cases and cases[0].category != expect.label:
        differences.append(f"label: expected {expect.label}, got {cases[0].category}")
    got = [(r.rule_id, r.amount_fen) for r in remedies]
    differences += _remedy_differences(expect, got)
    if expect.rating is not None:
        wanted = [] if expect.rating == "none" else [expect.rating]
        if sorted(ratings) != wanted:
            differences.append(f"rating: expected {expect.rating}, got {ratings or 'none'}")
    if expect.opted_out is not None and opted != expect.opted_out:
        differences.append(f"opted out: expected {expect.opted_out}, got {opted}")
    return differences


def _remedy_differences(expect: Any, got: list[tuple[str, int]]) -> list[str]:
    shown = ", ".join(f"{rule} {fen} fen" for rule, fen in got) or "none"
    if expect.remedies is not None:
        wanted = [(r.remedy, r.amount_fen) for r in expect.remedies]
        exact = Counter((rule, fen) for rule, fen in wanted if fen is not None)
        rules_only = Counter(rule for rule, fen in wanted if fen is None)
        left = Counter(got)
        ok = len(got) == len(wanted) and not (exact - left)
        left = left - exact
        ok = ok and not (rules_only - Counter(rule for rule, _ in left.elements()))
        return [] if ok else [f"remedies: expected {wanted}, got {shown}"]
    if expect.remedy is None:
        return []
    if expect.remedy == "none":
        return [] if not got else [f"remedy: expected none, got {shown}"]
    if len(got) != 1 or got[0][0] != expect.remedy:
        return [f"remedy: expected {expect.remedy}, got {shown}"]
    if expect.amount_fen is not None and got[0][1] != expect.amount_fen:
        return [f"amount: expected {expect.amount_fen} fen, got {got[0][1]} fen ({expect.remedy})"]
    return []
