"""The demo data makes sense, so every figure on the dashboard traces to cases that do: each
payout is what the rules give for its case, times run in order, feedback is about the item
bought, praise never becomes a case, comments carry no markup."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from outreach.demo.fit import fits
from outreach.demo.seed import load_seed_file, seed
from outreach.diagnosis.taxonomy import NO_PROBLEM
from outreach.rules.engine import quote
from outreach.rules.facts import case_facts
from outreach.rules.loader import rules
from outreach.settings import PROJECT_ROOT, get_settings
from outreach.store import db as store_db
from outreach.store.db import session_scope
from outreach.store.models import Case, Feedback, Order, OrderItem, Remedy, Satisfaction
from tests.conftest import use_database


@pytest.fixture(scope="module")
def texts() -> dict[str, Any]:
    return load_seed_file("feedback_texts.yml")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One demo for the module's checks (they only read it): seeding plays every past case."""
    folder = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        use_database(patch, folder, f"sqlite:///{folder / 'outreach.db'}")
        yield seed()
        store_db.dispose_all()
        get_settings.cache_clear()


def test_every_payout_is_what_the_rules_give_for_its_case(seeded: dict[str, Any]) -> None:
    book = rules()
    with session_scope() as session:
        paid = session.execute(select(Remedy, Case).join(Case, Case.id == Remedy.case_id)
                               .where(Remedy.status == "executed")).all()
        assert len(paid) >= 20
        for remedy, case in paid:
            offers = {o.rule_id: o for o in quote(case_facts(session, case, book, now=remedy.created_at), book).offers}
            assert remedy.rule_id in offers, (case.id, remedy.rule_id, list(offers))
            assert remedy.amount_fen == offers[remedy.rule_id].amount_fen, (case.id, remedy.rule_id)
            assert book.label_of(remedy.rule_id) == case.category


def test_times_run_in_order(seeded: dict[str, Any]) -> None:
    with session_scope() as session:
        for order in session.execute(select(Order)).scalars():
            if order.shipped_at is not None:
                assert order.paid_at < order.shipped_at, order.id
            if order.delivered_at is not None:
                assert order.shipped_at is not None and order.shipped_at < order.delivered_at, order.id
        for case, paid in session.execute(select(Case, Order.paid_at).join(Order, Order.id == Case.order_id)):
            assert paid < case.created_at, case.id
            for later in (case.first_contact_at, case.resolved_at, case.closed_at):
                assert later is None or case.created_at <= later, case.id
        for feedback, paid in session.execute(select(Feedback, Order.paid_at).join(Order)):
            assert paid < feedback.created_at, feedback.external_id


def test_feedback_is_about_the_item_bought_and_praise_is_never_a_case(seeded: dict[str, Any],
                                                                       texts: dict[str, Any]) -> None:
    catalog = load_seed_file("catalog.yml")
    by_title = {p["title"]: p for kind in catalog if kind not in ("merchants", "nouns") for p in catalog[kind]}
    praise = {t for group in texts[NO_PROBLEM].values() for t in group or []}
    with session_scope() as session:
        rows = session.execute(select(Feedback, OrderItem).join(OrderItem, OrderItem.order_id == Feedback.order_id)
                               ).all()
        assert len(rows) >= 150
        for feedback, item in rows:
            of_kind = {t for group in texts.values() for t in group.get(item.kind) or []}
            assert feedback.text in of_kind, (feedback.text, item.kind)
            assert fits(feedback.text, by_title[item.title], catalog["nouns"][item.kind]), (feedback.text, item.title)
            if feedback.case_id is not None:
                assert feedback.text not in praise, feedback.text
        assert NO_PROBLEM not in set(session.execute(select(Case.category)).scalars())


def test_rating_comments_are_plain_text(seeded: dict[str, Any]) -> None:
    with session_scope() as session:
        comments = [c for c in session.execute(select(Satisfaction.comment)).scalars() if c]
    assert comments and not [c for c in comments if "<" in c or ">" in c]


def test_a_text_that_names_another_product_does_not_fit() -> None:
    orange = {"title": "赣南脐橙", "words": ["脐橙", "橙子"]}
    apple = {"title": "冰糖心苹果", "words": ["苹果", "冰糖心"]}
    nouns = ["苹果", "脐橙", "橙子", "冰糖心", "鱼", "三文鱼"]
    assert fits("脐橙汁水很多", orange, nouns) and not fits("脐橙汁水很多", apple, nouns)
    assert fits("包装很厚实", apple, nouns)  # names no product: fits any
    assert fits("三文鱼不新鲜", {"words": ["三文鱼", "鱼"]}, nouns)
    assert not fits("三文鱼不新鲜", {"words": ["鱼"]}, nouns)  # 鱼 inside 三文鱼 is not a name of its own


def test_a_phone_case_has_a_call_record_and_no_chat_before_it_and_the_bot_answers_within_seconds(
        seeded: dict[str, Any]) -> None:
    from outreach.store.models import CallTask, InboxMessage

    with session_scope() as session:
        past = session.scalars(select(Case).where(Case.first_contact_at.is_not(None),
                                                  Case.closed_reason.is_distinct_from("no_answer"))).all()
        called = [case for case in past if case.channel == "call"]
        chatted = [case for case in past if case.channel == "inapp"]
        assert called and chatted
        for case in called:
            task = session.scalars(select(CallTask).where(CallTask.case_id == case.id)).one()
            assert task.outcome == "reached" and task.notes and task.done_at <= (case.resolved_at or case.closed_at)
            # the talk was on the phone: the app carries at most what came after (an approval, the rating)
            assert all(m.created_at >= task.done_at for m in session.scalars(
                select(InboxMessage).where(InboxMessage.case_id == case.id))), case.id
        for case in chatted:
            messages = session.scalars(select(InboxMessage).where(InboxMessage.case_id == case.id)
                                       .order_by(InboxMessage.created_at, InboxMessage.id)).all()
            assert messages[0].sender == "bot"
            for before, after in zip(messages, messages[1:]):
                assert after.created_at >= before.created_at
                if before.sender == "buyer" and after.sender == "bot":
                    assert (after.created_at - before.created_at).total_seconds() <= 10, case.id


def _said_by_the_product() -> list[re.Pattern[str]]:
    """Every sentence the bot can send: the domain's responses and the rules file's messages,
    each as a pattern with its {values} open."""
    domain = {}
    for path in (PROJECT_ROOT / "bot" / "domain").glob("*.yml"):
        domain.update(yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {})
    book = rules()
    texts = [variant["text"] for variants in domain.values() for variant in variants if "text" in variant]
    texts += [book.handover_message, book.approval_message, book.rejection_message]
    return [re.compile(re.sub(r"\\\{\w+\\\}", ".+", re.escape(text)), re.S) for text in texts if text]


def test_past_chats_were_talked_through_by_the_conversation_logic(seeded: dict[str, Any]) -> None:
    """The chats are the product's: its steps in its order, its own sentences, the remedy the
    buyer accepted (or a person carried out) through the ledger."""
    from outreach.store.models import CaseEvent, InboxMessage

    patterns = _said_by_the_product()
    with session_scope() as session:
        chatted = session.scalars(select(Case).where(Case.channel == "inapp", Case.first_contact_at.is_not(None))
                                  ).all()
        assert len(chatted) >= 15
        for case in chatted:
            kinds = [e.kind for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                                     .order_by(CaseEvent.created_at, CaseEvent.id))]
            assert kinds.index("contacted") < kinds.index("conversation_opened") < kinds.index("problem_confirmed")
            remedy = session.scalars(select(Remedy).where(Remedy.case_id == case.id)).one_or_none()
            if remedy is not None and not remedy.reason.startswith("agent "):  # else a person carried it out
                assert kinds.index("problem_confirmed") < kinds.index("offered"), case.id
                assert remedy.reason.startswith("buyer accepted offer"), remedy.reason
            bot = session.scalars(select(InboxMessage.text).where(InboxMessage.case_id == case.id,
                                                                  InboxMessage.sender == "bot")).all()
            unknown = [text for text in bot if not any(p.fullmatch(text) for p in patterns)]
            assert unknown == [], case.id
