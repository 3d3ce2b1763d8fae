"""The schema of a rules file."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, conint, validator

Kind = Literal[
    "refund_share",  # refund the affected share without return
    "refund_full",  # return and full refund
    "cancel_refund",  # cancel an unshipped order, full refund
    "compensation_percent",  # a share of the price as compensation
    "reship_share",  # send the affected or missing pieces again
    "reship_full",  # send the right item again
]
Condition = Literal[
    "delivered", "within_evidence_window", "unshipped", "ship_promise_missed"
]
# Kinds whose amount depends on how many pieces were affected.
SHARE_KINDS = {"refund_share", "reship_share"}
# The placeholders a say/done sentence may use; the engine fills exactly these.
TEMPLATE_FIELDS = ("amount", "affected", "unit")
PAYING_KINDS = {"refund_share", "refund_full", "cancel_refund", "compensation_percent"}


class RemedyRule(BaseModel):
    id: str = Field(regex=r"^[a-z0-9_]+$")
    kind: Kind
    when: list[Condition] = []
    say: str = Field(min_length=1)  # the offer, said to the buyer
    done: str = Field(min_length=1)  # said once the remedy is carried out


class LateCompensation(BaseModel):
    percent: conint(ge=0, le=100)  # type: ignore[valid-type]
    min_fen: conint(ge=0)  # type: ignore[valid-type]
    max_fen: conint(ge=0)  # type: ignore[valid-type]

    @validator("max_fen")
    def _max_not_below_min(cls, value: int, values: dict) -> int:
        if "min_fen" in values and value < values["min_fen"]:
            raise ValueError("max_fen must not be below min_fen")
        return value


class RuleBook(BaseModel):
    auto_approval_cap_fen: conint(ge=0)  # type: ignore[valid-type]
    evidence_window_hours: conint(gt=0)  # type: ignore[valid-type]
    live_seafood_window_hours: conint(gt=0)  # type: ignore[valid-type]
    late_compensation: LateCompensation
    remedies: dict[str, list[RemedyRule]]
    handover_message: str

    @validator("remedies")
    def _unique_rule_ids(cls, remedies: dict[str, list[RemedyRule]]) -> dict:
        ids = [rule.id for rules in remedies.values() for rule in rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"rule ids must be unique; repeated: {', '.join(duplicates)}")
        return remedies

    def rule(self, rule_id: str) -> RemedyRule:
        for rules in self.remedies.values():
            for rule in rules:
                if rule.id == rule_id:
                    return rule
        raise KeyError(f"unknown rule {rule_id!r}")

# Item service promise flags a listing may carry (names follow the platform's item flags).
ITEM_PROMISES = (
    "fresh_rot_refund",  # 坏了包退
    "broken_refund",  # 破损包退
    "allergy_refund",  # 过敏包退
    "crab_guarantee",  # 蟹无忧
    "weight_guarantee",  # 足斤足两
    "price_protection",  # 价保
)
