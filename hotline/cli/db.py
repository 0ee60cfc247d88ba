"""`flask db upgrade` (create or upgrade the schema, safe to repeat) and `flask db revision`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ..db import migrate


def register(app: Flask) -> None:
    group = AppGroup("db", help="Database schema (Alembic migrations).")

    @group.command("upgrade")
    @click.argument("revision", default="head")
    def upgrade(revision: str) -> None:
        """Create or upgrade the schema to REVISION (default: head)."""
        url = app.extensions["hotline"].settings.database_url
        migrate.upgrade(url, revision)
        click.echo(f"schema at {revision}")

    @group.command("revision")
    @click.option("-m", "--message", required=True)
    @click.option("--rev-id", default=None, help="Revision id, e.g. 0002 (default: random).")
    def revision(message: str, rev_id: str | None) -> None:
        """Write a migration for the models' changes (developers)."""
        migrate.revision(app.extensions["hotline"].settings.database_url, message, rev_id)

    app.cli.add_command(group)
