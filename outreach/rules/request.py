"""The case description `outreach remedy quote` reads: JSON, schema in docs/rules.md."""

from __future__ import annotations

from datetime import datetime, timezone
from fractions import Fraction

from pydantic import BaseModel, Extra, Field, conint, validator

from outreach.rules.engine import CaseFacts
from outreach.rules.facts import issue_from_words
from outreach.rules.schema import Promise, RuleBook

Fen = conint(ge=0)


class QuoteRequest(BaseModel):
    """One case: the order, what happened, and what the platform knows. Money in integer fen."""

    class Config:
        extra = Extra.forbid

    label: str
    order_total_fen: Fen  # type: ignore[valid-type]
    unit_price_fen: Fen  # type: ignore[valid-type]
    quantity: conint(gt=0) = 1  # type: ignore[valid-type]
    unit: str = "件"
    item_kind: str = ""
    live_seafood: bool = False
    promises: list[Promise] = []
    trust_badge: bool = False
    paid_at: datetime
    promised_ship_hours: conint(gt=0) = 48  # type: ignore[valid-type]
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    reported_at: datetime
    text: str = ""  # the buyer's words: name the issue when `issue` is not given
    affected_quantity: int | None = None
    affected_share: str | None = Field(None, regex=r"^\d+/\d+$", description="the affected part of the line, '1/2'")
    # what the line cost; default: the order total, the request describing an order of one line
    # (as for a stored order of one line: the price per piece may itself be rounded)
    line_total_fen: Fen | None = None  # type: ignore[valid-type]
    issue: str | None = None
    current_unit_price_fen: Fen | None = None  # type: ignore[valid-type]
    overcharge_fen: Fen | None = None  # type: ignore[valid-type]
    shortfall_percent: conint(ge=0, le=100) | None = None  # type: ignore[valid-type]
    loss_fen: Fen | None = None  # type: ignore[valid-type]
    appraisal_fee_fen: Fen | None = None  # type: ignore[valid-type]
    refunds_90d: conint(ge=0) = 0  # type: ignore[valid-type]
    case_id: str | None = Field(None, description="echoed back, for the caller's bookkeeping")

    @validator("paid_at", "shipped_at", "delivered_at", "reported_at")
    def _with_offset(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a time-zone offset, e.g. 2026-11-20T10:00:00+08:00")
        return value.astimezone(timezone.utc) if value is not None else None

    def facts(self, book: RuleBook) -> CaseFacts:
        values = self.dict(exclude={"text", "case_id"})
        values["promises"] = tuple(self.promises)
        values["affected_share"] = Fraction(self.affected_share) if self.affected_share else None
        if values["line_total_fen"] is None:
            values["line_total_fen"] = self.order_total_fen
        if values["issue"] is None and self.text:
            values["issue"] = issue_from_words(book, self.label, [self.text])
        return CaseFacts(**values)
