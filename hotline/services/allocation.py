"""Allocation at booking close: rank a plan's applicants by sort time and fill its seats in that order.

Run once per plan by a job after `booking_closes_at` (`plans_due_for_allocation` names the plans).
Idempotent: the plan row is locked, `ExamPlan.allocated_at` is set in the same transaction as the
results, and a plan that already has it is left alone, so a second run (or two workers at once) does
nothing. Each applicant's result goes to the change feed (`exam_allocation`) and comes back in the
`AllocationResult` (`seats`, `exam`), from which the job that allocates plans notice D19 in the same
transaction (workers/jobs.py, `allocate_plan`): the business core does not plan notices. The ranking
itself is fixed when an application is made (its `sort_time`, see services/exams.py); ties are broken by
the time the application was made, then its id.

`allocate` runs in the caller's transaction.

Refusal codes: `no_such_plan` (plan_id); `booking_open` (plan_id, closes_at): too early to allocate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import Clock
from ..db import ChangeKind, ExamApplication, ExamPlan, Person
from ..domain.refusals import RefusalCode
from ..domain.request_states import ApplicationStatus
from .changefeed import record_change
from .errors import Refusal


@dataclass(frozen=True)
class Seat:
    """One applicant's outcome: whether the person got a seat."""

    person_id: int
    allocated: bool


@dataclass(frozen=True)
class AllocationResult:
    plan_id: str
    already_allocated: bool  # an earlier run did it; this one changed nothing
    successful: list[int] = field(default_factory=list)  # application ids, in rank order
    unsuccessful: list[int] = field(default_factory=list)
    seats: list[Seat] = field(default_factory=list)  # every applicant of this run, in rank order
    # What the applicants are told about the exam (notice D19's variables but `allocated`).
    exam: dict[str, str] = field(default_factory=dict)


def plans_due_for_allocation(session: Session, clock: Clock) -> list[str]:
    """Plans whose booking has closed and that have not been allocated yet, earliest close first."""
    return list(session.scalars(
        select(ExamPlan.plan_id)
        .where(ExamPlan.booking_closes_at <= clock.now(), ExamPlan.allocated_at.is_(None))
        .order_by(ExamPlan.booking_closes_at, ExamPlan.plan_id)
    ))


def allocate(session: Session, clock: Clock, plan_id: str) -> AllocationResult:
    """Rank the plan's pending applications and give the first `capacity` a seat; the result says who."""
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
    seats: list[Seat] = []
    for rank, (application, person) in enumerate(ranked, start=1):
        seated = rank <= plan.capacity
        application.status = ApplicationStatus.SUCCESS if seated else ApplicationStatus.UNSUCCESSFUL
        application.allocated_at = now
        (successful if seated else unsuccessful).append(application.id)
        record_change(session, ChangeKind.EXAM_ALLOCATION, _payload(application, plan, person, rank, now), now)
        seats.append(Seat(person.id, seated))
    plan.allocated_at = now
    session.flush()
    exam = {"subject": plan.subject, "exam_date": plan.date.isoformat(), "session": plan.session,
            "site": plan.site_name}
    return AllocationResult(plan_id, already_allocated=False, successful=successful, unsuccessful=unsuccessful,
                            seats=seats, exam=exam)


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
