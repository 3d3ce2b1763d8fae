"""The one CSV writer behind every export (cases, figures, merchant outliers; dashboard and CLI).

Leads open exports in a spreadsheet, which runs a cell starting with `=`, `+`, `-`, `@`, a tab
or a carriage return as a formula. Buyers write rating comments and merchants choose their own
names, so such a text cell gets a leading single quote (OWASP, "CSV Injection"): shown as
written, never run. Numbers (an NPS of -20) are written as numbers. Mobile numbers in text
are masked, as on the dashboard's pages (outreach.inbox.privacy). Rows end in CRLF (RFC 4180),
so a carriage return inside a cell is quoted like a line feed and cannot split a row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from outreach.inbox.privacy import mask_phones

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """The text of one cell: empty for None, numbers as they are, text with mobile numbers
    masked and, when a spreadsheet would run it, quoted."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):  # bool is an int: True/False stay as they are
        return str(value)
    text = mask_phones(str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(rows: Iterable[Mapping[str, Any]], columns: list[str], headers: list[str] | None = None) -> str:
    """A header (`headers`, else the column keys), then one line per row with the keys of
    `columns` (missing ones empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(name) for name in (headers or columns)])
    for row in rows:
        writer.writerow([cell(row.get(name)) for name in columns])
    return out.getvalue()


# Column: (key in a row for machines, Chinese header, key of the value people read).
Column = tuple[str, str, str]


def export(rows: list[Mapping[str, Any]], columns: list[Column], machine: bool) -> str:
    """An export for people (Chinese headers, times in the lead's zone, yuan) or, with
    `machine`, for programs (stable English column names, ISO UTC times, fen; docs/metrics.md)."""
    if machine:
        return to_csv(rows, [key for key, _, _ in columns])
    return to_csv(rows, [shown for _, _, shown in columns], [zh for _, zh, _ in columns])
