"""`exams.offer`: what a channel may offer before anyone chooses agrees with what `apply` then does, plan by
plan, for learners in different situations (the rules are the exams service's own, checked once)."""

from __future__ import annotations

import pytest

from hotline.services import exams
from hotline.services.errors import NotPermitted, Refusal
from hotline.services.identity import party_by_id_number
from tests.factories import exam_plan, exam_result, learner, licence, organisation, person, store
from tests.sql_log import statements

SITUATIONS = {
    "fresh permit": {"permit_issued": "2026-11-20"},  # every permit subject too early
    "ready for everything": {},
    "KM2 passed": {"passed": {"KM1": "2026-09-01", "KM2": "2026-10-20"}},
    "permit runs out on 9 December": {"permit_issued": "2023-12-09"},
    "attempts used": {"attempts": {"KM2": 5}},
}


@pytest.fixture
def plans(session):
    records = [exam_plan(subject=subject, classes=["C1"], date=day, capacity=5)
               for subject, day in (("KM1", "2026-12-07"), ("KM2", "2026-12-08"), ("KM3", "2026-12-09"),
                                    ("KM3W", "2026-12-10"), ("KM2", "2026-12-11"))]
    records.append(exam_plan(subject="KM2", classes=["B2"], date="2026-12-08"))  # not the learners' class
    store(session, *records)
    return [r["plan_id"] for r in records]


@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_every_offered_plan_is_accepted_and_every_other_refused_with_the_reason_given(rt, session, plans, situation):
    someone = person(account="internet")
    store(session, someone, learner(someone, **SITUATIONS[situation]))
    party = party_by_id_number(session, someone["id_number"])
    offer = exams.offer(session, rt.clock, rt.settings, party)
    offered = {p.plan_id for p in offer.plans}
    for plan_id in plans:
        session.begin_nested()
        try:
            exams.apply(session, rt.clock, rt.calendar, rt.settings, party, plan_id, "voice")
            accepted, code = True, None
        except Refusal as refusal:
            accepted, code = False, refusal.code
        finally:
            session.rollback()
        assert accepted == (plan_id in offered), (situation, plan_id, code)
    subjects_offered = {p.subject for p in offer.plans}
    assert not subjects_offered & set(offer.refusals), "a subject is offered or refused, never both"


def test_a_subject_already_applied_for_is_not_offered_again_and_says_so(rt, session, plans):
    someone = person(account="internet")
    store(session, someone, learner(someone))
    party = party_by_id_number(session, someone["id_number"])
    exams.apply(session, rt.clock, rt.calendar, rt.settings, party, plans[1], "sms")
    offer = exams.offer(session, rt.clock, rt.settings, party)
    assert "KM2" not in {p.subject for p in offer.plans}
    assert offer.refusals["KM2"].code == "already_open"
    assert offer.refusals["KM1"].code == "already_passed"


def test_a_failed_exam_waits_ten_days_before_its_subject_is_offered(rt, session, plans):
    someone = person(account="internet")
    past = exam_plan(subject="KM2", classes=["C1"], date="2026-11-20", booking_closes_at="2026-11-15T17:00:00+08:00")
    store(session, someone, learner(someone), past, exam_result(someone, past, result="fail"))
    party = party_by_id_number(session, someone["id_number"])
    refusal = exams.offer(session, rt.clock, rt.settings, party, "KM2").refusals["KM2"]
    assert refusal.code == "retake_too_early" and str(refusal.facts["earliest"]) == "2026-11-30"


def test_who_may_not_apply_at_all_is_refused_as_apply_refuses(rt, session):
    holder = person(account="internet")
    firm = organisation()
    store(session, holder, licence(holder), firm)
    with pytest.raises(Refusal) as caught:
        exams.offer(session, rt.clock, rt.settings, party_by_id_number(session, holder["id_number"]))
    assert caught.value.code == "not_a_learner"
    unregistered = person(account="none")
    store(session, unregistered, learner(unregistered))
    with pytest.raises(NotPermitted) as refused:
        exams.offer(session, rt.clock, rt.settings, party_by_id_number(session, unregistered["id_number"]))
    assert refused.value.code == "register_first"


def test_the_offer_reads_the_learners_past_once_however_many_plans_are_open(rt, session, plans):
    someone = person(account="internet")
    store(session, someone, learner(someone, passed={"KM1": "2026-09-01", "KM2": "2026-10-20"}))
    party = party_by_id_number(session, someone["id_number"])
    session.expire_all()  # nothing of the learner already loaded

    def offer():
        return exams.offer(session, rt.clock, rt.settings, party)

    few = len(statements(session, offer))
    store(session, *[exam_plan(subject=subject, classes=["C1"], date=f"2026-12-{day}", capacity=5)
                     for day in range(14, 24) for subject in ("KM2", "KM3", "KM3W")])
    session.expire_all()
    assert len(offer().plans) > 10
    session.expire_all()
    assert len(statements(session, offer)) == few
