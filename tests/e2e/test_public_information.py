"""Public information for everyone (the account table, ARCHITECTURE.md "Who is calling, and what they may
do"; hotline/services/access.py): at account level `none`, and from a number on no record, the open exam
plans and inspection slots can be heard and read; booking still needs an online account."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hotline.db import ExamApplication, InspectionBooking
from tests.e2e.voice_world import PIN
from tests.factories import exam_plan, inspection_slot, licence, person, store, vehicle
from tests.sms.helpers import read, text


def test_account_table_level_none_hears_the_open_exam_plans_and_inspection_slots_by_phone(world, dial):
    call = dial(world.unregistered().phone)
    call.press("1")
    menu = call.press(PIN)
    assert "尚未注册互联网服务" in menu.text
    assert "收听可以预约的考试场次请按1" in menu.text and "机动车检验可以预约的时段请按2" in menu.text

    plans = call.press("1")
    assert "可以预约的考试共6场" in plans.text
    assert "第1场，科目二，2026年12月8日" in plans.text and "厦门市机动车驾驶人考试中心一考场" in plans.text
    assert "听后面的场次请按1" in plans.text and "预约考试需先实名注册" in plans.text
    assert "确认预约请按1" not in plans.text  # nothing to choose: a list to hear, not to book from
    more = call.press("1")
    assert "第4场" in more.text and "第5场" in more.text
    assert "已经是最后一场" in call.press("1").text
    back = call.press("#")
    assert "收听可以预约的考试场次请按1" in back.text

    slots = call.press("2")
    assert "可以预约的检验时段共6个" in slots.text
    assert "第1个，2026年12月1日" in slots.text and "厦门湖里机动车检测站，余200个名额" in slots.text
    assert "预约检验需先实名注册" in slots.text


def test_account_table_level_none_hears_the_public_lists_in_english(world, dial):
    call = dial(world.unregistered().phone)
    call.press("9")
    menu = call.press(PIN)
    assert "not registered for online services" in menu.text
    assert "To hear the exams open for booking, press 1" in menu.text
    plans = call.press("1")
    assert "There are 6 exams open for booking" in plans.text
    assert "Number 1: subject two, the course test on" in plans.text and "To book, register first" in plans.text
    call.press("#")
    slots = call.press("2")
    assert "There are 6 inspection times open" in slots.text and "200 places left" in slots.text


@pytest.fixture
def unregistered(session):
    """张伟-like: a person at account level `none` with a licence and a car, and open plans and slots."""
    someone = person(account="none")
    store(session, someone, licence(someone), vehicle(someone, plate="闽D77777"),
          exam_plan(plan_id="XM01-KM2-A", date="2026-12-08", session="AM"),
          inspection_slot(slot_id="JC01-A", starts_at="2026-12-01T09:00:00+08:00",
                          ends_at="2026-12-01T10:00:00+08:00"))
    return someone


def test_account_table_level_none_reads_the_open_inspection_slots_by_text(client, settings, session, unregistered):
    reply = text(client, settings, unregistered["phone"], "JY")
    assert "1.2026年12月01日09:00 厦门湖里机动车检测站 余5" in reply
    assert "预约检验需先实名注册" in reply and "回复JY" not in reply
    assert "闽D77777" not in reply  # their own records still need registration
    # Booking still needs what the rules require.
    assert "尚未实名注册" in text(client, settings, unregistered["phone"], "JY 1")
    assert read(session, select(func.count()).select_from(InspectionBooking)) == [0]


def test_account_table_level_none_reads_the_open_plans_without_being_offered_to_apply(client, settings, session,
                                                                                     unregistered):
    reply = text(client, settings, unregistered["phone"], "YY KM2")
    assert "1.2026年12月08日上午" in reply
    assert "申请考试需先实名注册" in reply and "回复YY KM2 序号申请" not in reply
    assert "尚未实名注册" in text(client, settings, unregistered["phone"], "YY KM2 1")
    assert read(session, select(func.count()).select_from(ExamApplication)) == [0]


def test_account_table_public_slots_for_a_number_on_no_record_in_both_languages(client, settings, unregistered):
    reply = text(client, settings, "+8613900000002", "JY")
    assert "1.2026年12月01日09:00 厦门湖里机动车检测站 余5" in reply and "预约检验需先实名注册" in reply
    english = text(client, settings, "+14155550101", "INSPECTION")
    assert "Open slots:" in english and "To book, register first" in english
    plans = text(client, settings, "+14155550101", "BOOK KM2")
    assert "Open KM2 exams:" in plans and "To apply, register first" in plans
    # A plate asks for someone's records: that still needs a record of one's own.
    assert "未登记" in text(client, settings, "+8613900000002", "JY 闽D77777")


def test_account_table_help_for_level_none_lists_what_they_may_use(client, settings, unregistered):
    reply = text(client, settings, unregistered["phone"], "帮助")
    assert "JY检验时段" in reply and "YY KM2考试场次" in reply and "需先实名注册" in reply
    for personal in ("WZ", "JSZ", "KS", "YQ"):
        assert personal not in reply
    english = text(client, settings, unregistered["phone"], "HELP")
    assert "JY inspection times" in english and "need registration first" in english and "JSZ" not in english
