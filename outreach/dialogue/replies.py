"""What the assistant says after a conversation step, and where the conversation stands then.

One mapping from a Step (outreach.cases.conversation) to the bot's responses (bot/domain) and
the slots Rasa keeps: the action server utters them (actions.common.say_step), and the demo's
past chats (outreach.demo.chats) write the same words into the inbox without a Rasa server.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from outreach.cases.conversation import Step

# What a buyer names that the rules do not allow for this order ("unavailable" of an offer step).
REMEDY_ZH = {"refund": "退款", "return_refund": "退货退款", "replace": "换新", "reship": "补发",
             "cancel": "取消订单", "compensation": "补偿", "coupon": "优惠券", "legal": "假一赔三、假一赔十",
             "full_refund": "全额退款"}


@dataclass(frozen=True)
class Say:
    """One bot message: a response of the domain with its values, or a text of its own."""

    response: str | None = None
    text: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Replies:
    said: list[Say] = field(default_factory=list)
    slots: list[tuple[str, Any]] = field(default_factory=list)  # in the order they are set
    form: tuple[str, str] | None = None  # (form, the slot it asks for next)

    def say(self, response: str, **params: Any) -> None:
        self.said.append(Say(response=response, params=params))

    def set(self, **slots: Any) -> None:
        self.slots.extend(slots.items())

    def extend(self, other: Replies) -> None:
        self.said += other.said
        self.slots += other.slots
        self.form = other.form or self.form


def _quantity_problem(replies: Replies, status: str, limit: int | None, unit: str) -> None:
    """A polite question back that names the limit: too many, none, vague or unreadable."""
    if status == "too_many":
        replies.say("utter_quantity_too_many", max_quantity=limit, unit=unit)
    elif status == "zero":
        replies.say("utter_quantity_zero")
    elif status == "vague":
        replies.say("utter_quantity_vague", unit=unit)
    else:
        replies.say("utter_quantity_invalid", max_quantity=limit or "订单数量", unit=unit)


def quantity_problem(status: str, limit: int | None, unit: str) -> Replies:
    replies = Replies()
    _quantity_problem(replies, status, limit, unit)
    return replies


def _rating_question(replies: Replies, step: Step) -> Replies:
    """Ask for the rating unless the satisfaction rule says this buyer was asked too recently."""
    if step.extra.get("ask_rating", True):
        replies.say("utter_ask_rating")
        replies.set(stage="rating")
    else:
        replies.set(stage="closed")
    return replies


def replies_for(step: Step) -> Replies:  # noqa: C901 - one branch per kind of step, read top to bottom
    """The bot's messages for a step and the stage (and other slots) the conversation moves to."""
    replies = Replies()
    extra = step.extra
    if extra.get("started"):  # the buyer's own words told the problem: what we understood, then on
        replies.say("utter_started_noted", order_title=extra["started"]["order_title"],
                    label_zh=extra["started"]["label_zh"])
    if step.kind == "offer":
        if extra.get("amount_problem"):
            _quantity_problem(replies, extra["amount_problem"], extra.get("max"), extra.get("unit", ""))
        if extra.get("unavailable") == "legal":  # "能不能赔三倍": why not, in the rules' words
            replies.say("utter_legal_unavailable", label_zh=extra.get("label_zh", ""))
        elif extra.get("unavailable"):
            replies.say("utter_remedy_unavailable", remedy_zh=REMEDY_ZH.get(extra["unavailable"], "这个方案"))
        if extra.get("moved_on"):  # a yes or no to an earlier offer: this one is open now
            replies.say("utter_offer_moved_on")
        replies.say("utter_offer", offer_text=step.message, offer_tap=str(step.offer_index or 0))
        replies.set(stage="offering", offer_index=float(step.offer_index or 0))
    elif step.kind == "confirm":
        if extra.get("listing"):
            replies.say("utter_listing_weight", listing=extra["listing"])
        if extra.get("order_title"):  # a conversation the buyer started
            replies.say("utter_confirm_started", label_zh=extra.get("label_zh", ""), order_title=extra["order_title"])
        else:
            replies.say("utter_ask_confirm_again", label_zh=extra.get("label_zh", ""))
        replies.set(stage="confirming")
    elif step.kind == "ask_rating":
        replies.say("utter_ask_rating")
        replies.set(stage="rating")
    elif step.kind == "ask_recommending":
        replies.say("utter_ask_recommend")
        replies.set(stage="recommending")
    elif step.kind == "ask_quantity":
        if "invalid" in extra:
            status = extra["invalid"] if isinstance(extra["invalid"], str) else "none"
            _quantity_problem(replies, status, extra.get("max"), extra.get("unit", ""))
        replies.set(stage="asking_quantity", affected_quantity=None)
        replies.form = ("quantity_form", "affected_quantity")
    elif step.kind == "ask_issue":
        label = extra["label"]
        buttons = [{"title": choice["title"], "payload": f"/{label}" + _payload({"issue": choice["issue"]})}
                   for choice in extra["choices"]]
        replies.say("utter_ask_issue", buttons=buttons)
        replies.set(stage="asking_issue")
    elif step.kind == "ask_weight":
        if extra.get("invalid"):
            replies.say("utter_weight_invalid")
        elif extra.get("promised"):
            replies.say("utter_weight_promised", promised=extra["promised"])
        replies.set(stage="asking_weight", weighed=None)
        replies.form = ("weight_form", "weighed")
    elif step.kind == "handover":
        if extra.get("recounted"):  # counted again after the remedy: it stands, a person settles the rest
            replies.say("utter_recounted_after_remedy", said=extra["recounted"])
        replies.said.append(Say(text=step.message))
        replies.set(stage="human")
    elif step.kind == "no_problem":
        replies.say("utter_no_problem")
        _rating_question(replies, step)
    elif step.kind == "executed":
        if step.already_done:
            replies.say("utter_remedy_already_done")
        else:
            replies.say("utter_remedy_done", remedy_text=step.offer.done if step.offer else "")
        following = extra.get("next")
        if following is not None:  # the next problem the buyer named, in its own case
            if following.extra.get("order_title"):  # on another order the words named
                replies.say("utter_next_problem_other_order", label_zh=following.extra.get("label_zh", ""),
                            order_title=following.extra["order_title"])
            else:
                replies.say("utter_next_problem", label_zh=following.extra.get("label_zh", ""))
            replies.set(case_id=str(following.case_id), offer_index=None, affected_quantity=None)
            replies.extend(replies_for(following))
        elif extra.get("then") is not None:  # rated in the words that took the offer
            replies.extend(replies_for(extra["then"]))
        else:
            _rating_question(replies, step)
    elif step.kind == "pending_approval":
        if step.already_done:
            replies.say("utter_remedy_already_done")
        else:
            from outreach.rules.loader import rules

            replies.say("utter_pending_approval", amount=extra.get("amount", ""), review=rules().timing.review)
        replies.set(stage="human")
    elif step.kind in ("rated", "rating_corrected"):
        if step.already_done:
            replies.say("utter_already_rated")
            replies.set(stage="closed")
        elif extra.get("low"):
            replies.say("utter_sorry_low_rating", rating=extra.get("rating"))
            replies.set(stage="human")
        elif step.kind == "rating_corrected":  # taken back at the recommendation question: asked already
            replies.say("utter_rating_updated", rating=extra.get("rating"))
            replies.set(stage="closed")
        else:
            replies.say("utter_thanks_for_rating", rating=extra.get("rating"))
            replies.say("utter_ask_recommend")
            replies.set(stage="recommending")
    elif step.kind == "recommended":
        replies.say("utter_thanks_for_recommend")
        replies.set(stage="closed")
    elif step.kind == "rating_declined":
        replies.say("utter_rating_declined")
        replies.set(stage="closed")
    else:
        replies.say("utter_case_closed")
        replies.set(stage="closed")
    return replies


def _payload(entities: dict[str, str]) -> str:
    return json.dumps(entities, ensure_ascii=False)


_FIELD = re.compile(r"\{(\w+)\}")


def fill(template: str, params: dict[str, Any]) -> str:
    """A domain response's text with its values, as Rasa fills it ({name}; unknown names stay)."""
    return _FIELD.sub(lambda m: str(params[m.group(1)]) if params.get(m.group(1)) is not None else m.group(0),
                      template)
