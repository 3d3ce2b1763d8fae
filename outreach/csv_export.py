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


def to_csv(rows: Iterable[Mapping[str, Any]], columns: list[str]) -> str:
    """A header of `columns`, then one line per row with those keys (missing ones empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(name) for name in columns])
    for row in rows:
        writer.writerow([cell(row.get(name)) for name in columns])
    return out.getvalue()
