"""All-or-nothing import of JSON lines: every bad line is reported, nothing is stored on error."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.importing.schema import FeedbackIn, OrderIn
from outreach.store.db import session_scope
from outreach.store.models import Buyer, Feedback, Merchant, Order, OrderItem, Shop

MAX_ERRORS = 50
Line = TypeVar("Line", bound=BaseModel)
Path_ = tuple[str | int, ...]


@dataclass
class ImportResult:
    stored: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _explain(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def _where(path: Path_) -> str:
    """A field's place as pydantic names it (items.0.title), a lone surrogate in it escaped."""
    return ".".join(str(part) for part in path).encode("utf-8", "backslashreplace").decode("utf-8")


def _text_problem(text: str) -> str | None:
    """Why no database can store `text`, or None."""
    if "\x00" in text:
        return "a NUL character (\\u0000) cannot be stored; remove it"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        surrogate = text[exc.start].encode("utf-8", "backslashreplace").decode("ascii")
        return (f"a lone surrogate ({surrogate}) is half of a character, not text; write the character whole "
                "(UTF-8, or both \\u escapes of its pair)")
    return None


def _unstorable_text(data: object) -> str | None:
    """The first field (or key), in file order, whose text no database can store, and why."""
    pending: list[tuple[Path_, object]] = [((), data)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            problem = _text_problem(value)
            if problem:
                return f"{_where(path)}: {problem}"
        elif isinstance(value, dict):
            for name in value:
                problem = _text_problem(name)
                if problem:
                    return f"{_where(path + (name,))}: {problem}"
            pending.extend(reversed([(path + (name,), item) for name, item in value.items()]))
        elif isinstance(value, list):
            pending.extend(reversed([(path + (index,), item) for index, item in enumerate(value)]))
    return None


def _read_json(text: str) -> object:
    """The line's JSON; ValueError with what is wrong in words (json's own, or ours)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise ValueError("nested too deeply; a record is an object of a few levels") from None
    except ValueError:  # json's only other ValueError: an integer too long to convert
        digits = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
        raise ValueError(f"a number with more than {digits} digits; no field takes one") from None


def parse_lines(lines: Iterable[bytes], model: type[Line], key: Callable[[Line], str]) -> tuple[list[Line], list[str]]:
    """Parse and validate every line. Returns (records, errors), errors naming their line."""
    records: list[Line] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    raw_lines = list(lines)
    while raw_lines and not raw_lines[-1].strip():
        raw_lines.pop()  # a trailing newline is not an empty line
    for number, raw in enumerate(raw_lines, start=1):
        if len(errors) >= MAX_ERRORS:
            errors.append(f"stopped after {MAX_ERRORS} errors")
            break
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            errors.append(f"line {number}: not valid UTF-8")
            continue
        if not text.strip():
            errors.append(f"line {number}: empty line; remove it")
            continue
        try:
            data = _read_json(text)
        except ValueError as exc:
            errors.append(f"line {number}: not valid JSON ({exc})")
            continue
        if not isinstance(data, dict):
            errors.append(f"line {number}: expected a JSON object, got {type(data).__name__}")
            continue
        problem = _unstorable_text(data)
        if problem:
            errors.append(f"line {number}: {problem}")
            continue
        try:
            record = model.parse_obj(data)
        except ValidationError as exc:
            errors.append(f"line {number}: {_explain(exc)}")
            continue
        record_key = key(record)
        if record_key in seen:
            errors.append(f"line {number}: duplicate of line {seen[record_key]} (id {record_key})")
            continue
        seen[record_key] = number
        records.append(record)
    return records, errors


def _update(session: Session, model: type, key: str, line: BaseModel, columns: dict[str, str]) -> Any:
    """The row `key` of `model`, created or updated from `line` (column: field). A new row takes
    every field, defaults included; a stored one only the fields the line has, so a field left
    out keeps its stored value and an explicit null clears it."""
    row = session.get(model, key)
    given = None if row is None else line.__fields_set__
    row = row or model(id=key)
    for column, field_name in columns.items():
        if given is None or field_name in given:
            setattr(row, column, getattr(line, field_name))
    session.add(row)
    return row


def _store_order(session: Session, line: OrderIn) -> None:
    buyer = _update(session, Buyer, line.buyer.id, line.buyer,
                    {name: name for name in ("name", "phone", "time_zone", "age_band", "last_app_active_at")})
    _update(session, Merchant, line.shop.merchant_id, line.shop, {"name": "merchant_name", "kind": "merchant_kind"})
    shop = _update(session, Shop, line.shop.id, line.shop,
                   {"name": "name", "trust_badge": "trust_badge", "merchant_id": "merchant_id"})
    session.flush()
    order = Order(
        id=line.order_id, buyer_id=buyer.id, shop_id=shop.id, total_fen=line.total_fen,
        charged_fen=line.charged_fen, paid_at=line.paid_at,
        promised_ship_hours=line.promised_ship_hours, shipped_at=line.shipped_at, delivered_at=line.delivered_at,
    )
    session.add(order)
    for item in line.items:
        session.add(OrderItem(order_id=order.id, **item.dict()))


def _import(
    path: Path, model: type[Line], key: Callable[[Line], str], store: Callable[[list], ImportResult]
) -> ImportResult:
    """Validate the whole file first; store only if every line is good."""
    with path.open("rb") as handle:
        records, errors = parse_lines(handle, model, key=key)
    if errors:
        return ImportResult(errors=errors)
    return store(records)


def import_orders(path: Path) -> ImportResult:
    return _import(path, OrderIn, lambda r: r.order_id, store_orders)


def store_orders(records: list[OrderIn]) -> ImportResult:
    """Store validated orders in one transaction; none if any was imported before."""
    result = ImportResult()
    with session_scope() as session:
        existing = set(session.execute(select(Order.id).where(Order.id.in_([r.order_id for r in records]))).scalars())
        if existing:
            result.errors = [f"order {oid} was already imported; remove its line" for oid in sorted(existing)]
            return result
        for record in records:
            _store_order(session, record)
        result.stored = len(records)
    return result


def import_feedback(path: Path) -> ImportResult:
    return _import(path, FeedbackIn, lambda r: r.feedback_id, store_feedback)


def store_feedback(records: list[FeedbackIn]) -> ImportResult:
    """Store validated feedback in one transaction; none if any line refers to unknown data."""
    result = ImportResult()
    with session_scope() as session:
        ids = [r.feedback_id for r in records]
        dupes = set(session.execute(select(Feedback.external_id).where(Feedback.external_id.in_(ids))).scalars())
        buyers = set(session.execute(select(Buyer.id).where(Buyer.id.in_({r.buyer_id for r in records}))).scalars())
        orders = dict(
            session.execute(
                select(Order.id, Order.buyer_id).where(Order.id.in_({r.order_id for r in records if r.order_id}))
            ).all()
        )
        for number, record in enumerate(records, start=1):
            if record.feedback_id in dupes:
                result.errors.append(f"line {number}: feedback {record.feedback_id} was already imported")
            elif record.buyer_id not in buyers:
                result.errors.append(f"line {number}: unknown buyer {record.buyer_id}; import their orders first")
            elif record.order_id and record.order_id not in orders:
                result.errors.append(f"line {number}: unknown order {record.order_id}; import it first")
            elif record.order_id and orders[record.order_id] != record.buyer_id:
                result.errors.append(
                    f"line {number}: order {record.order_id} belongs to another buyer, not {record.buyer_id}"
                )
        if result.errors:
            return result
        for record in records:
            session.add(
                Feedback(
                    external_id=record.feedback_id, buyer_id=record.buyer_id, order_id=record.order_id,
                    source=record.source, text=record.text, created_at=record.created_at,
                )
            )
        result.stored = len(records)
    return result
