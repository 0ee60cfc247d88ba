"""Alembic, driven from Python: `flask db upgrade` and the tests use the same entry points."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from ..config import ROOT


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    # '%' is Alembic's interpolation character; a password may contain one.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Create or upgrade the schema; safe to repeat (Alembic records what it applied)."""
    command.upgrade(alembic_config(database_url), revision)


def revision(database_url: str, message: str, rev_id: str | None = None) -> None:
    """Write a new migration from the difference between the models and the database."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True, rev_id=rev_id)
