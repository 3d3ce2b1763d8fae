"""The demo's past chats, played through the product's own conversation logic.

Each past case the scheduler put in the app is talked through as the assistant talks to a
buyer: the conversation's operations (outreach.cases.conversation) decide what happens, the
bot's words are the domain's responses for each step (outreach.dialogue.replies), the
remedy goes through the ledger, a hand-over is taken by the demo's agent at the workspace desk
(outreach.workspace.desk) and an approval by its lead. The store's clock is set to each
message's time (outreach.store.types.clock_at), so every row is dated as it happened: the
bot within seconds, the buyer after a while, a person after minutes.

What the buyer says is chosen ahead (how many were affected, whether they take the first
offer or ask for a person, their rating and last words); what follows is the product's.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.cases import conversation
from outreach.cases.conversation import Step
from outreach.dialogue.replies import Replies, fill, replies_for
from outreach.inbox import messages
from outreach.inbox.bot_texts import bot_response
from outreach.lifecycle import machine
from outreach.lifecycle.states import PERSON_HOLDS, CaseStatus, EventKind
from outreach.rules.loader import rules
from outreach.scheduling.policy import policy as scheduling_policy
from outreach.store.db import session_scope
from outreach.store.models import Approval, Case, Contact
from outreach.store.types import clock_at
from outreach.workspace import desk
from outreach.workspace.desk import Staff

T = TypeVar("T")

# The demo's dashboard accounts (outreach.demo.staff).
AGENT = Staff(username="agent", display_name="李客服", role="agent")
LEAD = Staff(username="lead", display_name="张主管", role="lead")

# The buyer's words (our own example texts).
CONFIRMS = ["是的", "对", "嗯，是这样", "对的，就是这个问题", "是"]
ACCEPTS = ["好的", "可以", "行", "可以，就这样吧", "好，谢谢"]
DECLINES = ["能换个方案吗", "不太想要这个，还有别的办法吗"]
WANTS_PERSON = ["我想找人工客服", "转人工吧"]
AGENT_GREETINGS = ["您好，我是平台客服李客服，您的问题我来跟进处理。",
                   "您好，我接手处理您的问题，请稍等，我核实一下订单。"]
ENDINGS = {True: ["好的，谢谢，处理得挺快的", "行，这样可以，谢谢", "好的没问题了", "谢谢客服，辛苦了",
                  "退款收到了，挺好"],
           False: ["还是很生气，东西根本没法用", "这么处理我不满意，太敷衍了", "等了这么久才给这点，太差劲了",
                   "赔这么少，我要投诉", "算了，以后不会再买了"]}
COMMENTS = ["处理很快，点赞", "客服很耐心", "退款到账了，谢谢", "希望商家以后包装好一点", "等了挺久才有人联系",
            "还行，下次注意"]


@dataclass(frozen=True)
class BuyerPlan:
    """What this buyer will say, decided ahead."""

    affected: int  # how many pieces went wrong, when asked
    declines_first: bool  # asks for another remedy than the first offered
    wants_person: bool  # asks for a person instead of the offer
    rating: int | None  # None: never answers the rating question
    ended_satisfied: bool
    comment: str | None
    recommend: int | None


def decide_buyer(rng: random.Random, quantity: int, trust: bool) -> BuyerPlan:
    rating = rng.choices([1, 2, 3, 4, 5], weights=[2, 3, 8, 30, 57] if trust else [5, 6, 12, 32, 45])[0]
    answers = rng.random() < 0.8
    return BuyerPlan(
        affected=rng.randint(1, quantity),
        declines_first=rng.random() < 0.1,
        wants_person=rng.random() < 0.08,
        rating=rating if answers else None,
        ended_satisfied=(rating >= 4) if rng.random() < 0.85 else (rating < 4),  # words and rating mostly agree
        comment=rng.choice(COMMENTS) if rng.random() < 0.3 else None,
        recommend=max(0, min(10, rating * 2 + rng.choice([-2, -1, 0, 0, 1]))) if rng.random() < 0.7 else None,
    )


class Chat:
    """One past chat: the clock moves as each side takes its time; every message and every
    operation happens at its moment."""

    def __init__(self, rng: random.Random, case_id: int, buyer_id: str, start: datetime) -> None:
        self.rng, self.case_id, self.buyer_id, self.now = rng, case_id, buyer_id, start
        self.quiet_hours = scheduling_policy().limits.satisfaction.quiet_hours

    def _at(self, delay: timedelta, work: Callable[[], T]) -> T:
        self.now += delay
        with clock_at(self.now):
            return work()

    def bot_says(self, replies: Replies) -> None:
        texts = []
        for said in replies.said:
            if said.text is not None:
                texts.append((said.text, []))
            else:
                text, buttons = bot_response(said.response)
                buttons = [{**b, "payload": fill(b["payload"], said.params)} for b in buttons]
                texts.append((fill(text, said.params), said.params.get("buttons") or buttons))
        if replies.form is not None:  # the form asks for its slot with the domain's utter_ask_<slot>
            text, buttons = bot_response(f"utter_ask_{replies.form[1]}")
            texts.append((fill(text, dict(replies.slots)), buttons))
        if texts:
            self._at(timedelta(seconds=self.rng.uniform(1, 6)), lambda: self._append("bot", texts))

    def _append(self, sender: str, texts: list[tuple[str, list]], author: str | None = None) -> None:
        with session_scope() as session:
            messages.append_all(session, self.buyer_id, sender, texts, case_id=self.case_id, author=author)

    def buyer_says(self, text: str, then: Callable[[], T]) -> T:
        """The buyer answers after a while; the product acts on it at once."""
        def both() -> T:
            self._append("buyer", [(text, [])])
            return then()
        return self._at(timedelta(minutes=self.rng.uniform(0.5, 25)), both)

    def step(self, step: Step, unit: str) -> None:
        replies = replies_for(step)
        if step.kind == "ask_quantity":  # the form asks in the order's unit
            replies.slots.append(("unit", unit))
        self.bot_says(replies)
        if step.case_id != self.case_id:  # the next problem the buyer named, in its own case
            self.case_id = step.case_id

    def person(self, work: Callable[[Session], T], delay_minutes: tuple[float, float] = (5, 40)) -> T:
        """A person at the desk does something, a while later, in one transaction."""
        def run() -> T:
            with session_scope() as session:
                return work(session)
        return self._at(timedelta(minutes=self.rng.uniform(*delay_minutes)), run)


def open_chat(chat: Chat, first: datetime) -> conversation.Brief:
    """The scheduler's message went out and the chat opened (scheduling.dispatch records it so)."""
    def contact() -> conversation.Brief:
        with session_scope() as session:
            case = session.get(Case, chat.case_id)
            session.add(Contact(case_id=case.id, buyer_id=case.buyer_id, channel="inapp", status="accepted",
                                detail="conversation started", created_at=first))
            case.first_contact_at = first
            machine.move(session, case, CaseStatus.CONTACTED, EventKind.CONTACTED, channel="inapp",
                         worker="demo", detail="conversation started")
        return conversation.open_conversation(chat.case_id, chat.buyer_id)

    chat.now = first
    with clock_at(first):
        brief = contact()
    chat.bot_says(_opening(brief))
    return brief


def _opening(brief: conversation.Brief) -> Replies:
    replies = Replies()
    replies.say("utter_case_opening", order_title=brief.order_title, order_id=brief.order_id, label_zh=brief.label_zh)
    return replies


def play(rng: random.Random, case_id: int, buyer_id: str, first: datetime, buyer: BuyerPlan) -> datetime:
    """Talk the case through from the first message to the rating; returns when the chat ended."""
    chat = Chat(rng, case_id, buyer_id, first)
    brief = open_chat(chat, first)
    step = chat.buyer_says(rng.choice(CONFIRMS), lambda: conversation.choose_problem(
        chat.case_id, buyer_id, brief.label, "confirmed", text=None))
    declined = False
    for _ in range(12):  # a conversation has a handful of steps; never loop on a surprise
        chat.step(step, brief.unit)
        if step.kind == "ask_quantity":
            answer = f"{min(buyer.affected, brief.quantity)}{brief.unit}"
            step = chat.buyer_says(answer, lambda a=answer: conversation.give_affected(chat.case_id, buyer_id, a))
        elif step.kind == "ask_issue":
            issue = step.extra["choices"][0]
            step = chat.buyer_says(issue["title"], lambda i=issue["issue"], label=step.extra["label"]:
                                   conversation.choose_problem(chat.case_id, buyer_id, label, "confirmed", issue=i))
        elif step.kind == "offer" and buyer.wants_person:
            step = chat.buyer_says(rng.choice(WANTS_PERSON), lambda: conversation.hand_over(
                chat.case_id, buyer_id, "buyer asked for a person"))
        elif step.kind == "offer" and buyer.declines_first and not declined and step.remedies_left:
            declined = True
            step = chat.buyer_says(rng.choice(DECLINES), lambda i=step.offer_index or 0: conversation.decline(
                chat.case_id, buyer_id, i))
        elif step.kind == "offer":
            step = chat.buyer_says(rng.choice(ACCEPTS), lambda i=step.offer_index or 0: conversation.accept(
                chat.case_id, buyer_id, i))
        elif step.kind in ("ask_weight", "confirm"):  # the buyer cannot say: a person looks at it
            step = chat.buyer_says("这个我说不清楚，找人工看看吧", lambda: conversation.hand_over(
                chat.case_id, buyer_id, "buyer asked for a person"))
        else:
            break
    if step.kind == "pending_approval":
        _lead_approves(chat)
    elif step.kind == "handover" or _status(chat) in PERSON_HOLDS:
        _agent_settles(chat)
    survey(chat, buyer)
    return chat.now


def _status(chat: Chat) -> CaseStatus:
    with session_scope() as session:
        return CaseStatus(session.get(Case, chat.case_id).status)


def _lead_approves(chat: Chat) -> None:
    def approve(session: Session) -> None:
        approval = session.execute(select(Approval).where(Approval.case_id == chat.case_id,
                                                          Approval.status == "pending")).scalar_one_or_none()
        if approval is not None:
            desk.decide(session, approval.id, LEAD, True, "符合平台规则，同意赔付", chat.quiet_hours)
    chat.person(approve, (10, 90))


def _agent_settles(chat: Chat) -> None:
    """The agent claims the case, greets the buyer, and carries out the first remedy the rules allow
    (a lead approves it when it is above the automatic authority); with none, hands it back."""
    chat.person(lambda session: desk.claim(session, chat.case_id, AGENT, chat.now))
    chat.person(lambda session: desk.reply(session, chat.case_id, AGENT, chat.rng.choice(AGENT_GREETINGS)), (0.5, 3))

    def settle(session: Session) -> str | None:
        case = session.get(Case, chat.case_id)
        offers = desk.allowed_offers(session, case, rules())
        if not offers:
            desk.hand_back(session, chat.case_id, AGENT, chat.now, chat.quiet_hours)
            return None
        return desk.settle(session, chat.case_id, AGENT, offers[0].rule_id, rules(), chat.now,
                           chat.quiet_hours)["remedy"]

    if chat.person(settle, (2, 15)) == "pending_approval":
        _lead_approves(chat)


def survey(chat: Chat, buyer: BuyerPlan) -> None:
    """The buyer's last words, and their rating when the bot asked for one and they answer."""
    chat.buyer_says(chat.rng.choice(ENDINGS[buyer.ended_satisfied]), lambda: None)
    if buyer.rating is None or not conversation.awaiting_rating(chat.case_id, chat.buyer_id):
        return
    rating = buyer.rating
    said = f"{rating}分，{buyer.comment}" if buyer.comment else str(rating)
    step = chat.buyer_says(said, lambda: conversation.rate(chat.case_id, chat.buyer_id, rating, buyer.comment))
    chat.step(step, "")
    if step.kind == "rated" and step.extra.get("low"):  # a person follows up and closes it
        chat.person(lambda session: desk.claim(session, chat.case_id, AGENT, chat.now))
        chat.person(lambda session: desk.reply(session, chat.case_id, AGENT, "抱歉这次没让您满意，"
                                               "您的意见我们已经记下，会督促商家改进。"), (1, 10))
        chat.person(lambda session: desk.close(session, chat.case_id, AGENT, "resolved", chat.now), (1, 10))
    elif step.kind == "rated" and buyer.recommend is not None:
        score = buyer.recommend
        step = chat.buyer_says(str(score), lambda: conversation.recommend(chat.case_id, chat.buyer_id, score))
        chat.step(step, "")
