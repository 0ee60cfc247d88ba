"""The recurring schedule behind `flask scheduler`.

Every tick: the sweep and the dispatcher run in this process (they are short, and must not wait behind a
queue of notices; the dispatcher is the one entry of planned notices into the send queues); the daily scan
and each plan's allocation are enqueued as jobs on the default queue.
Each run has an id (`scan:2026-11-24`, `allocate:<plan>`, `dispatch:<slot>`, `sweep:<slot>`) taken with a
Redis SET NX before it starts, so a second scheduler (a standby, or one started by mistake) does nothing twice.
"""

from __future__ import annotations

import logging
import time
from datetime import date

from rq import Queue

from hotline.clock import china_now
from hotline.notify.sender import dispatch
from hotline.runtime import QUEUE_DEFAULT, Runtime
from hotline.services import exams

from .jobs import sweep_all

log = logging.getLogger("workers.schedule")

DAILY_LOCK_SECONDS = 2 * 86400
ALLOCATION_LOCK_SECONDS = 3600  # a failed allocation job is tried again an hour later


class Scheduler:
    def __init__(self, rt: Runtime, sender=None, *, leave_scan_on: date | None = None) -> None:
        self.rt = rt
        self.sender = sender
        # The demo leaves the day it starts on to `flask notices scan`, so that the user sees it happen.
        self.leave_scan_on = leave_scan_on

    def _take(self, run_id: str, seconds: int) -> bool:
        key = f"{self.rt.settings.rq_queue_prefix}:schedule:{run_id}"
        return bool(self.rt.redis.set(key, "1", nx=True, ex=max(1, seconds)))

    def tick(self) -> list[str]:
        """Run or enqueue whatever is due now; returns the run ids this scheduler took."""
        settings = self.rt.settings
        took: list[str] = []
        now = self.rt.clock.now()
        local = china_now(self.rt.clock)
        scan_due = local.time() >= settings.scan_at and local.date() != self.leave_scan_on
        if scan_due and self._take(f"scan:{local.date().isoformat()}", DAILY_LOCK_SECONDS):
            self._enqueue("workers.jobs.scan", local.date().isoformat(), job_id=f"scan-{local.date().isoformat()}")
            took.append(f"scan:{local.date().isoformat()}")
        took.extend(self._allocations())
        # The sweep first (it applies opt-outs held while the database was down), then the dispatcher: the one
        # way planned notices move on to the send queues.
        slot = int(now.timestamp()) // max(1, settings.sweep_interval_seconds)
        if self._take(f"sweep:{slot}", settings.sweep_interval_seconds):
            sweep_all(self.rt, self.sender.gateway if self.sender else None)
            took.append(f"sweep:{slot}")
        slot = int(now.timestamp()) // max(1, settings.dispatch_interval_seconds)
        if self._take(f"dispatch:{slot}", settings.dispatch_interval_seconds):
            dispatch(self.rt)
            took.append(f"dispatch:{slot}")
        return took

    def _allocations(self) -> list[str]:
        with self.rt.transaction(read_only=True) as session:
            due = exams.plans_due_for_allocation(session, self.rt.clock)
        took = []
        for plan_id in due:
            if self._take(f"allocate:{plan_id}", ALLOCATION_LOCK_SECONDS):
                self._enqueue("workers.jobs.allocate", plan_id, job_id=f"allocate-{plan_id}")
                took.append(f"allocate:{plan_id}")
        return took

    def _enqueue(self, func: str, *args, job_id: str) -> None:
        queue: Queue = self.rt.queue(QUEUE_DEFAULT)
        queue.enqueue(func, *args, job_id=job_id, job_timeout=3600, result_ttl=86400, failure_ttl=7 * 86400)
        log.info("enqueued %s", job_id)

    def run(self, *, interval: float = 1.0, ticks: int | None = None) -> None:
        count = 0
        while ticks is None or count < ticks:
            started = time.monotonic()
            try:
                self.tick()
            except Exception:  # a database or Redis outage: log it and keep ticking
                log.exception("scheduler tick failed")
            count += 1
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
