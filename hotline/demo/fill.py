"""Filling a database with the demo: timetable and cast through the import, the crowd in bulk.

One transaction: the exam plans, inspection slots and the cast go through `apply_records` exactly as an
upstream batch would (PINs hashed, change-triggered notices planned for what the records call recent);
the crowd follows through the bulk loader; then two cast learners apply for the one-seat demo plan through
the booking service. A failure anywhere leaves the database as it was.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from ..clock import CHINA, FixedClock
from ..db import Base, Notice, Person
from ..ingest import apply_records
from ..runtime import Runtime
from ..services import exams, identity
from ..services.errors import Refusal
from . import cast as cast_module
from . import subscribers as demo_subscribers
from .bulk import GeneratedRecordInvalid, load_crowd
from .crowd import CrowdPlan, Record
from .timetable import exam_plans, inspection_slots


class NotEmpty(RuntimeError):
    """The database already holds people; demo data only goes into an empty one."""

    def __init__(self, people: int) -> None:
        super().__init__(f"the database already holds {people} people; demo data goes into an empty database")
        self.people = people


@dataclass
class FillResult:
    counts: Counter = field(default_factory=Counter)
    notices_planned: int = 0
    applications: list[str] = field(default_factory=list)  # "陈*涵 KM2: pending" ...
    # Announcement subscriptions and the pending extension (hotline/demo/subscribers.py).
    extras: list[str] = field(default_factory=list)


def default_workers(people: int) -> int:
    # Validation is the costly part; one worker per core, the parent mostly waits on the database.
    return 1 if people < 20_000 else max(1, min(2, os.cpu_count() or 1))


def fixed_records(now: datetime, rt_calendar, seed: int) -> tuple[list[Record], cast_module.Cast]:
    """The timetable and the cast, in import order."""
    today = now.astimezone(CHINA).date()
    rng = random.Random(f"{seed}/timetable")
    the_cast = cast_module.cast(today, now, rt_calendar)
    records = exam_plans(today, rt_calendar, rng) + inspection_slots(today, rt_calendar, rng) + the_cast.records
    records += demo_subscribers.announcement_records(today, now)
    return records, the_cast


def fill_database(rt: Runtime, *, people: int, seed: int, now: datetime, workers: int | None = None,
                  progress: Callable[[int, int], None] | None = None) -> FillResult:
    """Write the demo into the (empty) database of `rt`; raises NotEmpty otherwise."""
    result = FillResult()
    records, the_cast = fixed_records(now, rt.calendar, seed)
    with rt.transaction() as session:
        stored = session.scalar(select(func.count()).select_from(Person)) or 0
        if stored:
            raise NotEmpty(stored)
        imported = apply_records(
            session, ((f"demo record {n}", record) for n, record in enumerate(records, start=1)),
            now=now, pepper=rt.settings.pin_pepper, collect_changes=False,
        )
        if imported.errors:
            raise GeneratedRecordInvalid("; ".join(str(error) for error in imported.errors[:10]))
        result.counts.update(Counter(record["type"] for record in records))
        plan = CrowdPlan(people=people, seed=seed, now=now)
        crowd = load_crowd(session, plan, workers=default_workers(people) if workers is None else workers,
                           progress=progress)
        result.counts.update(crowd)
        clock = FixedClock(now)
        for application in the_cast.applications:
            party = identity.party_by_id_number(session, application.id_number)
            try:
                view = exams.apply(session, clock, rt.calendar, rt.settings, party, application.plan_id, "demo")
            except Refusal as refusal:
                result.applications.append(f"{party.name_masked}: refused ({refusal.code})")
                continue
            result.applications.append(f"{party.name_masked} {view.subject} {view.plan_id}: {view.status}")
        result.extras = demo_subscribers.subscribe_and_apply(session, clock)
        session.flush()
        result.notices_planned = session.scalar(select(func.count()).select_from(Notice)) or 0
    return result


def start_over(rt: Runtime) -> tuple[int, int]:
    """Empty the database (every row, the schema kept) and the hotline's Redis state (queues, call and
    conversation state, rate limits, daily caps, the scheduler's run ids): a demo tried once can start
    again clean. Returns (rows deleted, Redis keys deleted). Refused in production."""
    if rt.settings.production:
        raise RuntimeError("starting over deletes every record; it is for the demo, not production")
    rows = 0
    with rt.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            rows += session.execute(table.delete()).rowcount or 0
    prefix = rt.settings.rq_queue_prefix
    for queue in rt.queues():
        queue.empty()
    keys = 0
    for pattern in (f"{prefix}:*", f"rq:*:{prefix}:*"):
        batch = list(rt.redis.scan_iter(match=pattern, count=1000))
        for start in range(0, len(batch), 500):
            keys += rt.redis.delete(*batch[start:start + 500])
    return rows, keys
