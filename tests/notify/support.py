"""Helpers for the sending tests: people on record, notices planned through the real planner, a runtime
pointed at the loopback Twilio, and a burst worker run in this process."""

from __future__ import annotations

import time
from datetime import datetime

from rq import SimpleWorker
from sqlalchemy import select

from hotline.db import Notice, NoticeAttempt, Person
from hotline.notify.planner import plan_notice
from hotline.runtime import Runtime
from tests.factories import person, store

V07_VARIABLES = {"business": "转移登记", "result": "办结", "office": "厦门车管所"}
V09_VARIABLES = {"applicant_name_masked": "林*明", "deadline": "2026-11-30"}


def sending_settings(settings, loopback=None, **overrides):
    values = {"sender_segments_per_second": 10_000.0, "notice_unknown_grace_seconds": 60}
    if loopback is not None:
        values["twilio_api_url"] = loopback.url
    values.update(overrides)
    return settings.replace(**values)


def sending_runtime(settings, clock, loopback=None, **overrides) -> Runtime:
    return Runtime.from_settings(sending_settings(settings, loopback, **overrides), clock=clock)


def people(rt: Runtime, count: int, **overrides) -> list[Person]:
    """`count` people with mobile numbers, stored through the real ingest."""
    records = [person(**overrides) for _ in range(count)]
    with rt.sessions() as session:
        store(session, *records)
        ids = [r["id_number"] for r in records]
        found = {p.id_number: p for p in session.scalars(select(Person).where(Person.id_number.in_(ids)))}
        return [found[i] for i in ids]


_occasions = iter(range(1, 10**9))


def people_by_id_number(rt: Runtime, *id_numbers: str) -> list[Person]:
    with rt.sessions() as session:
        return list(session.scalars(select(Person).where(Person.id_number.in_(id_numbers))))


def plan(rt: Runtime, who: Person, *, kind: str = "V07", variables: dict | None = None,
         now: datetime | None = None, occasion: str | None = None) -> int:
    """Plan one notice for `who` with the real planner; returns its id."""
    occasion = occasion or f"request:R{next(_occasions)}"
    if variables is None:
        variables = V09_VARIABLES if kind == "V09" else V07_VARIABLES
    with rt.transaction() as session:
        assert plan_notice(session, kind=kind, subject_kind="person", subject_id=who.id, occasion=occasion,
                           variables=variables, now=now or rt.clock.now())
        return session.scalar(select(Notice.id).where(Notice.kind == kind, Notice.occasion == occasion))


def notice(rt: Runtime, notice_id: int) -> Notice:
    with rt.sessions() as session:
        return session.get(Notice, notice_id)


def attempts(rt: Runtime, notice_id: int) -> list[NoticeAttempt]:
    with rt.sessions() as session:
        return list(session.scalars(
            select(NoticeAttempt).where(NoticeAttempt.notice_id == notice_id).order_by(NoticeAttempt.number)
        ))


def states(rt: Runtime, ids) -> list[str]:
    with rt.sessions() as session:
        rows = dict(session.execute(select(Notice.id, Notice.state).where(Notice.id.in_(list(ids)))).all())
    return [rows[i] for i in ids]


def run_worker(rt: Runtime, *, deadline: float = 30.0) -> None:
    """Run the queued jobs in this process (RQ's SimpleWorker, burst) until the queues are empty."""
    import workers.jobs

    workers.jobs.use_runtime(rt)
    queues = rt.queues()
    stop = time.monotonic() + deadline
    while any(q.count for q in queues):
        assert time.monotonic() < stop, "jobs still queued at the deadline"
        SimpleWorker(queues, connection=rt.redis).work(burst=True, logging_level="WARNING")
