"""The line formats of the import files (documented in docs/data-formats.md)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Extra, Field, conint, constr, validator

from outreach.rules.schema import ITEM_PROMISES
from outreach.store.types import check_year

Id = constr(strip_whitespace=True, min_length=1, max_length=64, regex=r"^[A-Za-z0-9_.:-]+$")
AGE_BANDS = ("18-29", "30-44", "45-59", "60+")
SOURCES = ("review", "comment", "message", "chat")
SOURCE_ZH = {"review": "评价", "comment": "直播评论", "message": "私信", "chat": "客服会话"}
MAX_FEN = 2**31 - 1  # money columns are 32-bit integers on PostgreSQL
Fen = conint(ge=0, le=MAX_FEN)
_ISO_TIME = re.compile(r"\s*[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]")


def _time_text(value: Any) -> Any:
    """Times are ISO text: pydantic would also read a number (or digits) as Unix seconds."""
    if value is not None and not (isinstance(value, str) and _ISO_TIME.match(value)):
        raise ValueError("write the time as text with its UTC offset, e.g. 2026-11-20T10:00:00+08:00")
    return value


def _aware_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("time has no UTC offset; write e.g. 2026-11-20T10:00:00+08:00")
    return check_year(value).astimezone(timezone.utc)


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("null is not allowed; leave the field out to keep the stored value "
                         "(a new buyer gets the default)")
    return value


class Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        anystr_strip_whitespace = True


class BuyerIn(Strict):
    id: Id  # type: ignore[valid-type]
    name: constr(min_length=1, max_length=100)  # type: ignore[valid-type]
    phone: constr(regex=r"^\+?[0-9 -]{5,20}$") | None = None  # type: ignore[valid-type]
    time_zone: str = "Asia/Shanghai"
    age_band: Literal[AGE_BANDS] = "30-44"  # type: ignore[valid-type]
    last_app_active_at: datetime | None = None

    _text = validator("last_app_active_at", pre=True, allow_reuse=True)(_time_text)
    _utc = validator("last_app_active_at", allow_reuse=True)(_aware_utc)
    _required = validator("time_zone", "age_band", pre=True, allow_reuse=True)(_not_null)

    @validator("time_zone")
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # 'Asia' is a folder: OSError
            raise ValueError(f"unknown time zone {value!r}; use an IANA name like Asia/Shanghai") from exc
        return value


class ShopIn(Strict):
    id: Id  # type: ignore[valid-type]
    name: constr(min_length=1, max_length=200)  # type: ignore[valid-type]
    trust_badge: bool = False
    merchant_id: Id  # type: ignore[valid-type]
    merchant_name: constr(min_length=1, max_length=200)  # type: ignore[valid-type]
    merchant_kind: constr(min_length=1, max_length=32) | None = None  # type: ignore[valid-type]


class ItemIn(Strict):
    title: constr(min_length=1, max_length=300)  # type: ignore[valid-type]
    kind: constr(min_length=1, max_length=32)  # type: ignore[valid-type]
    unit_price_fen: Fen  # type: ignore[valid-type]
    # The listing's price now (price protection compares it with what was paid).
    current_unit_price_fen: Fen | None = None  # type: ignore[valid-type]
    quantity: conint(ge=1, le=10_000) = 1  # type: ignore[valid-type]
    unit: constr(min_length=1, max_length=8) = "件"  # type: ignore[valid-type]
    promises: list[Literal[ITEM_PROMISES]] = []  # type: ignore[valid-type]
    live_seafood: bool = False


class OrderIn(Strict):
    order_id: Id  # type: ignore[valid-type]
    buyer: BuyerIn
    shop: ShopIn
    items: list[ItemIn] = Field(min_items=1)
    total_fen: Fen  # type: ignore[valid-type]  # owed, after coupons
    # What the payment records show was taken (double charge, unapplied coupon, surprise fee).
    charged_fen: Fen | None = None  # type: ignore[valid-type]
    paid_at: datetime
    promised_ship_hours: Literal[24, 48, 72] = 48
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None

    _text = validator("paid_at", "shipped_at", "delivered_at", pre=True, allow_reuse=True)(_time_text)
    _utc = validator("paid_at", "shipped_at", "delivered_at", allow_reuse=True)(_aware_utc)

    @validator("delivered_at")
    def _delivered_after_shipped(cls, value: datetime | None, values: dict) -> datetime | None:
        if value is not None and values.get("shipped_at") is None:
            raise ValueError("delivered_at is set but shipped_at is not")
        return value


class FeedbackIn(Strict):
    feedback_id: Id  # type: ignore[valid-type]
    buyer_id: Id  # type: ignore[valid-type]
    order_id: Id | None = None  # type: ignore[valid-type]
    source: Literal[SOURCES]  # type: ignore[valid-type]
    text: constr(min_length=1, max_length=20_000)  # type: ignore[valid-type]
    created_at: datetime

    _text = validator("created_at", pre=True, allow_reuse=True)(_time_text)
    _utc = validator("created_at", allow_reuse=True)(_aware_utc)
