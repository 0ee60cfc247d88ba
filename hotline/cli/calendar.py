"""`flask calendar check`: which years the working-day calendar covers, and whether it runs out soon."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from ..calendar import WARN_DAYS
from ..clock import china_today


def register(app: Flask) -> None:
    group = AppGroup("calendar", help="The working-day calendar (holidays and make-up working days).")

    @group.command("check")
    def check() -> None:
        """Print the covered years; exit 1 when the calendar is degraded (ends within 60 days)."""
        rt = app.extensions["hotline"]
        calendar, today = rt.calendar, china_today(rt.clock)
        click.echo(f"file: {rt.settings.holidays_file}")
        click.echo(f"covers: {calendar.coverage_text()}")
        if calendar.degraded(today):
            click.echo(
                f"DEGRADED on {today.isoformat()}: {calendar.days_left(today)} days of official schedule left "
                f"(warning from {WARN_DAYS}); dates after it are guessed as Monday-Friday. "
                "Add the next year's State Council schedule (see the README)."
            )
            sys.exit(1)
        click.echo(f"ok on {today.isoformat()}: {calendar.days_left(today)} days left")

    app.cli.add_command(group)
