"""PostgreSQL and Redis for the scaled set-up: reachable, and the databases exist."""

from __future__ import annotations

import re

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, ProgrammingError

_NAME = re.compile(r"^[A-Za-z0-9_]{1,63}$")


class StoreUnavailable(RuntimeError):
    """PostgreSQL or Redis cannot be used; the message says what to do."""


def postgres_url(database_url: str) -> URL:
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise StoreUnavailable(
            f"the scaled set-up needs PostgreSQL, not {url.get_backend_name()}: set OUTREACH_DATABASE_URL to "
            "postgresql://USER@HOST:PORT/DATABASE"
        )
    return url


def _where(url: URL) -> str:
    return f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}"


def ensure_database(database_url: str, name: str | None = None) -> str:
    """Creates the database of the URL (or the one called name on the same server) if missing;
    returns the URL of that database."""
    url = postgres_url(database_url)
    wanted = name or url.database or ""
    if not _NAME.match(wanted):
        raise StoreUnavailable(f"database name {wanted!r} is not usable: use letters, digits and _ only")
    admin = create_engine(url.set(database="postgres"), future=True, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": wanted}).first()
            if not exists:
                try:
                    connection.execute(text(f'CREATE DATABASE "{wanted}"'))
                except ProgrammingError as exc:  # created meanwhile by someone else
                    if "already exists" not in str(exc):
                        raise
    except DBAPIError as exc:
        raise StoreUnavailable(
            f"{_where(url)} is unreachable or refused user {url.username!r} "
            f"({str(exc.orig).strip().splitlines()[0] if exc.orig else exc}); start PostgreSQL "
            "(e.g. `service postgresql start`) or point OUTREACH_DATABASE_URL at a running server"
        ) from exc
    finally:
        admin.dispose()
    return url.set(database=wanted).render_as_string(hide_password=False)


def check_redis(redis_url: str) -> None:
    import redis

    try:
        client = redis.Redis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=3)
        client.ping()
        client.close()
    except (redis.RedisError, ValueError) as exc:
        raise StoreUnavailable(
            f"Redis at {redis_url} is unreachable ({exc}); start it (e.g. `service redis-server start`) "
            "or set OUTREACH_REDIS_URL"
        ) from exc


def redis_parts(redis_url: str) -> dict[str, str]:
    """The environment bot/endpoints.scaled.yml reads for the Redis lock store."""
    from urllib.parse import urlsplit

    parts = urlsplit(redis_url)
    if parts.scheme != "redis":
        raise StoreUnavailable(f"OUTREACH_REDIS_URL={redis_url!r} is not redis://HOST:PORT/DB")
    return {
        "OUTREACH_REDIS_HOST": parts.hostname or "127.0.0.1",
        "OUTREACH_REDIS_PORT": str(parts.port or 6379),
        "OUTREACH_REDIS_DB": (parts.path or "/0").strip("/") or "0",
        "OUTREACH_REDIS_PASSWORD": parts.password or "",
    }
