"""Importing orders and feedback from JSON lines: all or nothing, every error names its line."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from outreach.importing.jsonl import import_feedback, import_orders, parse_lines
from outreach.importing.schema import FeedbackIn
from outreach.store.db import session_scope
from outreach.store.models import Buyer, Feedback, Merchant, Order, OrderItem, Shop

STORED_TABLES = (Buyer, Merchant, Shop, Order, OrderItem, Feedback)


def crab_order(order_id: str = "O20261117001", buyer_id: str = "B1001") -> dict:
    return {
        "order_id": order_id,
        "buyer": {
            "id": buyer_id,
            "name": "李阿姨",
            "phone": "13912345678",
            "time_zone": "Asia/Shanghai",
            "age_band": "60+",
            "last_app_active_at": "2026-11-20T09:00:00+08:00",
        },
        "shop": {
            "id": "S01",
            "name": "蟹老大旗舰店",
            "trust_badge": True,
            "merchant_id": "M01",
            "merchant_name": "蟹老大水产",
            "merchant_kind": "seafood",
        },
        "items": [
            {
                "title": "阳澄湖大闸蟹 公4两母3两 10只装",
                "kind": "seafood",
                "unit_price_fen": 3980,
                "quantity": 10,
                "unit": "只",
                "promises": ["crab_guarantee", "fresh_rot_refund"],
                "live_seafood": True,
            }
        ],
        "total_fen": 39800,
        "paid_at": "2026-11-17T20:15:00+08:00",
        "promised_ship_hours": 48,
        "shipped_at": "2026-11-18T10:00:00+08:00",
        "delivered_at": "2026-11-19T16:30:00+08:00",
    }


def orange_order(order_id: str = "O20261118002", buyer_id: str = "B1002") -> dict:
    order = crab_order(order_id, buyer_id)
    order["buyer"].update(name="张先生", age_band="30-44", time_zone="Asia/Urumqi")
    order["shop"] = {
        "id": "S02",
        "name": "赣南果园直播间",
        "trust_badge": False,
        "merchant_id": "M02",
        "merchant_name": "赣州果业",
        "merchant_kind": "fruit",
    }
    order["items"] = [
        {
            "title": "赣南脐橙 10斤装",
            "kind": "fruit",
            "unit_price_fen": 5990,
            "quantity": 2,
            "unit": "箱",
            "promises": ["fresh_rot_refund"],
        }
    ]
    order["total_fen"] = 11980
    order["shipped_at"] = order["delivered_at"] = None
    return order


def feedback(
    feedback_id: str,
    buyer_id: str = "B1001",
    order_id: str | None = "O20261117001",
    text: str = "大闸蟹收到死了三只，还有股臭味",
    source: str = "review",
) -> dict:
    line = {
        "feedback_id": feedback_id,
        "buyer_id": buyer_id,
        "source": source,
        "text": text,
        "created_at": "2026-11-19T18:02:00+08:00",
    }
    if order_id is not None:
        line["order_id"] = order_id
    return line


def jsonl(*records: dict) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode("utf-8") + b"\n" for r in records)


def escaped(*records: dict) -> bytes:
    """JSON lines with every non-ASCII character escaped: the only way to write a lone surrogate."""
    return b"".join(json.dumps(r).encode("ascii") + b"\n" for r in records)


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def row_counts() -> dict[str, int]:
    with session_scope() as session:
        return {
            t.__tablename__: session.execute(select(func.count()).select_from(t)).scalar_one() for t in STORED_TABLES
        }


NOTHING = {t.__tablename__: 0 for t in STORED_TABLES}


def import_good_orders(tmp_path: Path) -> Path:
    path = write(tmp_path, "orders.jsonl", jsonl(crab_order(), orange_order()))
    result = import_orders(path)
    assert result.ok, result.errors
    return path


# --- good files --------------------------------------------------------------------------------


def test_good_orders_file_is_stored_with_times_in_utc(db: str, tmp_path: Path) -> None:
    path = write(tmp_path, "orders.jsonl", jsonl(crab_order(), orange_order()))
    result = import_orders(path)
    assert result.ok and result.stored == 2
    assert row_counts() == {**NOTHING, "buyers": 2, "merchants": 2, "shops": 2, "orders": 2, "order_items": 2}
    with session_scope() as session:
        order = session.get(Order, "O20261117001")
        assert order.paid_at == datetime(2026, 11, 17, 12, 15, tzinfo=timezone.utc)
        assert order.delivered_at == datetime(2026, 11, 19, 8, 30, tzinfo=timezone.utc)
        assert order.total_fen == 39800 and order.promised_ship_hours == 48
        assert order.shop.trust_badge is True and order.shop.merchant.name == "蟹老大水产"
        item = order.items[0]
        assert (item.unit_price_fen, item.quantity, item.unit, item.live_seafood) == (3980, 10, "只", True)
        assert item.promises == ["crab_guarantee", "fresh_rot_refund"]
        buyer = session.get(Buyer, "B1001")
        assert (buyer.name, buyer.age_band, buyer.time_zone) == ("李阿姨", "60+", "Asia/Shanghai")
        assert session.get(Buyer, "B1002").time_zone == "Asia/Urumqi"
        assert session.get(Order, "O20261118002").shipped_at is None


def test_good_feedback_file_is_stored_including_feedback_without_order(db: str, tmp_path: Path) -> None:
    import_good_orders(tmp_path)
    path = write(
        tmp_path,
        "feedback.jsonl",
        jsonl(
            feedback("F1"),
            feedback("F2", source="chat", text="螃蟹一打开就发臭"),
            feedback("F3", buyer_id="B1002", order_id=None, source="comment", text="主播讲解很耐心"),
        ),
    )
    result = import_feedback(path)
    assert result.ok and result.stored == 3
    with session_scope() as session:
        rows = session.execute(select(Feedback).order_by(Feedback.id)).scalars().all()
        assert [(f.external_id, f.buyer_id, f.order_id, f.source) for f in rows] == [
            ("F1", "B1001", "O20261117001", "review"),
            ("F2", "B1001", "O20261117001", "chat"),
            ("F3", "B1002", None, "comment"),
        ]
        assert rows[0].created_at == datetime(2026, 11, 19, 10, 2, tzinfo=timezone.utc)
        assert all(f.diagnosed_at is None for f in rows)


def test_two_orders_of_one_buyer_in_one_file_share_the_buyer(db: str, tmp_path: Path) -> None:
    path = write(tmp_path, "orders.jsonl", jsonl(crab_order("O1"), crab_order("O2")))
    assert import_orders(path).stored == 2
    counts = row_counts()
    assert (counts["buyers"], counts["shops"], counts["orders"]) == (1, 1, 2)


def test_trailing_newlines_are_not_empty_lines(db: str, tmp_path: Path) -> None:
    path = write(tmp_path, "orders.jsonl", jsonl(crab_order()) + b"\n\n")
    assert import_orders(path).stored == 1


# --- bad files: rejected whole, naming the line -------------------------------------------------


def _drop(record: dict, field: str) -> dict:
    record = copy.deepcopy(record)
    del record[field]
    return record


def _with(record: dict, path: tuple[str, ...], value: object) -> dict:
    record = copy.deepcopy(record)
    target = record
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return record


GOOD_1, GOOD_2, GOOD_3 = crab_order("O1"), orange_order("O2"), crab_order("O3")

BAD_ORDER_FILES: list = [
    pytest.param(
        jsonl(GOOD_1) + b'{"order_id": "O2", "buyer": \n' + jsonl(GOOD_3),
        "line 2: not valid JSON",
        id="malformed-json-line",
    ),
    pytest.param(jsonl(GOOD_1) + b"\n" + jsonl(GOOD_3), "line 2: empty line", id="blank-line-in-the-middle"),
    pytest.param(jsonl(GOOD_1) + b"   \t\n" + jsonl(GOOD_3), "line 2: empty line", id="whitespace-line"),
    pytest.param(jsonl(GOOD_1, GOOD_2, _drop(GOOD_3, "total_fen")), "line 3: total_fen", id="missing-field"),
    pytest.param(jsonl(GOOD_1, _drop(GOOD_2, "buyer")), "line 2: buyer", id="missing-buyer"),
    pytest.param(
        jsonl(GOOD_1, _with(GOOD_2, ("paid_at",), "2026-11-18T09:30:00")), "line 2: paid_at", id="naive-datetime"
    ),
    pytest.param(
        jsonl(GOOD_1, _with(GOOD_2, ("buyer", "time_zone"), "Asia/Beijing")), "Asia/Beijing", id="unknown-time-zone"
    ),
    pytest.param(jsonl(GOOD_1, GOOD_2, GOOD_1), "line 3: duplicate of line 1", id="duplicate-order-id"),
    pytest.param(
        jsonl(GOOD_1) + json.dumps(GOOD_2, ensure_ascii=False).encode("gbk") + b"\n",
        "line 2: not valid UTF-8",
        id="gbk-encoded-line",
    ),
    pytest.param(jsonl(GOOD_1) + b"[1, 2, 3]\n", "line 2: expected a JSON object", id="json-array-line"),
    pytest.param(jsonl(GOOD_1, _with(GOOD_2, ("surprise",), 1)), "line 2: surprise", id="unknown-field"),
    pytest.param(jsonl(GOOD_1, _with(GOOD_2, ("total_fen",), -100)), "line 2: total_fen", id="negative-total"),
    pytest.param(jsonl(GOOD_1, _with(GOOD_2, ("items",), [])), "line 2: items", id="no-items"),
    pytest.param(
        jsonl(GOOD_1, _with(GOOD_2, ("items", 0, "promises"), ["包邮"])), "line 2: items", id="unknown-promise-flag"
    ),
    pytest.param(jsonl(_with(GOOD_1, ("shipped_at",), None)), "line 1: delivered_at", id="delivered-but-never-shipped"),
]

# Hostile lines that ended in a traceback: each is a line error like any other.
HOSTILE_ORDER_LINES = {
    "5000-digit-integer": (
        jsonl(GOOD_1) + json.dumps(GOOD_2).replace('"total_fen": 11980', '"total_fen": 1' + "0" * 5000).encode()
        + b"\n", "line 2: not valid JSON (a number with more than"),
    "nested-100000-deep": (jsonl(GOOD_1) + b'{"order_id": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
                           "line 2: not valid JSON (nested"),
    "year-0001": (jsonl(GOOD_1, _with(GOOD_2, ("paid_at",), "0001-01-01T00:00:00+08:00")),
                  "line 2: paid_at: year 0001 is outside 2000-2099"),
    "year-9999-overflowing-utc": (jsonl(GOOD_1, _with(GOOD_2, ("shipped_at",), "9999-12-31T23:59:59-08:00")),
                                  "line 2: shipped_at: year 9999 is outside 2000-2099"),
    "year-9999": (jsonl(GOOD_1, _with(GOOD_2, ("paid_at",), "9999-01-01T00:00:00+00:00")),
                  "line 2: paid_at: year 9999"),
    "time-as-a-number": (jsonl(GOOD_1, _with(GOOD_2, ("paid_at",), 1763380000)),
                         "line 2: paid_at: write the time as text"),
    "time-as-digits": (jsonl(GOOD_1, _with(GOOD_2, ("paid_at",), "99999999999999999999")),
                       "line 2: paid_at: write the time as text"),
    "lone-surrogate": (escaped(GOOD_1, _with(GOOD_2, ("buyer", "name"), "张\ud800先生")),
                       "line 2: buyer.name: a lone surrogate (\\ud800)"),
    "nul-in-title": (jsonl(GOOD_1, _with(GOOD_2, ("items", 0, "title"), "脐橙\x0010斤")),
                     "line 2: items.0.title: a NUL character"),
    "surrogate-key": (escaped(GOOD_1, {**GOOD_2, "\udfff": 1}), "line 2: \\udfff: a lone surrogate"),
    "total-beyond-int4": (jsonl(GOOD_1, _with(GOOD_2, ("total_fen",), 2**31)), "line 2: total_fen"),
    "merchant-kind-longer-than-its-column": (jsonl(GOOD_1, _with(GOOD_2, ("shop", "merchant_kind"), "k" * 33)),
                                             "line 2: shop.merchant_kind"),
    "null-age-band": (jsonl(GOOD_1, _with(GOOD_2, ("buyer", "age_band"), None)),
                      "line 2: buyer.age_band: null is not allowed; leave the field out"),
}
BAD_ORDER_FILES += [pytest.param(content, expected, id=name)
                    for name, (content, expected) in HOSTILE_ORDER_LINES.items()]


def _line_named(errors: list[str], expected: str) -> bool:
    return any(expected in error for error in errors)


@pytest.mark.parametrize(("content", "expected"), BAD_ORDER_FILES)
def test_bad_orders_file_is_rejected_naming_the_line_and_nothing_is_stored(
    db: str, tmp_path: Path, content: bytes, expected: str
) -> None:
    result = import_orders(write(tmp_path, "orders.jsonl", content))
    assert not result.ok
    assert result.stored == 0
    assert _line_named(result.errors, expected), result.errors
    assert all(error.startswith("line ") for error in result.errors)
    assert row_counts() == NOTHING


def test_unknown_time_zone_error_names_the_line(db: str, tmp_path: Path) -> None:
    content = jsonl(GOOD_1, _with(GOOD_2, ("buyer", "time_zone"), "Asia/Beijing"))
    result = import_orders(write(tmp_path, "orders.jsonl", content))
    assert len(result.errors) == 1
    assert result.errors[0].startswith("line 2: buyer.time_zone")


def test_every_bad_line_is_reported_not_just_the_first(db: str, tmp_path: Path) -> None:
    content = jsonl(GOOD_1) + b"{oops\n" + jsonl(_drop(GOOD_2, "paid_at")) + b"\n" + jsonl(GOOD_3)
    result = import_orders(write(tmp_path, "orders.jsonl", content))
    assert [e.split(":")[0] for e in result.errors] == ["line 2", "line 3", "line 4"]
    assert row_counts() == NOTHING


def test_a_time_zone_naming_a_region_folder_is_a_line_error_not_a_crash(db: str, tmp_path: Path) -> None:
    content = jsonl(GOOD_1, _with(GOOD_2, ("buyer", "time_zone"), "Asia"))
    result = import_orders(write(tmp_path, "orders.jsonl", content))
    assert _line_named(result.errors, "line 2: buyer.time_zone")
    assert row_counts() == NOTHING


BAD_FEEDBACK_FILES: list = [
    pytest.param(jsonl(feedback("F1")) + b'{"feedback_id": "F2",\n', "line 2: not valid JSON", id="malformed-json"),
    pytest.param(jsonl(feedback("F1")) + b"\n" + jsonl(feedback("F3")), "line 2: empty line", id="blank-line"),
    pytest.param(jsonl(feedback("F1"), _drop(feedback("F2"), "text")), "line 2: text", id="missing-text"),
    pytest.param(
        jsonl(_with(feedback("F1"), ("created_at",), "2026-11-19 18:02:00"), feedback("F2")),
        "line 1: created_at",
        id="naive-datetime",
    ),
    pytest.param(
        jsonl(feedback("F1"), feedback("F2"), feedback("F1")), "line 3: duplicate of line 1", id="duplicate-feedback-id"
    ),
    pytest.param(jsonl(feedback("F1"), feedback("F2", source="weibo")), "line 2: source", id="unknown-source"),
    pytest.param(
        jsonl(feedback("F1")) + json.dumps(feedback("F2"), ensure_ascii=False).encode("gb18030") + b"\n",
        "line 2: not valid UTF-8",
        id="gb18030-line",
    ),
    pytest.param(jsonl(feedback("F1"), feedback("F2", text="")), "line 2: text", id="empty-text"),
    pytest.param(jsonl(feedback("F1"), feedback("F2", text="螃蟹\x00死了")), "line 2: text: a NUL character",
                 id="nul-in-text"),
    pytest.param(escaped(feedback("F1"), feedback("F2", text="螃蟹\udc00死了")), "line 2: text: a lone surrogate",
                 id="lone-surrogate-in-text"),
    pytest.param(jsonl(_with(feedback("F1"), ("created_at",), "0001-01-01T00:00:00+14:00")),
                 "line 1: created_at: year 0001", id="year-0001"),
]


@pytest.mark.parametrize(("content", "expected"), BAD_FEEDBACK_FILES)
def test_bad_feedback_file_is_rejected_naming_the_line_and_nothing_is_stored(
    db: str, tmp_path: Path, content: bytes, expected: str
) -> None:
    import_good_orders(tmp_path)
    before = row_counts()
    result = import_feedback(write(tmp_path, "feedback.jsonl", content))
    assert not result.ok and result.stored == 0
    assert _line_named(result.errors, expected), result.errors
    assert row_counts() == before


# --- files that refer to stored data ------------------------------------------------------------


def test_reimporting_the_same_orders_file_is_refused_and_changes_nothing(db: str, tmp_path: Path) -> None:
    path = import_good_orders(tmp_path)
    before = row_counts()
    again = import_orders(path)
    assert not again.ok and again.stored == 0
    assert "order O20261117001 was already imported; remove its line" in again.errors
    assert row_counts() == before


def test_a_file_with_one_new_and_one_known_order_stores_neither(db: str, tmp_path: Path) -> None:
    import_good_orders(tmp_path)
    before = row_counts()
    path = write(tmp_path, "more.jsonl", jsonl(crab_order("O20261120009", buyer_id="B2001"), orange_order()))
    result = import_orders(path)
    assert result.errors == ["order O20261118002 was already imported; remove its line"]
    assert row_counts() == before
    with session_scope() as session:
        assert session.get(Order, "O20261120009") is None
        assert session.get(Buyer, "B2001") is None


def test_reimporting_the_same_feedback_file_is_refused(db: str, tmp_path: Path) -> None:
    import_good_orders(tmp_path)
    path = write(tmp_path, "feedback.jsonl", jsonl(feedback("F1"), feedback("F2")))
    assert import_feedback(path).stored == 2
    again = import_feedback(path)
    assert again.errors == ["line 1: feedback F1 was already imported", "line 2: feedback F2 was already imported"]
    assert row_counts()["feedback"] == 2


RefusedFeedback = Callable[[], list[dict]]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(
            lambda: [feedback("F1"), feedback("F2", order_id="O99999999")],
            "line 2: unknown order O99999999",
            id="unknown-order",
        ),
        pytest.param(
            lambda: [feedback("F1"), feedback("F2", buyer_id="B1002", order_id="O20261117001")],
            "line 2: order O20261117001 belongs to another buyer",
            id="order-of-another-buyer",
        ),
        pytest.param(
            lambda: [feedback("F1", buyer_id="B404", order_id=None)], "line 1: unknown buyer B404", id="unknown-buyer"
        ),
    ],
)
def test_feedback_about_unknown_or_foreign_orders_is_refused_whole(
    db: str, tmp_path: Path, lines: RefusedFeedback, expected: str
) -> None:
    import_good_orders(tmp_path)
    result = import_feedback(write(tmp_path, "feedback.jsonl", jsonl(*lines())))
    assert _line_named(result.errors, expected), result.errors
    assert result.stored == 0
    assert row_counts()["feedback"] == 0


def test_parse_lines_returns_records_in_file_order() -> None:
    records, errors = parse_lines(
        jsonl(feedback("F1"), feedback("F2")).splitlines(keepends=True), FeedbackIn, key=lambda r: r.feedback_id
    )
    assert errors == []
    assert [r.feedback_id for r in records] == ["F1", "F2"]
    assert records[0].created_at.tzinfo is not None
    assert records[0].created_at.utcoffset().total_seconds() == 0


# --- a known buyer, shop or merchant again: what a line leaves out is kept -----------------------


def test_reimporting_a_known_buyer_without_phone_age_band_or_time_zone_keeps_them(db: str, tmp_path: Path) -> None:
    first = _with(crab_order("O1"), ("buyer", "time_zone"), "Asia/Urumqi")
    assert import_orders(write(tmp_path, "first.jsonl", jsonl(first))).ok
    later = crab_order("O2")
    for field in ("phone", "age_band", "time_zone", "last_app_active_at"):
        del later["buyer"][field]
    for field in ("trust_badge", "merchant_kind"):
        del later["shop"][field]
    later["buyer"]["name"] = "李阿姨（新昵称）"
    result = import_orders(write(tmp_path, "later.jsonl", jsonl(later)))
    assert result.ok, result.errors
    with session_scope() as session:
        buyer = session.get(Buyer, "B1001")
        assert (buyer.name, buyer.phone, buyer.age_band, buyer.time_zone) == (
            "李阿姨（新昵称）", "13912345678", "60+", "Asia/Urumqi")  # still elderly: still a call first
        assert buyer.last_app_active_at == datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)
        shop = session.get(Shop, "S01")
        assert shop.trust_badge is True and shop.merchant.kind == "seafood"


def test_an_explicit_null_clears_a_stored_value(db: str, tmp_path: Path) -> None:
    assert import_orders(write(tmp_path, "first.jsonl", jsonl(crab_order("O1")))).ok
    later = crab_order("O2")
    later["buyer"].update(phone=None, last_app_active_at=None)
    later["shop"]["merchant_kind"] = None
    assert import_orders(write(tmp_path, "later.jsonl", jsonl(later))).ok
    with session_scope() as session:
        buyer = session.get(Buyer, "B1001")
        assert buyer.phone is None and buyer.last_app_active_at is None and buyer.age_band == "60+"
        assert session.get(Merchant, "M01").kind is None


def test_a_new_buyer_without_the_optional_fields_gets_the_defaults(db: str, tmp_path: Path) -> None:
    order = crab_order("O1", buyer_id="B3001")
    for field in ("phone", "age_band", "time_zone", "last_app_active_at"):
        del order["buyer"][field]
    del order["shop"]["trust_badge"]
    assert import_orders(write(tmp_path, "orders.jsonl", jsonl(order))).ok
    with session_scope() as session:
        buyer = session.get(Buyer, "B3001")
        assert (buyer.phone, buyer.age_band, buyer.time_zone, buyer.last_app_active_at) == (
            None, "30-44", "Asia/Shanghai", None)
        assert session.get(Shop, "S01").trust_badge is False


# --- the commands: an error, never a traceback -------------------------------------------------


@pytest.mark.parametrize("name", ["5000-digit-integer", "nested-100000-deep", "year-0001", "year-9999-overflowing-utc",
                                  "lone-surrogate", "nul-in-title"])
def test_outreach_import_reports_a_hostile_line_and_stores_nothing(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    from outreach.cli import main

    content, expected = HOSTILE_ORDER_LINES[name]
    path = write(tmp_path, "orders.jsonl", content)
    assert main(["import", "orders", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"error: {path}: {expected}" in err and "nothing imported" in err
    assert row_counts() == NOTHING


@pytest.mark.parametrize("moment", ["0001-01-01T00:00+08:00", "9999-12-31T23:59-08:00", "9999-06-01T00:00+00:00",
                                    "1999-12-31T23:00+00:00"])
def test_outreach_plan_refuses_a_moment_outside_the_supported_years(
    db: str, capsys: pytest.CaptureFixture[str], moment: str
) -> None:
    from outreach.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["plan", "--at", moment])
    assert exited.value.code == 2
    assert f"--at {moment!r}: year {moment[:4]} is outside 2000-2099" in capsys.readouterr().err
