"""Which cases a report covers, checked before any query runs.

Dates are calendar days in the leads' time zone (outreach.display.lead_zone, China Standard Time by
default), both ends included.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from outreach.diagnosis.taxonomy import taxonomy
from outreach.display import lead_zone
from outreach.store.db import session_scope
from outreach.store.models import Merchant
from outreach.store.types import SUPPORTED_YEARS

MAX_DAYS = 366
DEFAULT_DAYS = 30
CHANNELS = ("inapp", "call", "none")
BADGES = ("trust", "other")
GROUPINGS = ("day", "label", "merchant", "channel", "badge")
EARLIEST = date(SUPPORTED_YEARS[0], 1, 1)  # no stored time is earlier


class FilterError(ValueError):
    """A filter we refuse: `str()` is English for the command line, `zh` is for the dashboard."""

    def __init__(self, message: str, zh: str) -> None:
        super().__init__(message)
        self.zh = zh


@dataclass(frozen=True)
class Filters:
    since: date
    until: date
    label: str | None = None
    merchant: str | None = None
    channel: str | None = None
    badge: str | None = None
    rule: str | None = None  # cases with an executed remedy under this rule

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.since, time(), lead_zone()).astimezone(timezone.utc)

    @property
    def end_utc(self) -> datetime:
        """Exclusive end: midnight after `until` in the report time zone."""
        return datetime.combine(self.until + timedelta(days=1), time(), lead_zone()).astimezone(timezone.utc)

    def as_dict(self) -> dict[str, str | None]:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}


def today() -> date:
    return datetime.now(lead_zone()).date()


def _date(raw: str, name: str) -> date:
    try:
        value = date.fromisoformat(raw.strip())
    except ValueError:
        raise FilterError(f"--{name} {raw!r} is not a date; write YYYY-MM-DD, e.g. 2026-11-01",
                          f"日期“{raw}”无效，请按 年-月-日 填写，例如 2026-11-01。") from None
    if value < EARLIEST:
        raise FilterError(f"--{name} {value} is before {EARLIEST}", f"日期 {value} 太早了，最早可选 {EARLIEST}。")
    return value


def _choice(raw: str | None, allowed: tuple[str, ...] | list[str], name: str, zh_name: str) -> str | None:
    value = (raw or "").strip() or None
    if value is not None and value not in allowed:
        raise FilterError(f"unknown {name} {value!r}; use one of: {', '.join(allowed)}",
                          f"没有这个{zh_name}：“{value}”。")
    return value


def _merchant(raw: str | None) -> str | None:
    value = (raw or "").strip() or None
    if value is None:
        return None
    with session_scope() as session:
        found = session.execute(select(Merchant.id).where(Merchant.id == value[:64])).first()
    if found is None:
        raise FilterError(f"unknown merchant {value!r}; `outreach merchants outliers` lists merchant ids",
                          f"没有这个商家：“{value}”。")
    return value


def parse_filters(raw: Mapping[str, str | None], now: date | None = None) -> Filters:
    """Filters from text (command-line options or a query string); FilterError says what is wrong."""
    now = now or today()
    until = _date(raw["until"], "until") if raw.get("until") else now
    since = _date(raw["since"], "since") if raw.get("since") else until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        raise FilterError(f"--since {since} is after --until {until}", f"开始日期 {since} 晚于结束日期 {until}。")
    if (until - since).days + 1 > MAX_DAYS:
        raise FilterError(f"{since} to {until} spans more than {MAX_DAYS} days; choose a shorter range",
                          f"日期范围超过 {MAX_DAYS} 天，请缩小范围。")
    if until > now + timedelta(days=1):
        raise FilterError(f"--until {until} is in the future", f"结束日期 {until} 还没到。")
    return Filters(
        since=since,
        until=until,
        label=_choice(raw.get("label"), taxonomy().ids, "label", "问题类型"),
        merchant=_merchant(raw.get("merchant")),
        channel=_choice(raw.get("channel"), CHANNELS, "channel", "渠道"),
        badge=_choice(raw.get("badge"), BADGES, "badge", "店铺标识"),
        rule=_rule(raw.get("rule")),
    )


def _rule(raw: str | None) -> str | None:
    from outreach.rules.loader import rules

    value = (raw or "").strip() or None
    if value is not None:
        book = rules()
        ids = [r.id for group in book.remedies.values() for r in group]
        return _choice(value, ids, "rule", "赔付规则")
    return None


def parse_grouping(raw: str | None) -> str | None:
    return _choice(raw, GROUPINGS, "grouping", "分组方式")
