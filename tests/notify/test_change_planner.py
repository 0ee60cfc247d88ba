"""Change-triggered notices, end to end: records go through ingest, which calls the change planner."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from hotline.clock import CHINA
from hotline.db import Notice, Person
from hotline.notify.notice_text import render_notice
from hotline.notify.scan import scan
from tests.factories import (
    exam_plan,
    exam_result,
    learner,
    licence,
    notice_request,
    organisation,
    person,
    store,
    vehicle,
    violation,
)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=CHINA)
BEFORE = datetime(2026, 11, 1, 10, 0, tzinfo=CHINA)


def change(session, *records, now=NOW):
    """Send updated records as news (not a baseline load)."""
    return store(session, *records, now=now, baseline=False)


def notices(session) -> list[Notice]:
    session.expire_all()
    return session.scalars(select(Notice).order_by(Notice.id)).all()


def keys(session) -> list[tuple[str, str]]:
    return [(n.kind, n.occasion) for n in notices(session)]


def person_id(session, record) -> int:
    return session.scalar(select(Person.id).where(Person.id_number == record["id_number"]))


# --- vehicles -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("letter", ["C", "K", "L", "O"])
def test_vehicle_status_alert_is_urgent_and_goes_to_the_owner(session, settings, letter):
    p = person()
    car = vehicle(p)
    store(session, p, car, now=BEFORE)
    change(session, {**car, "status": letter})
    [notice] = notices(session)
    assert (notice.kind, notice.occasion, notice.urgent) == ("V10", f"status:{letter}:2026-11-24", True)
    assert (notice.recipient_kind, notice.recipient_id, notice.phone) == ("person", person_id(session, p), p["phone"])
    assert car["plate"] in render_notice(notice, "zh-CN", settings)


def test_status_kept_in_the_next_update_fires_nothing_more(session):
    p = person()
    car = vehicle(p)
    store(session, p, car, now=BEFORE)
    change(session, {**car, "status": "K"})
    change(session, {**car, "status": "KG"}, now=NOW + timedelta(days=1))
    assert keys(session) == [("V10", "status:K:2026-11-24")]


def test_scrapping_status_shares_the_date_triggers_occasion(session):
    p = person()
    car = vehicle(p, scrap_deadline=date(2026, 11, 20))
    store(session, p, car, now=BEFORE)
    change(session, {**car, "status": "P"})
    assert keys(session) == [("V06", "due:2026-11-20:scrap")]
    # The scan's V06 for the same deadline is the same notice.
    assert scan(session, date(2026, 11, 24), now=NOW).total == 0


def test_normal_status_letters_fire_nothing(session):
    p = person()
    car = vehicle(p)
    store(session, p, car, now=BEFORE)
    change(session, {**car, "status": "G"})  # 违法未处理: no notice of its own
    assert notices(session) == []


# --- licences -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("letter", "kind"), [("R", "D04"), ("J", "D13"), ("D", "D18"), ("F", "D18"), ("U", "D18")])
def test_licence_status_gained(session, settings, letter, kind):
    p = person()
    lic = licence(p)
    store(session, p, lic, now=BEFORE)
    change(session, {**lic, "status": letter})
    [notice] = notices(session)
    assert (notice.kind, notice.occasion, notice.urgent) == (kind, f"status:{letter}:2026-11-24", True)
    render_notice(notice, "zh-CN", settings)
    render_notice(notice, "en", settings)


@pytest.mark.parametrize(
    ("fields", "reason", "zh"),
    [
        # art. 79(9): licence valid, no physical-condition certificate: hand it in.
        ({"classes": ["C1"], "physical_due": date(2026, 10, 1)}, "certificate", "提交身体条件证明"),
        # art. 79(8): more than a year past its valid-until date: pass KM1.
        ({"valid_until": date(2025, 10, 1)}, "expired", "科目一"),
    ],
)
def test_d04_says_what_restores_the_licence_order162_art79(session, settings, fields, reason, zh):
    p = person()
    lic = licence(p, **fields)
    store(session, p, lic, now=BEFORE)
    change(session, {**lic, "status": "R"})
    [notice] = notices(session)
    assert notice.variables["reason"] == reason
    text = render_notice(notice, "zh-CN", settings)
    assert zh in text
    if reason == "certificate":
        assert "科目一" not in text


def test_review_overdue_status_shares_the_date_triggers_occasion(session):
    p = person()
    lic = licence(p, classes=["A2"], points=3, review_due=date(2026, 11, 23))
    store(session, p, lic, now=BEFORE)
    change(session, {**lic, "status": "S"})
    assert keys(session) == [("D06", "due:2026-11-23:overdue")]
    assert scan(session, date(2026, 11, 24), now=NOW).total == 0


def test_nine_points_warns_once_per_cycle(session, settings):
    p = person()
    lic = licence(p, points=6)  # first issued 15 March: this cycle ends 14 March 2027
    store(session, p, lic, now=BEFORE)
    change(session, {**lic, "points": 9})
    change(session, {**lic, "points": 10})
    change(session, {**lic, "points": 9})
    [notice] = notices(session)
    assert (notice.kind, notice.occasion, notice.urgent) == ("D11", "cycle:2027-03-14", False)
    assert notice.variables == {"points": 9, "cycle_end": "2027-03-14"}
    assert "已记9分" in render_notice(notice, "zh-CN", settings)


def test_twelve_points_is_full_score_not_near_it(session):
    p = person()
    lic = licence(p, points=6)
    store(session, p, lic, now=BEFORE)
    change(session, {**lic, "points": 12})
    assert keys(session) == [("D12", "cycle:2027-03-14")]


def test_full_score_status_plans_d12(session):
    p = person()
    lic = licence(p, points=12)
    store(session, p, lic, now=BEFORE)
    change(session, {**lic, "status": "B"})
    assert keys(session) == [("D12", "cycle:2027-03-14")]


def test_probation_twelve_points_cancels_the_probation_class_only(session):
    p, q = person(), person()
    novice = licence(p, points=6, first_issued=date(2026, 3, 15), probation_until=date(2027, 3, 15))
    upgraded = licence(q, classes=["A2", "C1"], points=6, first_issued=date(2020, 3, 15),
                       probation_until=date(2027, 3, 15), probation_classes=["A2"])
    store(session, p, q, novice, upgraded, now=BEFORE)
    change(session, {**novice, "points": 12}, {**upgraded, "points": 12})
    found = {(n.kind, n.recipient_id, n.variables.get("classes")) for n in notices(session)}
    # Probation covers every class of the novice: D15 alone. The other keeps C1: D15 and D12.
    assert found == {("D15", person_id(session, p), "C1"), ("D15", person_id(session, q), "A2"),
                     ("D12", person_id(session, q), None)}


def test_first_sight_of_a_threshold_needs_a_recent_updated_at(session):
    a, b, c = person(), person(), person()
    store(session, a, b, c, now=BEFORE)
    change(session,
           licence(a, points=9),  # no updated_at: not known to be news
           licence(b, points=9, updated_at=NOW - timedelta(days=2)),
           licence(c, points=9, updated_at=NOW - timedelta(days=6)))
    assert [(n.kind, n.recipient_id) for n in notices(session)] == [("D11", person_id(session, b))]


def test_baseline_plans_nothing(session):
    p = person()
    car = vehicle(p, status="K")
    store(session, p, car, licence(p, points=12, status="BD"), violation(car), now=NOW, baseline=True)
    assert notices(session) == []


# --- violations -----------------------------------------------------------------------------------------


def test_new_violation_recorded_within_five_days_is_news(session, settings):
    p = person()
    car = vehicle(p)
    store(session, p, car, now=BEFORE)
    fresh = violation(car, recorded_at=NOW - timedelta(days=4))
    old = violation(car, recorded_at=NOW - timedelta(days=6), occurred_at=NOW - timedelta(days=7))
    change(session, fresh, old)
    [notice] = notices(session)
    assert (notice.kind, notice.occasion) == ("W01", f"violation:{fresh['ref']}")
    text = render_notice(notice, "zh-CN", settings)
    assert fresh["location"] in text and "2026年11月18日08:15" in text


def test_organisation_vehicle_gets_w04_instead(session):
    org = organisation()
    truck = vehicle(org)
    store(session, org, truck, now=BEFORE)
    change(session, violation(truck))
    [notice] = notices(session)
    assert (notice.kind, notice.recipient_kind, notice.phone) == ("W04", "organisation", org["phone"])


def test_decision_goes_to_the_driver_when_known(session, settings):
    owner, driver = person(), person()
    car = vehicle(owner)
    fine = violation(car)
    store(session, owner, driver, car, fine, now=BEFORE)
    decided = {**fine, "handled": True, "decided_at": NOW.isoformat(), "driver_id_number": driver["id_number"]}
    change(session, decided)
    [notice] = notices(session)
    assert (notice.kind, notice.recipient_id, notice.phone) == ("W02", person_id(session, driver), driver["phone"])
    assert notice.variables == {"plate": car["plate"], "points": 6, "fine": 20000, "pay_by": "2026-12-09",
                                "payment_reference": None}
    assert "2026年12月09日前缴纳" in render_notice(notice, "zh-CN", settings)


def test_decision_without_a_driver_goes_to_the_owner(session):
    owner = person()
    car = vehicle(owner)
    fine = violation(car)
    store(session, owner, car, fine, now=BEFORE)
    change(session, {**fine, "handled": True, "decided_at": NOW.isoformat()})
    [notice] = notices(session)
    assert (notice.kind, notice.recipient_id) == ("W02", person_id(session, owner))


def test_fifth_unhandled_violation_warns_once(session):
    p = person()
    car = vehicle(p)
    old = [violation(car, recorded_at=BEFORE, occurred_at=BEFORE - timedelta(days=1)) for _ in range(4)]
    store(session, p, car, *old, now=BEFORE)
    change(session, violation(car))
    assert sorted(keys(session)) == [("W01", keys(session)[0][1]), ("W03", "due:2026-11-24:5")]
    change(session, violation(car), now=NOW + timedelta(days=1))  # the sixth: no second W03
    assert [k for k, _ in keys(session)].count("W03") == 1


def test_old_violations_found_late_do_not_count_as_news(session):
    p = person()
    car = vehicle(p)
    store(session, p, car, now=BEFORE)
    late = [violation(car, recorded_at=BEFORE, occurred_at=BEFORE - timedelta(days=1)) for _ in range(5)]
    change(session, *late)
    assert notices(session) == []


# --- requests and exam results --------------------------------------------------------------------------


def test_request_for_a_vehicle_goes_to_its_owner_once(session, settings):
    p = person()
    car = vehicle(p)
    store(session, p, car, now=BEFORE)
    request = notice_request(car, kind="V07")
    change(session, request)
    change(session, request, now=NOW + timedelta(hours=1))
    [notice] = notices(session)
    assert (notice.kind, notice.subject_kind, notice.occasion) == ("V07", "vehicle", f"request:{request['request_id']}")
    assert notice.variables == request["data"]
    assert "转移登记业务已办结" in render_notice(notice, "zh-CN", settings)


def test_request_with_optional_tracking_left_out(session, settings):
    p = person()
    store(session, p, now=BEFORE)
    data = {"business": "补证", "channel": "自取", "office": "厦门市车管所"}
    change(session, notice_request(p, kind="D22", data=data))
    [notice] = notices(session)
    assert notice.variables == {**data, "tracking": None}
    assert "到厦门市车管所领取" in render_notice(notice, "zh-CN", settings)


def test_binding_request_is_urgent_and_carries_no_code(session, settings):
    p = person()
    store(session, p, now=BEFORE)
    change(session, notice_request(p, kind="V09"))
    [notice] = notices(session)
    assert notice.urgent
    text = render_notice(notice, "zh-CN", settings)
    assert "陈*" in text and "验证码" not in text


def _exam(session, *, subject="KM2", attempts=None, result="fail", score=70, on=date(2026, 11, 20)):
    p = person()
    closes = datetime(on.year, on.month, on.day, 17, 0, tzinfo=CHINA) - timedelta(days=3)
    plan = exam_plan(subject=subject, date=on, booking_closes_at=closes)
    store(session, p, learner(p, attempts=attempts or {}), plan, now=BEFORE)
    change(session, exam_result(p, plan, result=result, score=score))
    [notice] = notices(session)
    assert (notice.kind, notice.occasion) == ("D20", f"result:{plan['plan_id']}")
    return notice


def test_failed_km2_says_when_a_retake_may_be_booked(session, settings):
    notice = _exam(session)
    assert notice.variables["retake_from"] == "2026-11-30" and notice.variables["voided"] is False
    assert "2026年11月30日起" in render_notice(notice, "zh-CN", settings)


def test_a_result_that_arrives_late_says_a_retake_may_be_booked_from_today(session):
    notice = _exam(session, subject="KM3", on=date(2026, 11, 12))
    assert notice.variables["retake_from"] == "2026-11-24"


def test_fifth_failed_km3_voids_the_other_subjects(session, settings):
    notice = _exam(session, subject="KM3", attempts={"KM3": 4}, result="absent", score=None)
    assert notice.variables["voided"] is True and notice.variables["retake_from"] is None
    assert "成绩作废" in render_notice(notice, "zh-CN", settings)


def test_failures_on_an_earlier_permit_do_not_void_order162_art47(session, settings):
    # Four KM2 failures on the permit that ran out in 2026-03; one failure on the new permit.
    p = person()
    old = [exam_plan(date=f"2025-0{m}-10", booking_closes_at=f"2025-0{m}-05T17:00:00+08:00") for m in range(3, 7)]
    new = exam_plan(date="2026-11-20", booking_closes_at="2026-11-17T17:00:00+08:00")
    store(session, p, learner(p, permit_issued="2023-03-01"), *old,
          *(exam_result(p, plan, result="fail") for plan in old), new, now=BEFORE)
    store(session, learner(p, permit_issued="2026-09-01"), now=BEFORE)
    change(session, exam_result(p, new, result="fail", score=70))
    [notice] = [n for n in notices(session) if n.occasion == f"result:{new['plan_id']}"]
    assert notice.variables["voided"] is False and notice.variables["retake_from"] == "2026-11-30"
    assert "成绩作废" not in render_notice(notice, "zh-CN", settings)


def test_a_failed_km3w_retake_is_booked_after_ten_days_order162_art47(session, settings):
    notice = _exam(session, subject="KM3W", on=date(2026, 11, 20))
    assert notice.variables["retake_from"] == "2026-11-30"
    assert "2026年11月30日起" in render_notice(notice, "zh-CN", settings)


def test_pass_is_reported_with_its_score(session, settings):
    notice = _exam(session, subject="KM1", result="pass", score=95)
    assert "合格（95分）" in render_notice(notice, "zh-CN", settings)


def test_two_detention_letters_at_once_are_two_notices(session):
    p = person()
    lic = licence(p)
    store(session, p, lic, now=BEFORE)
    change(session, {**lic, "status": "DU"})
    assert sorted(keys(session)) == [("D18", "status:D:2026-11-24"), ("D18", "status:U:2026-11-24")]


def test_status_date_is_the_records_own_time_when_given(session):
    p = person()
    car = vehicle(p)
    store(session, p, car, now=BEFORE)
    change(session, {**car, "status": "C", "updated_at": "2026-11-22T23:30:00+08:00"})
    assert keys(session) == [("V10", "status:C:2026-11-22")]


def test_request_to_an_organisation(session, settings):
    org = organisation()
    store(session, org, now=BEFORE)
    request = notice_request(org, kind="V08", data={"item": "号牌", "channel": "自取", "office": "厦门市车管所"})
    change(session, request)
    [notice] = notices(session)
    assert (notice.kind, notice.subject_kind, notice.recipient_kind, notice.phone) == (
        "V08", "organisation", "organisation", org["phone"])
    assert "请携带身份证件到厦门市车管所领取" in render_notice(notice, "zh-CN", settings)


def test_a_decision_first_seen_within_five_days_is_news(session):
    p = person()
    car = vehicle(p)
    store(session, p, car, now=BEFORE)
    recent = violation(car, handled=True, decided_at=NOW - timedelta(days=2))
    old = violation(car, handled=True, decided_at=NOW - timedelta(days=9))
    change(session, recent, old)
    assert keys(session) == [("W02", f"violation:{recent['ref']}")]
