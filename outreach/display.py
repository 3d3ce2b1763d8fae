"""How times, money and product kinds are shown to leads and agents: at the edge, in one place.

The store keeps UTC times and integer fen; pages, exports for people and reports show the
lead's time zone (OUTREACH_LEAD_TIME_ZONE, Asia/Shanghai by default) to the minute and
yuan with two decimals. Exports for machines keep ISO times in UTC and fen.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

LEAD_TZ_ENV = "OUTREACH_LEAD_TIME_ZONE"
DEFAULT_LEAD_TZ = "Asia/Shanghai"
KINDS_FILE = Path(__file__).resolve().parent / "defaults" / "product_kinds.yml"


class DisplayError(ValueError):
    """A display setting is malformed."""


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DisplayError(f"{LEAD_TZ_ENV}={name!r} is not a time zone name; use one like Asia/Shanghai") from exc


def lead_zone() -> ZoneInfo:
    """The leads' time zone: dashboard days, shown times and report ranges follow it."""
    return _zone(os.environ.get(LEAD_TZ_ENV, "").strip() or DEFAULT_LEAD_TZ)


def local_minute(value: datetime | str | None, zone: ZoneInfo | None = None) -> str:
    """A stored time (naive means UTC) as the lead reads it: '2026-12-03 20:05'; '' for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(zone or lead_zone()).strftime("%Y-%m-%d %H:%M")


def yuan(fen: int | None, unit: bool = True) -> str:
    """Integer fen as yuan with two decimals: 168000 -> '1,680.00 元'; '—' for none."""
    if fen is None:
        return "—"
    text = f"{Decimal(int(fen)) / 100:,.2f}"
    return f"{text} 元" if unit else text


@lru_cache(maxsize=1)
def _kinds(path: Path = KINDS_FILE) -> dict[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise DisplayError(f"{path}: expected 'kind: 中文名' lines")
    return data


def kind_zh(kind: str | None) -> str:
    """A product kind's Chinese name (the stored kind when it has none)."""
    if not kind:
        return ""
    return _kinds().get(kind, kind)
