"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production).

SQLite: WAL, a busy timeout, foreign keys on, and every transaction begun IMMEDIATE, so two writers never
both read and then fail to upgrade their lock ("database is locked"); the loser simply waits its turn.
Read-only work can ask for a deferred transaction with `read_only=True`. A connection that found the file
unreadable (overwritten, truncated, gone) is treated as a lost connection: SQLAlchemy discards it and the
rest of the pool, so the first request after the file is restored opens a fresh one (a kept connection
would go on reading its stale view of the file and fail).

PostgreSQL: a pooled connection is pinged before use only when it has sat idle in the pool for a while
(`IDLE_PING_SECONDS`). The pool's own `pool_pre_ping` pings on every checkout, a round trip per transaction
that cost a fifth of a webhook's time; a connection handed back a moment ago is alive, and one that sat
idle through a database restart or a firewall's idle cut is the one to test. A dead one is replaced before
the transaction starts, as `pool_pre_ping` would, and when the database drops connections while they are in
use SQLAlchemy invalidates the whole pool at the first error.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
IDLE_PING_SECONDS = 5.0


def make_engine(url: str, *, idle_ping_seconds: float = IDLE_PING_SECONDS, **kwargs) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
        _make_sqlite_transactions_immediate(engine)
        _discard_sqlite_connections_to_a_broken_file(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 is the driver we ship; a plain postgresql:// URL means it.
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_connections_left_idle(engine, idle_ping_seconds)
    return engine


def _ping_connections_left_idle(engine: Engine, idle_seconds: float) -> None:
    # Pool events on the engine reach its pool. Raising DisconnectionError in "checkout" makes the pool
    # discard that connection and check out a fresh one (SQLAlchemy's documented pessimistic recipe).
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return  # brand new, or back in the pool only a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"connection idle {time.monotonic() - idle_since:.0f} s was dead") from error


# SQLite's primary result codes (the low byte of an extended code) that say the file itself cannot be read
# as a database, as opposed to a statement that failed: https://www.sqlite.org/rescode.html
_SQLITE_FILE_BROKEN = {10, 11, 14, 26}  # SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_CANTOPEN, SQLITE_NOTADB


def _discard_sqlite_connections_to_a_broken_file(engine: Engine) -> None:
    # The pysqlite dialect counts only "closed database" as a disconnect; handle_error's is_disconnect is
    # SQLAlchemy's documented way to widen that, and makes it invalidate the connection and the pool.
    @event.listens_for(engine, "handle_error")
    def _on_error(context):
        code = getattr(context.original_exception, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in _SQLITE_FILE_BROKEN:
            context.is_disconnect = True


def _make_sqlite_transactions_immediate(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take transaction control away from the sqlite3 module so that we can say BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = "DEFERRED" if connection.get_execution_options().get("read_only") else "IMMEDIATE"
        connection.exec_driver_sql(f"BEGIN {mode}")


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database could not do the work now (unreachable, restarting, its file
    unreadable, a lock or deadlock that outlived our retries, no pooled connection free), as opposed to a
    statement that is wrong. Such work can be asked for again later."""
    if isinstance(error, (exc.OperationalError, exc.InterfaceError, exc.TimeoutError, exc.DisconnectionError)):
        return True
    return isinstance(error, exc.DBAPIError) and error.connection_invalidated


class ReadOnlyViolation(RuntimeError):
    """A write inside a unit of work opened with `read_only=True`."""


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    _refuse_writes_when_read_only(factory)
    return factory


def _refuse_writes_when_read_only(factory: sessionmaker[Session]) -> None:
    # A read-only unit of work runs without a transaction on PostgreSQL (below): a write there would be
    # committed at once, alone. Refuse it loudly instead.
    @event.listens_for(factory, "do_orm_execute")
    def _on_execute(state):
        if state.session.info.get("read_only") and (state.is_insert or state.is_update or state.is_delete):
            raise ReadOnlyViolation(f"a write in a read-only unit of work: {state.statement}")

    @event.listens_for(factory, "before_flush")
    def _on_flush(session, _context, _instances):
        if session.info.get("read_only") and (session.new or session.dirty or session.deleted):
            raise ReadOnlyViolation("a change to be flushed in a read-only unit of work")


@contextmanager
def transaction(factory: sessionmaker[Session], *, read_only: bool = False) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception.

    `read_only=True`: on SQLite a DEFERRED transaction (no write lock); on PostgreSQL no transaction at all
    (AUTOCOMMIT): each SELECT runs on its own snapshot, which under READ COMMITTED it would anyway, and the
    BEGIN and COMMIT round trips around a one-query webhook are saved. Writes are refused.
    """
    session = factory()
    if read_only:
        session.info["read_only"] = True
        options = {"read_only": True}
        if session.get_bind().dialect.name == "postgresql":
            options["isolation_level"] = "AUTOCOMMIT"
        session.connection(execution_options=options)
    try:
        yield session
        if not read_only:
            session.commit()
        elif session.new or session.dirty or session.deleted:
            # Nothing is committed here (closing hands the connection back); a change would be lost.
            raise ReadOnlyViolation("changes left in a read-only unit of work")
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def core_rows(session: Session | Connection, statement, params: dict):
    """`statement` (a Core select of columns) run on the session's own connection, in its transaction (or on
    a read-only Core connection, `reading`).

    The rows are plain rows, not ORM entities: for a one-query voice or SMS read the ORM's execution and
    entity loading were about an eighth of the step. Pending changes are flushed first, as the ORM's
    autoflush would have done (a no-op when the session is clean), so a query after a change still sees it.
    """
    if isinstance(session, Connection):
        return session.execute(statement, params)
    session.flush()
    return session.connection().execute(statement, params)


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read-only unit of work on a Core connection, for reads of a few rows that need no ORM entities.

    The same transaction as `transaction(read_only=True)`: on SQLite a DEFERRED transaction, rolled back when
    the connection goes back to the pool; on PostgreSQL AUTOCOMMIT. The engine's own events (the idle ping,
    a broken SQLite file treated as a lost connection) apply as to a session's connection. Without a
    `Session` the unit of work costs less than half (a one-row read of a voice step), but nothing refuses a
    write here: only SELECTs belong in it.
    """
    options = {"read_only": True}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "AUTOCOMMIT"
    with engine.connect() as connection:
        connection.execution_options(**options)
        yield connection


class ReadingUnit:
    """A read-only unit of work that begins as a Core connection (`reading`) and opens an ORM session on that
    same connection only when something asks for one (`session`): one connection either way (on PostgreSQL
    in autocommit, so each statement reads its own snapshot, as the read-only transaction did before).

    For a webhook whose usual answer is a read or two of plain rows (an SMS query): the rows come from the
    connection, and the session's own cost (its transaction bookkeeping around the connection) is paid only
    by the answers that load entities. The session refuses writes as `transaction(read_only=True)` does.
    """

    def __init__(self, connection: Connection, factory: sessionmaker[Session]) -> None:
        self.connection = connection
        self._factory = factory

    @cached_property
    def session(self) -> Session:
        session = self._factory(bind=self.connection)
        session.info["read_only"] = True
        return session

    def _opened(self) -> Session | None:
        return self.__dict__.get("session")


@contextmanager
def reading_unit(engine: Engine, factory: sessionmaker[Session]) -> Iterator[ReadingUnit]:
    """A `ReadingUnit` on a `reading` connection; changes left in its session raise, as in a read-only
    `transaction`."""
    with reading(engine) as connection:
        unit = ReadingUnit(connection, factory)
        try:
            yield unit
            session = unit._opened()
            if session is not None and (session.new or session.dirty or session.deleted):
                raise ReadOnlyViolation("changes left in a read-only unit of work")
        finally:
            session = unit._opened()
            if session is not None:
                session.close()
