"""RQ job functions. Thin: each builds nothing of its own and calls `hotline.notify` or `hotline.services`.

Jobs carry ids and dates only, never personal data. A worker process keeps one `Sender` (one Runtime, one
twilio Client and its keep-alive connection) for all the jobs it runs; `flask worker` (or a test) hands it the
Runtime it already has with `use_runtime`, and RQ's forking worker hands each work horse its own
(`hotline.cli.worker.make_worker`).

Planning jobs only plan: the scheduler's dispatcher (every `dispatch_interval_seconds`) is the one way a
planned notice moves on to the send queues (`hotline.notify.sender.dispatch`).
"""

from __future__ import annotations

import logging
from datetime import date

from hotline.logs import logged_job
from hotline.runtime import Runtime

log = logging.getLogger("workers.jobs")

_runtime: Runtime | None = None
_sender = None


def use_runtime(rt: Runtime | None) -> None:
    """The Runtime jobs in this process use; the sender (and its HTTP connection) is made again on first use."""
    global _runtime, _sender
    _runtime, _sender = rt, None


def runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        from hotline.config import Settings

        _runtime = Runtime.from_settings(Settings.from_env())
    return _runtime


def sender():
    global _sender
    if _sender is None:
        from hotline.notify.sender import Sender

        _sender = Sender(runtime())
    return _sender


@logged_job
def send_batch(notice_ids: list[int]) -> str:
    report = sender().send_batch(notice_ids)
    return str(report)


@logged_job
def scan(day: str) -> str:
    """Plan the date-triggered notices due on `day` (ISO date); the dispatcher sends what is due."""
    from hotline.notify import scan as scanning

    result = scanning.run(runtime(), date.fromisoformat(day))
    log.info("scan %s: planned %d", day, result.total)
    return f"planned {result.total}"


@logged_job
def allocate(plan_id: str) -> str:
    """Allocate one exam plan's seats (idempotent); the D19 notices it planned go with the next dispatch."""
    from hotline.services import exams

    rt = runtime()
    with rt.transaction() as session:
        result = exams.allocate(session, rt.clock, plan_id)
    return str(result)
