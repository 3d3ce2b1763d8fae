"""The schema of a rules file (reference: docs/rules.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Extra, Field, conint, root_validator, validator

Kind = Literal[
    "refund_share",  # refund the affected share without return
    "refund_full",  # return and full refund
    "cancel_refund",  # cancel an unshipped order, full refund
    "compensation_percent",  # a share of the price as compensation (late_compensation)
    "refund_difference",  # price protection: what the price dropped, times the quantity
    "refund_excess",  # double charge, coupon not applied, surprise fee: the excess charged
    "refund_shortfall",  # weight guarantee: the missing share of the total
    "coupon",  # a fixed coupon (coupon_fen), e.g. an apology
    "legal_multiple",  # legal floor: a multiple of the price, at least floor_fen; a person verifies
    "reship_share",  # send the affected or missing pieces again
    "reship_full",  # send the right item again
]
KIND_ZH = {
    "refund_share": "按比例仅退款", "refund_full": "退货退款", "cancel_refund": "取消订单退款",
    "compensation_percent": "按比例赔付", "refund_difference": "退差价", "refund_excess": "退还多收款",
    "refund_shortfall": "退不足部分", "coupon": "优惠券", "legal_multiple": "法定倍数赔偿",
    "reship_share": "补发部分", "reship_full": "重新发货",
}
Condition = Literal[
    "delivered",  # the order has a delivery time
    "within_evidence_window",  # reported within the window after delivery
    "unshipped",  # no ship time
    "ship_promise_missed",  # shipped (or still unshipped) after paid + promised hours
    "trust_badge",  # the shop has the 信任购 badge
    "no_trust_badge",
    "food",  # the item is food (food_kinds)
    "within_price_protection",  # reported within price_protection_days of payment
]
# Item service promise flags a listing may carry (names follow the platform's item flags).
ITEM_PROMISES = (
    "fresh_rot_refund",  # 坏了包退
    "broken_refund",  # 破损包退
    "allergy_refund",  # 过敏包退
    "crab_guarantee",  # 蟹无忧
    "weight_guarantee",  # 足斤足两
    "price_protection",  # 价保
)
Promise = Literal[ITEM_PROMISES]  # type: ignore[valid-type]
# Kinds whose amount depends on how many pieces were affected.
SHARE_KINDS = {"refund_share", "reship_share"}
# Kinds that pay money (or a coupon) and so pass the cap, risk and approval checks.
PAYING_KINDS = {
    "refund_share", "refund_full", "cancel_refund", "compensation_percent", "refund_difference",
    "refund_excess", "refund_shortfall", "coupon", "legal_multiple",
}
# Kinds that send goods again: no money, but their value counts towards the approval cap.
GOODS_KINDS = {"reship_share", "reship_full"}
# Kinds that give back money paid for the line's goods: together, over every case of an order,
# never more than the line cost (a full refund for one problem leaves nothing for a second).
LINE_REFUND_KINDS = {"refund_share", "refund_full", "cancel_refund", "refund_shortfall", "refund_difference"}
# Kinds that refund the buyer's payment: the trust badge makes them fast, with return freight paid.
REFUND_KINDS = {"refund_share", "refund_full", "cancel_refund", "refund_difference", "refund_excess",
                "refund_shortfall"}
# The fact each kind needs besides the order (None: the order is enough).
KIND_FACTS = {
    "refund_difference": "current_unit_price_fen",
    "refund_excess": "overcharge_fen",
    "refund_shortfall": "shortfall_percent",
}
# The placeholders a say/done sentence may use; the engine fills exactly these.
TEMPLATE_FIELDS = ("amount", "affected", "unit", "coupon", "multiple", "portion", "timing", "shipping")

Fen = conint(ge=0)


class Strict(BaseModel):
    class Config:
        extra = Extra.forbid


class RemedyRule(Strict):
    id: str = Field(regex=r"^[a-z0-9_]+$")
    title: str = Field(min_length=1, max_length=40)  # the rule's Chinese name, shown to leads and agents
    kind: Kind
    when: list[Condition] = []
    promises: list[Promise] = []  # the item must carry all of these
    without_promises: list[Promise] = []  # ...and none of these (a better rule covers them)
    issues: list[str] = []  # the case's issue must be one of these (empty: any issue)
    coupon_fen: Fen = 0  # type: ignore[valid-type]  # a coupon given with the remedy (kind coupon: the remedy)
    multiple: conint(ge=1) = 3  # type: ignore[valid-type]  # legal_multiple: times the price paid
    loss_multiple: conint(ge=0) = 0  # type: ignore[valid-type]  # legal_multiple: times the loss, if known
    floor_fen: Fen = 0  # type: ignore[valid-type]  # legal_multiple: at least this
    add_appraisal_fee: bool = False  # legal_multiple: plus the buyer's appraisal fee
    verify: bool = False  # a person verifies before payment (always for legal_multiple)
    fast_refund: bool = False  # the platform pays first (先行赔付)
    return_goods: bool = False  # the buyer sends the goods back (退货退款): 信任购 pays that freight
    report_merchant: bool = False  # the merchant is reported to risk control
    law: str | None = None  # the legal basis, shown to the person approving
    say: str = Field(min_length=1)  # the offer, said to the buyer
    done: str = Field(min_length=1)  # said once the remedy is carried out

    @validator("title")
    def _title_is_chinese(cls, value: str) -> str:
        if not any("\u4e00" <= ch <= "\u9fff" for ch in value):
            raise ValueError(f"title {value!r} must be the rule's Chinese name, as leads read it (e.g. 假一赔十)")
        return value.strip()

    @root_validator(skip_on_failure=True)
    def _legal_multiples_are_verified(cls, values: dict) -> dict:
        if values["kind"] == "legal_multiple":
            values["verify"] = True
        if values["kind"] == "coupon" and not values["coupon_fen"]:
            raise ValueError("a coupon remedy needs coupon_fen above 0")
        return values


class LateCompensation(Strict):
    percent: conint(ge=0, le=100)  # type: ignore[valid-type]
    min_fen: Fen  # type: ignore[valid-type]
    max_fen: Fen  # type: ignore[valid-type]

    @validator("max_fen")
    def _max_not_below_min(cls, value: int, values: dict) -> int:
        if "min_fen" in values and value < values["min_fen"]:
            raise ValueError("max_fen must not be below min_fen")
        return value


class BuyerRisk(Strict):
    refunds_90d: conint(ge=1) = 3  # type: ignore[valid-type]  # this many paid remedies in 90 days: a person approves


class TrustBadge(Strict):
    note: str = ""  # appended to refund offers of 信任购 shops where the goods go back (return freight paid)
    fast_note: str = ""  # appended to their refund offers without a return (fast refund only)


class Timing(Strict):
    """When the buyer sees a remedy's effect: the one place every sentence and answer takes it from."""

    fast_refund: str = Field(min_length=1)  # the platform pays first, or a 信任购 shop
    original_route: str = Field(min_length=1)  # an ordinary refund to the payment account
    after_return: str = Field(min_length=1)  # 退货退款: after the goods are back
    compensation: str = Field(min_length=1)  # compensation, coupons, legal multiples
    reship: str = Field(min_length=1)  # goods sent again
    review: str = Field(min_length=1)  # a person approves first


class Shipping(Strict):
    """Where the order is now, said after an offer about a late order ({shipping}): a sentence must
    not promise to ship goods that have already arrived."""

    unshipped: str = ""
    in_transit: str = ""
    delivered: str = ""


class Issue(Strict):
    """One issue within a label (e.g. price_issue: double_charge)."""

    ask: str = Field(min_length=1)  # the button the buyer taps when the bot asks which issue it is
    words: list[str] = Field(min_items=1)  # words in the buyer's report that name it


class RuleBook(Strict):
    auto_approval_cap_fen: Fen  # type: ignore[valid-type]
    evidence_window_hours: conint(gt=0)  # type: ignore[valid-type]
    live_seafood_window_hours: conint(gt=0)  # type: ignore[valid-type]
    price_protection_days: conint(gt=0) = 7  # type: ignore[valid-type]
    late_compensation: LateCompensation
    buyer_risk: BuyerRisk = BuyerRisk()
    trust_badge: TrustBadge = TrustBadge()
    timing: Timing
    shipping: Shipping = Shipping()
    food_kinds: list[str] = ["seafood", "fruit", "health_food", "food"]
    # Item kinds whose pieces are not shared out: part of one harmed is the piece ("一半是花的" of a
    # monitor's screen is the monitor), so a share that is not whole pieces counts the pieces it touches.
    whole_piece_kinds: list[str] = []
    # label -> issue -> its button and the words in the buyer's report that name it
    issues: dict[str, dict[str, Issue]] = {}
    # label -> why a person takes over at once (the offers are listed for that person)
    person_first: dict[str, str] = {}
    # Labels that all say what state the goods arrived in: a further problem of this group named
    # beside the one being settled is the same harm said in other words, not a second problem.
    goods_condition: list[str] = ["quality_defect", "damaged", "spoiled"]
    # Labels whose remedy takes back or replaces the goods as a whole: a goods-condition problem (or
    # another of these) named beside one is settled with it ("寄来个14的 套都套不进去").
    covers_goods: list[str] = ["wrong_item", "not_as_described", "counterfeit"]
    remedies: dict[str, list[RemedyRule]]
    handover_message: str
    # said when a person takes over by phone: {at} local time, {phone} masked number
    callback_message: str = "我们的专员会在{at}给您的手机{phone}打电话，请留意来电。"
    approval_message: str = ""  # said to the buyer when a person approved; {amount} and {done}
    rejection_message: str = ""  # said to the buyer when a person rejected; {reason}

    @validator("remedies")
    def _unique_rule_ids(cls, remedies: dict[str, list[RemedyRule]]) -> dict:
        ids = [rule.id for rules in remedies.values() for rule in rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"rule ids must be unique; repeated: {', '.join(duplicates)}")
        return remedies

    def timing_of(self, kind: str, fast: bool = False, return_goods: bool = False) -> str:
        """When a remedy of this kind takes effect (rules file: timing)."""
        if kind in ("reship_share", "reship_full"):
            return self.timing.reship
        if kind in ("compensation_percent", "coupon", "legal_multiple"):
            return self.timing.compensation
        if fast:
            return self.timing.fast_refund
        return self.timing.after_return if return_goods else self.timing.original_route

    def rule(self, rule_id: str) -> RemedyRule:
        for rules in self.remedies.values():
            for rule in rules:
                if rule.id == rule_id:
                    return rule
        raise KeyError(f"unknown rule {rule_id!r}")

    def title_of(self, rule_id: str) -> str:
        """The rule's Chinese name; a rule no longer in the book (an old payout) keeps its id."""
        try:
            return self.rule(rule_id).title
        except KeyError:
            return f"已停用规则 {rule_id}"

    def label_of(self, rule_id: str) -> str:
        for label, rules in self.remedies.items():
            if any(rule.id == rule_id for rule in rules):
                return label
        raise KeyError(f"unknown rule {rule_id!r}")
