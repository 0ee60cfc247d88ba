"""Exam applications: eligibility, sort time, cancellation, on fixed dates (the holiday file's 2026)."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from hotline.clock import CHINA, at_china
from hotline.db import ChangeKind, ExamApplication, ExamPlan, OutboundChange
from hotline.services import exams
from hotline.services.errors import NotPermitted, Refusal
from hotline.services.identity import party_by_id_number
from tests.factories import exam_plan, exam_result, learner, licence, organisation, person, store


def new_learner(session, *, account="internet", **overrides):
    """A stored person with a learner record (C1, permit 2026-09-01 unless overridden); their Party."""
    p = person(account=account)
    store(session, p, learner(p, **overrides))
    return party_by_id_number(session, p["id_number"])


def new_plan(db, **overrides):
    plan = exam_plan(**overrides)
    store(db, plan)
    return plan["plan_id"]


def apply(rt, session, party, plan_id, settings=None):
    return exams.apply(session, rt.clock, rt.calendar, settings or rt.settings, party, plan_id, "voice")


def refusal(call, *args) -> Refusal:
    with pytest.raises(Refusal) as caught:
        call(*args)
    return caught.value


def changes(session, kind):
    return [
        c.payload
        for c in session.scalars(select(OutboundChange).where(OutboundChange.kind == kind).order_by(OutboundChange.id))
    ]


# --- applying ----------------------------------------------------------------------------------------


def test_an_application_is_pending_and_goes_to_the_change_feed(rt, session):
    party = new_learner(session)
    plan_id = new_plan(session)
    view = apply(rt, session, party, plan_id)
    assert view.status == "pending"
    assert view.plan_id == plan_id
    assert view.date == date(2026, 12, 8)
    assert view.cancellable_online
    [payload] = changes(session, ChangeKind.EXAM_APPLICATION)
    person_id_number = session.get(ExamApplication, view.id).person.id_number
    assert payload["plan_id"] == plan_id
    assert payload["id_number"] == person_id_number
    assert payload["status"] == "pending"
    assert payload["applied_at"] == rt.clock.now().isoformat()


def test_km1_needs_no_permit_and_ranks_by_the_licence_application(rt, session):
    party = new_learner(session, permit_issued=None, passed=None, applied_at="2026-11-02T09:30:00+08:00")
    plan_id = new_plan(session, subject="KM1")
    view = apply(rt, session, party, plan_id)
    assert view.status == "pending"
    assert session.get(ExamApplication, view.id).sort_time == datetime(2026, 11, 2, 9, 30, tzinfo=CHINA)


@pytest.mark.parametrize("subject", ["KM2", "KM3", "KM3W"])
def test_km2_km3_and_km3w_need_a_permit(rt, session, subject):
    party = new_learner(session, permit_issued=None, passed=None)
    plan_id = new_plan(session, subject=subject)
    assert refusal(apply, rt, session, party, plan_id).code == "no_permit"


def test_an_expired_permit_is_refused(rt, session):
    party = new_learner(session, permit_issued="2023-11-20")  # three years ran out on 2026-11-20
    plan_id = new_plan(session)
    refused = refusal(apply, rt, session, party, plan_id)
    assert refused.code == "permit_expired"
    assert refused.facts["expires"] == date(2026, 11, 20)


def test_a_permit_running_out_before_the_exam_is_refused(rt, session):
    party = new_learner(session, permit_issued="2023-12-05")  # valid today, not on the exam day 12-08
    plan_id = new_plan(session)
    refused = refusal(apply, rt, session, party, plan_id)
    assert refused.code == "permit_expired"
    assert refused.facts["expires"] == date(2026, 12, 5)


@pytest.mark.parametrize(
    ("licence_class", "subject", "days"),
    [
        ("C1", "KM2", 10),
        ("M", "KM2", 10),
        ("A1", "KM2", 20),
        ("B2", "KM2", 20),
        ("C6", "KM2", 20),
        ("C2", "KM3", 20),
        ("C5", "KM3", 20),
        ("C1", "KM3", 30),
        ("P", "KM3", 30),
        ("A2", "KM3", 40),
        ("B1", "KM3", 40),
        ("C1", "KM3W", 30),
    ],
)
def test_earliest_application_after_the_permit(rt, session, licence_class, subject, days):
    # The permit was issued so that the earliest day is tomorrow, Wednesday 2026-11-25.
    issued = date.fromordinal(date(2026, 11, 25).toordinal() - days)
    passed = {"KM1": "2026-09-01", "KM2": "2026-11-02", "KM3": "2026-11-20"} if subject == "KM3W" else None
    party = new_learner(session, licence_class=licence_class, permit_issued=issued,
                        **({"passed": passed} if passed else {}))
    plan_id = new_plan(session, subject=subject, classes=[licence_class])
    refused = refusal(apply, rt, session, party, plan_id)
    assert refused.code == "too_early"
    assert refused.facts["earliest"] == date(2026, 11, 25)
    rt.clock.set(at_china(date(2026, 11, 25), 8, 0))
    assert apply(rt, session, party, plan_id).status == "pending"


def test_km3_wait_is_30_days_when_adding_a_class_order162_art44(rt, session):
    # A C1 holder adding B2: 30 days after the permit, not the 40 of a first A/B licence.
    issued = date.fromordinal(date(2026, 11, 25).toordinal() - 30)
    p = person()
    store(session, p, licence(p, classes=["C1"]), learner(p, licence_class="B2", permit_issued=issued))
    party = party_by_id_number(session, p["id_number"])
    plan_id = new_plan(session, subject="KM3", classes=["B2"])
    refused = refusal(apply, rt, session, party, plan_id)
    assert (refused.code, refused.facts["earliest"]) == ("too_early", date(2026, 11, 25))
    rt.clock.set(at_china(date(2026, 11, 25), 8, 0))
    assert apply(rt, session, party, plan_id).status == "pending"
    # Without a car licence the same learner waits 40 days.
    q = person()
    store(session, q, learner(q, licence_class="B2", permit_issued=issued))
    other = party_by_id_number(session, q["id_number"])
    assert refusal(apply, rt, session, other, plan_id).facts["earliest"] == date(2026, 12, 5)


def test_c6_has_no_km3_road_test_order162_art30(rt, session):
    party = new_learner(session, licence_class="C6", permit_issued="2026-09-01",
                        passed={"KM1": "2026-09-01", "KM2": "2026-11-02"})
    refused = refusal(apply, rt, session, party, new_plan(session, subject="KM3", classes=["C6"]))
    assert refused.code == "no_road_test"
    # KM2 passed: the safe-driving theory is what is left, with no KM3 road test before it.
    assert apply(rt, session, party, new_plan(session, subject="KM3W", classes=["C6"])).status == "pending"


def test_km3w_only_after_km2_and_the_km3_road_test_order162_art39(rt, session):
    party = new_learner(session)  # KM2 not passed; parallel booking on
    plan_id = new_plan(session, subject="KM3W")
    assert refusal(apply, rt, session, party, plan_id).code == "km2_not_passed"
    km2_only = new_learner(session, passed={"KM1": "2026-09-01", "KM2": "2026-11-02"})
    assert refusal(apply, rt, session, km2_only, plan_id).code == "km3_not_passed"
    both = new_learner(session, passed={"KM1": "2026-09-01", "KM2": "2026-11-02", "KM3": "2026-11-16"})
    assert apply(rt, session, both, plan_id).status == "pending"


def test_subjects_in_turn_follow_the_order_of_the_exams_order162_art30_art39(rt, session):
    from hotline.db import Learner

    def in_turn(settings=None, **overrides):
        party = new_learner(session, **overrides)
        record = session.scalar(select(Learner).where(Learner.person_id == party.id))
        return exams.subjects_in_turn(record, settings or rt.settings)

    km2 = {"KM1": "2026-09-01", "KM2": "2026-11-02"}
    assert in_turn() == ["KM2", "KM3"]  # parallel booking: KM2 and the KM3 road test, not KM3W
    assert in_turn(rt.settings.replace(exam_parallel_booking=False)) == ["KM2"]
    assert in_turn(passed=km2) == ["KM3"]
    assert in_turn(passed={**km2, "KM3": "2026-11-16"}) == ["KM3W"]
    # C6: KM2, then the safe-driving theory; never a KM3 road test (art. 30 ¶3).
    assert in_turn(licence_class="C6") == ["KM2"]
    assert in_turn(licence_class="C6", passed=km2) == ["KM3W"]


def test_a_km3w_retake_only_ten_days_after_the_failed_exam_order162_art47(rt, session):
    p = person()
    sat = past_plan("2026-11-20", "PM", subject="KM3W")
    passed = {"KM1": "2026-09-01", "KM2": "2026-11-02", "KM3": "2026-11-20"}
    store(session, p, learner(p, passed=passed), sat, exam_result(p, sat, result="fail"))
    party = party_by_id_number(session, p["id_number"])
    refused = refusal(apply, rt, session, party, new_plan(session, subject="KM3W"))
    assert refused.code == "retake_too_early"
    assert refused.facts["earliest"] == date(2026, 11, 30)


def test_km3_before_km2_is_passed_with_parallel_booking(rt, session):
    party = new_learner(session)  # KM2 not passed
    plan_id = new_plan(session, subject="KM3")
    view = apply(rt, session, party, plan_id)
    # A first KM3 under parallel booking ranks from the permit's issue.
    assert session.get(ExamApplication, view.id).sort_time == datetime(2026, 9, 1, tzinfo=CHINA)


@pytest.mark.parametrize("subject", ["KM3", "KM3W"])
def test_km3_needs_km2_passed_without_parallel_booking(rt, session, subject):
    sequential = rt.settings.replace(exam_parallel_booking=False)
    party = new_learner(session)
    plan_id = new_plan(session, subject=subject)
    assert refusal(apply, rt, session, party, plan_id, sequential).code == "km2_not_passed"


def test_sequential_km3_ranks_from_the_km2_pass(rt, session):
    sequential = rt.settings.replace(exam_parallel_booking=False)
    party = new_learner(session, passed={"KM1": "2026-09-01", "KM2": "2026-10-20"})
    plan_id = new_plan(session, subject="KM3")
    view = apply(rt, session, party, plan_id, sequential)
    assert session.get(ExamApplication, view.id).sort_time == datetime(2026, 10, 20, tzinfo=CHINA)


def test_sequential_km3_counts_a_km2_pass_from_an_exam_result(rt, session):
    sequential = rt.settings.replace(exam_parallel_booking=False)
    p = person()
    km2 = exam_plan(date="2026-10-27", booking_closes_at="2026-10-22T17:00:00+08:00")
    store(session, p, learner(p), km2, exam_result(p, km2, result="pass"))
    party = party_by_id_number(session, p["id_number"])
    plan_id = new_plan(session, subject="KM3")
    view = apply(rt, session, party, plan_id, sequential)
    assert session.get(ExamApplication, view.id).sort_time == datetime(2026, 10, 27, tzinfo=CHINA)


def past_plan(day: str, session_code: str = "AM", subject: str = "KM2"):
    return exam_plan(subject=subject, date=day, session=session_code, booking_closes_at=f"{day}T00:00:00+08:00")


def test_five_km2_bookings_within_the_permit_counting_record_and_results(rt, session):
    p = person()
    first, second = past_plan("2026-10-12"), past_plan("2026-11-02")
    store(
        session,
        p,
        learner(p, attempts={"KM2": 3}),
        first,
        second,
        exam_result(p, first, result="fail"),
        exam_result(p, second, result="absent"),
    )
    party = party_by_id_number(session, p["id_number"])
    refused = refusal(apply, rt, session, party, new_plan(session))
    assert refused.code == "attempts_exhausted"
    assert refused.facts == {"used": 5, "limit": 5}


def test_bookings_on_an_earlier_permit_do_not_count_order162_art47(rt, session):
    # Five seats on the permit that ran out (no results reached the hotline), then a new permit.
    p = person()
    old_plans = [past_plan(f"2025-0{m}-10") for m in range(3, 8)]
    store(session, p, learner(p, permit_issued="2022-09-01"), *old_plans)
    party = party_by_id_number(session, p["id_number"])
    now = rt.clock.now()
    for plan in old_plans:
        plan_pk = session.scalar(select(ExamPlan.id).where(ExamPlan.plan_id == plan["plan_id"]))
        session.add(ExamApplication(person_id=party.id, plan_id=plan_pk, subject="KM2", status="success",
                                    sort_time=now, applied_at=now, allocated_at=now, channel="voice"))
    session.commit()
    store(session, learner(p, permit_issued="2026-09-01"))
    assert apply(rt, session, party, new_plan(session)).status == "pending"


def test_a_pass_on_an_earlier_permit_is_void_order162_art41(rt, session):
    # KM2 and KM3 passed on a permit that ran out: void (art. 41), so KM2 is booked again on the new permit
    # and KM3W waits for the new passes.
    p = person()
    km2, km3 = past_plan("2025-03-10"), past_plan("2025-04-10", subject="KM3")
    store(session, p, learner(p, permit_issued="2026-09-01"), km2, km3,
          exam_result(p, km2, result="pass"), exam_result(p, km3, result="pass"))
    party = party_by_id_number(session, p["id_number"])
    assert apply(rt, session, party, new_plan(session)).status == "pending"
    assert refusal(apply, rt, session, party, new_plan(session, subject="KM3W")).code == "km2_not_passed"


def test_the_fifth_booking_is_allowed(rt, session):
    party = new_learner(session, attempts={"KM2": 4})
    assert apply(rt, session, party, new_plan(session)).status == "pending"


def test_km3_road_driving_is_limited_and_km3w_is_not(rt, session):
    party = new_learner(session, attempts={"KM3": 5, "KM3W": 9})
    assert refusal(apply, rt, session, party, new_plan(session, subject="KM3")).code == "attempts_exhausted"
    assert apply(rt, session, party, new_plan(session, subject="KM2")).status == "pending"
    road_passed = new_learner(session, attempts={"KM3": 5, "KM3W": 9},
                              passed={"KM1": "2026-09-01", "KM2": "2026-10-20", "KM3": "2026-11-16"})
    assert apply(rt, session, road_passed, new_plan(session, subject="KM3W")).status == "pending"


def test_a_seat_without_a_result_yet_counts_as_a_booking(rt, session):
    party = new_learner(session, attempts={"KM2": 4})
    plan_id = new_plan(session, date="2026-11-27", booking_closes_at="2026-11-24T17:00:00+08:00")
    apply(rt, session, party, plan_id)
    rt.clock.set(at_china(date(2026, 11, 24), 18, 0))
    exams.allocate(session, rt.clock, plan_id)
    rt.clock.set(at_china(date(2026, 12, 1), 9, 0))  # the exam is past, its result not in yet
    refused = refusal(apply, rt, session, party, new_plan(session))
    assert refused.code == "attempts_exhausted"
    assert refused.facts["used"] == 5


@pytest.mark.parametrize("outcome", ["fail", "absent"])
def test_a_retake_only_ten_days_after_the_failed_exam(rt, session, outcome):
    p = person()
    sat = past_plan("2026-11-20", "PM")
    store(session, p, learner(p), sat, exam_result(p, sat, result=outcome))
    party = party_by_id_number(session, p["id_number"])
    plan_id = new_plan(session)
    refused = refusal(apply, rt, session, party, plan_id)
    assert refused.code == "retake_too_early"
    assert refused.facts == {"earliest": date(2026, 11, 30), "last_exam": date(2026, 11, 20)}
    rt.clock.set(at_china(date(2026, 11, 30), 8, 0))
    view = apply(rt, session, party, plan_id)
    # A later application ranks from the previous exam (its session's start).
    assert session.get(ExamApplication, view.id).sort_time == datetime(2026, 11, 20, 13, 0, tzinfo=CHINA)


def test_a_km1_retake_needs_no_wait_and_ranks_from_the_previous_exam(rt, session):
    p = person()
    sat = past_plan("2026-11-23", "AM", subject="KM1")
    store(session, p, learner(p, permit_issued=None, passed=None), sat, exam_result(p, sat, result="fail"))
    party = party_by_id_number(session, p["id_number"])
    view = apply(rt, session, party, new_plan(session, subject="KM1"))
    assert session.get(ExamApplication, view.id).sort_time == datetime(2026, 11, 23, 8, 0, tzinfo=CHINA)


def test_a_passed_subject_cannot_be_applied_for(rt, session):
    party = new_learner(session, passed={"KM1": "2026-09-01", "KM2": "2026-11-02"})
    refused = refusal(apply, rt, session, party, new_plan(session))
    assert refused.code == "already_passed"
    assert refused.facts["passed_on"] == date(2026, 11, 2)


def test_one_open_application_per_subject(rt, session):
    party = new_learner(session)
    first = new_plan(session)
    view = apply(rt, session, party, first)
    refused = refusal(apply, rt, session, party, new_plan(session))
    assert refused.code == "already_open"
    assert refused.facts == {"application_id": view.id, "plan_id": first}
    # Another subject is another matter.
    assert apply(rt, session, party, new_plan(session, subject="KM3")).status == "pending"


def test_a_seat_for_a_coming_exam_is_still_open(rt, session):
    party = new_learner(session)
    plan_id = new_plan(session, date="2026-11-27", booking_closes_at="2026-11-24T17:00:00+08:00")
    apply(rt, session, party, plan_id)
    rt.clock.set(at_china(date(2026, 11, 24), 18, 0))
    exams.allocate(session, rt.clock, plan_id)
    assert refusal(apply, rt, session, party, new_plan(session)).code == "already_open"


def test_an_unsuccessful_application_is_not_open(rt, session):
    winner, loser = new_learner(session), new_learner(session, permit_issued="2026-09-02")
    plan_id = new_plan(session, capacity=1, date="2026-11-27", booking_closes_at="2026-11-24T17:00:00+08:00")
    apply(rt, session, winner, plan_id)
    apply(rt, session, loser, plan_id)
    rt.clock.set(at_china(date(2026, 11, 24), 18, 0))
    exams.allocate(session, rt.clock, plan_id)
    assert apply(rt, session, loser, new_plan(session)).status == "pending"


def test_the_plan_must_serve_the_learners_class(rt, session):
    party = new_learner(session)  # C1
    refused = refusal(apply, rt, session, party, new_plan(session, classes=["A1", "B2"]))
    assert refused.code == "class_not_served"
    assert refused.facts == {"licence_class": "C1", "classes": ["A1", "B2"]}


def test_no_application_after_booking_closes(rt, session):
    party = new_learner(session)
    plan_id = new_plan(session, booking_closes_at="2026-11-24T10:00:00+08:00")  # exactly now
    refused = refusal(apply, rt, session, party, plan_id)
    assert refused.code == "booking_closed"
    assert refused.facts["closed_at"] == datetime(2026, 11, 24, 10, 0, tzinfo=CHINA)


def test_an_unknown_plan(rt, session):
    party = new_learner(session)
    assert refusal(apply, rt, session, party, "NO-SUCH-PLAN").code == "no_such_plan"


def test_someone_without_a_learner_record(rt, session):
    p = person()
    store(session, p)
    party = party_by_id_number(session, p["id_number"])
    assert refusal(apply, rt, session, party, new_plan(session)).code == "not_a_learner"


def test_an_unregistered_person_is_told_to_register(rt, session):
    party = new_learner(session, account="none")
    refused = refusal(apply, rt, session, party, new_plan(session))
    assert isinstance(refused, NotPermitted)
    assert refused.code == "register_first"


def test_an_organisation_cannot_apply(rt, session):
    org = organisation()
    store(session, org)
    party = party_by_id_number(session, org["org_code"])
    assert refusal(apply, rt, session, party, new_plan(session)).code == "persons_only"


def test_window_account_may_apply(rt, session):
    party = new_learner(session, account="window")
    assert apply(rt, session, party, new_plan(session)).status == "pending"


# --- cancelling --------------------------------------------------------------------------------------


def cancel(rt, session, party, application_id):
    return exams.cancel(session, rt.clock, rt.calendar, party, application_id, "sms")


def test_withdrawing_a_pending_application_keeps_the_rank_exam_work_code(rt, session):
    # 考试工作规范: only a cancelled *successful* booking (or an absence) is ranked by its time.
    party = new_learner(session)
    plan_id = new_plan(session, capacity=1)
    view = apply(rt, session, party, plan_id)
    rt.clock.advance(hours=2)
    cancelled = cancel(rt, session, party, view.id)
    assert cancelled.status == "cancelled"
    assert cancelled.cancelled_at == rt.clock.now()
    [payload] = changes(session, ChangeKind.EXAM_CANCELLATION)
    assert payload["status"] == "cancelled"
    assert payload["application_id"] == view.id
    assert payload["channel"] == "sms"
    assert [p.applicants for p in exams.open_plans(session, rt.clock) if p.plan_id == plan_id] == [0]

    rt.clock.advance(hours=1)
    again = apply(rt, session, party, plan_id)
    # Still ranked from the permit's issue, ahead of anyone who became eligible later.
    assert session.get(ExamApplication, again.id).sort_time == datetime(2026, 9, 1, tzinfo=CHINA)
    later = new_learner(session, permit_issued="2026-09-02")
    apply(rt, session, later, plan_id)
    rt.clock.set(at_china(date(2026, 12, 3), 17, 30))
    exams.allocate(session, rt.clock, plan_id)
    session.refresh(session.get(ExamApplication, again.id))
    assert session.get(ExamApplication, again.id).status == "success"


def test_sort_time_is_the_later_of_previous_exam_and_a_given_up_seat(rt, session):
    p = person()
    sat, given_up = past_plan("2026-11-30", "AM"), past_plan("2026-11-20", "AM")
    store(session, p, learner(p), sat, given_up, exam_result(p, sat, result="fail"))
    party = party_by_id_number(session, p["id_number"])
    # A seat given up at the window on 12-01 10:00 (recorded here): later than the exam on 11-30.
    plan_pk = session.scalar(select(ExamPlan.id).where(ExamPlan.plan_id == given_up["plan_id"]))
    session.add(ExamApplication(
        person_id=party.id, plan_id=plan_pk, subject="KM2", status="cancelled",
        sort_time=datetime(2026, 9, 1, tzinfo=CHINA), applied_at=datetime(2026, 11, 10, tzinfo=CHINA),
        allocated_at=datetime(2026, 11, 15, 17, 0, tzinfo=CHINA),
        cancelled_at=datetime(2026, 12, 1, 10, 0, tzinfo=CHINA), channel="window"))
    session.commit()
    rt.clock.set(at_china(date(2026, 12, 10), 9, 0))
    plan_id = new_plan(session, date="2026-12-20", booking_closes_at="2026-12-15T17:00:00+08:00")
    view = apply(rt, session, party, plan_id)
    assert session.get(ExamApplication, view.id).sort_time == datetime(2026, 12, 1, 10, 0, tzinfo=CHINA)
    # Withdrawing that pending application and applying again keeps the same rank.
    rt.clock.set(at_china(date(2026, 12, 10), 10, 0))
    cancel(rt, session, party, view.id)
    again = apply(rt, session, party, plan_id)
    assert session.get(ExamApplication, again.id).sort_time == datetime(2026, 12, 1, 10, 0, tzinfo=CHINA)


def national_day_plan(session, exam_day: str, closes: str):
    return new_plan(session, date=exam_day, booking_closes_at=closes)


def test_after_close_cancel_at_the_window_before_the_national_day_holiday(rt, session):
    rt.clock.set(at_china(date(2026, 9, 21), 10, 0))
    party = new_learner(session)
    # Thursday 8 October, right after the 1-7 October holiday; three working days before is 28 September.
    plan_id = national_day_plan(session, "2026-10-08", "2026-09-28T17:00:00+08:00")
    view = apply(rt, session, party, plan_id)
    rt.clock.set(at_china(date(2026, 9, 29), 9, 0))
    refused = refusal(cancel, rt, session, party, view.id)
    assert refused.code == "window_only"
    # The last working day before the exam is Wednesday 30 September, not a day of the holiday week.
    assert refused.facts == {"window_deadline": date(2026, 9, 30), "exam_date": date(2026, 10, 8)}


def test_after_close_the_window_deadline_can_be_a_make_up_saturday(rt, session):
    rt.clock.set(at_china(date(2026, 9, 21), 10, 0))
    party = new_learner(session)
    # Monday 12 October; Saturday 10 October is a make-up working day.
    plan_id = national_day_plan(session, "2026-10-12", "2026-10-08T17:00:00+08:00")
    view = apply(rt, session, party, plan_id)
    rt.clock.set(at_china(date(2026, 10, 9), 9, 0))
    refused = refusal(cancel, rt, session, party, view.id)
    assert refused.code == "window_only"
    assert refused.facts["window_deadline"] == date(2026, 10, 10)


def test_after_the_window_deadline_it_is_too_late(rt, session):
    rt.clock.set(at_china(date(2026, 9, 21), 10, 0))
    party = new_learner(session)
    plan_id = national_day_plan(session, "2026-10-08", "2026-09-28T17:00:00+08:00")
    view = apply(rt, session, party, plan_id)
    rt.clock.set(at_china(date(2026, 10, 3), 9, 0))  # a holiday: the window's last day was 30 September
    refused = refusal(cancel, rt, session, party, view.id)
    assert refused.code == "too_late"
    assert refused.facts == {"exam_date": date(2026, 10, 8)}


def test_a_seat_is_given_up_only_at_the_window(rt, session):
    party = new_learner(session)
    plan_id = new_plan(session, date="2026-11-30", booking_closes_at="2026-11-25T17:00:00+08:00")
    view = apply(rt, session, party, plan_id)
    rt.clock.set(at_china(date(2026, 11, 25), 18, 0))
    exams.allocate(session, rt.clock, plan_id)
    refused = refusal(cancel, rt, session, party, view.id)
    assert refused.code == "window_only"
    assert refused.facts["window_deadline"] == date(2026, 11, 27)  # Monday's exam: Friday
    [mine] = exams.applications(session, rt.clock, party, calendar=rt.calendar)
    assert mine.status == "success"
    assert not mine.cancellable_online
    assert mine.window_deadline == date(2026, 11, 27)


def test_cancelled_and_unsuccessful_applications_cannot_be_cancelled(rt, session):
    winner, loser = new_learner(session), new_learner(session, permit_issued="2026-09-02")
    plan_id = new_plan(session, capacity=1)
    apply(rt, session, winner, plan_id)
    lost = apply(rt, session, loser, plan_id)
    rt.clock.set(at_china(date(2026, 12, 3), 18, 0))
    exams.allocate(session, rt.clock, plan_id)
    refused = refusal(cancel, rt, session, loser, lost.id)
    assert (refused.code, refused.facts) == ("not_cancellable", {"status": "unsuccessful"})

    rt.clock.set(at_china(date(2026, 12, 4), 9, 0))
    other = apply(
        rt, session, loser, new_plan(session, date="2026-12-20", booking_closes_at="2026-12-15T17:00:00+08:00")
    )
    cancel(rt, session, loser, other.id)
    assert refusal(cancel, rt, session, loser, other.id).code == "not_cancellable"


def test_nobody_cancels_someone_elses_application(rt, session):
    owner, other = new_learner(session), new_learner(session)
    view = apply(rt, session, owner, new_plan(session))
    refused = refusal(cancel, rt, session, other, view.id)
    assert refused.code == "no_such_application"
    assert refusal(cancel, rt, session, owner, 999999).code == "no_such_application"


def test_an_unregistered_person_cannot_cancel(rt, session):
    party = new_learner(session, account="none")
    assert refusal(cancel, rt, session, party, 1).code == "register_first"


# --- public views -----------------------------------------------------------------------------------


def test_open_plans_lists_plans_still_open_with_their_applicants(rt, session):
    party = new_learner(session)
    soon = new_plan(session, date="2026-12-01", booking_closes_at="2026-11-26T17:00:00+08:00", capacity=3)
    later = new_plan(session, subject="KM3", classes=["C1"])
    new_plan(session, booking_closes_at="2026-11-24T09:00:00+08:00")  # closed an hour ago
    new_plan(session, classes=["A1"])
    apply(rt, session, party, soon)

    c1_plans = exams.open_plans(session, rt.clock, licence_class="C1")
    assert [p.plan_id for p in c1_plans] == [soon, later]
    first = c1_plans[0]
    assert (first.capacity, first.applicants, first.date, first.session) == (3, 1, date(2026, 12, 1), "AM")
    assert first.site_name == "厦门市机动车驾驶人考试中心一考场"
    assert [p.plan_id for p in exams.open_plans(session, rt.clock, subject="KM3")] == [later]
    assert len(exams.open_plans(session, rt.clock)) == 3


def test_applications_lists_the_partys_own_coming_exams(rt, session):
    party, other = new_learner(session), new_learner(session)
    km2 = new_plan(session, date="2026-12-10", booking_closes_at="2026-12-05T17:00:00+08:00")
    km3 = new_plan(session, subject="KM3", date="2026-12-09", booking_closes_at="2026-12-04T17:00:00+08:00")
    apply(rt, session, party, km2)
    apply(rt, session, party, km3)
    apply(rt, session, other, km2)
    mine = exams.applications(session, rt.clock, party)
    assert [(a.plan_id, a.subject, a.status) for a in mine] == [(km3, "KM3", "pending"), (km2, "KM2", "pending")]
    assert all(a.window_deadline is None for a in mine)
    rt.clock.set(at_china(date(2026, 12, 11), 9, 0))
    assert exams.applications(session, rt.clock, party) == []
    assert len(exams.applications(session, rt.clock, party, include_past=True)) == 2
