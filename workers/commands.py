"""`flask worker [--burst]` and `flask scheduler`.

Run as many workers as you like, on as many machines, against one Redis and one database: the claim is a
conditional UPDATE, so two workers never send the same notice. Run one scheduler (a second is harmless).
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from rq import SimpleWorker, Worker

from hotline.clock import china_now
from hotline.runtime import QUEUE_DEFAULT, QUEUE_NOTICES, QUEUE_URGENT

from . import jobs
from .schedule import Scheduler

# Urgent texts first, then the short scheduled jobs (scan, allocation), then the bulk of notices.
WORKER_QUEUES = (QUEUE_URGENT, QUEUE_DEFAULT, QUEUE_NOTICES)


class ForkingWorker(Worker):
    """RQ's forking worker, whose work horse starts with connections of its own: the parent's pooled database
    connections are dropped without closing the parent's sockets, and the jobs' sender is made again."""

    runtime = None

    def main_work_horse(self, job, queue):
        self.runtime.engine.dispose(close=False)
        jobs.use_runtime(self.runtime)
        return super().main_work_horse(job, queue)


def make_worker(rt, *, fork: bool = False, queues=WORKER_QUEUES) -> Worker:
    """An RQ worker on the project's queues. By default it runs jobs in its own process (no fork per job):
    the twilio client's keep-alive connection and the database pool then outlive a job, which is what makes
    batches fast. `fork=True` gives RQ's classic isolation (a crashing job cannot take the worker down)."""
    jobs.use_runtime(rt)
    if not fork:
        return SimpleWorker([rt.queue(name) for name in queues], connection=rt.redis)
    worker = ForkingWorker([rt.queue(name) for name in queues], connection=rt.redis)
    worker.runtime = rt
    return worker


def register(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Drain the queues, then exit.")
    @click.option("--fork", is_flag=True, help="Fork a work horse per job (RQ's default worker).")
    @click.option(
        "--queue",
        "queues",
        multiple=True,
        type=click.Choice(WORKER_QUEUES),
        help="Listen on these queues only (repeatable; default: all, urgent first).",
    )
    def worker_command(burst: bool, fork: bool, queues: tuple[str, ...]) -> None:
        """Start an RQ worker on the hotline's queues."""
        rt = current_app.extensions["hotline"]
        worker = make_worker(rt, fork=fork, queues=queues or WORKER_QUEUES)
        worker.work(burst=burst, logging_level="WARNING")

    @app.cli.command("scheduler")
    @click.option("--ticks", type=int, default=None, help="Stop after this many ticks (tests).")
    @click.option(
        "--leave-todays-scan",
        is_flag=True,
        help="Do not run today's daily scan; leave it to `flask notices scan` (the demo).",
    )
    def scheduler_command(ticks: int | None, leave_todays_scan: bool) -> None:
        """Run the recurring schedule: daily scan, allocations at each plan's close, dispatcher, sweeps."""
        rt = current_app.extensions["hotline"]
        leave = china_now(rt.clock).date() if leave_todays_scan else None
        click.echo("scheduler running (Ctrl-C to stop)", err=True)
        try:
            Scheduler(rt, leave_scan_on=leave).run(ticks=ticks)
        except KeyboardInterrupt:
            pass
