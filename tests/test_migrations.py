"""`flask db upgrade` builds exactly the schema the models describe, on both databases, and can be repeated."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from hotline.db import Base, make_engine
from hotline.db.migrate import upgrade
from tests.conftest import PG_ADMIN_URL, pg_database_name


def _fresh_database(backend: str, tmp_path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'migrated.db'}"
    name = pg_database_name("migrate")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _drop(url: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def _check(backend, tmp_path):
    url = _fresh_database(backend, tmp_path)
    try:
        _compare(url, backend)
    finally:
        if backend == "postgresql":
            _drop(url)


def _compare(url, backend):
    upgrade(url)
    upgrade(url)  # safe to repeat
    engine = make_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
        tables = set(inspect(connection).get_table_names())
    engine.dispose()
    assert diff == [], f"models and migrations differ on {backend}: {diff}"
    assert set(Base.metadata.tables) <= tables


def test_upgrade_matches_models_on_sqlite(tmp_path):
    _check("sqlite", tmp_path)


def test_upgrade_matches_models_on_postgresql(tmp_path):
    _check("postgresql", tmp_path)
