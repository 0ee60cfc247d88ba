"""`flask notices stats [--date D]` (counts by kind and state) and `flask notices retry` (temporary failures)."""

from __future__ import annotations

from datetime import date, timedelta

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from ..clock import at_china, china_today
from ..db import Notice
from ..notify.retry import requeue_failed
from .notices import notices


@notices.command("stats")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The China date the notices were planned on (default: today).")
def stats_command(day) -> None:
    """Counts by kind and state of the notices planned on DATE."""
    rt = current_app.extensions["hotline"]
    on: date = day.date() if day is not None else china_today(rt.clock)
    start, end = at_china(on), at_china(on + timedelta(days=1))
    with rt.transaction(read_only=True) as session:
        rows = session.execute(
            select(Notice.kind, Notice.state, func.count())
            .where(Notice.planned_at >= start, Notice.planned_at < end)
            .group_by(Notice.kind, Notice.state)
            .order_by(Notice.kind, Notice.state)
        ).all()
    table: dict[str, dict[str, int]] = {}
    for kind, state, count in rows:
        table.setdefault(kind, {})[state] = count
    states = sorted({state for counts in table.values() for state in counts})
    click.echo("kind\t" + "\t".join(states) + "\ttotal")
    for kind, counts in table.items():
        click.echo(kind + "\t" + "\t".join(str(counts.get(s, 0)) for s in states) + f"\t{sum(counts.values())}")
    click.echo(f"{on.isoformat()}: {sum(sum(c.values()) for c in table.values())} notices")


@notices.command("retry")
def retry_command() -> None:
    """Plan again every failed notice whose last attempt failed for a temporary reason (safe to repeat)."""
    rt = current_app.extensions["hotline"]
    codes = rt.settings.notice_retry_error_codes
    with rt.transaction() as session:
        count = requeue_failed(session, rt.clock.now(), codes)
    click.echo(f"{count} failed notices planned again (temporary failures: {', '.join(sorted(codes))})")


def register(app: Flask) -> None:
    # The command joins the `notices` group, which hotline/cli/notices.py registers.
    return None
