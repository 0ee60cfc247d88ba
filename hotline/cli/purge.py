"""`flask purge`: drop notice bodies and verification records older than the retention period."""

from __future__ import annotations

import click
from flask import Flask

from ..retention import purge


def register(app: Flask) -> None:
    @app.cli.command("purge")
    @click.option("--days", type=int, default=None, help="Override HOTLINE_RETENTION_DAYS for this run.")
    def purge_command(days: int | None) -> None:
        """Drop personal data older than the retention period (safe to repeat)."""
        rt = app.extensions["hotline"]
        days = days if days is not None else rt.settings.retention_days
        with rt.transaction() as session:
            result = purge(session, rt.clock.now(), days)
        click.echo(
            f"older than {days} days: {result.notice_bodies} notice bodies, "
            f"{result.verification_attempts} verification attempts, {result.verification_codes} one-time codes dropped"
        )
