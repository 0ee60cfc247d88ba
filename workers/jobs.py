"""RQ job functions. Thin: each builds nothing of its own and calls `hotline.notify` or `hotline.services`.

Jobs carry ids and dates only, never personal data. A worker process keeps one `Sender` (one Runtime, one
twilio Client and its keep-alive connection) for all the jobs it runs; `flask worker` (or a test) hands it the
Runtime it already has with `use_runtime`, and RQ's forking worker hands each work horse its own
(`workers.commands.make_worker`).

Planning jobs only plan: the scheduler's dispatcher (every `dispatch_interval_seconds`) is the one way a
planned notice moves on to the send queues (`hotline.notify.sender.dispatch`).
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy.orm import Session

from hotline.clock import Clock
from hotline.config import Settings
from hotline.logs import logged_job
from hotline.notify import scan as scanning
from hotline.notify.planner import plan_allocation_results
from hotline.notify.sender import Sender
from hotline.notify.sweep import SweepReport
from hotline.notify.sweep import sweep as notice_sweep
from hotline.runtime import Runtime
from hotline.services import allocation
from hotline.services.allocation import AllocationResult
from hotline.sms import held

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
        _runtime = Runtime.from_settings(Settings.from_env())
    return _runtime


def sender():
    global _sender
    if _sender is None:
        _sender = Sender(runtime())
    return _sender


@logged_job
def send_batch(notice_ids: list[int]) -> str:
    report = sender().send_batch(notice_ids)
    return str(report)


@logged_job
def scan(day: str) -> str:
    """Plan the date-triggered notices due on `day` (ISO date); the dispatcher sends what is due."""

    result = scanning.run(runtime(), date.fromisoformat(day))
    log.info("scan %s: planned %d", day, result.total)
    return f"planned {result.total}"


@logged_job
def sweep() -> str:
    return str(sweep_all(runtime(), sender().gateway))


def sweep_all(rt: Runtime, gateway=None) -> SweepReport:
    """The periodic sweep: first the opt messages held while the database was down (hotline/sms/held.py),
    so nobody who said TD is sent another notice, then the notices' own sweep."""
    applied = held.apply(rt)
    report = notice_sweep(rt, gateway)
    report.opt_messages_applied = applied
    return report


@logged_job
def allocate(plan_id: str) -> str:
    """Allocate one exam plan's seats (idempotent); the D19 notices it planned go with the next dispatch."""
    rt = runtime()
    with rt.transaction() as session:
        result = allocate_plan(session, rt.clock, plan_id)
    return str(result)


def allocate_plan(session: Session, clock: Clock, plan_id: str) -> AllocationResult:
    """Allocate one plan's seats and plan each applicant's notice D19, in the caller's transaction: the
    allocation and its notices are committed together or not at all."""
    result = allocation.allocate(session, clock, plan_id)
    plan_allocation_results(session, result, now=clock.now())
    return result


def allocate_due(rt: Runtime) -> list[AllocationResult]:
    """Allocate every plan due, each in its own committed transaction with its notices."""
    with rt.transaction(read_only=True) as session:
        due = allocation.plans_due_for_allocation(session, rt.clock)
    results = []
    for plan_id in due:
        # One plan that cannot be allocated (bad data, a bug) must not hold back every plan after it.
        try:
            with rt.transaction() as session:
                results.append(allocate_plan(session, rt.clock, plan_id))
        except Exception:
            log.exception("allocation failed", extra={"plan_id": plan_id})
    return results
