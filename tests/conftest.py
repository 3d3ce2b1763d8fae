"""Shared fixtures: a fresh database per test, on SQLite and on the local PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from outreach.private_files import restrict
from outreach.settings import get_settings
from outreach.store import db as store_db
from outreach.store.migrate import upgrade

# The test process creates stores, secrets and input files under var/ as the assistant's own
# processes do: privately (tests/security/test_local_files.py checks the running stack's var/).
restrict()

# The real-process stack (Rasa, action server, web server), one per test session.
pytest_plugins = ["tests.support.stack"]

POSTGRES_URL = os.environ.get("OUTREACH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def postgres_or_skip() -> None:
    """Skip when PostgreSQL is unreachable on a developer's machine; fail under CI=true."""
    try:
        engine = create_engine(POSTGRES_URL, future=True)
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure to connect means unreachable
        message = f"PostgreSQL at {POSTGRES_URL} is unreachable ({exc.__class__.__name__})"
        if IN_CI:
            pytest.fail(message + "; CI must run the PostgreSQL tests")
        pytest.skip(message)


REDIS_URL = os.environ.get("OUTREACH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_or_skip() -> None:
    """Skip when Redis is unreachable on a developer's machine; fail under CI=true."""
    from outreach.scaled.stores import StoreUnavailable, check_redis

    try:
        check_redis(REDIS_URL)
    except StoreUnavailable as exc:
        if IN_CI:
            pytest.fail(f"{exc}; CI must run the Redis tests")
        pytest.skip(str(exc))


def haproxy_or_skip() -> None:
    """Skip when Debian's haproxy is not installed on a developer's machine; fail under CI=true."""
    from outreach.scaled.haproxy import HAPROXY_BIN

    if not Path(HAPROXY_BIN).exists():
        message = f"{HAPROXY_BIN} is missing: `make system-deps` installs Debian's haproxy"
        if IN_CI:
            pytest.fail(message + "; CI must run the HAProxy tests")
        pytest.skip(message)


def installed_or_skip(present: bool, reason: str) -> pytest.MarkDecorator:
    """A mark for tests that need a system part (chromium, pdftotext, the chart library): they skip
    on a developer's machine without it, and run (and fail) under CI=true, where `make test` installs it."""
    return pytest.mark.skipif(not present and not IN_CI, reason=reason)


def use_database(monkeypatch: pytest.MonkeyPatch, var_dir: Path, url: str) -> str:
    monkeypatch.setenv("OUTREACH_VAR_DIR", str(var_dir))
    monkeypatch.setenv("OUTREACH_DATABASE_URL", url)
    get_settings.cache_clear()
    store_db.dispose_all()
    upgrade(url)
    return url


@pytest.fixture
def sqlite_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    yield use_database(monkeypatch, tmp_path, f"sqlite:///{tmp_path / 'outreach.db'}")
    store_db.dispose_all()
    get_settings.cache_clear()


@pytest.fixture
def postgres_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh database per test on the local server. A lock_timeout turns a lock that is
    never released into a failing test instead of a hanging run."""
    postgres_or_skip()
    name = f"outreach_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        connection.execute(text(f"ALTER DATABASE \"{name}\" SET lock_timeout = '8s'"))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield use_database(monkeypatch, tmp_path, url)
    finally:
        store_db.dispose_all()
        get_settings.cache_clear()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest) -> str:
    """The same test on the embedded default and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_db" if request.param == "sqlite" else "postgres_db")


@pytest.fixture
def db(sqlite_db: str) -> str:
    return sqlite_db


def at(text_value: str) -> datetime:
    """An aware UTC datetime from ISO text with an offset."""
    return datetime.fromisoformat(text_value).astimezone(timezone.utc)


HOURS = timedelta(hours=1)


# --- the shipped model's rebuild, in the background ------------------------------------------

REBUILD_TEST = "test_shipped_model.py::test_the_committed_model_is_what_make_model_builds_from_its_inputs"


def pytest_collection_finish(session: pytest.Session) -> None:
    """Rebuilding the shipped diagnosis model takes minutes of one core: when its test is among
    the selected ones, start the rebuild now in its own (niced) process, so it runs beside the
    rest of the suite; the test waits for it (`rebuilt_shipped_model`)."""
    import subprocess
    import sys
    import tempfile

    from outreach.diagnosis.commands import DEFAULT_EXPORT

    if not DEFAULT_EXPORT.is_file() or not any(item.nodeid.endswith(REBUILD_TEST) for item in session.items):
        return
    folder = Path(tempfile.mkdtemp(prefix="outreach-rebuild-"))
    log = (folder / "rebuild.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "tests.support.rebuild_shipped", str(folder / "model")],
                               cwd=Path(__file__).resolve().parents[1], stdout=log, stderr=subprocess.STDOUT,
                               preexec_fn=lambda: os.nice(5))
    session.config.stash[_REBUILD] = (process, folder)


_REBUILD = pytest.StashKey[tuple]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The rebuild's test goes last: the rest of the session runs while the rebuild works."""
    items.sort(key=lambda item: item.nodeid.endswith(REBUILD_TEST))


def pytest_sessionfinish(session: pytest.Session) -> None:
    started = session.config.stash.get(_REBUILD, None)
    if started is not None and started[0].poll() is None:  # the test did not run to the end
        started[0].kill()
        started[0].wait()


@pytest.fixture
def rebuilt_shipped_model(request: pytest.FixtureRequest) -> Path:
    """The folder the background rebuild wrote (started at collection, waited for here)."""
    import subprocess

    from outreach.diagnosis.commands import DEFAULT_EXPORT

    started = request.config.stash.get(_REBUILD, None)
    if started is None:
        if DEFAULT_EXPORT.is_file():
            pytest.fail("the rebuild was not started at collection")
        message = f"the history export {DEFAULT_EXPORT} is not on this machine"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + "; CI must check the shipped model against it")
        pytest.skip(message)
    process, folder = started
    try:
        process.wait(timeout=3600)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("rebuilding the shipped model took more than an hour")
    log = (folder / "rebuild.log").read_text(encoding="utf-8", errors="replace")
    assert process.returncode == 0, f"the rebuild failed:\n{log[-3000:]}"
    return folder / "model"
