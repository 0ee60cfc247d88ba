"""Prometheus metrics (`GET /metrics`, behind HOTLINE_METRICS_TOKEN).

Counters and histograms are incremented where things happen; under gunicorn (several processes) set
PROMETHEUS_MULTIPROC_DIR and prometheus_client merges every process's files at scrape time. Values that
live in the database or Redis (notices by kind and state, queue depth, failed jobs, paused sending) are
read at scrape time by `StoreCollector`, so no process has to keep them in step.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from .clock import china_today
from .db import Notice

log = logging.getLogger("hotline.metrics")

WEBHOOK_SECONDS = Histogram(
    "hotline_webhook_seconds",
    "Time to answer a request, by route",
    ["route"],
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
IVR_STEPS = Counter("hotline_ivr_steps_total", "IVR steps taken, by node kind", ["kind"])
SMS_KEYWORDS = Counter("hotline_sms_keywords_total", "Texts received, by keyword", ["keyword"])
VERIFICATION_FAILURES = Counter("hotline_verification_failures_total", "Failed PIN or code checks", ["method"])
LOCKOUTS = Counter("hotline_verification_lockouts_total", "Verifications locked after repeated failures")
TWILIO_ERRORS = Counter("hotline_twilio_errors_total", "Errors from the SMS provider, by code", ["code"])
NOTICES_SENT = Counter("hotline_notices_sent_total", "Notices accepted by the provider, by kind", ["kind"])

_IN_PROCESS = (WEBHOOK_SECONDS, IVR_STEPS, SMS_KEYWORDS, VERIFICATION_FAILURES, LOCKOUTS, TWILIO_ERRORS, NOTICES_SENT)


class StoreCollector:
    """Reads notices by kind and state, queue depths, failed jobs and the pause flag at scrape time."""

    def __init__(self, runtime, sending_paused: Callable[[], object]) -> None:
        self.runtime = runtime
        self.sending_paused = sending_paused  # the notices' pause flag, read by whoever serves /metrics

    def collect(self):
        notices = GaugeMetricFamily("hotline_notices", "Notices by kind and state", labels=["kind", "state"])
        try:
            with self.runtime.transaction(read_only=True) as session:
                rows = session.execute(
                    select(Notice.kind, Notice.state, func.count()).group_by(Notice.kind, Notice.state)
                ).all()
            for kind, state, count in rows:
                notices.add_metric([kind, state], count)
        except Exception:  # a scrape must still answer when the database is down
            log.warning("metrics: notices unavailable", exc_info=True)
        yield notices

        depth = GaugeMetricFamily("hotline_queue_depth", "Jobs waiting, by RQ queue", labels=["queue"])
        failed = GaugeMetricFamily("hotline_queue_failed_jobs", "Failed jobs, by RQ queue", labels=["queue"])
        paused = GaugeMetricFamily("hotline_sending_paused", "1 while notice sending is paused")
        try:
            for queue in self.runtime.queues():
                depth.add_metric([queue.name], queue.count)
                failed.add_metric([queue.name], queue.failed_job_registry.count)
            paused.add_metric([], 1 if self.sending_paused() else 0)
        except Exception:
            log.warning("metrics: redis unavailable", exc_info=True)
        yield depth
        yield failed
        yield paused

        today = china_today(self.runtime.clock)
        calendar = self.runtime.calendar
        left = GaugeMetricFamily(
            "hotline_calendar_days_left", "Days of official working-day schedule left in the holiday file"
        )
        left.add_metric([], calendar.days_left(today))
        degraded = GaugeMetricFamily(
            "hotline_calendar_degraded", "1 from 60 days before the working-day calendar's coverage ends"
        )
        degraded.add_metric([], 1 if calendar.degraded(today) else 0)
        yield left
        yield degraded


def exposition(runtime, sending_paused: Callable[[], object]) -> bytes:
    """The text exposition of every metric, merged across processes when running multi-process.
    `sending_paused` answers whether notice sending is paused (truthy: yes)."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in _IN_PROCESS:
            registry.register(collector)
    registry.register(StoreCollector(runtime, sending_paused))
    return generate_latest(registry)
