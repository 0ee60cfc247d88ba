"""Allocation at booking close: rank a plan's applicants by sort time and fill its seats in that order.

Run once per plan by a job after `booking_closes_at` (`plans_due_for_allocation` names the plans).
Idempotent: the plan row is locked, `ExamPlan.allocated_at` is set in the same transaction as the
results, and a plan that already has it is left alone, so a second run (or two workers at once) does
nothing. Each applicant's result goes to the change feed (`exam_allocation`) and to notice D19
(occasion `plan:<plan_id>`). The ranking itself is fixed when an application is made (its `sort_time`,
see services/exams.py); ties are broken by the time the application was made, then its id.

`allocate` runs in the caller's transaction. `allocate_due` is the job's unit of work: it opens one
transaction per plan (so one bad plan does not hold back the others, and a plan's results are committed
together with its `allocated_at`).

Refusal codes: `no_such_plan` (plan_id); `booking_open` (plan_id, closes_at): too early to allocate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..clock import Clock
from ..db import ApplicationStatus, ChangeKind, ExamApplication, ExamPlan, Person, transaction
from ..domain.refusals import RefusalCode
from .changefeed import record_change
from .errors import Refusal

log = logging.getLogger("hotline.allocation")


@dataclass(frozen=True)
class AllocationResult:
    plan_id: str
    already_allocated: bool  # an earlier run did it; this one changed nothing
    successful: list[int] = field(default_factory=list)  # application ids, in rank order
    unsuccessful: list[int] = field(default_factory=list)


def plans_due_for_allocation(session: Session, clock: Clock) -> list[str]:
    """Plans whose booking has closed and that have not been allocated yet, earliest close first."""
    return list(session.scalars(
        select(ExamPlan.plan_id)
        .where(ExamPlan.booking_closes_at <= clock.now(), ExamPlan.allocated_at.is_(None))
        .order_by(ExamPlan.booking_closes_at, ExamPlan.plan_id)
    ))


def allocate(session: Session, clock: Clock, plan_id: str) -> AllocationResult:
    """Rank the plan's pending applications, give the first `capacity` a seat, tell everyone."""
    from ..notify.planner import plan_notice  # the notices side imports the services, not the reverse

    now = clock.now()
    # Exclusive lock: waits for applications and cancellations in flight (they hold a shared lock on the
    # plan) and makes a concurrent second run wait, then see `allocated_at` and do nothing.
    plan = session.scalars(
        select(ExamPlan).where(ExamPlan.plan_id == plan_id)
        .with_for_update().execution_options(populate_existing=True)
    ).first()
    if plan is None:
        raise Refusal(RefusalCode.NO_SUCH_PLAN, plan_id=plan_id)
    if plan.allocated_at is not None:
        return AllocationResult(plan_id, already_allocated=True)
    if now < plan.booking_closes_at:
        raise Refusal(RefusalCode.BOOKING_OPEN, plan_id=plan_id, closes_at=plan.booking_closes_at)

    ranked = session.execute(
        select(ExamApplication, Person)
        .join(Person, ExamApplication.person_id == Person.id)
        .where(ExamApplication.plan_id == plan.id, ExamApplication.status == ApplicationStatus.PENDING)
        .order_by(ExamApplication.sort_time, ExamApplication.applied_at, ExamApplication.id)
        .execution_options(populate_existing=True)
    ).all()

    successful: list[int] = []
    unsuccessful: list[int] = []
    for rank, (application, person) in enumerate(ranked, start=1):
        seated = rank <= plan.capacity
        application.status = ApplicationStatus.SUCCESS if seated else ApplicationStatus.UNSUCCESSFUL
        application.allocated_at = now
        (successful if seated else unsuccessful).append(application.id)
        record_change(session, ChangeKind.EXAM_ALLOCATION, _payload(application, plan, person, rank, now), now)
        plan_notice(
            session,
            kind="D19",
            subject_kind="person",
            subject_id=person.id,
            occasion=f"plan:{plan.plan_id}",
            # Exactly the variables the catalogue gives D19's template (notify/catalogue.py).
            variables={
                "subject": plan.subject,
                "exam_date": plan.date.isoformat(),
                "session": plan.session,
                "site": plan.site_name,
                "allocated": seated,
            },
            now=now,
        )
    plan.allocated_at = now
    session.flush()
    return AllocationResult(plan_id, already_allocated=False, successful=successful, unsuccessful=unsuccessful)


def allocate_due(sessions: sessionmaker[Session], clock: Clock) -> list[AllocationResult]:
    """The scheduler's job: allocate every plan due, each in its own committed transaction."""
    with transaction(sessions, read_only=True) as session:
        due = plans_due_for_allocation(session, clock)
    results = []
    for plan_id in due:
        # One plan that cannot be allocated (bad data, a bug) must not hold back every plan after it.
        try:
            with transaction(sessions) as session:
                results.append(allocate(session, clock, plan_id))
        except Exception:
            log.exception("allocation failed", extra={"plan_id": plan_id})
    return results


def _payload(application: ExamApplication, plan: ExamPlan, person: Person, rank: int, now: datetime) -> dict:
    return {
        "application_id": application.id,
        "plan_id": plan.plan_id,
        "subject": plan.subject,
        "id_number": person.id_number,
        "status": application.status,
        "rank": rank,
        "sort_time": application.sort_time.isoformat(),
        "allocated_at": now.isoformat(),
    }
