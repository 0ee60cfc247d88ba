"""Eligibility before a choice: a caller or texter is offered only the exam plans the booking rules would
accept (hotline/services/exams.py `offer`, the same checks as `apply`), and told why when there are none;
nobody is walked to a confirmation that is then refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hotline.db import ExamApplication
from hotline.services import exams
from tests import factories as f
from tests.e2e.voice_world import PIN
from tests.sms.helpers import read, text


def _learner(world, **overrides):
    someone = f.person(pin=PIN)
    world.store(someone, f.learner(someone, **overrides))
    return someone


def _apply(world, someone, plan):
    rt = world.rt
    party = world.party(someone["phone"])
    with rt.transaction() as session:
        exams.apply(session, rt.clock, rt.calendar, rt.settings, party, plan["plan_id"], "api")


def _exam_choices(dial, phone, english=False):
    call = dial(phone)
    call.press("9" if english else "1")
    call.press(PIN)
    call.press("4")
    return call.press("2")


def test_one_open_application_per_subject_a_learner_is_not_offered_the_subject_already_booked(world, dial):
    someone = _learner(world)
    _apply(world, someone, world.plans[0])  # KM2, pending
    turn = _exam_choices(dial, someone["phone"])
    assert "可以预约的考试" in turn.text and "科目三" in turn.text
    assert "科目二" not in turn.text  # not offered, so never walked to its confirmation


def test_exam_waits_with_nothing_bookable_the_caller_hears_why_not_a_list(world, dial):
    someone = _learner(world, permit_issued="2026-11-20")  # KM2 from 30 November, KM3 later (C1)
    turn = _exam_choices(dial, someone["phone"])
    assert "目前没有您可以预约的考试" in turn.text and "可以预约的考试：" not in turn.text
    assert "科目二：还未到可以预约的时间，最早可在2026年11月30日预约" in turn.text
    english = _exam_choices(dial, someone["phone"], english=True)
    assert "There is no exam you can book now" in english.text and "Exams open for booking" not in english.text
    assert "Subject two, the course test: It is too early to book. The earliest day is 30 November 2026" in english.text


@pytest.fixture
def holder(session):
    """A licence holder with no learner record (陈美-like): nothing to apply for."""
    someone = f.person(account="internet")
    f.store(session, someone, f.licence(someone), f.exam_plan(plan_id="XM01-KM2-A", date="2026-12-08"))
    return someone


def test_a_licence_holder_is_told_at_once_there_is_no_learner_record_not_offered_plans(client, settings, session,
                                                                                       holder):
    reply = text(client, settings, holder["phone"], "YY KM2")
    assert "没有查到您的驾驶人考试档案" in reply
    assert "回复YY KM2 序号申请" not in reply and "2026年12月08日" not in reply
    english = text(client, settings, holder["phone"], "BOOK KM2")
    assert "No learner record was found for you" in english and "to apply" not in english
    assert "没有查到您的驾驶人考试档案" in text(client, settings, holder["phone"], "YY KM2 1")
    assert read(session, select(func.count()).select_from(ExamApplication)) == [0]


def test_one_open_application_per_subject_by_text_the_booked_subject_says_so_and_others_are_listed(
        client, settings, world):
    someone = _learner(world)
    _apply(world, someone, world.plans[0])  # KM2, pending
    reply = text(client, settings, someone["phone"], "YY KM2")
    assert "您已有一个该科目的考试预约" in reply and "序号申请" not in reply
    listed = text(client, settings, someone["phone"], "YY KM3")
    assert "1.2026年12月09日上午" in listed and "回复YY KM3 序号申请" in listed


def test_a_plan_booked_meanwhile_is_refused_before_the_confirmation_not_after(client, settings, world):
    someone = _learner(world)
    assert "1.2026年12月09日上午" in text(client, settings, someone["phone"], "YY KM3")
    _apply(world, someone, world.plans[4])  # KM3 by phone in the meantime
    reply = text(client, settings, someone["phone"], "YY KM3 1")
    assert "您已有一个该科目的考试预约" in reply and "回复Y" not in reply
