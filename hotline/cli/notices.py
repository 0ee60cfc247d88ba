"""`flask notices ...`: the operator's handle on notices.

`scan` plans the date-triggered notices due on a day. Other modules add their commands to `notices` (the
AppGroup below) with `@notices.command(...)`, e.g. pausing and resuming sending.
"""

from __future__ import annotations

from datetime import date

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..clock import china_today
from ..notify import scan
from ..progress import Progress

notices = AppGroup("notices", help="Notices: plan the daily scan, pause or resume sending.")


def _runtime():
    return current_app.extensions["hotline"]


@notices.command("scan")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The China date to scan for (default: today).")
@click.option("--dry-run", is_flag=True, help="Count what would be planned, by kind, and write nothing.")
def scan_command(day, dry_run: bool) -> None:
    """Plan every date-triggered notice due on DATE (with the 14-day catch-up)."""
    rt = _runtime()
    on: date = day.date() if day is not None else china_today(rt.clock)
    progress = Progress(f"scan {on.isoformat()}", total=len(scan.RULES), unit="rules")
    result = scan.run(rt, on, dry_run=dry_run, progress=progress.update)
    progress.finish()
    for code, count in sorted(result.by_kind.items()):
        click.echo(f"{code}\t{count}")
    verb = "would plan" if dry_run else "planned"
    click.echo(f"{on.isoformat()}: {verb} {result.total} notices ({result.seconds:.2f} s)")


def register(app: Flask) -> None:
    app.cli.add_command(notices)
