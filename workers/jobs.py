"""RQ job functions. Thin: each builds nothing of its own and calls `hotline.notify` or `hotline.services`.

Jobs carry ids and dates only, never personal data. A worker process keeps one `Sender` (one Runtime, one
twilio Client and its keep-alive connection) for all the jobs it runs; `use_runtime` lets `flask worker`
(or a test) hand it the Runtime it already has.
"""

from __future__ import annotations

import logging
import os
from datetime import date

from hotline.logs import logged_job
from hotline.runtime import Runtime

log = logging.getLogger("workers.jobs")

_runtime: Runtime | None = None
_sender = None
_pid = os.getpid()


def use_runtime(rt: Runtime) -> None:
    global _runtime, _sender
    _runtime, _sender = rt, None


def runtime() -> Runtime:
    global _runtime, _sender, _pid
    if _runtime is None:
        from hotline.config import Settings

        _runtime = Runtime.from_settings(Settings.from_env())
    if os.getpid() != _pid:
        # A forked work horse (`flask worker --fork`): the parent's pooled database connections are not ours
        # to use; drop them without closing the parent's sockets, and open our own HTTP connection.
        _runtime.engine.dispose(close=False)
        _sender, _pid = None, os.getpid()
    return _runtime


def sender():
    global _sender
    runtime()
    if _sender is None:
        from hotline.notify.sender import Sender

        _sender = Sender(runtime())
    return _sender


@logged_job
def send_batch(notice_ids: list[int]) -> str:
    report = sender().send_batch(notice_ids)
    return str(report)


@logged_job
def dispatch() -> int:
    from hotline.notify.sender import dispatch as run_dispatch

    return run_dispatch(runtime())


@logged_job
def sweep() -> str:
    from hotline.notify.sweep import sweep as run_sweep

    return str(run_sweep(runtime(), sender().gateway))


@logged_job
def scan(day: str) -> str:
    """Plan the date-triggered notices due on `day` (ISO date), then dispatch what is due now."""
    from hotline.notify import scan as scanning
    from hotline.notify.sender import dispatch as run_dispatch

    rt = runtime()
    result = scanning.run(rt, date.fromisoformat(day))
    queued = run_dispatch(rt)
    log.info("scan %s: planned %d, queued %d", day, result.total, queued)
    return f"planned {result.total}, queued {queued}"


@logged_job
def allocate(plan_id: str) -> str:
    """Allocate one exam plan's seats (idempotent), then dispatch the D19 notices it planned."""
    from hotline.notify.sender import dispatch as run_dispatch
    from hotline.services import exams

    rt = runtime()
    with rt.transaction() as session:
        result = exams.allocate(session, rt.clock, plan_id)
    run_dispatch(rt)
    return str(result)
