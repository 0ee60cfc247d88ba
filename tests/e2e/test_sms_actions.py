"""Actions by text happen only after a second message `Y` / `确认` within 10 minutes, and say what they do."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.db import ChangeKind, ExamApplication, InspectionBooking, OutboundChange
from hotline.domain.request_states import ApplicationStatus
from tests.factories import exam_plan, inspection_slot, learner, organisation, person, store, vehicle
from tests.sms.helpers import read, text


@pytest.fixture
def learner_person(session):
    p = person(account="internet")
    store(session, p, learner(p), vehicle(p, plate="闽D54321"),
          exam_plan(plan_id="XM01-KM2-A", date="2026-12-08", session="AM"),
          inspection_slot(slot_id="JC01-A", starts_at="2026-12-01T09:00:00+08:00",
                          ends_at="2026-12-01T10:00:00+08:00", capacity=3))
    return p


def bookings(session):
    return read(session, select(InspectionBooking))


def applications(session):
    return read(session, select(ExamApplication))


def test_a_confirmed_inspection_booking(client, settings, session, learner_person):
    phone = learner_person["phone"]
    assert "1.2026年12月01日09:00" in text(client, settings, phone, "JY")
    prompt = text(client, settings, phone, "JY 1")
    assert "将为闽D54321预约检验：2026年12月01日09:00，厦门湖里机动车检测站" in prompt
    assert "回复Y确认" in prompt
    assert bookings(session) == []  # nothing happens before the confirmation

    done = text(client, settings, phone, "确认")
    assert "预约成功：闽D54321，2026年12月01日09:00" in done
    [booking] = bookings(session)
    assert (booking.channel, booking.status) == ("sms", "booked")
    kinds = [c.kind for c in read(session, select(OutboundChange))]
    assert ChangeKind.INSPECTION_BOOKING in kinds

    # A second Y does not book again.
    assert "没有待确认" in text(client, settings, phone, "Y")
    assert len(bookings(session)) == 1


def test_an_unconfirmed_booking_does_nothing_and_expires(client, settings, session, clock, learner_person):
    phone = learner_person["phone"]
    text(client, settings, phone, "JY")
    text(client, settings, phone, "JY 1")
    clock.advance(minutes=10, seconds=1)
    assert "没有待确认的操作，或已超过10分钟" in text(client, settings, phone, "Y")
    assert bookings(session) == []


def test_declining_drops_the_action(client, settings, session, learner_person):
    phone = learner_person["phone"]
    text(client, settings, phone, "YY KM2")
    assert "将为您申请KM2考试" in text(client, settings, phone, "YY KM2 1")
    assert "已放弃" in text(client, settings, phone, "N")
    assert "没有待确认" in text(client, settings, phone, "Y")
    assert applications(session) == []


def test_numbered_choices_last_ten_minutes(client, settings, clock, learner_person):
    phone = learner_person["phone"]
    text(client, settings, phone, "YY KM2")
    clock.advance(minutes=9)
    assert "将为您申请" in text(client, settings, phone, "YY KM2 1")
    clock.advance(minutes=2)
    assert "选项已过期" in text(client, settings, phone, "YY KM2 1")
    text(client, settings, phone, "YY KM2")
    assert "没有这个序号" in text(client, settings, phone, "YY KM2 9")


def test_a_choice_without_a_list_asks_for_the_list(client, settings, learner_person):
    assert "请先回复JY查看最新列表" in text(client, settings, learner_person["phone"], "JY 1")


def test_apply_then_cancel_by_text(client, settings, session, learner_person):
    phone = learner_person["phone"]
    text(client, settings, phone, "YY KM2")
    text(client, settings, phone, "YY KM2 1")
    assert "已提交KM2考试申请" in text(client, settings, phone, "Y")
    [application] = applications(session)
    assert application.status == ApplicationStatus.PENDING and application.channel == "sms"

    listing = text(client, settings, phone, "QX")
    assert "1.KM2考试 2026年12月08日上午" in listing
    assert "将取消KM2考试申请：2026年12月08日上午" in text(client, settings, phone, "QX 1")
    assert "已取消KM2考试申请" in text(client, settings, phone, "Y")
    [application] = applications(session)
    assert application.status == ApplicationStatus.CANCELLED


def test_a_refusal_is_explained_not_raised(client, settings, session, learner_person):
    phone = learner_person["phone"]
    text(client, settings, phone, "YY KM2")
    text(client, settings, phone, "YY KM2 1")
    text(client, settings, phone, "Y")
    # The same subject again: one open application per subject, the same rule as on the phone, said at once
    # (exams.offer), not after a confirmation.
    assert "您已有一个该科目的考试预约" in text(client, settings, phone, "YY KM2")
    assert "您已有一个该科目的考试预约" in text(client, settings, phone, "YY KM2 1")
    assert "没有待确认" in text(client, settings, phone, "Y")
    assert len(applications(session)) == 1


def test_account_level_none_cannot_book(client, settings, session):
    p = person(account="none")
    store(session, p, learner(p), exam_plan())
    text(client, settings, p["phone"], "YY KM2")
    assert "尚未实名注册" in text(client, settings, p["phone"], "YY KM2 1")
    assert "没有待确认" in text(client, settings, p["phone"], "Y")


def test_an_organisation_books_for_one_of_its_vehicles(client, settings, session):
    org = organisation()
    store(session, org, vehicle(org, plate="闽D11111"), vehicle(org, plate="闽D22222"), inspection_slot())
    phone = org["phone"]
    text(client, settings, phone, "JY")
    assert "请注明车牌，如JY 闽D11111 1" in text(client, settings, phone, "JY 1")
    assert "将为闽D22222预约检验" in text(client, settings, phone, "JY 闽D·22222 1")
    assert "预约成功：闽D22222" in text(client, settings, phone, "Y")
    assert "单位用户不能办理此项个人业务" in text(client, settings, phone, "KS")


def test_a_closed_booking_is_refused_at_the_prompt_not_after_it(app, client, settings, session, clock):
    from datetime import datetime

    from hotline.clock import CHINA
    from hotline.services import exams, identity

    p = person()
    store(session, p, learner(p), exam_plan(plan_id="XM01-KM2-CLOSED", date="2026-11-30",
                                            booking_closes_at="2026-11-24T09:00:00+08:00"))
    rt = app.extensions["hotline"]
    now = clock.now()
    clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=CHINA))
    with rt.transaction() as s:
        [party] = identity.identify(s, p["phone"])
        exams.apply(s, rt.clock, rt.calendar, rt.settings, party, "XM01-KM2-CLOSED", "voice")
    clock.set(now)

    assert "1.KM2考试 2026年11月30日上午" in text(client, settings, p["phone"], "QX")
    reply = text(client, settings, p["phone"], "QX 1")
    assert "不能通过短信取消" in reply and "2026年11月27日前到车管所窗口办理" in reply
    assert "回复Y" not in reply
    assert "没有待确认" in text(client, settings, p["phone"], "Y")
    assert [a.status for a in applications(session)] == [ApplicationStatus.PENDING]


def test_yes_marked_by_twilio_as_an_opt_in_word_still_confirms(client, settings, session, learner_person):
    phone = learner_person["phone"]
    text(client, settings, phone, "JY")
    text(client, settings, phone, "JY 1")
    assert "预约成功" in text(client, settings, phone, "YES", OptOutType="START")
    assert len(bookings(session)) == 1


# --- which vehicles can be inspected now (Order 164, 机动车登记规定) -----------------------------------

# A private K33 in its fourth year (inspection-exempt) and one in its tenth (a station test, not yet due).
EXEMPT_CAR = {"registered_on": "2023-02-10", "inspection_valid_until": "2027-02-28"}
NOT_YET_DUE = {"registered_on": "2017-05-10", "inspection_valid_until": "2027-05-31"}


def test_order164_art76_a_stolen_car_is_offered_no_slot_by_text(client, settings, session):
    p = person(account="internet")
    store(session, p, vehicle(p, plate="闽D70001", status="C"), inspection_slot())
    reply = text(client, settings, p["phone"], "JY")
    assert "闽D70001检验有效期至2027年01月31日，被盗抢车辆停办各项业务。" in reply
    assert "可预约" not in reply and "回复JY" not in reply
    assert "该车登记为被盗抢车辆，依法停止办理各项业务" in text(client, settings, p["phone"], "JY 1")
    assert bookings(session) == []


@pytest.mark.parametrize(("status", "words"), [
    ("E", "已注销，不能预约"), ("M", "已注销，不能预约"), ("P", "已达报废标准，不能预约"),
    ("K", "已查封，不能预约"), ("B", "已转出，不能预约"),
])
def test_order164_a_car_that_cannot_be_inspected_is_told_so_and_refused_by_text(client, settings, session, status,
                                                                                 words):
    p = person(account="internet")
    store(session, p, vehicle(p, plate="闽D70002", status=status), vehicle(p, plate="闽D70003"), inspection_slot())
    reply = text(client, settings, p["phone"], "JY")
    assert f"闽D70002检验有效期至2027年01月31日，{words}。" in reply
    assert "1.2026年12月01日09:00" in reply  # the other car may book
    refused = text(client, settings, p["phone"], "JY 闽D70002 1")
    assert "不能预约检验" in refused or "请到转入地车管所办理" in refused
    assert "没有待确认" in text(client, settings, p["phone"], "Y")
    assert bookings(session) == []


def test_order164_art55_an_exempt_car_is_told_to_apply_for_the_label_by_text(client, settings, session):
    p = person(account="internet")
    store(session, p, vehicle(p, plate="闽D70004", **EXEMPT_CAR), vehicle(p, plate="闽D70005", **NOT_YET_DUE),
          inspection_slot())
    reply = text(client, settings, p["phone"], "JY")
    assert "闽D70004检验有效期至2027年02月28日，免检车辆，2026年11月28日起申领检验标志，无需预约。" in reply
    assert "闽D70005检验有效期至2027年05月31日，2027年02月28日起可预约。" in reply
    assert "可预约：" not in reply  # neither car can book a test today
    assert "免检" in text(client, settings, p["phone"], "CL 闽D70004")

    english = text(client, settings, p["phone"], "EN") and text(client, settings, p["phone"], "JY")
    assert ("Inspection valid until: 闽D70004 28 Feb 2027 (exempt: apply for the label from 28 Nov 2026, no booking), "
            "闽D70005 31 May 2027 (booking opens 28 Feb 2027).") in english


def test_order164_art55_art54_booking_an_exempt_or_early_car_is_refused_by_text(client, settings, session):
    p = person(account="internet")
    store(session, p, vehicle(p, plate="闽D70006", **EXEMPT_CAR), vehicle(p, plate="闽D70007", **NOT_YET_DUE),
          vehicle(p, plate="闽D70008"), inspection_slot())
    phone = p["phone"]
    assert "1.2026年12月01日09:00" in text(client, settings, phone, "JY")  # 闽D70008 may book
    refused = text(client, settings, phone, "JY 闽D70006 1")
    assert "该车免检，无需预约检验。请于2026年11月28日起在交管12123 App申领检验标志" in refused
    refused = text(client, settings, phone, "JY 闽D70007 1")
    assert "检验有效期满前三个月内才能预约检验，该车2027年02月28日起可预约" in refused
    assert "没有待确认" in text(client, settings, phone, "Y")

    text(client, settings, phone, "EN")
    text(client, settings, phone, "JY")
    english = text(client, settings, phone, "JY 闽D70006 1")
    assert "This vehicle is exempt from the test: no booking is needed." in english
    assert "Apply for the inspection label in the 12123 app from 28 Nov 2026" in english
    english = text(client, settings, phone, "JY 闽D70007 1")
    assert "Inspections are booked in the last 3 months before expiry: this vehicle from 28 Feb 2027" in english
    assert bookings(session) == []
    assert "This will book an inspection for 闽D70008" in text(client, settings, phone, "JY 闽D70008 1")
