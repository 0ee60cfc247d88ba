"""Driving-exam applications (考试预约): who may apply for which plan, when, and how the seats are ranked.

The rules (Order 162 arts. 39-47 and the national booking system's published practice):

- KM1 needs no permit. KM2, KM3 and KM3W need a valid learning permit (three years from its issue; the
  exam must fall before `Learner.permit_expires`).
- Earliest application, counted from the permit's issue: KM2 after 10 days (20 for A1 A2 A3 B1 B2 C6);
  KM3 and KM3W after 20 days (C2 C3 C4 C5), 30 (C1 M N P) or 40 (A1 A2 A3 B1 B2), but 30 for an A/B class
  when the person already holds a car-class (汽车类) licence and adds the class (Order 162 as amended by
  Order 172, art. 44(3); A1 A2 B1 can only be added, art. 16). D E F take 20 days.
- C6 has no KM3 road test (art. 30 ¶3: KM2 and the safe-driving theory): KM3 is refused (`no_road_test`),
  KM3W has no wait of its own in arts. 43-44.
- KM3 may be applied for before KM2 is passed when `settings.exam_parallel_booking` is on (the default, as
  at the platform's launch); otherwise it needs KM2 passed. KM3W (安全文明驾驶常识) always follows passing
  KM2 and the KM3 road test (art. 39): `km2_not_passed`, then `km3_not_passed` (C6: KM2 only).
- At most 5 bookings each for KM2 and for KM3 road driving within the current permit (KM1 and KM3W are
  not limited; art. 47). A booking used is counted as: the learner record's `attempts[subject]` (what upstream counted
  before sending the record) + every exam result the hotline holds for a plan of that subject dated on or
  after the permit's issue (`absent` is a failed attempt) + every seat allocated to the person for that
  subject that has no result yet (the exam is taken or about to be). The upstream is expected to send
  `attempts` as counted before the results it sends separately (docs/records.md: "the hotline adds the
  attempts it sees in exam_result records").
- After a failed or absent KM2, KM3 or KM3W a new application of that subject only from the exam date + 10
  days (art. 47: "科目二、科目三考试应当在十日后预约"; KM3W is part of 科目三).
- A subject already passed cannot be applied for again.
- One open application per subject: one pending, or one with a seat for an exam not yet past.
- The plan must serve the learner's licence class; applications only before `booking_closes_at`;
  cancellation online only before it closes. After that a seat can only be given up at the window, at
  least one working day before the exam: the refusal carries that last working day, from the holiday
  calendar (holidays and make-up working days).

Sort time (the rank at allocation, stored on the application when it is made):

- a first KM1 application: the licence application time (`Learner.applied_at`);
- a first KM2, KM3 or KM3W application: when the person became eligible to apply: the permit's issue,
  or, for KM3/KM3W under sequential booking, the day KM2 was passed (00:00 China time of that date);
- a later application of a subject (an exam of that subject already sat): the previous exam's time
  (its date at the session's start, 08:00 AM / 13:00 PM China time). When the learner record counts
  earlier attempts but the hotline holds no result to date them, the first-application time is used;
- a person who gave up a *successful* booking (a seat) of the subject, or was absent: the cancellation
  time, or where a previous exam also applies the later of the two (考试工作规范: "用户取消预约成功的，为
  取消预约时间" speaks of a booking that succeeded). Withdrawing a *pending* application before the
  booking closes costs no rank: the re-application ranks as if it were the first (the contract said any
  cancellation resets the sort time; the law's reading wins, see the README). Seats are only given up at
  the window (not through the hotline); should such a cancellation be recorded here it counts.
- ties: the time the application was made, then the application id.

Refusal codes and their facts:

- `register_first`, `persons_only` (NotPermitted, facts action and account; raised by services/access.py):
  the account level does not allow applying (level `none`; an organisation)
- `not_a_learner`: the caller has no learner record
- `no_such_plan` (plan_id)
- `booking_closed` (plan_id, closed_at): the plan's booking has closed or it has been allocated
- `class_not_served` (licence_class, classes)
- `already_passed` (subject, passed_on: date | None)
- `already_open` (application_id, plan_id): an open application of that subject exists
- `no_permit` (subject): KM2/KM3/KM3W without a learning permit
- `permit_expired` (expires: date): the permit has run out, or will before the exam
- `too_early` (earliest: date): too soon after the permit's issue
- `km2_not_passed`: KM3 under sequential booking; KM3W before KM2 is passed
- `km3_not_passed`: KM3W before the KM3 road test is passed (art. 39)
- `no_road_test` (licence_class): KM3 for C6 (art. 30 ¶3)
- `attempts_exhausted` (used, limit): 5 KM2 or KM3 bookings used within the permit
- `retake_too_early` (earliest: date, last_exam: date)
- `no_such_application` (application_id): none, or not the caller's
- `not_cancellable` (status): the application is no longer pending (already cancelled, unsuccessful)
- `window_only` (window_deadline: date, exam_date: date): booking has closed; give up the seat at the
  window by that working day
- `too_late` (exam_date): after close, no working day is left before the exam for the window

Locking: `apply` and `cancel` lock the learner row (FOR UPDATE) so that one person's concurrent
applications are checked one after another (no two open applications of a subject), and take a shared
lock on the plan so that the allocation job (which locks the plan exclusively) never ranks a plan while an
application to it is being written. SQLite needs none of this: every write transaction is BEGIN IMMEDIATE.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..calendar import WorkCalendar
from ..clock import CHINA, Clock, add_years, china_today
from ..config import Settings
from ..db import ChangeKind, ExamApplication, ExamPlan, ExamResult, Learner, Licence, Person
from ..domain.licences import AB_CLASSES, PERMIT_SUBJECTS, SUBJECTS, permit_subjects
from ..domain.refusals import RefusalCode
from ..domain.request_states import ApplicationStatus
from .access import Action, require
from .allocation import AllocationResult, allocate, plans_due_for_allocation
from .changefeed import record_change
from .errors import Refusal

if TYPE_CHECKING:
    from .identity import Party

__all__ = [
    "AllocationResult",
    "ApplicationView",
    "Offer",
    "PlanView",
    "allocate",
    "applications",
    "apply",
    "cancel",
    "offer",
    "open_plans",
    "plans_due_for_allocation",
    "subjects_in_turn",
    "window_deadline",
]

LIMITED_SUBJECTS = ("KM2", "KM3")  # road driving; KM3W is not counted
ATTEMPT_LIMIT = 5
RETAKE_WAIT_DAYS = 10
KM2_WAIT_LONG = AB_CLASSES | {"C6"}  # 20 days; every other class 10 (art. 43)
# Order 162 as amended by Order 172, art. 44: KM3 waits; C6 has none (no KM3 road test, art. 30 ¶3).
KM3_WAIT = {**{c: 20 for c in ("C2", "C3", "C4", "C5")}, **{c: 30 for c in ("C1", "M", "N", "P")},
            **{c: 40 for c in AB_CLASSES}, "C6": 0}
KM3_WAIT_DEFAULT = 20
KM3_WAIT_ADDING = 30  # art. 44(3): an A/B class added by a holder of a car-class licence
# art. 109(4): 汽车类 classes (every class but the motorcycles D E F)
CAR_CLASSES = AB_CLASSES | {"C1", "C2", "C3", "C4", "C5", "C6", "M", "N", "P"}
SESSION_START = {"AM": time(8, 0), "PM": time(13, 0)}


@dataclass(frozen=True)
class PlanView:
    plan_id: str
    subject: str
    classes: tuple[str, ...]
    site_code: str
    site_name: str
    date: date
    session: str
    capacity: int
    applicants: int  # pending applications so far; seats are ranked at close, not first come first served
    booking_closes_at: datetime


@dataclass(frozen=True)
class ApplicationView:
    id: int
    plan_id: str
    subject: str
    site_name: str
    date: date
    session: str
    status: str  # ApplicationStatus
    applied_at: datetime
    cancelled_at: datetime | None
    allocated_at: datetime | None
    booking_closes_at: datetime
    cancellable_online: bool
    window_deadline: date | None  # after close, for a seat: the last working day to give it up at the window


@dataclass(frozen=True)
class Offer:
    """What one person may apply for now: the open plans `apply` would accept today, and for each subject
    with none of them offered, the refusal `apply` would give (subjects already passed included)."""

    plans: list[PlanView]
    refusals: dict[str, Refusal]


@dataclass(frozen=True)
class _Prospect:
    """A plan of `subject` on `date` (today): checks the rules that depend on the person and the subject
    alone, before any plan is named."""

    subject: str
    date: date


def offer(
    session: Session, clock: Clock, settings: Settings, party: Party, subject: str | None = None
) -> Offer:
    """The choices to offer before a channel asks anyone to choose: checked by the same rules as `apply`
    (`_check_eligibility`, one source of truth), so that no one is offered a plan and refused only after
    confirming it. Raises NotPermitted (account level, organisation) and `not_a_learner` as `apply` does."""
    require(party, Action.EXAM_APPLICATION)
    learner = _learner(session, party, lock=False)
    today = china_today(clock)
    plans = open_plans(session, clock, subject, licence_class=learner.licence_class)
    offered: list[PlanView] = []
    refusals: dict[str, Refusal] = {}
    past = _Past.load(session, learner)  # every subject's at once: checking each plan asks nothing more
    for candidate in [subject] if subject else SUBJECTS:
        try:
            _check_eligibility(learner, _Prospect(candidate, today), past, today, settings)
        except Refusal as refusal:
            refusals[candidate] = refusal
            continue
        for plan in (p for p in plans if p.subject == candidate):
            try:
                _check_eligibility(learner, plan, past, today, settings)  # the plan's date, against the permit
            except Refusal as refusal:
                refusals.setdefault(candidate, refusal)
                continue
            offered.append(plan)
        if any(p.subject == candidate for p in offered):
            refusals.pop(candidate, None)
    offered.sort(key=lambda p: (p.date, p.session, p.plan_id))
    return Offer(offered, refusals)


def window_deadline(calendar: WorkCalendar, exam_date: date) -> date:
    """The last working day at least one working day before the exam (holidays and make-up days count)."""
    return calendar.previous_working_day(exam_date)


def open_plans(
    session: Session, clock: Clock, subject: str | None = None, licence_class: str | None = None,
    *, asker: Party | None = None,
) -> list[PlanView]:
    """Plans still open for applications, soonest first, with the pending applications counted: public
    information (PUBLIC_INFO), for anyone. An organisation named as `asker` is refused `persons_only`
    instead: it takes no exams, and a list of plans would only invite it to apply."""
    if asker is not None and asker.kind == "organisation":
        require(asker, Action.EXAM_APPLICATION)
    now = clock.now()
    query = select(ExamPlan).where(ExamPlan.booking_closes_at > now, ExamPlan.allocated_at.is_(None))
    if subject:
        query = query.where(ExamPlan.subject == subject)
    plans = [p for p in session.scalars(query.order_by(ExamPlan.date, ExamPlan.session, ExamPlan.plan_id))
             if licence_class is None or licence_class in p.classes]
    counts = _pending_counts(session, [p.id for p in plans])
    return [_plan_view(p, counts.get(p.id, 0)) for p in plans]


def applications(
    session: Session, clock: Clock, party: Party, calendar: WorkCalendar | None = None, include_past: bool = False
) -> list[ApplicationView]:
    """The party's own applications, soonest exam first; past exams only with `include_past`.

    With a calendar, a seat whose booking has closed carries its window deadline. Raises NotPermitted
    (account level `none`: register first; an organisation: persons only)."""
    require(party, Action.EXAM_APPLICATION)
    query = (select(ExamApplication).join(ExamPlan, ExamApplication.plan_id == ExamPlan.id)
             .where(ExamApplication.person_id == party.id))
    if not include_past:
        query = query.where(ExamPlan.date >= china_today(clock))
    query = query.order_by(ExamPlan.date, ExamPlan.session, ExamApplication.id)
    return [_application_view(a, clock, calendar) for a in session.scalars(query)]


def apply(
    session: Session, clock: Clock, calendar: WorkCalendar, settings: Settings, party: Party, plan_id: str,
    channel: str,
) -> ApplicationView:
    """Apply for a seat in a plan; the seat is decided at booking close (`allocate`). Raises Refusal."""
    require(party, Action.EXAM_APPLICATION)
    now = clock.now()
    learner = _lock_learner(session, party)
    plan = session.scalars(
        select(ExamPlan).where(ExamPlan.plan_id == plan_id)
        .with_for_update(read=True).execution_options(populate_existing=True)
    ).first()
    if plan is None:
        raise Refusal(RefusalCode.NO_SUCH_PLAN, plan_id=plan_id)
    if plan.allocated_at is not None or now >= plan.booking_closes_at:
        raise Refusal(RefusalCode.BOOKING_CLOSED, plan_id=plan.plan_id, closed_at=plan.booking_closes_at)
    if learner.licence_class not in plan.classes:
        raise Refusal(RefusalCode.CLASS_NOT_SERVED, licence_class=learner.licence_class, classes=list(plan.classes))

    past = _Past.load(session, learner)
    today = china_today(clock)
    _check_eligibility(learner, plan, past, today, settings)

    application = ExamApplication(
        person_id=learner.person_id,
        plan_id=plan.id,
        subject=plan.subject,
        status=ApplicationStatus.PENDING,
        sort_time=_sort_time(learner, plan.subject, past, settings),
        applied_at=now,
        channel=channel,
    )
    session.add(application)
    session.flush()
    record_change(session, ChangeKind.EXAM_APPLICATION, _change_payload(application, plan, learner.person), now)
    return _application_view(application, clock, calendar)


def cancel(
    session: Session, clock: Clock, calendar: WorkCalendar, party: Party, application_id: int, channel: str
) -> ApplicationView:
    """Withdraw a pending application while the plan's booking is open. Raises Refusal."""
    require(party, Action.EXAM_APPLICATION)
    now = clock.now()
    learner = _lock_learner(session, party)
    application = session.get(ExamApplication, application_id, populate_existing=True)
    if application is None or application.person_id != learner.person_id:
        raise Refusal(RefusalCode.NO_SUCH_APPLICATION, application_id=application_id)
    plan = session.scalars(
        select(ExamPlan).where(ExamPlan.id == application.plan_id)
        .with_for_update(read=True).execution_options(populate_existing=True)
    ).one()
    # Re-read the application now that allocation cannot run on this plan underneath us.
    session.refresh(application)
    if application.status in (ApplicationStatus.CANCELLED, ApplicationStatus.UNSUCCESSFUL):
        raise Refusal(RefusalCode.NOT_CANCELLABLE, status=application.status)
    if application.status == ApplicationStatus.SUCCESS or now >= plan.booking_closes_at:
        deadline = window_deadline(calendar, plan.date)
        if deadline < china_today(clock):
            raise Refusal(RefusalCode.TOO_LATE, exam_date=plan.date)
        raise Refusal(RefusalCode.WINDOW_ONLY, window_deadline=deadline, exam_date=plan.date)

    application.status = ApplicationStatus.CANCELLED
    application.cancelled_at = now
    session.flush()
    payload = _change_payload(application, plan, learner.person) | {"channel": channel}
    record_change(session, ChangeKind.EXAM_CANCELLATION, payload, now)
    return _application_view(application, clock, calendar)


# --- eligibility -----------------------------------------------------------------------------------


@dataclass
class _History:
    """What the hotline knows of one person's past with one subject."""

    passed_on: date | None
    results: list[tuple[str, date, str]]  # (result, exam date, session), exams on or after the permit
    applications: list[tuple[ExamApplication, ExamPlan]]
    resulted_plan_ids: set[int]

    @classmethod
    def of(cls, learner: Learner, subject: str, rows: list, applications: list) -> _History:
        """From the subject's result rows (result, exam date, session, plan id) and its applications."""
        permit = learner.permit_issued
        # Art. 41: a pass on a permit that ran out is void; only results within the current permit count.
        results = [(r, d, s) for r, d, s, _ in rows if subject not in PERMIT_SUBJECTS or permit is None or d >= permit]
        # Passed: by the learner record, or else by the first pass result the hotline holds.
        passed = (learner.passed or {}).get(subject)
        passed_on = (date.fromisoformat(passed) if passed
                     else min((d for r, d, _ in results if r == "pass"), default=None))
        return cls(passed_on, results, applications, {plan_id for *_, plan_id in rows})

    def open_application(self, today: date) -> ExamApplication | None:
        for application, plan in self.applications:
            if application.status == ApplicationStatus.PENDING:
                return application
            if application.status == ApplicationStatus.SUCCESS and plan.date >= today:
                return application
        return None

    def bookings_used(self, learner: Learner, subject: str) -> int:
        recorded = int((learner.attempts or {}).get(subject, 0))
        # Art. 47: bookings count within the current learning permit only.
        permit = learner.permit_issued
        seats_without_result = sum(
            1 for a, plan in self.applications
            if a.status == ApplicationStatus.SUCCESS and plan.id not in self.resulted_plan_ids
            and (permit is None or plan.date >= permit)
        )
        return recorded + len(self.results) + seats_without_result

    def previous_exam(self, today: date | None = None) -> datetime | None:
        """The start of the latest exam of this subject sat (or seated and past) that the hotline knows."""
        moments = [_exam_moment(d, s) for _, d, s in self.results]
        moments += [_exam_moment(plan.date, plan.session) for a, plan in self.applications
                    if a.status == ApplicationStatus.SUCCESS and (today is None or plan.date < today)]
        return max(moments, default=None)

    def last_failure(self) -> date | None:
        return max((d for r, d, _ in self.results if r in ("fail", "absent")), default=None)

    def last_cancellation(self) -> datetime | None:
        """The latest cancellation of a *successful* booking (a seat given up); withdrawing a pending
        application costs no rank (考试工作规范: "取消预约成功的，为取消预约时间")."""
        return max((a.cancelled_at for a, _ in self.applications
                    if a.cancelled_at is not None and a.allocated_at is not None), default=None)


@dataclass
class _Past:
    """What the hotline knows of one learner's past with every subject, read at once (the results, the
    applications and the licence held: three queries), so that the rules, checked for one plan or for every
    open one, ask the database nothing more."""

    learner: Learner
    results: list  # (subject, result, exam date, session, plan id)
    applications: list[tuple[ExamApplication, ExamPlan]]
    holds_car_licence: bool  # a car-class licence already held (art. 109(4)): adding a class
    histories: dict[str, _History] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, learner: Learner) -> _Past:
        results = session.execute(
            select(ExamPlan.subject, ExamResult.result, ExamPlan.date, ExamPlan.session, ExamPlan.id)
            .join(ExamPlan, ExamResult.plan_id == ExamPlan.id)
            .where(ExamResult.person_id == learner.person_id)
        ).all()
        applications = session.execute(
            select(ExamApplication, ExamPlan).join(ExamPlan, ExamApplication.plan_id == ExamPlan.id)
            .where(ExamApplication.person_id == learner.person_id)
        ).all()
        classes = session.scalar(select(Licence.classes).where(Licence.person_id == learner.person_id))
        return cls(learner, list(results), [tuple(row) for row in applications], bool(set(classes or ()) & CAR_CLASSES))

    def history(self, subject: str) -> _History:
        if subject not in self.histories:
            self.histories[subject] = _History.of(
                self.learner, subject, [tuple(row)[1:] for row in self.results if row.subject == subject],
                [(a, p) for a, p in self.applications if a.subject == subject])
        return self.histories[subject]

    def passed_on(self, subject: str) -> date | None:
        return self.history(subject).passed_on


def _check_eligibility(learner: Learner, plan: ExamPlan, past: _Past, today: date, settings: Settings) -> None:
    subject = plan.subject
    history = past.history(subject)
    if history.passed_on is not None:
        raise Refusal(RefusalCode.ALREADY_PASSED, subject=subject, passed_on=history.passed_on)
    existing = history.open_application(today)
    if existing is not None:
        existing_plan = next(p for a, p in history.applications if a is existing)
        raise Refusal(RefusalCode.ALREADY_OPEN, application_id=existing.id, plan_id=existing_plan.plan_id)
    if subject not in PERMIT_SUBJECTS:
        return
    if learner.permit_issued is None:
        raise Refusal(RefusalCode.NO_PERMIT, subject=subject)
    expires = learner.permit_expires or add_years(learner.permit_issued, 3)
    if today >= expires or plan.date >= expires:
        raise Refusal(RefusalCode.PERMIT_EXPIRED, expires=expires)
    wait = _wait_days(subject, learner.licence_class, past.holds_car_licence)
    earliest = learner.permit_issued + timedelta(days=wait)
    if today < earliest:
        raise Refusal(RefusalCode.TOO_EARLY, earliest=earliest)
    out_of_turn = _out_of_turn(learner, subject, settings, past)
    if out_of_turn is not None:
        raise out_of_turn
    if subject in LIMITED_SUBJECTS:
        used = history.bookings_used(learner, subject)
        if used >= ATTEMPT_LIMIT:
            raise Refusal(RefusalCode.ATTEMPTS_EXHAUSTED, used=used, limit=ATTEMPT_LIMIT)
    if subject in PERMIT_SUBJECTS:
        # Art. 47: a KM2 or KM3 (road or safe-driving theory) retake is booked after ten days.
        failed_on = history.last_failure()
        if failed_on is not None and today < failed_on + timedelta(days=RETAKE_WAIT_DAYS):
            raise Refusal(RefusalCode.RETAKE_TOO_EARLY, earliest=failed_on + timedelta(days=RETAKE_WAIT_DAYS),
                          last_exam=failed_on)


def subjects_in_turn(learner: Learner, settings: Settings) -> list[str]:
    """The subjects the learner has still to pass whose turn has come (art. 30 ¶3, art. 39), by the order
    rule alone. Waits, attempts and the permit are left to `apply` (and `offer`), which say why."""
    past = _Past.load(Session.object_session(learner), learner)
    return [s for s in SUBJECTS if past.passed_on(s) is None and _out_of_turn(learner, s, settings, past) is None]


def _out_of_turn(learner: Learner, subject: str, settings: Settings, past: _Past) -> Refusal | None:
    """Why the subject cannot be taken yet, or at all, given the subjects passed."""
    taken = permit_subjects(learner.licence_class)
    if subject == "KM3" and subject not in taken:
        return Refusal(RefusalCode.NO_ROAD_TEST, licence_class=learner.licence_class)  # art. 30 ¶3
    if subject == "KM3" and not settings.exam_parallel_booking and past.passed_on("KM2") is None:
        return Refusal(RefusalCode.KM2_NOT_PASSED)
    if subject == "KM3W":
        # Art. 39: the safe-driving theory follows passing KM2 and the KM3 road test.
        if past.passed_on("KM2") is None:
            return Refusal(RefusalCode.KM2_NOT_PASSED)
        if "KM3" in taken and past.passed_on("KM3") is None:
            return Refusal(RefusalCode.KM3_NOT_PASSED)
    return None


def _wait_days(subject: str, licence_class: str, holds_car_licence: bool) -> int:
    if subject == "KM2":
        return 20 if licence_class in KM2_WAIT_LONG else 10
    if licence_class in AB_CLASSES and holds_car_licence:
        return KM3_WAIT_ADDING  # art. 44(3), second sentence
    return KM3_WAIT.get(licence_class, KM3_WAIT_DEFAULT)


def _sort_time(learner: Learner, subject: str, past: _Past, settings: Settings) -> datetime:
    history = past.history(subject)
    previous = history.previous_exam()
    if previous is not None:
        base = previous
    elif subject == "KM1":
        base = learner.applied_at
    elif subject in ("KM3", "KM3W") and not settings.exam_parallel_booking:
        base = _midnight(past.passed_on("KM2") or learner.permit_issued)
    else:
        base = _midnight(learner.permit_issued)
    cancelled = history.last_cancellation()
    if cancelled is None:
        return base
    if previous is None:
        return cancelled
    return max(previous, cancelled)


# --- helpers ---------------------------------------------------------------------------------------


def _lock_learner(session: Session, party: Party) -> Learner:
    return _learner(session, party, lock=True)


def _learner(session: Session, party: Party, lock: bool) -> Learner:
    if party.kind != "person":
        raise Refusal(RefusalCode.NOT_A_LEARNER)
    query = select(Learner).where(Learner.person_id == party.id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    learner = session.scalars(query).first()
    if learner is None:
        raise Refusal(RefusalCode.NOT_A_LEARNER)
    return learner


def _pending_counts(session: Session, plan_ids: list[int]) -> dict[int, int]:
    if not plan_ids:
        return {}
    rows = session.execute(
        select(ExamApplication.plan_id, func.count())
        .where(ExamApplication.plan_id.in_(plan_ids), ExamApplication.status == ApplicationStatus.PENDING)
        .group_by(ExamApplication.plan_id)
    ).all()
    return dict(rows)


def _plan_view(plan: ExamPlan, applicants: int) -> PlanView:
    return PlanView(
        plan_id=plan.plan_id, subject=plan.subject, classes=tuple(plan.classes), site_code=plan.site_code,
        site_name=plan.site_name, date=plan.date, session=plan.session, capacity=plan.capacity,
        applicants=applicants, booking_closes_at=plan.booking_closes_at,
    )


def _application_view(application: ExamApplication, clock: Clock, calendar: WorkCalendar | None) -> ApplicationView:
    plan = application.plan
    now = clock.now()
    cancellable = application.status == ApplicationStatus.PENDING and now < plan.booking_closes_at
    deadline = None
    if calendar is not None and application.status == ApplicationStatus.SUCCESS:
        deadline = window_deadline(calendar, plan.date)
    return ApplicationView(
        id=application.id, plan_id=plan.plan_id, subject=application.subject, site_name=plan.site_name,
        date=plan.date, session=plan.session, status=application.status, applied_at=application.applied_at,
        cancelled_at=application.cancelled_at, allocated_at=application.allocated_at,
        booking_closes_at=plan.booking_closes_at, cancellable_online=cancellable, window_deadline=deadline,
    )


def _change_payload(application: ExamApplication, plan: ExamPlan, person: Person) -> dict:
    # The upstream's own key for the person: the feed is token-protected and goes back only to it.
    return {
        "application_id": application.id,
        "plan_id": plan.plan_id,
        "subject": application.subject,
        "id_number": person.id_number,
        "status": application.status,
        "applied_at": application.applied_at.isoformat(),
        "cancelled_at": application.cancelled_at.isoformat() if application.cancelled_at else None,
        "channel": application.channel,
    }


def _exam_moment(day: date, session_code: str) -> datetime:
    return datetime.combine(day, SESSION_START.get(session_code, time(0, 0)), tzinfo=CHINA)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=CHINA)


