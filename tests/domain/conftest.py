"""PostgreSQL for the domain tests: one fresh database per test.

The shared fixture in tests/conftest.py isolates tests in a schema named by a
`?options=-csearch_path%3D...` URL, and outreach/store/migrate.py hands that URL to
Alembic's configparser unescaped, which refuses the '%' (see
test_migrations_accept_a_database_url_with_percent_escapes). A database per test gives
the same isolation with a URL that has no '%', so the PostgreSQL half of `any_db`
really runs here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from outreach.settings import get_settings
from outreach.store import db as store_db
from tests.conftest import POSTGRES_URL, postgres_or_skip, use_database


@pytest.fixture
def postgres_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    postgres_or_skip()
    name = f"outreach_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield use_database(monkeypatch, tmp_path, url)
    finally:
        store_db.dispose_all()
        get_settings.cache_clear()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
