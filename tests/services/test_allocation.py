"""Allocation at booking close: rank by sort time, fill the seats, tell everyone (change feed and D19)."""

from datetime import date

import pytest
from sqlalchemy import select

from hotline.clock import at_china
from hotline.db import ChangeKind, ExamApplication, ExamPlan, Notice, OutboundChange
from hotline.domain.request_states import ApplicationStatus
from hotline.notify.catalogue import KINDS
from hotline.services import exams
from hotline.services.errors import Refusal
from hotline.services.identity import party_by_id_number
from tests.factories import exam_plan, exam_result, learner, person, store
from workers.jobs import allocate_due, allocate_plan

CLOSES = "2026-12-03T17:00:00+08:00"  # the factory plan's close (exam Tuesday 2026-12-08 AM)
AFTER_CLOSE = at_china(date(2026, 12, 3), 17, 0)


def new_learner(session, **overrides):
    p = person()
    store(session, p, learner(p, **overrides))
    return party_by_id_number(session, p["id_number"])


def new_plan(db, **overrides):
    plan = exam_plan(**overrides)
    store(db, plan)
    return plan["plan_id"]


def apply(rt, session, party, plan_id):
    return exams.apply(session, rt.clock, rt.calendar, rt.settings, party, plan_id, "voice").id


def status(session, application_id):
    session.expire_all()
    return session.get(ExamApplication, application_id).status


def changes(session, kind):
    return [
        c.payload
        for c in session.scalars(select(OutboundChange).where(OutboundChange.kind == kind).order_by(OutboundChange.id))
    ]


def d19(session, plan_id):
    return session.scalars(
        select(Notice).where(Notice.kind == "D19", Notice.occasion == f"plan:{plan_id}").order_by(Notice.subject_id)
    ).all()


def test_seats_go_by_sort_time_not_by_who_applied_first(rt, session):
    late = new_learner(session, permit_issued="2026-09-03")
    early = new_learner(session, permit_issued="2026-09-01")
    middle = new_learner(session, permit_issued="2026-09-02")
    plan_id = new_plan(session, capacity=2)
    a_late, a_early, a_middle = (apply(rt, session, p, plan_id) for p in (late, early, middle))

    rt.clock.set(AFTER_CLOSE)
    result = exams.allocate(session, rt.clock, plan_id)
    assert not result.already_allocated
    assert result.successful == [a_early, a_middle]
    assert result.unsuccessful == [a_late]
    assert [status(session, a) for a in (a_early, a_middle, a_late)] == ["success", "success", "unsuccessful"]
    assert session.scalar(select(ExamPlan.allocated_at).where(ExamPlan.plan_id == plan_id)) == rt.clock.now()

    feed = changes(session, ChangeKind.EXAM_ALLOCATION)
    assert [(c["application_id"], c["status"], c["rank"]) for c in feed] == [
        (a_early, "success", 1),
        (a_middle, "success", 2),
        (a_late, "unsuccessful", 3),
    ]
    assert all(c["plan_id"] == plan_id and len(c["id_number"]) == 18 for c in feed)


def test_every_applicant_gets_notice_d19(rt, session):
    winner = new_learner(session, permit_issued="2026-09-01")
    loser = new_learner(session, permit_issued="2026-09-05")
    plan_id = new_plan(session, capacity=1, session="PM")
    apply(rt, session, winner, plan_id)
    apply(rt, session, loser, plan_id)
    rt.clock.set(AFTER_CLOSE)
    allocate_plan(session, rt.clock, plan_id)

    notices = {n.subject_id: n for n in d19(session, plan_id)}
    assert set(notices) == {winner.id, loser.id}
    assert all(n.subject_kind == "person" for n in notices.values())
    assert notices[winner.id].variables == {
        "subject": "KM2",
        "exam_date": "2026-12-08",
        "session": "PM",
        "site": "厦门市机动车驾驶人考试中心一考场",
        "allocated": True,
    }
    assert notices[loser.id].variables["allocated"] is False
    assert set(notices[winner.id].variables) == set(KINDS["D19"].variables)


def test_ties_go_to_the_earlier_application(rt, session):
    first, second = new_learner(session), new_learner(session)  # the same permit day
    plan_id = new_plan(session, capacity=1)
    a_second = apply(rt, session, second, plan_id)
    rt.clock.advance(minutes=5)
    a_first = apply(rt, session, first, plan_id)
    rt.clock.set(AFTER_CLOSE)
    result = exams.allocate(session, rt.clock, plan_id)
    assert (result.successful, result.unsuccessful) == ([a_second], [a_first])


def test_km1_ranks_by_the_licence_application_time(rt, session):
    recent = new_learner(session, permit_issued=None, passed=None, applied_at="2026-11-10T09:00:00+08:00")
    earlier = new_learner(session, permit_issued=None, passed=None, applied_at="2026-11-03T15:00:00+08:00")
    plan_id = new_plan(session, subject="KM1", capacity=1)
    a_recent, a_earlier = apply(rt, session, recent, plan_id), apply(rt, session, earlier, plan_id)
    rt.clock.set(AFTER_CLOSE)
    result = exams.allocate(session, rt.clock, plan_id)
    assert (result.successful, result.unsuccessful) == ([a_earlier], [a_recent])


def test_a_retaker_ranks_from_the_previous_exam_behind_first_timers(rt, session):
    retaker = person()
    sat = exam_plan(date="2026-11-02", booking_closes_at="2026-10-28T17:00:00+08:00")
    # The retaker's permit is older, but a later application ranks from the previous exam (2026-11-02).
    store(session, retaker, learner(retaker, permit_issued="2026-08-01"), sat, exam_result(retaker, sat, result="fail"))
    retaker_party = party_by_id_number(session, retaker["id_number"])
    first_timer = new_learner(session, permit_issued="2026-10-20")
    plan_id = new_plan(session, capacity=1)
    a_retaker, a_first = apply(rt, session, retaker_party, plan_id), apply(rt, session, first_timer, plan_id)
    rt.clock.set(AFTER_CLOSE)
    result = exams.allocate(session, rt.clock, plan_id)
    assert (result.successful, result.unsuccessful) == ([a_first], [a_retaker])


def test_withdrawing_a_pending_application_keeps_the_early_rank_exam_work_code(rt, session):
    canceller = new_learner(session, permit_issued="2026-09-01")
    steady = new_learner(session, permit_issued="2026-10-01")
    plan_id = new_plan(session, capacity=1)
    first_try = apply(rt, session, canceller, plan_id)
    a_steady = apply(rt, session, steady, plan_id)
    exams.cancel(session, rt.clock, rt.calendar, canceller, first_try, "voice")
    rt.clock.advance(minutes=1)
    again = apply(rt, session, canceller, plan_id)
    rt.clock.set(AFTER_CLOSE)
    result = exams.allocate(session, rt.clock, plan_id)
    # The cancelled application takes no part; withdrawing a pending one costs no rank (考试工作规范).
    assert (result.successful, result.unsuccessful) == ([again], [a_steady])
    assert status(session, first_try) == ApplicationStatus.CANCELLED


def test_a_second_run_changes_nothing(rt, session):
    party = new_learner(session)
    plan_id = new_plan(session)
    application = apply(rt, session, party, plan_id)
    rt.clock.set(AFTER_CLOSE)
    allocate_plan(session, rt.clock, plan_id)
    session.commit()
    allocated_at = rt.clock.now()

    rt.clock.advance(hours=1)
    again = allocate_plan(session, rt.clock, plan_id)
    assert again.already_allocated
    assert (again.successful, again.unsuccessful) == ([], [])
    assert len(changes(session, ChangeKind.EXAM_ALLOCATION)) == 1
    assert len(d19(session, plan_id)) == 1
    assert status(session, application) == "success"
    assert session.scalar(select(ExamPlan.allocated_at).where(ExamPlan.plan_id == plan_id)) == allocated_at


def test_no_allocation_while_booking_is_open(rt, session):
    plan_id = new_plan(session)
    with pytest.raises(Refusal) as caught:
        exams.allocate(session, rt.clock, plan_id)
    assert caught.value.code == "booking_open"
    with pytest.raises(Refusal) as caught:
        exams.allocate(session, rt.clock, "NO-SUCH-PLAN")
    assert caught.value.code == "no_such_plan"


def test_a_plan_without_applicants_is_marked_allocated(rt, session):
    plan_id = new_plan(session)
    rt.clock.set(AFTER_CLOSE)
    result = exams.allocate(session, rt.clock, plan_id)
    assert (result.already_allocated, result.successful, result.unsuccessful) == (False, [], [])
    assert exams.plans_due_for_allocation(session, rt.clock) == []


def test_plans_due_for_allocation_are_closed_and_not_yet_allocated(rt, session):
    due_first = new_plan(session, booking_closes_at="2026-11-23T17:00:00+08:00")
    due_second = new_plan(session, booking_closes_at="2026-11-24T10:00:00+08:00")  # closes this instant
    done = new_plan(session, booking_closes_at="2026-11-20T17:00:00+08:00")
    new_plan(session)  # still open
    exams.allocate(session, rt.clock, done)
    assert exams.plans_due_for_allocation(session, rt.clock) == [due_first, due_second]


def test_the_job_commits_each_plan(rt, session):
    party = new_learner(session)
    plan_id = new_plan(session)
    application = apply(rt, session, party, plan_id)
    session.commit()
    rt.clock.set(AFTER_CLOSE)
    results = allocate_due(rt)
    assert [(r.plan_id, r.successful) for r in results] == [(plan_id, [application])]
    with rt.sessions() as fresh:
        assert fresh.get(ExamApplication, application).status == "success"
    assert allocate_due(rt) == []


def test_one_plan_that_fails_does_not_hold_back_the_next(rt, session, monkeypatch):
    from hotline.services import allocation

    broken = new_plan(session, booking_closes_at="2026-11-23T17:00:00+08:00")
    fine = new_plan(session, booking_closes_at="2026-11-24T09:00:00+08:00")
    session.commit()
    real_allocate = allocation.allocate

    def allocate_failing_on_broken(s, clock, plan_id):
        if plan_id == broken:
            raise RuntimeError("bad plan data")
        return real_allocate(s, clock, plan_id)

    # Fault injection: the loop must survive a plan that cannot be allocated.
    monkeypatch.setattr(allocation, "allocate", allocate_failing_on_broken)
    results = allocate_due(rt)
    assert [r.plan_id for r in results] == [fine]
    assert exams.plans_due_for_allocation(session, rt.clock) == [broken]


def test_after_allocation_no_one_may_apply(rt, session):
    plan_id = new_plan(session, booking_closes_at="2026-11-24T09:00:00+08:00")
    exams.allocate(session, rt.clock, plan_id)
    with pytest.raises(Refusal) as caught:
        apply(rt, session, new_learner(session), plan_id)
    assert caught.value.code == "booking_closed"
