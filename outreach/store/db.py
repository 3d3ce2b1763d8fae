"""Engine and session handling. Engines are created lazily, one per URL, never at import.

PostgreSQL may restart under a running process: the pool tests a connection that sat unused
for a while before handing it out (`ping_when_idle`), and `retry_transient` runs a unit of work
again when the server dropped the connection, was starting up or shutting down, or chose the
transaction as a deadlock or serialization victim.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Column, Table, create_engine, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.state import InstanceState
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql.dml import Insert

from outreach.settings import get_settings

log = logging.getLogger(__name__)
CONNECT_TIMEOUT_S = 5  # an unreachable server fails the connection attempt instead of hanging
# PostgreSQL error classes worth a fresh transaction: connection exceptions (08), operator
# intervention (57P: shutdown, crash, starting up), serialization failure, deadlock.
TRANSIENT_PGCODES = ("08", "57P", "40001", "40P01")
# Waits between attempts, about 8 s in all: a restart of the local server takes 1-3 s.
RETRY_DELAYS_S = (0.25, 0.5, 1.0, 2.0, 4.0)
# A pooled connection unused for longer than this is tested before use. A restart of the server
# takes longer (1-3 s here), so every connection it dropped is tested; one in steady use is not:
# testing every checkout (pool_pre_ping) cost a round trip per transaction, eight per chat turn.
PING_AFTER_IDLE_S = 0.25
_engines: dict[str, Engine] = {}
_factories: dict[str, sessionmaker] = {}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the one writer
    cursor.execute("PRAGMA busy_timeout=30000")  # several processes share the file
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def get_engine(url: str | None = None) -> Engine:
    url = url or get_settings().database_url
    engine = _engines.get(url)
    if engine is None:
        if url.startswith("sqlite"):
            path = url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            # SQLAlchemy 1.4 gives file databases no pool: a new connection (and the pragmas
            # below) for every unit of work, the largest cost of a chat turn on SQLite.
            engine = create_engine(
                url, future=True, poolclass=QueuePool, pool_size=5, max_overflow=10,
                connect_args={"check_same_thread": False, "timeout": 30},
            )
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            connect_args = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": CONNECT_TIMEOUT_S}
            engine = create_engine(url, future=True, connect_args=connect_args)
            ping_when_idle(engine)
        _engines[url] = engine
    return engine


def ping_when_idle(engine: Engine, idle_s: float = PING_AFTER_IDLE_S) -> None:
    """Test a pooled connection before it is handed out when it sat unused for idle_s or longer.

    A dead one is replaced (the pool connects anew, up to three times) instead of failing the
    first statement of the work. A connection the server drops while it is in use, or in the
    moment between two uses, fails its statement as before: `retry_transient` repeats the work.
    """
    def returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    def handing_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("returned_at")  # none: connected just now (info is cleared on invalidation)
        if since is None or time.monotonic() - since < idle_s:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.dbapi.Error as error:  # not a disconnect, yet unusable all the same
            raise DisconnectionError(str(error)) from error
        if not alive:
            raise DisconnectionError("the server closed the connection while it was unused")

    event.listen(engine, "checkin", returned)
    event.listen(engine, "checkout", handing_out)


def session_factory(url: str | None = None) -> sessionmaker:
    url = url or get_settings().database_url
    factory = _factories.get(url)
    if factory is None:
        factory = sessionmaker(bind=get_engine(url), future=True, expire_on_commit=False)
        _factories[url] = factory
    return factory


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A transaction: commits on success, rolls back on any error."""
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dispose_all() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
    _factories.clear()


T = TypeVar("T")


def is_transient(error: BaseException) -> bool:
    """A database failure that a fresh transaction may not meet (see TRANSIENT_PGCODES)."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if isinstance(error.orig, sqlite3.OperationalError):
        return "locked" in str(error.orig)  # another writer held the file past busy_timeout
    code = getattr(error.orig, "pgcode", None)
    if code:
        return code.startswith(TRANSIENT_PGCODES)
    # psycopg2 reports a refused or broken connection with no SQLSTATE.
    return isinstance(error, (OperationalError, InterfaceError))


def retry_transient(fn: Callable[..., T], *args: Any, delays: tuple[float, ...] | None = None) -> T:
    """fn(*args), run again after a transient database failure; the last failure is raised.

    fn must open its own transactions (session_scope) and be safe to repeat: a commit whose
    acknowledgement was lost runs again, so what it writes must be idempotent (the remedy
    ledger and payments are, by their unique keys). delays: the waits between attempts
    (default RETRY_DELAYS_S).
    """
    for attempt, delay in enumerate(RETRY_DELAYS_S if delays is None else delays, start=1):
        try:
            return fn(*args)
        except DBAPIError as error:
            if not is_transient(error):
                raise
            first_line = str(error.orig or error).strip().splitlines()[0][:200]
            log.warning("database unavailable (%s), attempt %d; retrying in %.2f s", first_line, attempt, delay)
            time.sleep(delay)
    return fn(*args)


def insert_once(session: Session, row: T, winner: Callable[[], T | None]) -> tuple[T, bool]:
    """Insert a row that a unique key allows only once: (row, True), or, when a concurrent writer
    got there first, (that writer's row, False). Losing the race leaves the caller's transaction
    usable.

    On PostgreSQL the row goes in as INSERT ... ON CONFLICT DO NOTHING: one round trip, where a
    savepoint around a plain INSERT cost three (SAVEPOINT, INSERT, RELEASE). A writer that meets
    an uncommitted row with the same key waits for its transaction, as with the savepoint, then
    reads the winner. On SQLite a savepoint costs no round trip and stays.
    """
    inserted = _insert_on_conflict(session, row)
    if inserted:
        return row, True
    if inserted is False:
        found = winner()
        if found is not None:
            return found, False
        # the conflict was not the expected one (or its row is gone again): the savepoint's way
        # surfaces it as an IntegrityError, as it always did
    return _insert_in_savepoint(session, row, winner)


def _insert_on_conflict(session: Session, row: Any) -> bool | None:
    """PostgreSQL: insert the row unless a unique key of it is taken. True: inserted, and the row
    is persistent in the session as after a flush; False: taken, nothing changed. None: not done
    (another database, or a row holding a related object to cascade)."""
    state = sa_inspect(row)
    mapper = state.mapper
    if session.get_bind(mapper=mapper).dialect.name != "postgresql" or any(
            relation.key in state.dict for relation in mapper.relationships):
        return None
    session.flush()  # what is pending goes first, as the savepoint's flush sent it
    table = mapper.local_table
    statement, from_database = _on_conflict_insert(table)
    result = session.execute(statement, _column_values(state))
    returned = result.first()
    if returned is None:
        return False
    sent = result.last_inserted_params()  # with the defaults worked out in Python
    for column in table.columns:
        value = returned._mapping[column] if column in from_database else sent.get(column.key)
        set_committed_value(row, mapper.get_property_by_column(column).key, value)
    make_transient_to_detached(row)
    session.add(row)
    return True


def _column_values(state: InstanceState) -> dict[str, Any]:
    """The row's columns as its flush would insert them."""
    values: dict[str, Any] = {}
    for prop in state.mapper.column_attrs:
        if prop.key not in state.dict:
            continue
        value, column = state.dict[prop.key], prop.columns[0]
        # as the flush does: an attribute left None falls to the column's default (or NULL),
        # except for types that store None as a value of their own (JSON's null)
        if value is None and not column.type.should_evaluate_none:
            continue
        values[column.key] = value
    return values


@cache
def _on_conflict_insert(table: Table) -> tuple[Insert, frozenset[Column]]:
    """The table's INSERT ... ON CONFLICT DO NOTHING, returning what only the database knows after
    it (the key, server-side defaults), and those columns. Built once per table: a statement built
    per call costs more CPU than its round trip."""
    from_database = [column for column in table.columns if column.primary_key or column.server_default is not None]
    return postgresql.insert(table).on_conflict_do_nothing().returning(*from_database), frozenset(from_database)


def _insert_in_savepoint(session: Session, row: T, winner: Callable[[], T | None]) -> tuple[T, bool]:
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        found = winner()
        if found is None:  # the conflict was not the expected one: let it surface
            raise
        return found, False
    return row, True
