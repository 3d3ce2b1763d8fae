"""Alembic environment: migrates the database named in the config's sqlalchemy.url."""

from __future__ import annotations

from alembic import context

from outreach.store.db import get_engine
from outreach.store.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")

with get_engine(url).connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
