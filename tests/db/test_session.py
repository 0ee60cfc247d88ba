"""The PostgreSQL pool: a connection that sat idle and died is replaced before a transaction uses it, and a
connection in steady use is not pinged at all (the ping was a round trip on every transaction)."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from sqlalchemy import event, insert, select, text

from hotline.db import Person
from hotline.db.session import (
    ReadOnlyViolation,
    make_engine,
    make_sessionmaker,
    reading,
    reading_unit,
    transaction,
)


def _backend_pid(factory) -> int:
    with transaction(factory, read_only=True) as session:
        return session.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _pings(engine) -> list[object]:
    """The pings the pool sends from now on (the dialect's real ping, counted)."""
    pings: list[object] = []
    real_ping = engine.dialect.do_ping
    engine.dialect.do_ping = lambda connection: pings.append(connection) or real_ping(connection)
    return pings


def _statements(engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_connection_killed_while_idle_is_replaced_before_the_transaction(pg_database_url):
    engine = make_engine(pg_database_url, idle_ping_seconds=0.05, pool_size=1, max_overflow=0)
    factory = make_sessionmaker(engine)
    try:
        first = _backend_pid(factory)
        # The database ends that session, as a restart or an idle timeout would.
        killer = make_engine(pg_database_url)
        with killer.begin() as connection:
            assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one()
        killer.dispose()
        time.sleep(0.1)

        second = _backend_pid(factory)  # would raise "server closed the connection" without the ping
        assert second != first
    finally:
        engine.dispose()


def test_connection_in_steady_use_is_not_pinged(pg_database_url):
    engine = make_engine(pg_database_url, idle_ping_seconds=60, pool_size=1, max_overflow=0)
    factory = make_sessionmaker(engine)
    try:
        _backend_pid(factory)
        pings = _pings(engine)
        statements = _statements(engine)
        for _ in range(5):
            _backend_pid(factory)
        assert pings == []
        assert statements == ["SELECT pg_backend_pid()"] * 5
    finally:
        engine.dispose()


def test_connection_back_from_a_long_idle_is_pinged_once(pg_database_url):
    engine = make_engine(pg_database_url, idle_ping_seconds=0.05, pool_size=1, max_overflow=0)
    factory = make_sessionmaker(engine)
    try:
        first = _backend_pid(factory)
        pings = _pings(engine)
        time.sleep(0.1)
        assert _backend_pid(factory) == first  # alive: kept, after one ping
        assert len(pings) == 1
    finally:
        engine.dispose()


@contextmanager
def _session_of_a_reading_unit(engine, factory):
    with reading_unit(engine, factory) as unit:
        yield unit.session


@pytest.mark.parametrize(
    "read_only",
    [lambda engine, factory: transaction(factory, read_only=True), _session_of_a_reading_unit],
    ids=["transaction", "reading_unit"],
)
def test_read_only_unit_of_work_refuses_writes(db_url, read_only):
    engine = make_engine(db_url)
    factory = make_sessionmaker(engine)
    try:
        with pytest.raises(ReadOnlyViolation):
            with read_only(engine, factory) as session:
                session.execute(insert(Person).values(id_number="110101199003074514", name="张三"))
        with pytest.raises(ReadOnlyViolation):
            with read_only(engine, factory) as session:
                session.add(Person(id_number="110101199003074514", name="张三"))
        with transaction(factory, read_only=True) as session:
            assert session.scalars(select(Person)).all() == []  # nothing got in either way
    finally:
        engine.dispose()


def test_a_reading_unit_opens_its_session_only_when_asked_and_on_its_own_connection(db_url):
    engine = make_engine(db_url)
    factory = make_sessionmaker(engine)
    try:
        with reading_unit(engine, factory) as unit:
            assert unit.connection.execute(select(Person.id)).all() == []
            assert "session" not in vars(unit)  # a read of plain rows opened none
            assert unit.session.scalars(select(Person)).all() == []
            # One unit of work: the session reads through the same connection, in the same snapshot.
            assert unit.session.connection().connection.dbapi_connection is unit.connection.connection.dbapi_connection
    finally:
        engine.dispose()


def test_read_only_unit_of_work_on_postgresql_opens_no_transaction(pg_database_url):
    from psycopg.pq import TransactionStatus

    engine = make_engine(pg_database_url)
    factory = make_sessionmaker(engine)
    try:
        with transaction(factory, read_only=True) as session:
            session.execute(text("SELECT 1")).scalar_one()
            driver = session.connection().connection.driver_connection
            # No transaction left open after the query: nothing to COMMIT (a round trip saved), and none
            # was begun (another).
            assert driver.info.transaction_status == TransactionStatus.IDLE
        with transaction(factory) as session:  # the same pooled connection is transactional again
            session.execute(text("SELECT 1")).scalar_one()
            driver = session.connection().connection.driver_connection
            assert driver.info.transaction_status == TransactionStatus.INTRANS
    finally:
        engine.dispose()


def test_a_core_read_on_postgresql_opens_no_transaction_and_leaves_the_connection_transactional(pg_database_url):
    from psycopg.pq import TransactionStatus

    engine = make_engine(pg_database_url)
    factory = make_sessionmaker(engine)
    try:
        with reading(engine) as connection:
            connection.execute(text("SELECT 1")).scalar_one()
            driver = connection.connection.driver_connection
            assert driver.info.transaction_status == TransactionStatus.IDLE
        with transaction(factory) as session:  # the same pooled connection, no longer in AUTOCOMMIT
            session.execute(text("SELECT 1")).scalar_one()
            driver = session.connection().connection.driver_connection
            assert driver.info.transaction_status == TransactionStatus.INTRANS
    finally:
        engine.dispose()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_core_read_on_sqlite_takes_no_write_lock(db_url):
    # A deferred transaction, as transaction(read_only=True): an open read keeps no writer waiting.
    engine = make_engine(db_url)
    writer = make_engine(db_url)
    try:
        with reading(engine) as connection:
            assert connection.execute(select(Person.id)).all() == []
            with writer.begin() as other:  # BEGIN IMMEDIATE: would wait out the busy timeout, then fail
                other.execute(text("CREATE TABLE written_meanwhile (x INTEGER)"))
            assert connection.execute(select(Person.id)).all() == []
    finally:
        engine.dispose()
        writer.dispose()
