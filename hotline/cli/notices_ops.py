"""`flask notices pause | resume | send-due | sweep | status`: the operator's hand on sending."""

from __future__ import annotations

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from ..db import Notice
from ..notify import policies, sender, store
from ..notify.sweep import sweep
from ..sms import held
from .notices import notices


def _rt():
    return current_app.extensions["hotline"]


@notices.command("pause")
@click.option("--reason", default="paused by an operator", show_default=True)
def pause_command(reason: str) -> None:
    """Stop all sending (notices wait; nothing fails) until `resume`."""
    rt = _rt()
    policies.pause(rt.settings, rt.redis, reason)
    click.echo(f"sending paused: {sender.is_paused(rt)}")


@notices.command("resume")
def resume_command() -> None:
    """Resume sending and enqueue every notice that waited in `queued`."""
    rt = _rt()
    was = sender.is_paused(rt)
    policies.resume(rt.settings, rt.redis)
    with rt.transaction(read_only=True) as session:
        rows = store.all_queued(session)
    sender.enqueue(rt, [r.id for r in rows if r.urgent], urgent=True)
    sender.enqueue(rt, [r.id for r in rows if not r.urgent], urgent=False)
    click.echo(f"sending resumed (was: {was or 'not paused'}); {len(rows)} queued notices enqueued")


@notices.command("send-due")
def send_due_command() -> None:
    """Queue every due planned notice the window and the daily cap allow (what the scheduler does)."""
    click.echo(f"queued {sender.dispatch(_rt())} notices")


@notices.command("sweep")
def sweep_command() -> None:
    """Settle stuck notices now (held opt messages, stale claims, unknown outcomes, lost jobs, missing
    receipts), as the scheduler's sweep does."""
    rt = _rt()
    applied = held.apply(rt)
    report = sweep(rt)
    report.opt_messages_applied = applied
    click.echo(str(report))


@notices.command("status")
def status_command() -> None:
    """Notices by state, and whether sending is paused."""
    rt = _rt()
    with rt.transaction(read_only=True) as session:
        rows = session.execute(select(Notice.state, func.count()).group_by(Notice.state).order_by(Notice.state))
        for state, count in rows:
            click.echo(f"{state}\t{count}")
    click.echo(f"paused\t{sender.is_paused(rt) or 'no'}")


def register(app: Flask) -> None:
    # The commands live on the `notices` group, which hotline/cli/notices.py adds to the app.
    return None
