"""What the assistant does in a care conversation, independent of Rasa.

Every operation names the case and the buyer who is talking; a buyer can only ever
move their own case. Each call is one transaction.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from outreach.cases import survey
from outreach.diagnosis.learned import LabelSource, record_label
from outreach.diagnosis.taxonomy import NO_PROBLEM, taxonomy
from outreach.diagnosis.weights import GRAMS, shortfall_percent, weights_in
from outreach.dialogue.amounts import (
    Affected,
    adds_pieces,
    corrects_itself,
    counts_the_good,
    read_affected,
    received_count,
)
from outreach.dialogue.remedy_words import (
    REMEDY_KINDS,
    gives_up_the_order,
    keeps_goods,
    read_remedy,
    refused_kinds,
    remedies_by_clause,
)
from outreach.dialogue.weighing import (
    read_weighing,
    says_weighed,
    takes_back_weighing,
    weighing_clauses,
    weighs_beyond_promise,
    whole_weighed_below,
)
from outreach.dialogue.words import CN_DIGITS, PIECE_WORDS, clauses_of, normalize, number_of, sums_told
from outreach.dialogue.yes_no import ends_accepting, goes_ahead, read_fine_after_all, rejects_offer
from outreach.lifecycle import consent, events, machine
from outreach.lifecycle import rating as satisfaction
from outreach.lifecycle.remedies import carry_out
from outreach.lifecycle.states import PERSON_HOLDS, RATABLE, CaseStatus, EventKind
from outreach.rules import ledger
from outreach.rules.engine import ASKABLE_FACTS, Offer, quote, yuan
from outreach.rules.facts import case_facts, facts_for_order, line_refunded_fen, main_item
from outreach.rules.loader import rules
from outreach.store.db import session_scope
from outreach.store.models import Case, CaseEvent, Feedback, Satisfaction
from outreach.store.types import utcnow

S = CaseStatus
TALKING = (S.NEW, S.CONTACTED, S.OFFERING)  # the bot may still change the problem and the offers
# How sure (per mille) the reading of a buyer's own first words must be for the problem to count
# as stated: the conversation then goes straight on to its question or offer, with no "对吗？".
STATED_SURELY = 800


class CaseNotFound(LookupError):
    pass


class NotYourCase(PermissionError):
    """The buyer talking does not own the case: nothing is read or changed."""


@dataclass(frozen=True)
class Brief:
    case_id: int
    order_id: str
    order_title: str
    label: str
    label_zh: str
    status: str
    unit: str
    quantity: int = 1


@dataclass(frozen=True)
class Step:
    """What the conversation does next.

    kind: offer | ask_quantity | ask_issue | ask_weight | handover | no_problem | executed | pending_approval |
          rated | recommended | closed
    """

    kind: str
    case_id: int
    offer: Offer | None = None
    offer_index: int | None = None
    remedies_left: int = 0
    message: str = ""
    already_done: bool = False
    extra: dict = field(default_factory=dict)


def _owned_case(session: Session, case_id: int | str | None, buyer_id: str, lock: bool = False) -> Case:
    try:
        key = int(case_id)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise CaseNotFound(f"no case {case_id!r}") from exc
    # The talking buyer's case in one statement (locked, when asked): the common case. A case
    # of another buyer is never locked, so the refusal below, logged in its own transaction,
    # never waits for a lock this one holds.
    found = session.execute(_LOCKED_CASE if lock else _CASE, {"key": key, "buyer": buyer_id}).scalar_one_or_none()
    if found is not None:
        return found
    owner = session.execute(select(Case.buyer_id).where(Case.id == key)).scalar_one_or_none()
    if owner is None:
        raise CaseNotFound(f"no case {case_id!r}")
    _log_refusal(key, buyer_id)
    raise NotYourCase(f"case {key} does not belong to the buyer talking")


# Built once: a statement built per call costs more CPU than its round trip.
_CASE = select(Case).where(Case.id == bindparam("key"), Case.buyer_id == bindparam("buyer"))
_LOCKED_CASE = _CASE.with_for_update()


def _log_refusal(case_id: int, buyer_id: str) -> None:
    """Kept in its own transaction: the caller's is rolled back by the refusal."""
    with session_scope() as session:
        events.record(session, case_id, EventKind.ACCESS_REFUSED, buyer=events.mask(buyer_id))


def _brief(session: Session, case: Case) -> Brief:
    item = main_item(session, case.order_id)
    return Brief(
        case_id=case.id,
        order_id=case.order_id,
        order_title=item.title,
        label=case.category,
        label_zh=taxonomy().zh(case.category),
        status=case.status,
        unit=item.unit,
        quantity=item.quantity,
    )


class CaseClosed(RuntimeError):
    """The case closed (opted out, settled) before the conversation could open."""


def open_conversation(case_id: int | str, buyer_id: str) -> Brief:
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id)
        if case.status not in (S.NEW, S.CONTACTED):
            raise CaseClosed(f"case {case.id} is {case.status}")
        events.record(session, case.id, EventKind.CONVERSATION_OPENED)
        return _brief(session, case)


def brief(case_id: int | str, buyer_id: str) -> Brief:
    with session_scope() as session:
        return _brief(session, _owned_case(session, case_id, buyer_id))


def _hand_over(session: Session, case: Case, reason: str, call_back: bool = False) -> Step:
    """A person takes over in the app; with call_back they also phone the buyer (a call is booked).
    A case a person holds already stays with them."""
    if case.status not in PERSON_HOLDS:
        machine.hand_over(session, case, reason)
    message = rules().handover_message
    if call_back:
        message = _book_call_back(session, case, reason) or message
    return Step(kind="handover", case_id=case.id, message=message)


def _book_call_back(session: Session, case: Case, reason: str) -> str | None:
    """Book the person's call and say when it comes; None when no call is possible."""
    from outreach.inbox.privacy import mask_phone_number
    from outreach.scheduling.calls import book_callback
    from outreach.scheduling.policy import policy
    from outreach.scheduling.windows import local_text
    from outreach.store.models import Buyer

    task = book_callback(session, case, utcnow(), policy(), f"handed over in chat: {reason}")
    if task is None:
        return None
    buyer = session.get(Buyer, case.buyer_id)
    return rules().callback_message.format(at=local_text(task.due_at, buyer.time_zone),
                                           phone=mask_phone_number(buyer.phone))


def _issue_choices(label: str) -> list[dict[str, str]]:
    return [{"issue": issue, "title": named.ask} for issue, named in rules().issues.get(label, {}).items()]


def _note_issue(session: Session, case: Case, issue: str | None, text: str | None) -> None:
    """Keep the issue the buyer chose (a button) or named in their words (rules file: issues)."""
    from outreach.rules.facts import issue_from_words

    known = rules().issues.get(case.category, {})
    if issue not in known:
        # (read as meant: "今日直播間減價" in traditional characters, "扣咗两次钱" in Cantonese)
        issue = issue_from_words(rules(), case.category, [normalize(text)]) if text else None
    if issue is None:
        return
    facts = dict(case.facts or {})
    if facts.get("issue") != issue:
        facts["issue"] = issue
        case.facts = facts  # a new dict: the JSON column sees the change
        events.record(session, case.id, EventKind.ISSUE_NAMED, issue=issue)


def _next_offer(session: Session, case: Case, index: int) -> Step:
    result = quote(case_facts(session, case), rules())
    if result.missing_facts:
        events.record(session, case.id, EventKind.FACTS_MISSING, facts=result.missing_facts)
        if not set(result.missing_facts) <= set(ASKABLE_FACTS):  # only the platform or a person knows
            return _hand_over(session, case, f"facts the rules need are missing: {', '.join(result.missing_facts)}")
        if "issue" in result.missing_facts:
            return Step(kind="ask_issue", case_id=case.id, extra={"label": case.category,
                                                                 "choices": _issue_choices(case.category)})
        if "shortfall_percent" in result.missing_facts:
            return Step(kind="ask_weight", case_id=case.id, extra=_weight_question(session, case))
        return Step(kind="ask_quantity", case_id=case.id, extra={"missing": result.missing_facts})
    if result.handover_reason:
        return _hand_over(session, case, result.handover_reason,
                          call_back=case.category in rules().person_first)
    if index >= len(result.offers):
        return _hand_over(session, case, "buyer declined every offer the rules allow")
    offer = result.offers[index]
    detail = {"rule": offer.rule_id, "amount_fen": offer.amount_fen, "index": index}
    if case.status == S.OFFERING:
        events.record(session, case.id, EventKind.OFFERED, **detail)
    else:
        machine.move(session, case, S.OFFERING, EventKind.OFFERED, **detail)
    return Step(
        kind="offer",
        case_id=case.id,
        offer=offer,
        offer_index=index,
        remedies_left=len(result.offers) - index - 1,
        message=offer.say,
    )


_FEEDBACK = select(Feedback).where(Feedback.case_id == bindparam("case_id"))


def _learn_from_buyer(session: Session, case: Case, label: str, how: str, model_version: str | None) -> None:
    """The buyer's word on their problem labels what they wrote about it: the feedback that opened
    the case (confirmed, or corrected when they named another problem)."""
    source = LabelSource.BUYER_CONFIRMED if how == "confirmed" else LabelSource.BUYER_CORRECTED
    for feedback in session.execute(_FEEDBACK, {"case_id": case.id}).scalars():
        record_label(session, text=feedback.text, label=label, source=source, case_id=case.id,
                     feedback_id=feedback.id, model_version=feedback.model_version or model_version,
                     model_label=feedback.category)


def _problem_named(label: str, how: str, clauses: dict[str, str]) -> tuple[str, str]:
    """The problem the conversation goes on with: the one named, unless the same words name one a
    person must take first."""
    taxonomy().label(label)  # unknown labels are a programming error
    urgent = next((m for m in clauses if m in rules().person_first), None)
    if urgent is not None and label not in rules().person_first:  # "…吃了以后上吐下泻": a person first
        return urgent, "corrected"
    return label, how


def choose_problem(case_id: int | str, buyer_id: str, label: str | None, how: str, text: str | None = None,
                   issue: str | None = None, model_version: str | None = None,
                   more: dict[str, str] | list[str] | None = None, remedies: list[dict] | None = None) -> Step:
    """The buyer confirmed the suspected problem or named another one; their word wins.

    `label` None: the problem suspected so far, the case's own label, read in the same
    transaction. `issue` is a button's choice within the label (rules file: issues); `text`
    the buyer's words, which may name it instead; `model_version` the model that read those words.
    `remedies`: what the words pick for each of several problems (as for `raise_problem`).
    """
    clauses = _clauses_of(more)
    if label is not None:
        label, how = _problem_named(label, how, clauses)
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id, lock=True)
        return _choose_problem(session, case, label, how, clauses, text, issue, model_version, remedies)


def _never_shipped(session: Session, case: Case) -> bool:
    from outreach.store.models import Order

    order = session.get(Order, case.order_id)
    return order is not None and order.shipped_at is None


def _clauses_of(more: dict[str, str] | list[str] | None) -> dict[str, str]:
    """Other problems named in the same words, each with the clause that names it."""
    return dict(more) if isinstance(more, dict) else {m: "" for m in more or []}


def confirm_with_details(case_id: int | str, buyer_id: str, text: str, other: str | None = None,
                         more: dict[str, str] | None = None, remedies: list[dict] | None = None) -> Step | None:
    """At the confirmation, words with no yes or no that give the suspected problem's details
    ("买5盒就到了3盒", "补发，赶紧的"): the problem is confirmed with them (as `choose_problem` with
    label None) when they name a remedy or how much of the case's line was affected, unless
    `other`, a problem the words surely name, is not the case's. None, and nothing changed,
    otherwise. The case is read once, in the transaction that takes the words on."""
    clauses = _clauses_of(more)
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id, lock=True)
        if other is not None and other not in (case.category, NO_PROBLEM):
            return None  # another problem named surely: not a confirmation of this one
        if read_remedy(text) is None and read_affected_of(session, case, text).status != "ok":
            return None
        return _choose_problem(session, case, None, "confirmed", clauses, text, remedies=remedies)


def _choose_problem(session: Session, case: Case, label: str | None, how: str, clauses: dict[str, str],
                    text: str | None, issue: str | None = None, model_version: str | None = None,
                    remedies: list[dict] | None = None) -> Step:
    """choose_problem on the buyer's case, locked."""
    if label is None:
        label, how = _problem_named(case.category, how, clauses)
    if case.status not in TALKING:
        return Step(kind="closed", case_id=case.id, extra={"status": case.status})
    if label == "missing_item" and _never_shipped(session, case):
        # "两件！我买了两件！一件都没见着" of an order not yet shipped: nothing can be missing from a
        # parcel that never left; the goods are late
        label = "late_delivery"
    listing = _listing_contradicted(session, case, label, text)
    if listing is not None:  # "标称100斤" on a 750g listing: what the listing states wins
        return Step(kind="confirm", case_id=case.id, extra={"label_zh": taxonomy().zh(case.category),
                                                            "listing": listing})
    if label != case.category:
        events.record(session, case.id, EventKind.CORRECTED, old=case.category, new=label, model=model_version)
    case.category = label
    events.record(session, case.id, EventKind("problem_" + how), label=label, model=model_version)
    _learn_from_buyer(session, case, label, how, model_version)
    _note_issue(session, case, issue, text)
    if label == NO_PROBLEM:
        # Nothing went wrong after all: thank and close; there is nothing to rate.
        machine.close(session, case, "buyer: no problem")
        return Step(kind="no_problem", case_id=case.id, extra={"ask_rating": False})
    clauses = _weighed_short(session, case, clauses, label, text)
    _note_more_problems(session, case, label, _with_weighing(clauses, label, text), text)
    if remedies and _waiting(case) and not _note_first_remedies(session, case, text or "", remedies):
        text_remedy = None  # "有一盒有臭味 还少了一盒 少的那盒退钱就行": the refund is the missing box's
    else:
        text_remedy = text
    # "是的，一箱12个有4个是烂的": the details answer the next question too
    reading = _note_details(session, case, label, text, clauses) if text else None
    if label == case.suspected_category and (reading is None or reading.status != "ok") \
            and case.affected_quantity is None and not (case.facts or {}).get("affected_share"):
        # a plain "对" to "袜子少了一双": the report the platform flagged already says how much
        reading = _amount_from_report(session, case) or reading
    return _go_on(session, case, reading, text_remedy)


def _amount_from_report(session: Session, case: Case) -> Affected | None:
    """How much the feedback that opened the case says was affected ("蛋糕少了两个"), kept on the
    case; None when it says no amount."""
    from outreach.store.models import Feedback

    reports = session.execute(select(Feedback.text).where(Feedback.case_id == case.id, Feedback.source != "chat")
                              .order_by(Feedback.id)).scalars().all()
    for report in reports:
        if read_affected_of(session, case, report).status == "ok":
            return _note_affected(session, case, report)
    return None


def _go_on(session: Session, case: Case, reading: Affected | None, text_remedy: str | None) -> Step:
    """The problem settled on (confirmed, named or stated) and its details noted: the next question
    or the offer, or the remedy the words picked when the rules give it. `reading`: what the words
    said of how much was affected (a count beyond the line is asked again, naming the limit)."""
    step = _next_offer(session, case, 0)
    if step.kind in ("ask_quantity", "ask_weight") and read_remedy(text_remedy or "") is not None:
        # "碎了 直接退钱吧": the remedy is kept until the amount it needs is told
        case.facts = {**(case.facts or {}), WANTED: read_remedy(text_remedy or "")}
    if step.kind == "ask_quantity" and reading is not None and reading.status in ("too_many", "zero"):
        # "碎了30个" of 12: the question comes back naming the limit
        item = main_item(session, case.order_id)
        return Step(kind="ask_quantity", case_id=case.id,
                    extra={**step.extra, "max": item.quantity, "invalid": reading.status, "unit": item.unit})
    return _take_named_remedy(session, case, step, text_remedy)


_SHARE_SAID = re.compile(r"一半|分之|[%％]|百分|[一二两三四五六七八九]成")


def _note_details(session: Session, case: Case, label: str, text: str, clauses: dict[str, str]) -> Affected | None:
    """Keep how much the words say this problem affected, and what the goods weighed: from the
    clause that named this problem ("芒果烂了3个 还少发了2个": 3 for the rot), else from all the
    words. The reading of all the words when it was taken (None when the clause said it)."""
    reading = None
    # ... unless the words correct themselves ("坏了3个 不对 应该是4个"): then the whole, read to the end
    # one problem named, and a share said outside its clause ("坏了一半 有一个切开全烂了"): all the
    # words are about it (another harm to the same goods is the same problem: "一盒全烂了 另一盒也坏了一半")
    same_goods = set(rules().goods_condition) if label in rules().goods_condition else set()
    alone = not [other for other in clauses if other != label and other not in same_goods] and bool(
        _SHARE_SAID.search(text)) and not _SHARE_SAID.search(clauses.get(label) or "")
    # ("打开来有三颗软软的 都烂掉了", "有6个软塌塌的 … 里面都烂了": a clause that opens with 都 is of the
    # count told before it)
    # ("碎了三个 还有一个裂了 一共坏了四个": pieces added in a clause of their own, or the total said)
    added = label in rules().goods_condition and adds_pieces(text)
    if alone or not clauses.get(label) or corrects_itself(text) or counts_the_good(text) or added \
            or re.match(r"(?:里面|里头|内部|心里?|芯|瓤)?(?:都|全都)", normalize(clauses[label]).lstrip()) \
            or _narrowed_by_count(session, case, clauses[label], text) \
            or _note_affected(session, case, clauses[label]).status != "ok":
        reading = _note_affected(session, case, text)
    if label == "not_as_described" and says_weighed(text):
        _note_weighed(session, case, text)  # "标的1斤 实际称了才8两": no weight question
    return reading


def _narrowed_by_count(session: Session, case: Case, clause: str, text: str) -> bool:
    """Whether the clause gives only a share ("那个陶瓷内胆裂了一半") that a count elsewhere in the
    words narrows to fewer pieces ("三个电炖锅 其中一个 …": the one pot, not half the line)."""
    own = read_affected_of(session, case, clause)
    if own.status != "ok" or own.pieces is not None or own.share is None:
        return False
    whole = read_affected_of(session, case, text)
    return whole.status == "ok" and whole.pieces is not None and whole.share is not None and whole.share < own.share


def _with_weighing(clauses: dict[str, str], label: str, text: str | None) -> dict[str, str]:
    """A short weight waiting its turn keeps the clauses that say what the goods weighed, told
    beside another problem ("烂了2斤，…连烂的算上一共才8斤，不够秤"), so its weight is not asked again."""
    other = "not_as_described"
    if not text or label == other or other not in clauses:
        return clauses
    own = clauses[other]
    weighed = weighing_clauses(text)  # the weighing ... and the words of the weighing itself ("我上秤称了")
    if weighs_beyond_promise(own):  # its own words say what was weighed (not only what was promised:
        # "说好的8斤"); the act of weighing told apart ("我放秤上称了一下 整箱才9斤") says it is the weight
        weighed = " ".join(clause for clause in clauses_of(weighed) if not weights_in(clause) and clause not in own)
    return {**clauses, other: f"{own} {weighed}".strip()} if weighed else clauses


def _weighed_short(session: Session, case: Case, clauses: dict[str, str], label: str,
                   text: str | None) -> dict[str, str]:
    """A weighing told beside another problem that shows the goods short of the listing's weight
    ("烂了2斤 整箱称了一下才8斤7两" of 10斤 promised 足斤足两) is the short weight too."""
    other = "not_as_described"
    if not text or label == other or other in clauses:
        return clauses
    item = main_item(session, case.order_id)
    promised = _promised_grams(session, case)
    if not promised or "weight_guarantee" not in (item.promises or []):
        return clauses
    weighed = whole_weighed_below(text, promised)
    return {**clauses, other: weighed} if weighed else clauses


def _listing_contradicted(session: Session, case: Case, label: str, text: str | None) -> str | None:
    """The listing's weight, when the buyer's words claim a different promised weight for a
    not-as-described correction; None when they agree or say none."""
    if label != "not_as_described" or label == case.category or not text:
        return None
    stated, listed = weights_in(text), _promised_grams(session, case)
    if not listed or len(stated) < 2 or abs(stated[0] - listed) * 10 <= listed:
        return None
    return f"{(Decimal(listed) / 500).normalize():f}斤"


def give_affected_quantity(case_id: int | str, buyer_id: str, quantity: int) -> Step:
    """A count of affected pieces (a tapped or typed number)."""
    return give_affected(case_id, buyer_id, str(quantity) + "个")


def read_affected_of(session: Session, case: Case, text: str) -> Affected:
    """How much of the case's line the buyer's words say was affected (outreach.dialogue.amounts)."""
    item = main_item(session, case.order_id)
    reading = read_affected(text, item.quantity, _promised_grams(session, case), label=case.category, unit=item.unit)
    inside = _PIECES_INSIDE.findall(item.title) if item.quantity == 1 else []
    if reading.status in ("ok", "too_many") and (reading.pieces == 1 or reading.status == "too_many") \
            and inside and int(inside[-1][0]) >= 2:
        # one box of "4对8只": "死了一只" is one of the eight, not the box
        count, piece = int(inside[-1][0]), inside[-1][1]
        told = read_affected(text, count, label=case.category, unit=piece)
        if told.status == "ok" and told.pieces is not None and told.pieces < count \
                and re.search(rf"[\d一两二三四五六七八九十几]\s*{piece}", normalize(text)):
            return Affected("ok", share=Fraction(told.pieces, count), said=f"{told.pieces}{piece}")
    if reading.status == "ok" and reading.pieces is None and reading.share is not None \
            and item.kind in rules().whole_piece_kinds:  # half of one monitor's screen is the monitor
        pieces = min(item.quantity, math.ceil(reading.share * item.quantity))
        return Affected("ok", pieces=pieces, share=Fraction(pieces, item.quantity))
    return reading


# How many pieces a one-piece line holds, as its title says ("4对8只", "6个礼盒装", "12枚装").
_PIECES_INSIDE = re.compile(r"(\d+)\s*(只|个|枚|颗|粒|瓶|罐|袋|包|片|条|支|盒|卷|抽)"
                            r"(?:装|/|礼盒|一盒|一箱|整箱|整盒|\s|$)")


def check_affected(case_id: int | str, buyer_id: str, text: str) -> Affected:
    """How the buyer's answer to the quantity question reads for their case; nothing is changed."""
    with session_scope() as session:
        return read_affected_of(session, _owned_case(session, case_id, buyer_id), text)


def _note_affected(session: Session, case: Case, text: str) -> Affected:
    """Keep the affected pieces or share the words state; anything else changes nothing."""
    reading = read_affected_of(session, case, text)
    if reading.status != "ok":
        return reading
    facts = {k: v for k, v in (case.facts or {}).items() if k not in ("affected_share", "portion")}
    if reading.pieces is not None:
        case.affected_quantity = reading.pieces
    else:
        case.affected_quantity = None
        facts.update(affected_share=str(reading.share), portion=reading.said)
    case.facts = facts
    events.record(session, case.id, EventKind.AFFECTED_QUANTITY, quantity=reading.pieces,
                  share=str(reading.share) if reading.share is not None else None, said=reading.said or None)
    return reading


def _urgent_told(text: str) -> str | None:
    """A problem a person must take first whose signs a clause tells (not asks about), if any."""
    from outreach.dialogue.knowledge import told_clauses

    told = told_clauses(text)
    return next((label for clause in told for label in taxonomy().signs_in(clause)
                 if label in rules().person_first), None)


def give_affected(case_id: int | str, buyer_id: str, text: str) -> Step:
    """The buyer says how much was affected: pieces, a share ("一半", "三分之一", "30%") or a weight.
    Out of range, zero or vague answers get the question back, naming the limit; words that say
    nothing was affected after all ("剥开看了 里面好好的 不用处理了") close the case as no problem."""
    urgent = _urgent_told(text)
    if urgent is not None:  # "两盒都有味 我老公吃了 上吐下泻 在医院挂水": a person first, not a count
        return choose_problem(case_id, buyer_id, urgent, "corrected", text=text)
    if read_fine_after_all(text) and check_affected(case_id, buyer_id, text).status != "ok":
        return choose_problem(case_id, buyer_id, NO_PROBLEM, "corrected", text=text)
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id, lock=True)
        if case.status not in (S.CONTACTED, S.OFFERING):
            return Step(kind="closed", case_id=case.id, extra={"status": case.status})
        reading = _note_affected(session, case, text)
        if reading.status != "ok":
            item = main_item(session, case.order_id)
            return Step(kind="ask_quantity", case_id=case.id,
                        extra={"max": item.quantity, "invalid": reading.status, "unit": item.unit})
        return _take_named_remedy(session, case, _next_offer(session, case, 0), text)


WANTED = "wanted_remedy"  # case.facts: a remedy named before the amount it needs was told


def _take_named_remedy(session: Session, case: Case, step: Step, text: str | None) -> Step:
    """When the words that moved the conversation on also pick a remedy ("是的，直接退款吧"),
    carry out that one if the rules allow it; otherwise the step stands."""
    wanted = (case.facts or {}).get(WANTED)
    if step.kind != "offer" or not (text or wanted):
        return step
    if wanted is not None:
        case.facts = {k: v for k, v in case.facts.items() if k != WANTED}
    text = text or ""
    # ("碎的2罐退钱 少的那1罐给我补发": of words that name a remedy for each problem, this one's own)
    each_own = wanted in REMEDY_KINDS and len({kind for _, kind in remedies_by_clause(text)}) > 1
    choice = (wanted if each_own else read_remedy(text)) or (wanted if wanted in REMEDY_KINDS else None) \
        or ("give_up" if gives_up_the_order(text) else None)
    if choice is None and step.offer is not None and step.offer.needs_approval and goes_ahead(text):
        # "那你就给我提交吧": told to go ahead with what a person must check anyway (a legal multiple,
        # an amount above the cap); nothing is paid before that person decides
        return _accept(session, case, step.offer_index or 0)
    if choice is None:
        return step
    index = _offer_matching(session, case, choice, step.offer_index or 0)
    if index is not None and _other_sum_told(session, case, index, text):
        return _next_offer(session, case, index)  # "先赔我二十" of a 14.95 compensation: the offer, not done
    return step if index is None else _accept(session, case, index)


def _other_sum_told(session: Session, case: Case, index: int, text: str) -> bool:
    """Whether the words ask for a sum of money the offer does not pay ("起码退我一半 九十四块五" of a
    189-yuan refund): the buyer is shown the offer and its amount, nothing is carried out yet."""
    told = sums_told(text)
    item = main_item(session, case.order_id)
    if item.unit == "块":  # "少的那12块退钱就行" of 60 erasers sold by the 块: pieces, no sum
        told = [fen for fen in told if fen % 100 or fen // 100 > item.quantity]
    offers = quote(case_facts(session, case), rules()).offers
    if not told or not 0 <= index < len(offers) or not offers[index].amount_fen:
        return False
    return all(abs(fen - offers[index].amount_fen) > 1 for fen in told)


def _offer_matching(session: Session, case: Case, choice: str, current: int, keep: bool = False,
                    refused: set[str] | frozenset[str] = frozenset()) -> int | None:
    """The index of the offer of the kind the buyer named, the current one first; with `keep` (the
    buyer keeps the goods: "错的我留着 退我一半钱"), never one that takes the goods back; never one
    of a kind the same words turn down (`refused`: "退钱也不要 我要个说法" asks no share refund)."""
    facts = case_facts(session, case)
    offers = quote(facts, rules()).offers
    turned_down = {kind for refused_kind in refused for kind in REMEDY_KINDS.get(refused_kind, ())}
    offers = [o if o.kind not in turned_down else dataclasses.replace(o, kind="") for o in offers]
    if keep:
        offers = [o if not rules().rule(o.rule_id).return_goods else dataclasses.replace(o, kind="")
                  for o in offers]
    kinds = REMEDY_KINDS[choice]
    if choice == "return_refund":
        matching = [i for i, o in enumerate(offers) if o.kind == "refund_full" and rules().rule(o.rule_id).return_goods]
    else:
        # (a coupon asked for is also one an offer gives beside its money: "券也别忘了给我" of 蟹无忧)
        matching = [i for i, o in enumerate(offers) if o.kind in kinds or (choice == "coupon" and o.coupon_fen)
                    # "都碎了 不要了全退吧": the share refund of every piece is all the money back
                    or (choice == "full_refund" and o.kind == "refund_share"
                        and o.amount_fen >= facts.line_total())]
    if choice == "compensation":  # "赔" asks for money in general: an offer turned down earlier stays so
        matching = [i for i in matching if i >= current]
    if not matching and choice == "refund" and turned_down:
        # "不取消 我还要穿的 你们赔钱就行": money asked for while the money-back offer is turned down
        # (the goods kept) is the compensation offered, if any
        matching = [i for i, o in enumerate(offers) if o.kind == "compensation_percent" and i >= current]
    if not matching:
        return None
    return current if current in matching else matching[0]


# A number as typed: "33", "69.8", "6.18".
_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d{1,2})?)(?![\d.])")


def _offer_sum_said(text: str, amount_fen: int | None, quantity: int) -> bool:
    """Whether the words say the offer's sum ("就退这33" of 33 yuan, "行 就6.18"): a number equal to it in
    yuan that cannot be a count of the line (more than its quantity, or with fen), or a sum of money."""
    if not amount_fen:
        return False
    said = [round(Decimal(m.group(1)) * 100) for m in _NUMBER.finditer(normalize(text))
            if "." in m.group(1) or Decimal(m.group(1)) > quantity]
    return amount_fen in said or amount_fen in sums_told(text)


def correct_affected(case_id: int | str, buyer_id: str, text: str, index: int) -> Step | None:
    """At an offer that depends on how much was affected, a new amount ("不对 是4只") replaces the
    old one and the offer is made again; an amount out of range gets the question back with the
    limit and the offer stands. None when the words state no amount or no offer depends on one."""
    from outreach.rules.schema import SHARE_KINDS

    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id, lock=True)
        if case.status != S.OFFERING or ledger.existing(session, case.id) is not None:
            return None
        offers = quote(case_facts(session, case), rules()).offers
        if any(o.kind == "refund_shortfall" for o in offers) and (
                says_weighed(text) or (corrects_itself(text) and weights_in(normalize(text)))):
            # "哦 看错了 秤上是1斤7两", "哎不对 刚才连盆一块儿减错了 是4斤半": the weighing corrected at the
            # offer; the shortfall is worked out again
            _note_weighed(session, case, text)
            return _next_offer(session, case, 0)  # (the shortfall offer first again, on the new weight)
        if any(o.kind == "refund_shortfall" for o in offers) and takes_back_weighing(text):
            # "不对 刚才是连箱子一起称的": the weight is asked again
            return Step(kind="ask_weight", case_id=case.id, extra=_weight_question(session, case))
        if not any(o.kind in SHARE_KINDS for o in offers):
            return None
        if 0 <= index < len(offers) and _offer_sum_said(text, offers[index].amount_fen,
                                                        main_item(session, case.order_id).quantity):
            return None  # "那好吧 就退这33", "得嘞 就46": the offer's own sum said back, no count
        text = _with_more_found(session, case, text)
        reading = read_affected_of(session, case, text)
        if reading.status in ("none", "vague") or (rejects_offer(text) and not corrects_itself(text)):
            return None  # "补发一个也不要": the count is the refused remedy's, no new amount
        if reading.status == "ok" and (
                (reading.pieces is not None and reading.pieces == case.affected_quantity)
                or (reading.pieces is None and str(reading.share) == (case.facts or {}).get("affected_share"))):
            # the amount the offer already stands on ("不要 只退一半我不接受" of the half): nothing corrected
            return None
        if reading.status != "ok":
            item = main_item(session, case.order_id)
            step = _next_offer(session, case, index)
            return Step(kind=step.kind, case_id=step.case_id, offer=step.offer, offer_index=step.offer_index,
                        remedies_left=step.remedies_left, message=step.message,
                        extra={**step.extra, "amount_problem": reading.status, "max": item.quantity,
                               "unit": item.unit})
        seen = offers[index].rule_id if 0 <= index < len(offers) else None
        _note_affected(session, case, text)
        step = _next_offer(session, case, 0)
        if step.kind == "offer" and step.offer is not None and step.offer.rule_id == seen \
                and ends_accepting(text) and read_remedy(text) is None:
            # "对，6个，可以了": the count corrected and the same remedy agreed to, worked out anew
            return _accept(session, case, 0)
        return _take_named_remedy(session, case, step, text)


# More pieces found besides those counted: "还有1个", "另外还有两只", "压在底下还有一只".
_ONE_MORE = re.compile(rf"(?:^|(?<=[\s，,。]))(?:[^，,。\s]{{0,4}}?还有|另外还有|又有|又发现|再加上?|外加|加上)\s*"
                       rf"([{CN_DIGITS}\d]+)\s*[{PIECE_WORDS}]?"
                       r"(?!\s*[个只件]?\s*(?:是好的|好的|好好的|没坏|没问题|完好|还行|还好|能用|能吃))")


def _with_more_found(session: Session, case: Case, text: str) -> str:
    """At an offer made on a count, the words that find more besides it: the count the rest of them
    states ("是4只 压在底下还有一只": 4), or else the count before and the ones found ("还有1个" at an
    offer on 2: 3). The words as they are otherwise."""
    norm = normalize(text)
    more = _ONE_MORE.search(norm)
    if more is None:
        return text
    rest = (norm[:more.start()] + " " + norm[more.end():]).strip()
    if rest and read_affected_of(session, case, rest).status == "ok":
        return rest
    found = number_of(more.group(1))
    if not case.affected_quantity or found is None or found.denominator != 1:
        return text
    return f"{case.affected_quantity + int(found)}{main_item(session, case.order_id).unit}"


def assign_remedies(clauses: list[dict], labels: list[str]) -> dict[str, str]:
    """Which remedy goes with which problem: each remedy clause ({"remedy", "problems": label ->
    probability}) to the problem among `labels` it most likely points at, one each, surest first."""
    ranked = sorted(((float((clause.get("problems") or {}).get(label) or 0.0), i, label)
                     for i, clause in enumerate(clauses) for label in labels), reverse=True)
    chosen: dict[str, str] = {}
    used: set[int] = set()
    for _probability, i, label in ranked:
        remedy = clauses[i].get("remedy")
        if i in used or label in chosen or remedy not in REMEDY_KINDS:
            continue
        chosen[label] = str(remedy)
        used.add(i)
    return chosen


def choose_remedy(case_id: int | str, buyer_id: str, text: str, index: int,
                  remedies: list[dict] | None = None) -> Step | None:
    """The buyer names the remedy they want while an offer is open ("那直接退款吧", "给我换个新的").
    The matching offer is carried out; when the rules allow no such remedy, the current offer is
    said again with why. None when the words name no remedy.

    `remedies`: when the words pick several ("碎的退钱，少的补发"), each remedy with how likely each
    problem is what it is for (bot.nlu.problem_classifier.remedy_clauses): this case takes its own,
    and each problem waiting its turn keeps its one for when it comes."""
    choice = read_remedy(text) or ("give_up" if gives_up_the_order(text) else None)
    if choice is None:
        return None
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id, lock=True)
        if ledger.existing(session, case.id) is not None or case.status != S.OFFERING:
            return None
        if choice == "give_up" and _offer_matching(session, case, choice, index) is None:
            return None  # nothing left to cancel: "算了不要了" is no choice here
        waiting = [item["label"] for item in _waiting(case)]
        if remedies and waiting:
            assigned = assign_remedies(remedies, [case.category, *waiting])
            choice = assigned.get(case.category, choice)
            _note_waiting_remedies(session, case, assigned)
        elif waiting and choice in REMEDY_KINDS and _FOR_ALL.search(normalize(text)):
            # "要是都能直接退钱 那就都退钱": the one remedy for every problem told
            _note_waiting_remedies(session, case, {label: choice for label in waiting})
        # (what the words choose is never among what they turn down: "不退钱难道让我吃吗" wants the refund)
        matching = _offer_matching(session, case, choice, index, keep=keeps_goods(text),
                                   refused=refused_kinds(text) - {choice})
        if matching is not None and _other_sum_told(session, case, matching, text):
            return _next_offer(session, case, matching)
        if matching is not None:
            return _accept(session, case, matching)
        step = _next_offer(session, case, index)
        refused = refused_kinds(text)
        if step.kind == "offer" and step.offer is not None and any(step.offer.kind in REMEDY_KINDS[kind]
                                                                   for kind in refused):
            # "补发也不要 … 我要商家赔我损失": the open offer turned down by name, and what is asked
            # instead the rules do not give: declined, as a plain no
            events.record(session, case.id, EventKind.DECLINED, index=step.offer_index or index)
            return _next_offer(session, case, (step.offer_index or index) + 1)
        return Step(kind=step.kind, case_id=step.case_id, offer=step.offer, offer_index=step.offer_index,
                    remedies_left=step.remedies_left, message=step.message,
                    extra={**step.extra, "unavailable": choice, "label_zh": taxonomy().zh(case.category)})


# One remedy for all the problems told: "都退钱", "一起退了吧", "两个都补发", "全都退款".
_FOR_ALL = re.compile(r"(?:都|一起|一并|全都|统统|两个都|俩都)\s*(?:给我|帮我)?\s*(?:退|补|换|赔)")


def names_another_offer(case_id: int | str, buyer_id: str, text: str, index: int) -> bool:
    """Whether the words name a remedy the rules offer in this case other than the open offer
    ("请问是否可以不补发，直接退这一盒的钱呢？" at the re-ship, with the share refund on offer too)."""
    matching = _named_offer(case_id, buyer_id, text, index)
    return matching is not None and matching != index


def refuses_open_offer(case_id: int | str, buyer_id: str, text: str, index: int) -> bool:
    """Whether the words turn down the open offer by name ("取消么…算了算了" at the cancellation)."""
    refused = refused_kinds(text)
    if not refused:
        return False
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id)
        offers = quote(case_facts(session, case), rules()).offers
        return case.status == S.OFFERING and 0 <= index < len(offers) \
            and any(offers[index].kind in REMEDY_KINDS[kind] for kind in refused)


def names_an_offer(case_id: int | str, buyer_id: str, text: str, index: int) -> bool:
    """Whether the words name a remedy the rules offer in this case, the open offer or another."""
    return _named_offer(case_id, buyer_id, text, index) is not None


def _named_offer(case_id: int | str, buyer_id: str, text: str, index: int) -> int | None:
    """The index of the offer whose remedy the words name (the open one first), or None."""
    choice = read_remedy(text)
    if choice is None:
        return None
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id)
        if case.status != S.OFFERING:
            return None
        return _offer_matching(session, case, choice, index, keep=keeps_goods(text),
                               refused=refused_kinds(text) - {choice})


def _promised_grams(session: Session, case: Case) -> int | None:
    """The weight the order promised: its quantity when sold by weight (unit 斤), else the one
    weight its title states times the quantity; None when neither says."""
    item = main_item(session, case.order_id)
    if item.unit.lower() in GRAMS:
        return GRAMS[item.unit.lower()] * item.quantity
    stated = weights_in(item.title)
    return stated[0] * item.quantity if len(stated) == 1 else None


def _weight_question(session: Session, case: Case, invalid: bool = False) -> dict:
    promised = _promised_grams(session, case)
    jin = (Decimal(promised) / 500).normalize() if promised else None
    return {"promised": f"{jin:f}斤" if jin is not None else None, "invalid": invalid}


def give_weighed(case_id: int | str, buyer_id: str, text: str) -> Step:
    """The buyer says what the goods weighed (and, when the title doesn't say, what was promised)."""
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id, lock=True)
        if case.status not in (S.CONTACTED, S.OFFERING):
            return Step(kind="closed", case_id=case.id, extra={"status": case.status})
        if not _note_weighed(session, case, text):
            return Step(kind="ask_weight", case_id=case.id, extra=_weight_question(session, case, invalid=True))
        return _take_named_remedy(session, case, _next_offer(session, case, 0), text)


def _note_weighed(session: Session, case: Case, text: str) -> bool:
    """Keep the shortfall the buyer's weights show (the listing's weight wins); False when the
    words give no usable weighing."""
    weighing = read_weighing(text, _promised_grams(session, case))
    if weighing is None:
        return False
    percent = shortfall_percent(weighing.promised_g, weighing.weighed_g)
    case.facts = {**(case.facts or {}), "shortfall_percent": percent, "promised_g": weighing.promised_g,
                  "weighed_g": weighing.weighed_g}
    events.record(session, case.id, EventKind.WEIGHED, promised_g=weighing.promised_g,
                  weighed_g=weighing.weighed_g, shortfall_percent=percent)
    return True


_OPEN_OFFER = (
    select(CaseEvent.detail)
    .where(CaseEvent.case_id == bindparam("case_id"), CaseEvent.kind == EventKind.OFFERED.value)
    .order_by(CaseEvent.id.desc())
    .limit(1)
)


def _offer_moved_on(session: Session, case: Case, index: int) -> Step | None:
    """The open offer again when the buyer's yes or no answers another one, else None.

    A tap repeated because its answer was lost (a Rasa replica died after the case moved on and
    before the buyer saw the next offer) must not decline or accept an offer the buyer never saw.
    """
    detail = session.execute(_OPEN_OFFER, {"case_id": case.id}).scalar_one_or_none() or {}
    current = detail.get("index")
    if not isinstance(current, int) or current == index:
        return None
    step = _next_offer(session, case, current)
    return dataclasses.replace(step, extra={**step.extra, "moved_on": True}) if step.kind == "offer" else step


def decline(case_id: int | str, buyer_id: str, index: int) -> Step:
    """Decline the offer at index and make the next one; a decline of an offer no longer open
    (repeated after a lost answer) changes nothing and shows the open one."""
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id, lock=True)
        if case.status != S.OFFERING:
            return Step(kind="closed", case_id=case.id, extra={"status": case.status})
        moved = _offer_moved_on(session, case, index)
        if moved is not None:
            return moved
        events.record(session, case.id, EventKind.DECLINED, index=index)
        return _next_offer(session, case, index + 1)


def accept(case_id: int | str, buyer_id: str, index: int, more: dict[str, str] | None = None) -> Step:
    """Carry out the offer at index, at most once per case however often this is called. `more`:
    further problems the same words name ("可以 另外还少了一盒"), each with its clause: they follow."""
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id, lock=True)
        done = ledger.existing(session, case.id)
        if done is not None:
            kind = "pending_approval" if done.status == "pending_approval" else "executed"
            return Step(kind=kind, case_id=case.id, already_done=True,
                        extra={"rule": done.rule_id, "amount": yuan(done.amount_fen)})
        if case.status != S.OFFERING:
            return Step(kind="closed", case_id=case.id, extra={"status": case.status})
        moved = _offer_moved_on(session, case, index)
        if moved is not None:  # nothing is carried out that the buyer did not see and agree to
            return moved
        if more:
            _note_more_problems(session, case, case.category, more)
        return _accept(session, case, index)


def accept_next_too(step: Step, buyer_id: str) -> Step:
    """An offer taken with words that take the next problem's too ("都按规矩退吧"): that next offer,
    made in the same turn, is carried out as well; the step is unchanged when no offer follows."""
    following = step.extra.get("next")
    if step.kind != "executed" or following is None or following.kind != "offer":
        return step
    done = accept(following.case_id, buyer_id, following.offer_index or 0)
    keep = {k: following.extra[k] for k in ("label_zh", "new_case", "order_title") if k in following.extra}
    return dataclasses.replace(step, extra={**step.extra, "next": dataclasses.replace(
        done, extra={**done.extra, **keep})})


def accept_content(case_id: int | str, buyer_id: str, index: int, rating: int, comment: str | None = None) -> Step:
    """An offer taken with words that also rate ("非常满意"): carried out as `accept`, and when the
    rating question would follow, the rating the words give is recorded instead of asked."""
    step = accept(case_id, buyer_id, index)
    if step.kind != "executed" or step.already_done or "next" in step.extra or not step.extra.get("ask_rating"):
        return step
    rated = rate(case_id, buyer_id, rating, comment)
    return dataclasses.replace(step, extra={**step.extra, "ask_rating": False, "then": rated})


def _accept(session: Session, case: Case, index: int) -> Step:
    result = quote(case_facts(session, case), rules())
    if not 0 <= index < len(result.offers):
        return _hand_over(session, case, "accepted offer no longer allowed by the rules")
    offer = result.offers[index]
    reason = f"buyer accepted offer {index + 1} for {case.category} under rule {offer.rule_id}"
    remedy, created = carry_out(session, case, offer, reason, channel="inapp")
    if remedy.status == "pending_approval":
        # a reship pays nothing: the buyer is told what the goods are worth
        return Step(kind="pending_approval", case_id=case.id, message=rules().handover_message,
                    extra={"rule": remedy.rule_id, "amount": yuan(remedy.amount_fen or offer.value_fen)})
    following = _next_problem(session, case) if created else None
    if following is not None:  # the buyer named several problems: the next one now, the rating at the end
        return Step(kind="executed", case_id=case.id, offer=offer,
                    extra={"rule": remedy.rule_id, "amount": yuan(remedy.amount_fen), "ask_rating": False,
                           "next": following})
    return Step(kind="executed", case_id=case.id, offer=offer, already_done=not created,
                extra={"rule": remedy.rule_id, "amount": yuan(remedy.amount_fen),
                       # A repeated accept repeats the open question; it never asks anew.
                       "ask_rating": _ask_rating(session, case) if created else True})


def _rules_can_act(session: Session, case: Case, label: str, order_id: str | None = None,
                   issue: str | None = None) -> bool:
    """Whether a further problem the buyer named gets anything from the rules for this order, or the
    other order its words named ("快递也太慢了" on an order shipped in time gets nothing: it is noted,
    not pursued). `issue`: the one the words named ("现在直播间卖99了": a price drop); without it,
    any of the label's issues may apply."""
    if label in rules().person_first:
        return True
    if order_id and order_id != case.order_id:  # read as a case of that order, reported now (never stored)
        facts = facts_for_order(session, case, order_id, label)
    else:
        facts = dataclasses.replace(case_facts(session, case), label=label,
                                    line_refunded_fen=line_refunded_fen(session, case, own=True))
    facts = dataclasses.replace(facts, issue=None, affected_quantity=None, affected_share=None, portion_text=None,
                                shortfall_percent=None)
    # the words may name an issue later ("称了一下": short weight), unless they named it already
    for named in [issue] if issue is not None else [None, *rules().issues.get(label, {})]:
        result = quote(dataclasses.replace(facts, issue=named), rules())
        if result.offers or (result.missing_facts and set(result.missing_facts) <= set(ASKABLE_FACTS)):
            return True
    return False


def _note_more_problems(session: Session, case: Case, label: str, clauses: dict[str, str],
                        text: str | None = None) -> None:
    """Several problems in one message ("颜色发错了，还晚到了三天"): the others wait their turn, each
    with the words that named it, and with the other order of the buyer's its words name (`text`:
    the whole message; "草莓烂了三分之一 还有我前天拍的车厘子 到现在都没发货")."""
    labels = taxonomy().ids
    book = rules()
    same_goods = set(book.goods_condition) if label in book.goods_condition else set()
    if label in book.covers_goods:
        # the whole goods taken back or replaced: their condition goes with them (not so beside a
        # short weight, refunded by the shortfall: "标的10斤 我称了只有9斤 还烂了三分之一" is two problems)
        weighed = says_weighed(clauses.get(label) or "")
        same_goods = (set() if weighed else set(book.goods_condition)) | set(book.covers_goods)
    # "解冻了三分之一 全黏成一团" on frozen food is one harm, not a quality problem besides
    others = [{"label": m, "text": str(t or "")[:300]} for m, t in clauses.items()
              if m in labels and m not in (label, NO_PROBLEM)]
    if text:
        _place_on_orders(session, case, others, text)
    # (of other goods, another order's, it is a problem of its own: "还有 那支口红也是 一打开就断成两截了")
    others = [item for item in others
              if item["label"] not in same_goods or item.get("order") not in (None, case.order_id)]
    others = [item for item in others if not (item["label"] == "missing_item" and _all_came(
        session, item.get("order") or case.order_id, item["text"]))]
    if not others:
        return
    waiting = [item for item in _waiting(case) if item["label"] not in {o["label"] for o in others}]
    case.facts = {**(case.facts or {}), "more_problems": waiting + others}
    events.record(session, case.id, EventKind.MORE_PROBLEMS, labels=[o["label"] for o in others])


def note_another_problem(case_id: int | str, buyer_id: str, label: str, clause: str) -> bool:
    """A further problem told while an offer is open ("而且" … "还晚发了两天"): it waits its turn,
    to be talked through once this case's remedy is settled. Whether it was noted (not when it is
    the case's own, settled with it, or waiting already)."""
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id, lock=True)
        before = {item["label"] for item in _waiting(case)}
        if label in before or label in (case.category, NO_PROBLEM):
            return False
        _note_more_problems(session, case, case.category, {label: clause}, clause)
        return label in {item["label"] for item in _waiting(case)}


def _all_came(session: Session, order_id: str, clause: str) -> bool:
    """Whether the words say as many pieces came as the order's line holds ("鱼油就来了一瓶" of one
    bottle bought, beside a double charge): nothing is missing."""
    if _SAYS_SHORT.search(normalize(clause)):  # "就来了一盒 少了一盒": short, however many the line holds
        return False
    came = received_count(clause)
    return came is not None and came >= main_item(session, order_id).quantity


_SAYS_SHORT = re.compile(r"少了?\s*[一两二三四五六七八九十几\d]|少发|漏发|没发全|缺了?")


def _place_on_orders(session: Session, case: Case, others: list[dict[str, str]], text: str) -> None:
    """Each further problem whose words, or the clause right before them, name exactly one other
    recent order of the buyer's ("还有我前天拍的车厘子 到现在都没发货") is that order's."""
    recent = _recent_orders(session, case.buyer_id)
    if len(recent) < 2:
        return
    parts = clauses_of(normalize(text))
    for item in others:
        first = clauses_of(normalize(item["text"]))[:1]
        at = parts.index(first[0]) if first and first[0] in parts else None
        if at is None:
            continue
        # the clause itself and the one before, or up to two more before when those name none
        # ("另外一单面膜，拍了两盒，就来了一盒，少了一盒")
        for back in (1, 2, 3):
            named = orders_named(" ".join(parts[max(0, at - back):at + 1]), recent)
            if named:
                break
        if len(named) == 1 and named[0][0] != case.order_id:
            item["order"] = named[0][0]


def _note_first_remedies(session: Session, case: Case, text: str, remedies: list[dict] | None) -> bool:
    """The remedies a buyer's first words pick ("吹风机不出热风了 给我换个新的", "芒果烂了3个 还少发了2个
    少的那两个直接退钱就行"): this case keeps its own until its offer comes, each problem waiting
    its turn its own. Whether this case got one."""
    waiting = [item["label"] for item in _waiting(case)]
    if remedies and waiting:
        assigned = assign_remedies(remedies, [case.category, *waiting])
        _note_waiting_remedies(session, case, assigned)
        own = assigned.get(case.category)
    else:
        own = read_remedy(text) if not waiting else None
    if own in REMEDY_KINDS:
        case.facts = {**(case.facts or {}), WANTED: own}
    return own in REMEDY_KINDS


def _note_waiting_remedies(session: Session, case: Case, remedies: dict[str, str]) -> None:
    waiting = _waiting(case)
    if not any(item["label"] in remedies for item in waiting):
        return
    case.facts = {**(case.facts or {}), "more_problems": [
        {**item, "remedy": remedies[item["label"]]} if remedies.get(item["label"]) in REMEDY_KINDS else item
        for item in waiting]}
    events.record(session, case.id, EventKind.MORE_PROBLEMS, remedies={k: v for k, v in remedies.items()
                                                                      if k != case.category})


def _waiting(case: Case) -> list[dict[str, str]]:
    raw = (case.facts or {}).get("more_problems") or []
    return [item if isinstance(item, dict) else {"label": str(item), "text": ""} for item in raw]


def _next_problem(session: Session, case: Case) -> Step | None:
    """After one problem is settled, the next one the buyer named opens as its own case (its own
    incident key: buyer, order and problem) and is talked through at once."""
    from outreach.cases.triage import incident_key
    from outreach.diagnosis.severity import severity_of
    from outreach.store.db import insert_once

    waiting = [item for item in _waiting(case) if _rules_can_act(session, case, item["label"], item.get("order"))]
    if not waiting:
        return None
    label, said, rest = waiting[0]["label"], waiting[0]["text"], waiting[1:]
    chosen = waiting[0].get("remedy")  # picked already, in the words that picked this case's remedy
    order_id = waiting[0].get("order") or case.order_id  # another order named with it: that one's own case
    case.facts = {k: v for k, v in (case.facts or {}).items() if k != "more_problems"}
    key = f"{incident_key(case.buyer_id, order_id)}:{label}"
    following = Case(buyer_id=case.buyer_id, order_id=order_id, open_key=key, suspected_category=label,
                     category=label, severity=int(severity_of(label).level), status=S.NEW.value,
                     facts={"more_problems": rest} if rest else {})
    following, created = insert_once(session, following, lambda: session.execute(
        select(Case).where(Case.open_key == key)).scalar_one_or_none())
    if created:
        events.record(session, following.id, EventKind.OPENED, label=label, after_case=case.id)
        machine.move(session, following, S.CONTACTED, EventKind.CONVERSATION_OPENED, started_by="buyer",
                     changes={"first_contact_at": utcnow()})
        if said:  # the words that named it may say how much, which issue, what it weighed
            _note_issue(session, following, None, said)
            _note_affected(session, following, said)
            if label == "not_as_described":
                _note_weighed(session, following, said)
    if case.status == S.RESOLVED:  # settled; the one rating question comes at the end of the last problem
        machine.close(session, case, "resolved_next_problem")
    events.record(session, case.id, EventKind.MORE_PROBLEMS, next_case=following.id, label=label)
    if following.status not in TALKING:
        return None
    step = _next_offer(session, following, 0)
    if chosen in REMEDY_KINDS and step.kind == "offer":
        matching = _offer_matching(session, following, chosen, step.offer_index or 0)
        if matching is not None:
            step = _accept(session, following, matching)
    return Step(kind=step.kind, case_id=step.case_id, offer=step.offer, offer_index=step.offer_index,
                remedies_left=step.remedies_left, message=step.message, already_done=step.already_done,
                extra={**step.extra, "label_zh": taxonomy().zh(label), "new_case": True,
                       **({"order_title": main_item(session, order_id).title} if order_id != case.order_id else {})})


def _ask_rating(session: Session, case: Case) -> bool:
    """The satisfaction rule of the outreach norms (limits.yml: satisfaction.quiet_hours)."""
    from outreach.scheduling.policy import policy

    return satisfaction.open_question(session, case, utcnow(), policy().limits.satisfaction.quiet_hours)


def remedy_carried_out(case_id: int | str, buyer_id: str) -> bool:
    """Whether the case's remedy was carried out (or waits for a person), e.g. to reassure a buyer
    whose confirmation got lost on the way."""
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id)
        return ledger.existing(session, case.id) is not None


def awaiting_rating(case_id: int | str, buyer_id: str) -> bool:
    """Whether the buyer was asked to rate this settled case (e.g. after an approval) and has not yet."""
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id)
        if case.status not in RATABLE:
            return False
        rated = session.execute(select(Satisfaction.id).where(Satisfaction.case_id == case.id)).first()
        asked = session.execute(select(CaseEvent.id).where(CaseEvent.case_id == case.id,
                                                           CaseEvent.kind == EventKind.SATISFACTION_ASKED.value
                                                           ).limit(1)).first()
        return rated is None and asked is not None


def recount_after_remedy(case_id: int | str, buyer_id: str, text: str) -> Step | None:
    """After a remedy paid for a count or share, words that count again ("等下 重新挑了一遍 烂的是4个"
    after 5 were refunded): the remedy stands (it is carried out once per case) and a person settles
    the difference, with the new count in the reason. None when the words correct no amount or give
    the one already paid for."""
    from outreach.rules.schema import SHARE_KINDS

    if not corrects_itself(text):
        return None
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id, lock=True)
        done = ledger.existing(session, case.id)
        if done is None or done.kind not in SHARE_KINDS or case.status in PERSON_HOLDS:
            return None
        reading = read_affected_of(session, case, text)
        item = main_item(session, case.order_id)
        paid_share = (Fraction(case.affected_quantity, item.quantity)
                      if case.affected_quantity else Fraction((case.facts or {}).get("affected_share") or 0))
        if reading.status != "ok" or reading.share is None or reading.share == paid_share:
            return None
        said = f"{reading.pieces}{item.unit}" if reading.pieces is not None else reading.said
        step = _hand_over(session, case, f"buyer counted again after {done.rule_id} was carried out: {said} "
                                         f"affected, not the share paid for ({paid_share}); a person settles "
                                         f"the difference")
        return dataclasses.replace(step, extra={**step.extra, "recounted": said})


def hand_over(case_id: int | str, buyer_id: str, reason: str) -> Step:
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id, lock=True)
        if case.status == S.CLOSED:
            return Step(kind="closed", case_id=case.id, extra={"status": case.status})
        return _hand_over(session, case, reason)


_SATISFACTION = select(Satisfaction).where(Satisfaction.case_id == bindparam("case_id"))


def rate(case_id: int | str, buyer_id: str, rating: int, comment: str | None = None) -> Step:
    """Store the buyer's 1-5 rating once; a low one sends the case to a person (outreach.cases.survey)."""
    if not 1 <= rating <= 5:
        raise ValueError(f"rating {rating} is outside 1-5")
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id, lock=True)
        found = session.execute(_SATISFACTION, {"case_id": case.id}).scalar_one_or_none()
        if found is not None:
            return Step(kind="rated", case_id=case.id, already_done=True, extra={"rating": found.rating})
        if case.status not in RATABLE:
            return Step(kind="closed", case_id=case.id, extra={"status": case.status})
        low = satisfaction.record_rating(session, case, rating, utcnow(), comment)
        if low:  # the one rating question of the conversation was about every problem settled in it
            for earlier in _settled_before(session, case):
                machine.hand_over(session, earlier, f"low satisfaction rating {rating} of the conversation, "
                                                    f"given at case {case.id}: a person follows up")
        return Step(kind="rated", case_id=case.id, extra={"rating": rating, "low": low})


def correct_rating(case_id: int | str, buyer_id: str, rating: int, text: str) -> Step:
    """The buyer takes back the rating just given ("啊说错了 是满意"): replaced while it is fresh
    (outreach.lifecycle.rating.correct_rating); `already_done` when nothing changed."""
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id, lock=True)
        changed = satisfaction.correct_rating(session, case, rating, utcnow(), text)
        return Step(kind="rating_corrected", case_id=case.id, already_done=not changed,
                    extra={"rating": rating, "low": changed and rating <= satisfaction.LOW_RATING})


def _settled_before(session: Session, case: Case) -> list[Case]:
    """The cases settled earlier in the same conversation and closed for the next problem, unrated
    (their rating question was this case's): "碎了一瓶 … 店家还挂我电话" settles the breakage, then the
    service problem, then asks once."""
    earlier: list[Case] = []
    current = case
    while True:
        opened = session.execute(select(CaseEvent.detail).where(
            CaseEvent.case_id == current.id, CaseEvent.kind == EventKind.OPENED.value)).scalars().first()
        before = session.get(Case, (opened or {}).get("after_case")) if (opened or {}).get("after_case") else None
        if before is None or before.status != S.CLOSED.value or before in earlier \
                or session.execute(_SATISFACTION, {"case_id": before.id}).first() is not None:
            return earlier
        earlier.append(before)
        current = before


def skip_rating(case_id: int | str, buyer_id: str) -> Step:
    """The buyer turns the rating question down ("不评了"): a settled case closes without a rating."""
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id, lock=True)
        if case.status != S.RESOLVED:
            return Step(kind="closed", case_id=case.id, extra={"status": case.status})
        machine.close(session, case, "buyer declined the rating")
        events.record(session, case.id, EventKind.SATISFACTION_SKIPPED, reason="buyer declined the rating")
        return Step(kind="rating_declined", case_id=case.id)


def recommend(case_id: int | str, buyer_id: str, score: int, comment: str | None = None) -> Step:
    """Store the optional 0-10 recommendation answer (NPS) of a rated case, once."""
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id, lock=True)
        found = session.execute(_SATISFACTION, {"case_id": case.id}).scalar_one_or_none()
        if found is None:
            return Step(kind="closed", case_id=case.id, extra={"status": case.status})
        created = survey.record_recommend(session, found, score, utcnow(), comment)
        return Step(kind="recommended", case_id=case.id, already_done=not created, extra={"score": score})


def opt_out(buyer_id: str, text: str, case_id: int | str | None = None) -> int:
    """Stop every channel for this buyer at once (outreach.lifecycle.consent); returns how many
    cases were closed. Idempotent: a second opt-out adds nothing. The conversation's own case,
    settled and waiting for its rating (`case_id`), closes too: the question will not be asked."""
    with session_scope() as session:
        closed = consent.opt_out(session, buyer_id, text)
        if case_id is not None:
            case = _owned_case(session, case_id, buyer_id)
            if case.status == S.RESOLVED:
                machine.close(session, case, "resolved_no_survey", EventKind.CLOSED_OPTED_OUT)
                closed += 1
        return closed


# A logistics "question" that is the late-delivery complaint itself ("怎么还没发货", "一直不到").
_LATE_COMPLAINT = re.compile(r"没|还不|一直不|迟迟|太慢|这么慢|好慢|慢死|拖|[几\d一二两三四五六七八九十]天了")
# ... but "到底发货没", "发了没" asks whether it shipped: answered
_ASKS_SHIPPED = re.compile(r"发货没|发了没|发没发|发货了(?:吗|么|没)|发了(?:吗|么)|到底发没|有没有发"
                           r"|(?:发|寄)(?:出来|出去|出|走)了(?:吗|么|没|嘛)|在仓库")  # "东西到底发出来了没有？"
BEFORE_OFFER = (None, "confirming", "asking_issue", "asking_quantity", "asking_weight", "picking_order")


def answer_question(case_id: int | str | None, buyer_id: str, text: str, offer_index: int = 0,
                    stage: str | None = "offering") -> str | None:
    """The answer to an off-script question ("退款多久到账？", "快递到哪了？", "你是机器人吗？") from
    the knowledge file and the buyer's own case; None when the words ask none of its topics."""
    from outreach.cases.answers import GENERAL_ONLY, answer_for_case
    from outreach.dialogue.knowledge import knowledge

    topic = knowledge().topic_of(text, offered=stage not in BEFORE_OFFER)
    if topic is None:
        return None
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id) if case_id is not None else None
        if case is None and topic == "remedy_status":
            # "上次那个退款办好了吗" with no conversation open: the buyer's latest case, settled or not
            case = _latest_case(session, buyer_id)
            if case is None:
                return knowledge().answer(topic, "no_case")
        if case is None and topic not in ("who", "refund_timing", "review", *GENERAL_ONLY):
            return None  # with no case, "我的卫衣怎么还没发货" raises a problem; it is not a question to answer
        if topic == "logistics" and case is not None and case.category == "late_delivery" and stage in BEFORE_OFFER \
                and _LATE_COMPLAINT.search(text) and not _ASKS_SHIPPED.search(text):
            return None  # "怎么还没发货" about a late order is the complaint itself; "快递到哪了？" is asked
        return answer_for_case(session, case, topic, offer_index, text=text)


def _latest_case(session: Session, buyer_id: str) -> Case | None:
    """The buyer's most recent case, whatever its status."""
    return session.execute(select(Case).where(Case.buyer_id == buyer_id)
                           .order_by(Case.created_at.desc(), Case.id.desc()).limit(1)).scalar_one_or_none()


def open_question(case_id: int | str, buyer_id: str, stage: str | None, offer_index: int = 0) -> Step | None:
    """The question the conversation is at, asked again (after an off-script answer), with its
    buttons; nothing is recorded. None when no question is open."""
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id)
        if stage == "confirming" and case.status in (S.NEW, S.CONTACTED):
            return Step(kind="confirm", case_id=case.id, extra={"label_zh": taxonomy().zh(case.category)})
        if stage == "offering" and case.status == S.OFFERING:
            offers = quote(case_facts(session, case), rules()).offers
            if 0 <= offer_index < len(offers):
                return Step(kind="offer", case_id=case.id, offer=offers[offer_index], offer_index=offer_index,
                            remedies_left=len(offers) - offer_index - 1, message=offers[offer_index].say)
        if stage == "asking_quantity" and case.status in TALKING:
            return Step(kind="ask_quantity", case_id=case.id, extra={})
        if stage == "asking_issue" and case.status in TALKING:
            return Step(kind="ask_issue", case_id=case.id, extra={"label": case.category,
                                                                 "choices": _issue_choices(case.category)})
        if stage == "asking_weight" and case.status in TALKING:
            return Step(kind="ask_weight", case_id=case.id, extra=_weight_question(session, case))
        if stage in ("rating", "recommending") and case.status in RATABLE:
            return Step(kind="ask_" + stage, case_id=case.id)
        return None



# ------------------------------------------------------------------ the buyer starts or reopens

RECENT_ORDER_DAYS = 90
MAX_ORDER_CHOICES = 5


def _recent_orders(session: Session, buyer_id: str) -> list[tuple[str, str]]:
    """The buyer's recent orders, newest first: (order id, the first item's title)."""
    from datetime import timedelta

    from outreach.store.models import Order

    since = utcnow() - timedelta(days=RECENT_ORDER_DAYS)
    orders = session.execute(select(Order.id).where(Order.buyer_id == buyer_id, Order.paid_at >= since)
                             .order_by(Order.paid_at.desc(), Order.id.desc()).limit(MAX_ORDER_CHOICES)).scalars()
    return [(order_id, main_item(session, order_id).title) for order_id in orders]


def is_talking(case_id: int | str, buyer_id: str) -> bool:
    """Whether the case is still being talked through (the bot may change its problem and offers)."""
    with session_scope() as session:
        return _owned_case(session, case_id, buyer_id).status in TALKING


def talking_about(case_id: int | str, buyer_id: str) -> str | None:
    """The problem the case is about while it is still being talked through (is_talking); None
    once it is not."""
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id)
        return case.category if case.status in TALKING else None


def raise_problem(buyer_id: str, text: str, label: str, model_version: str | None = None,
                  more: dict[str, str] | None = None, remedies: list[dict] | None = None,
                  confidence: int | None = None) -> Step:
    """A buyer raises a problem with no conversation about it open: after an opt-out (no proactive
    contact follows, but the conversation they start is served), after a closed case, or with no
    case at all. The words are kept as the buyer's feedback; with one recent order the case opens
    at once, with several the buyer picks the order (`pick_order`), with none a person helps.
    `more`: other problems the same words name ("盘子碎了两个 而且还少了一个"), each with its clause:
    they follow this one. `remedies`: the remedies the words pick, clause by clause, as for
    `choose_remedy` ("少的那两个直接退钱就行"): each problem keeps its own for when its offer comes.
    `confidence`: how sure the reading of the words is, per mille; from STATED_SURELY on, the
    problem is taken as stated and the conversation goes on to its offer without a confirmation."""
    with session_scope() as session:
        kept = _chat_feedback(session, buyer_id, text, label, model_version, confidence)
        if kept is None or not kept[1]:  # not a buyer of the import, or no recent order: nothing to open
            return Step(kind="no_order", case_id=0)
        feedback, orders = kept
        meant = _order_meant(text, orders)
        if meant is not None:
            return _open_from_feedback(session, feedback, meant, more, remedies)
        return Step(kind="pick_order", case_id=0, extra={"orders": orders})


def _chat_feedback(session: Session, buyer_id: str, text: str, label: str, model_version: str | None,
                   confidence: int | None = None) -> tuple[Feedback, list[tuple[str, str]]] | None:
    """The buyer's words kept as chat feedback with the label read in them, and the buyer's recent
    orders (id, title); None when the talker is no buyer of the platform's import."""
    from outreach.store.models import Buyer

    if session.get(Buyer, buyer_id) is None:
        return None
    feedback = Feedback(buyer_id=buyer_id, source="chat", text=text[:2000], created_at=utcnow(),
                        category=label, model_version=model_version, confidence=confidence)
    session.add(feedback)
    session.flush()
    return feedback, _recent_orders(session, buyer_id)


def _order_meant(text: str, orders: list[tuple[str, str]]) -> str | None:
    """The one order the words are about: the buyer's only recent order, or the one whose goods they
    name ("我买的面膜少了一盒"); None when that is not one order."""
    if len(orders) == 1:
        return orders[0][0]
    named = orders_named(text, orders)
    return named[0][0] if len(named) == 1 else None


def note_all_fine(buyer_id: str, text: str, model_version: str | None = None) -> int | None:
    """A buyer who writes, with no conversation open, only to say all is well ("鸡蛋收到了 一个没破
    跟你们说一声", "不好意思点错了 东西都挺好的"): the words are kept as feedback labelled no_problem
    and, when they are about one order (the buyer's one recent order, or the one they name), the
    conversation is recorded on it as a case diagnosed no_problem and closed at once: nothing to
    settle, nothing to rate. The case's id, or None (no order meant, or one with a case open)."""
    from outreach.cases.triage import open_case_for
    from outreach.diagnosis.severity import severity_of
    from outreach.store.models import Buyer, Order

    with session_scope() as session:
        kept = _chat_feedback(session, buyer_id, text, NO_PROBLEM, model_version)
        if kept is None:
            return None
        feedback, orders = kept
        feedback.diagnosed_at = utcnow()
        meant = _order_meant(text, orders)
        if meant is None:
            return None
        order, buyer = session.get(Order, meant), session.get(Buyer, buyer_id)
        severity = severity_of(NO_PROBLEM, text, age_band=buyer.age_band, order_total_fen=order.total_fen)
        case, created = open_case_for(session, feedback, order, NO_PROBLEM, int(severity.level), model_version)
        if not created:  # a case of that order is open: the remark settles nothing of it
            return None
        feedback.order_id, feedback.case_id = order.id, case.id
        machine.move(session, case, S.CONTACTED, EventKind.CONVERSATION_OPENED, started_by="buyer",
                     changes={"first_contact_at": utcnow()})
        events.record(session, case.id, EventKind.PROBLEM_STATED, label=NO_PROBLEM, model=model_version)
        machine.close(session, case, "buyer: no problem")
        return case.id


# A noun said with its suffix ("袜子", "杯子", "盘子", "鞋子"): the goods are its first character
# ("纯棉中筒袜 男", "马克杯"). Tried only when no two characters match ("瓜子" is said whole).
# "枕头": the 乳胶枕 (not "里头", "上头"); "芒果": the 贵妃芒 (not "结果", "水果", "如果")
_NOUN_SUFFIX = re.compile(r"(?!(?:水|结|如|效|后|成)果)([\u4e00-\u9fff])[子儿头果]")


# A noun of one character said as the thing that went wrong ("碗碎了一个", "碗到了碎了一个", "那个锅漏了"):
# the goods are that character in a title. Tried last, and only characters that can name goods.
_ONE_CHARACTER_NOUN = re.compile(r"(?:^|(?<=[\s，,。!！?？那这])|(?<=买的|那个|这个|那些|这些))([\u4e00-\u9fff])"
                                 r"(?=[^，,。!！?？\s]{0,3}?(?:[碎烂坏破裂少漏死臭霉缺化]|没到|没收到|没发|不见))")
_NOT_GOODS = set("东西货件单快都也还全就是有个的一了我你他她它这那些次里外上下")


def orders_named(text: str, orders: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The orders (id, title) whose title shares a word of two Chinese characters with the words,
    or else the goods a noun with its suffix names ("袜子少了两双": the 中筒袜), or else a noun of one
    character told with what went wrong ("碗碎了一个": the 陶瓷碗)."""
    # "精华收到了没问题哈 就是面膜", "袜子那单 买了4双就到了3双 口罩那单没事": the goods told fine are
    # not the ones meant, so the clauses that tell nothing fine are read first
    # ("耳机那单……哦不是 耳机没事 是那个129的充电宝": what follows the correction, when it names one)
    corrected = _ORDER_CORRECTED.split(text)
    if len(corrected) > 1 and corrected[-1].strip():
        named = orders_named(corrected[-1], orders)
        if named:
            return named
    clauses = clauses_of(text)
    told = [clause for clause in clauses if not _TOLD_FINE.search(clause)]
    named = _goods_named(" ".join(told), orders) if told and len(told) < len(clauses) else []
    return named or _goods_named(text, orders)


def _goods_named(text: str, orders: list[tuple[str, str]]) -> list[tuple[str, str]]:
    named = _orders_sharing_words(text, orders)
    if named:
        return named
    nouns = {match.group(1) for match in _NOUN_SUFFIX.finditer(text)} - _NOT_GOODS
    named = [(order_id, title) for order_id, title in orders if any(noun in title for noun in nouns)]
    if named:
        return named
    nouns = {match.group(1) for match in _ONE_CHARACTER_NOUN.finditer(text)} - _NOT_GOODS
    named = [(order_id, title) for order_id, title in orders if any(noun in title for noun in nouns)]
    if named:
        return named
    # the kind of goods by the last character of its everyday name: "螃蟹" the 大闸蟹, "鸡蛋" the 土鸡蛋
    heads = {match.group(1) for match in _GOODS_HEAD.finditer(text)}
    return [(order_id, title) for order_id, title in orders if any(head in title for head in heads)]


_GOODS_HEAD = re.compile(r"[\u4e00-\u9fff]([蟹虾鱼蛋米茶酒奶杯碗盘鞋袜锅灯伞瓜桃梨枣橙柑橘莓梅蕉柚榴])")


_TOLD_FINE = re.compile(r"没问题|没坏|挺好|好好的|都好|正常|完好|没事|还没(?:敢)?拆|没拆|还没开|没开封"
                        r"|(?:都|已经|早就?|早已)(?:到了|收到了?|签收了)(?=$|[\s，,。.!！~～])")
# The order named first taken back: "耳机那单……哦不是", "苹果那单 不对不对".
_ORDER_CORRECTED = re.compile(r"哦不是|不对不对|不对|说错了|搞错了|记错了|哦不")


def _orders_sharing_words(text: str, orders: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # (a Latin letter with a character too: "T恤", "U盘")
    words = set(re.findall(r"(?=([a-z\u4e00-\u9fff][\u4e00-\u9fff]))", text.lower()))
    return [(order_id, title) for order_id, title in orders
            if words & set(re.findall(r"(?=([a-z\u4e00-\u9fff][\u4e00-\u9fff]))", title.lower()))]


def where_is_order(buyer_id: str, text: str) -> tuple[str, bool] | None:
    """With no conversation open, a question about where the goods are ("快递怎么还没到") of the
    buyer's one recent order, or the one the words name: where it is, and whether its ship
    promise was missed (a problem to take up, not only a question). None when the words ask no
    such question or the order is not known."""
    from datetime import timedelta

    from outreach.cases.answers import logistics_answer
    from outreach.dialogue.knowledge import knowledge
    from outreach.store.models import Order

    if knowledge().topic_of(text, offered=False) != "logistics":
        return None
    with session_scope() as session:
        recent = _recent_orders(session, buyer_id)
        named = orders_named(text, recent)
        chosen = named if len(named) == 1 else recent if len(recent) == 1 else []
        if len(chosen) != 1:
            return None
        order = session.get(Order, chosen[0][0])
        if order is None or order.paid_at is None:
            return None
        late = (order.shipped_at or utcnow()) > order.paid_at + timedelta(hours=order.promised_ship_hours)
        return logistics_answer(session, order), late


def move_to_order(case_id: int | str, buyer_id: str, text: str) -> Step | None:
    """At the confirmation of a case the buyer started, or at the offer made straight after their
    words told the problem, words that put it on another of their recent orders ("不是 点错了 是枕头
    那单 两个枕头只来了一个"): nothing was settled yet, so the case moves to that order, the words'
    details are noted and the confirmation is asked again (or, for a problem told, the new order's
    offer made). None when the words name no other single order, or the case has moved on or that
    order has a case open."""
    from outreach.cases.triage import incident_key

    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id, lock=True)
        started_by_buyer = session.execute(select(Feedback.id).where(
            Feedback.case_id == case.id, Feedback.source == "chat").limit(1)).first() is not None
        offered = session.execute(select(CaseEvent.id).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == EventKind.OFFERED.value).limit(1)).first() is not None
        stated = _stated_unanswered(session, case)
        if not started_by_buyer or not (stated or case.status == S.CONTACTED and not offered):
            return None
        others = [order for order in orders_named(text, _recent_orders(session, buyer_id)) if order[0] != case.order_id]
        if len(others) != 1:
            return None
        order_id, key = others[0][0], incident_key(buyer_id, others[0][0])
        if session.execute(select(Case.id).where(Case.open_key == key)).first() is not None:
            return None
        before = case.order_id
        case.order_id, case.open_key, case.affected_quantity = order_id, key, None
        case.facts = {k: v for k, v in (case.facts or {}).items() if k not in ("affected_share", "portion")}
        for feedback in session.execute(select(Feedback).where(Feedback.case_id == case.id)).scalars():
            feedback.order_id = order_id
        events.record(session, case.id, EventKind.ORDER_CORRECTED, order=order_id, was=before, text=text[:200])
        reading = _note_details(session, case, case.category, text, {})
        return _go_on_stated(session, case, reading, None) if stated else _confirm_step(session, case)


def names_another_order(case_id: int | str, buyer_id: str, text: str) -> bool:
    """Whether the words name the goods of another of the buyer's recent orders than the case's
    ("前天到的是充电宝 收音机是上礼拜到的" of the radio's case, with a power bank bought too)."""
    with session_scope() as session:
        case = _owned_case(session, case_id, buyer_id)
        named = orders_named(text, _recent_orders(session, buyer_id))
        return any(order_id != case.order_id for order_id, _title in named)


def start_on_named_order(buyer_id: str, text: str) -> Step | None:
    """The buyer answers "which order?" by typing part of its goods ("袜子") instead of tapping:
    that order, when the words name exactly one of their recent orders; None otherwise."""
    with session_scope() as session:
        named = orders_named(text, _recent_orders(session, buyer_id))
    return start_on_order(buyer_id, named[0][0]) if len(named) == 1 else None


def start_on_order(buyer_id: str, order_id: str) -> Step:
    """The buyer picked the order their latest problem is about: the case opens (or the open one
    for that order continues) and the diagnosis is put to them to confirm."""
    from outreach.store.models import Order

    with session_scope() as session:
        order = session.get(Order, order_id)
        if order is None or order.buyer_id != buyer_id:
            raise CaseNotFound(f"no order {order_id!r} of this buyer")
        feedback = session.execute(
            select(Feedback).where(Feedback.buyer_id == buyer_id, Feedback.source == "chat",
                                   Feedback.case_id.is_(None)).order_by(Feedback.id.desc()).limit(1)
        ).scalar_one_or_none()
        if feedback is None:
            return Step(kind="no_order", case_id=0)
        return _open_from_feedback(session, feedback, order_id)


def _open_from_feedback(session: Session, feedback: Feedback, order_id: str,
                        more: dict[str, str] | None = None, remedies: list[dict] | None = None) -> Step:
    from outreach.cases.triage import open_case_for
    from outreach.diagnosis.severity import severity_of
    from outreach.store.models import Buyer, Order

    order = session.get(Order, order_id)
    buyer = session.get(Buyer, feedback.buyer_id)
    label = feedback.category or NO_PROBLEM
    severity = severity_of(label, feedback.text, age_band=buyer.age_band, order_total_fen=order.total_fen)
    case, created = open_case_for(session, feedback, order, label, int(severity.level), feedback.model_version)
    feedback.order_id, feedback.case_id, feedback.diagnosed_at = order.id, case.id, utcnow()
    if not created:
        events.record(session, case.id, EventKind.FEEDBACK_ATTACHED, feedback=feedback.id, label=label)
    if case.status == S.NEW:  # the buyer is talking already: the scheduler has nothing to start
        machine.move(session, case, S.CONTACTED, EventKind.CONVERSATION_OPENED, started_by="buyer",
                     changes={"first_contact_at": utcnow()})  # no channel: nothing for the scheduler to chase
    if case.status not in TALKING:
        return Step(kind="closed", case_id=case.id, extra={"status": case.status})
    if label in rules().person_first:
        return _hand_over(session, case, rules().person_first[label], call_back=True)
    _note_issue(session, case, None, feedback.text)
    # ("橙子烂了2斤 整箱称了一下才9斤" of 10斤 promised: the short weight too, as at a confirmation)
    more = _weighed_short(session, case, dict(more or {}), label, feedback.text)
    if more:
        _note_more_problems(session, case, label, _with_weighing(more, label, feedback.text), feedback.text)
    # "大闸蟹死了3只", "标的10斤 一称只有9斤2两": the count or the weighing is given already, and with
    # two problems each keeps its own ("芒果烂了3个 还少发了2个": 3 rotten)
    reading = _note_details(session, case, label, feedback.text, more or {})
    _note_first_remedies(session, case, feedback.text, remedies)
    if label != NO_PROBLEM and order.delivered_at is not None and not _rules_can_act(
            session, case, label, issue=(case.facts or {}).get("issue") if label == case.category else None):
        # "猕猴桃签收以后放了几天 … 烂了12个 能退吗" four days after delivery: nothing the rules give
        # depends on a yes, so a person takes it now rather than after a confirmation that changes nothing
        return _hand_over(session, case, f"buyer started: no rule gives a remedy for {label} on this order")
    if label == NO_PROBLEM or (feedback.confidence or 0) < STATED_SURELY or label != case.category:
        return _confirm_step(session, case, label)
    # "芒果烂了1斤半 怎么处理": the buyer told us the problem; asking "is that right?" would only
    # repeat it back. What we understood is said with the next question or the offer, which the
    # buyer can still correct.
    return _go_on_stated(session, case, reading, feedback.model_version)


def _go_on_stated(session: Session, case: Case, reading: Affected | None, model_version: str | None) -> Step:
    """The problem the buyer's own words told, taken as stated: the next question or the offer,
    opening with what we understood (`started`), which the buyer can still deny."""
    events.record(session, case.id, EventKind.PROBLEM_STATED, label=case.category, model=model_version)
    step = _go_on(session, case, reading, None)
    item = main_item(session, case.order_id)
    return dataclasses.replace(step, extra={**step.extra, "unit": step.extra.get("unit") or item.unit, "started": {
        "order_title": item.title, "label_zh": taxonomy().zh(case.category)}})


def _stated_unanswered(session: Session, case: Case) -> bool:
    """Whether the case's problem was taken as the buyer stated it and its offer is still open,
    unanswered: the buyer may still say it is not so (another order, another problem)."""
    kinds = set(session.execute(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).scalars())
    return case.status == S.OFFERING and EventKind.PROBLEM_STATED.value in kinds and not kinds & {
        EventKind.DECLINED.value, EventKind.PROBLEM_CONFIRMED.value, EventKind.PROBLEM_CORRECTED.value}


def _confirm_step(session: Session, case: Case, label: str | None = None) -> Step:
    """The diagnosis put to the buyer to confirm: the problem (the case's unless the buyer's words
    just named one) on the case's order's main item."""
    item = main_item(session, case.order_id)
    return Step(kind="confirm", case_id=case.id, extra={"label_zh": taxonomy().zh(label or case.category),
                                                        "order_title": item.title, "unit": item.unit})
