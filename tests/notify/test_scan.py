"""The daily scan: every date-triggered kind and stage on fixed dates, the 14-day catch-up, dry runs."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from hotline.clock import CHINA
from hotline.db import Notice, NoticeState, Person
from hotline.domain.inspection_rules import inspection_exempt
from hotline.notify.notice_text import render_notice
from hotline.notify.scan import STAGES, scan
from tests.factories import learner, licence, person, store, vehicle, violation

T = date(2026, 11, 24)  # the day the scan runs
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=CHINA)
EARLIER = datetime(2026, 11, 14, 10, 0, tzinfo=CHINA)  # when records were imported, before a cycle ended


def days(n: int) -> date:
    return T + timedelta(days=n)


def _truck(owner, **kw):
    return vehicle(owner, vehicle_kind="H31", use="operating", **kw)


# kind, stage, the records that make it due on T (given a person), and the date the occasion names.
CASES = {
    ("V01", "-90"): (lambda p: [_truck(p, inspection_valid_until=days(90))], days(90)),
    ("V01", "-30"): (lambda p: [_truck(p, inspection_valid_until=days(30))], days(30)),
    ("V02", "-90"): (lambda p: [vehicle(p, registered_on=date(2022, 1, 10), inspection_valid_until=days(90))],
                     days(90)),
    ("V03", "+1"): (lambda p: [_truck(p, inspection_valid_until=days(-1))], days(-1)),
    ("V04", "+365"): (lambda p: [_truck(p, inspection_valid_until=days(-365))], days(-365)),
    ("V05", "-180"): (lambda p: [_truck(p, scrap_deadline=days(180))], days(180)),
    ("V05", "-30"): (lambda p: [_truck(p, scrap_deadline=days(30))], days(30)),
    ("V06", "scrap"): (lambda p: [_truck(p, scrap_deadline=days(-1))], days(-1)),
    ("D01", "-90"): (lambda p: [licence(p, valid_until=days(90))], days(90)),
    ("D01", "-30"): (lambda p: [licence(p, valid_until=days(30))], days(30)),
    ("D02", "+1"): (lambda p: [licence(p, valid_until=days(-1), status="M")], days(-1)),
    ("D03", "+330"): (lambda p: [licence(p, valid_until=days(-330), status="M")], days(-330)),
    ("D05", "-30"): (lambda p: [licence(p, classes=["A2"], points=3, review_due=days(30))], days(30)),
    ("D06", "overdue"): (lambda p: [licence(p, classes=["A2"], points=3, review_due=days(-1))], days(-1)),
    ("D07", "+1"): (lambda p: [licence(p, classes=["A2"], points=0, first_issued=date(2015, 11, 24))], days(-1)),
    ("D08", "-30"): (lambda p: [licence(p, physical_due=days(30))], days(30)),
    ("D09", "+1"): (lambda p: [licence(p, physical_due=days(-1))], days(-1)),
    ("D10", "+330"): (lambda p: [licence(p, physical_due=days(-330))], days(-330)),
    ("D14", "+1"): (lambda p: [licence(p, points=6, first_issued=date(2015, 11, 24))], days(-1)),
    ("D16", "-365"): (None, date(2027, 11, 24)),
    ("D16", "0"): (None, date(2026, 11, 24)),
    ("D17", "-30"): (lambda p: [licence(p, status="N", extension_until=days(30))], days(30)),
    ("D21", "-90"): (lambda p: [learner(p, permit_issued=date(2024, 2, 22))], date(2027, 2, 22)),
    ("W05", "late"): (None, days(0)),
}


def _records(kind: str, stage: str) -> tuple[list[dict], date]:
    build, due = CASES[(kind, stage)]
    if kind == "D16":
        birth = due.replace(year=due.year - 63)
        from tests.factories import valid_id_number

        p = person(id_number=valid_id_number(birth=birth))
        return [p, licence(p, classes=["A2", "C1"])], due
    if kind == "W05":
        p = person()
        car = vehicle(p)
        fine = violation(car, handled=True, decided_at=datetime(2026, 11, 8, 15, 0, tzinfo=CHINA), fine_cny=200,
                         driver_id_number=p["id_number"])
        return [p, car, fine], due
    p = person()
    return [p, *build(p)], due


def test_every_date_triggered_kind_and_stage_has_a_case():
    assert set(CASES) == {(kind, stage) for kind, stages in STAGES.items() for stage in stages}


@pytest.mark.parametrize(("kind", "stage"), sorted(CASES))
def test_stage_due_today_is_planned_once_with_its_occasion(session, settings, kind, stage):
    records, due = _records(kind, stage)
    store(session, *records, now=EARLIER)

    result = scan(session, T, now=NOW)
    session.commit()

    notices = session.scalars(select(Notice)).all()
    assert [(n.kind, n.occasion) for n in notices] == [(kind, f"due:{due.isoformat()}:{stage}")]
    notice = notices[0]
    assert notice.state == NoticeState.PLANNED
    assert notice.phone == records[0]["phone"]
    assert result.by_kind == {kind: 1}
    # The text renders from what was stored, in both languages.
    for language in ("zh-CN", "en"):
        assert render_notice(notice, language, settings).startswith(settings.sms_signature)

    # Re-running the same day (or the next) plans nothing new.
    assert scan(session, T, now=NOW).total == 0
    assert scan(session, T + timedelta(days=1), now=NOW).total == 0


@pytest.mark.parametrize(("kind", "stage"), [("V01", "-30"), ("D01", "-90"), ("V03", "+1"), ("D09", "+1")])
def test_catch_up_plans_a_stage_missed_up_to_14_days_ago_and_drops_older(session, kind, stage):
    records, _ = _records(kind, stage)
    store(session, *records, now=EARLIER)
    assert scan(session, T + timedelta(days=13), now=NOW).by_kind == {kind: 1}

    session.execute(Notice.__table__.delete())
    assert scan(session, T + timedelta(days=14), now=NOW).by_kind == {kind: 1}

    session.execute(Notice.__table__.delete())
    later = scan(session, T + timedelta(days=15), now=NOW)
    assert kind not in later.by_kind


def test_day_before_the_stage_plans_nothing(session):
    p = person()
    store(session, p, _truck(p, inspection_valid_until=days(31)), licence(p, valid_until=days(91)), now=EARLIER)
    assert scan(session, T, now=NOW).total == 0


def test_moving_the_date_re_arms_the_reminder(session):
    p = person()
    car = _truck(p, inspection_valid_until=days(30))
    store(session, p, car, now=EARLIER)
    assert scan(session, T, now=NOW).by_kind == {"V01": 1}
    # Inspected: the upstream moves the date a year on; its -90 reminder comes in its own time.
    store(session, {**car, "inspection_valid_until": days(30 + 365).isoformat()}, now=NOW)
    assert scan(session, T, now=NOW).total == 0
    assert scan(session, days(365 - 60), now=NOW).by_kind == {"V01": 1}
    assert session.scalar(select(func.count()).select_from(Notice)) == 2


def test_exempt_car_gets_v02_and_no_v01(session):
    p = person()
    store(session, p, vehicle(p, registered_on=date(2022, 1, 10), inspection_valid_until=days(30)),
          vehicle(p, registered_on=date(2022, 1, 10), inspection_valid_until=days(90)), now=EARLIER)
    assert scan(session, T, now=NOW).by_kind == {"V02": 1}


def test_inspection_exempt_rule():
    due = date(2027, 3, 1)
    assert inspection_exempt("private", "K33", date(2022, 3, 1), due)  # 5 years
    assert not inspection_exempt("private", "K33", date(2021, 3, 1), due)  # 6 years: on-site test
    assert inspection_exempt("private", "K43", date(2021, 3, 2), due)  # 6 years less a day: still 5
    assert not inspection_exempt("private", "K43", date(2020, 3, 2), due)  # 7 years less a day: 6
    assert not inspection_exempt("private", "K33", date(2017, 3, 1), due)  # 10 years
    assert not inspection_exempt("private", "K39", date(2024, 3, 1), due)  # a van
    assert not inspection_exempt("operating", "K33", date(2024, 3, 1), due)
    assert not inspection_exempt("private", "H31", date(2024, 3, 1), due)


def test_review_reminders_art_72_para_3_for_ab_holders_only_with_points(session):
    b, c = person(), person()
    store(session, b, c,
          licence(b, classes=["A2"], points=0, review_due=days(30)),
          licence(c, classes=["B2"], points=2, review_due=days(30)), now=EARLIER)
    notices = session.scalars(select(Notice)).all()
    assert notices == []
    assert scan(session, T, now=NOW).by_kind == {"D05": 1}


def test_cycle_end_with_carried_points_says_how_many(session, settings):
    p = person()
    car = vehicle(p)
    unpaid = violation(car, handled=True, decided_at=datetime(2026, 10, 1, 9, 0, tzinfo=CHINA), points=3,
                       driver_id_number=p["id_number"], recorded_at=datetime(2026, 9, 28, 9, 0, tzinfo=CHINA),
                       occurred_at=datetime(2026, 9, 27, 9, 0, tzinfo=CHINA))
    store(session, p, car, unpaid, licence(p, points=6, first_issued=date(2015, 11, 24)), now=EARLIER)
    scan(session, T, now=NOW)
    d14 = session.scalars(select(Notice).where(Notice.kind == "D14")).one()
    assert d14.variables == {"cycle_end": "2026-11-23", "carried": 3}
    assert "3分转入下一周期" in render_notice(d14, "zh-CN", settings)


def test_cycle_end_of_a_record_reported_in_the_new_cycle_is_left_alone(session):
    p, q = person(), person()
    # Both reported after the cycle ended: their points are the new cycle's.
    store(session, p, q, licence(p, points=0, classes=["A2"], first_issued=date(2015, 11, 24)),
          licence(q, points=2, carried_points=2, first_issued=date(2015, 11, 24)), now=NOW)
    assert scan(session, T, now=NOW).by_kind == {"D14": 1}


def test_leap_day_licence_cycle_ends_on_28_february(session):
    p = person()
    store(session, p, licence(p, points=2, first_issued=date(2016, 2, 29)),
          now=datetime(2027, 2, 20, 10, 0, tzinfo=CHINA))
    assert scan(session, date(2027, 2, 28), now=NOW).total == 0
    result = scan(session, date(2027, 3, 1), now=NOW)
    assert result.by_kind == {"D14": 1}
    assert session.scalars(select(Notice.occasion)).one() == "due:2027-02-28:+1"


def test_age_limit_skips_holders_with_an_age_extension_or_no_ab_class(session):
    from tests.factories import valid_id_number

    birth = date(1963, 11, 24)
    a, b, c = (person(id_number=valid_id_number(birth=birth)) for _ in range(3))
    store(session, a, b, c, licence(a, classes=["B2"]), licence(b, classes=["C1"]),
          licence(c, classes=["A1"], age_extension_until=date(2029, 11, 24)), now=EARLIER)
    result = scan(session, T, now=NOW)
    assert result.by_kind == {"D16": 1}
    assert session.scalars(select(Notice.variables)).one() == {"birthday": "2026-11-24", "classes": "B2",
                                                                "stage": "0"}


def test_w05_gives_todays_late_fee_and_skips_paid_or_revoked(session):
    p = person()
    car = vehicle(p)
    decided = datetime(2026, 11, 5, 15, 0, tzinfo=CHINA)  # late fee from 21 Nov: 4 days by the 24th
    due = violation(car, handled=True, decided_at=decided, fine_cny=200)
    paid = violation(car, handled=True, decided_at=decided, fine_cny=200, paid=True)
    revoked = violation(car, handled=True, decided_at=decided, fine_cny=200, revoked=True)
    store(session, p, car, due, paid, revoked, now=EARLIER)
    assert scan(session, T, now=NOW).by_kind == {"W05": 1}
    notice = session.scalars(select(Notice)).one()
    assert notice.variables == {"plate": car["plate"], "fine": 20000, "late_fee": 2400}
    assert notice.subject_kind == "violation"



@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_w05_says_the_late_fee_so_far_in_all_not_a_fee_for_today(session, settings, language):
    p = person()
    car = vehicle(p)
    decided = datetime(2026, 11, 5, 15, 0, tzinfo=CHINA)  # late fee from 21 Nov: 4 days, 24 yuan by the 24th
    store(session, p, car, violation(car, handled=True, decided_at=decided, fine_cny=200), now=EARLIER)
    scan(session, T, now=NOW)
    body = render_notice(session.scalars(select(Notice)).one(), language, settings)
    if language == "en":
        assert "the late fee so far is CNY 24 in all" in body and "today" not in body
    else:
        assert "已加处罚款共24元" in body and "今日加处" not in body

def test_inactive_records_get_no_reminders(session):
    p = person()
    store(session, p, _truck(p, inspection_valid_until=days(30), status="E"),
          licence(p, valid_until=days(30), status="G"), now=EARLIER)
    assert scan(session, T, now=NOW).total == 0


def test_learner_who_passed_everything_gets_no_permit_reminder(session):
    p = person()
    store(session, p, learner(p, permit_issued=date(2024, 2, 22),
                              passed={"KM1": "2024-02-22", "KM2": "2024-05-01", "KM3": "2024-06-01",
                                      "KM3W": "2024-06-01"}), now=EARLIER)
    assert scan(session, T, now=NOW).total == 0


def test_c6_learner_with_km2_and_km3w_gets_no_permit_reminder_order162_art30(session):
    # Adding C6 takes KM2 and the safe-driving theory (KM3W), no KM3 road test (art. 30 ¶3).
    done, missing = person(), person()
    store(session, done, learner(done, licence_class="C6", permit_issued=date(2024, 2, 22),
                                 passed={"KM1": "2024-02-22", "KM2": "2024-05-01", "KM3W": "2024-06-01"}),
          missing, learner(missing, licence_class="C6", permit_issued=date(2024, 2, 22),
                           passed={"KM1": "2024-02-22", "KM2": "2024-05-01"}), now=EARLIER)
    scan(session, T, now=NOW)
    planned = session.execute(select(Notice.kind, Person.id_number).join(Person, Person.id == Notice.subject_id)).all()
    assert planned == [("D21", missing["id_number"])]  # only the learner still missing KM3W


def test_dry_run_counts_and_writes_nothing(session):
    p = person()
    store(session, p, _truck(p, inspection_valid_until=days(30)), licence(p, valid_until=days(90)), now=EARLIER)
    result = scan(session, T, now=NOW, dry_run=True)
    assert result.by_kind == {"V01": 1, "D01": 1}
    assert session.scalar(select(func.count()).select_from(Notice)) == 0


def test_cli_scan_and_dry_run(app, session):
    p = person()
    store(session, p, _truck(p, inspection_valid_until=days(30)), licence(p, valid_until=days(90)), now=EARLIER)
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["notices", "scan", "--date", T.isoformat(), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "V01\t1" in dry.output and "D01\t1" in dry.output and "would plan 2" in dry.output
    assert session.scalar(select(func.count()).select_from(Notice)) == 0
    session.rollback()  # let the command's own transaction write (SQLite: one writer at a time)

    real = runner.invoke(args=["notices", "scan", "--date", T.isoformat()])
    assert real.exit_code == 0, real.output
    assert "planned 2" in real.output
    session.expire_all()
    assert sorted(session.scalars(select(Notice.kind))) == ["D01", "V01"]
    session.rollback()

    again = runner.invoke(args=["notices", "scan", "--date", T.isoformat()])
    assert "planned 0" in again.output


def test_cli_rejects_a_bad_date(app):
    result = app.test_cli_runner().invoke(args=["notices", "scan", "--date", "2026-13-01"])
    assert result.exit_code != 0
    assert "2026-13-01" in result.output


def test_a_large_scan_plans_every_notice_and_a_rescan_none(session):
    people = [person() for _ in range(1000)]
    store(session, *people, *(licence(p, valid_until=days(30 - n % 15)) for n, p in enumerate(people)), now=EARLIER)
    assert scan(session, T, now=NOW).by_kind == {"D01": 1000}  # on PostgreSQL, statistics are refreshed too
    session.commit()
    assert scan(session, T, now=NOW).total == 0
    assert session.scalar(select(func.count(func.distinct(Notice.phone))).select_from(Notice)) == 1000


def test_w05_waits_for_the_first_working_day_after_a_holiday_case_procedure_art35_via_art80(session):
    # Served 16 September: day 15 is 1 October (National Day), so the period ends on 8 October and W05
    # comes on 9 October with one day's fee, not on 2 October.
    p = person()
    car = vehicle(p)
    decided = datetime(2026, 9, 16, 10, 0, tzinfo=CHINA)
    store(session, p, car, violation(car, handled=True, decided_at=decided, fine_cny=200),
          now=datetime(2026, 9, 20, 10, 0, tzinfo=CHINA))
    assert scan(session, date(2026, 10, 2), now=datetime(2026, 10, 2, 7, 0, tzinfo=CHINA)).total == 0
    assert scan(session, date(2026, 10, 8), now=datetime(2026, 10, 8, 7, 0, tzinfo=CHINA)).total == 0
    result = scan(session, date(2026, 10, 9), now=datetime(2026, 10, 9, 7, 0, tzinfo=CHINA))
    assert result.by_kind == {"W05": 1}
    notice = session.scalars(select(Notice)).one()
    assert notice.variables["late_fee"] == 600
    assert notice.occasion == "due:2026-10-09:late"


def test_d14_carries_only_the_points_of_fines_overdue_at_cycle_end_order163_art15(session):
    # The cycle ends 23 November. A fine decided 1 October was due by 16 October: overdue, its 3 points
    # carry. A fine decided 20 November is due by 7 December: not overdue at the cycle's end, its 6
    # points are cleared with the cycle even though it is still unpaid.
    p = person()
    car = vehicle(p)
    overdue = violation(car, handled=True, decided_at=datetime(2026, 10, 1, 9, 0, tzinfo=CHINA), points=3,
                        driver_id_number=p["id_number"], recorded_at=datetime(2026, 9, 28, 9, 0, tzinfo=CHINA),
                        occurred_at=datetime(2026, 9, 27, 9, 0, tzinfo=CHINA))
    not_yet_due = violation(car, handled=True, decided_at=datetime(2026, 11, 20, 9, 0, tzinfo=CHINA), points=6,
                            driver_id_number=p["id_number"], recorded_at=datetime(2026, 11, 19, 9, 0, tzinfo=CHINA),
                            occurred_at=datetime(2026, 11, 18, 9, 0, tzinfo=CHINA))
    store(session, p, car, overdue, not_yet_due, licence(p, points=9, first_issued=date(2015, 11, 24)),
          now=datetime(2026, 11, 21, 10, 0, tzinfo=CHINA))
    scan(session, T, now=NOW)
    d14 = session.scalars(select(Notice).where(Notice.kind == "D14")).one()
    assert d14.variables == {"cycle_end": "2026-11-23", "carried": 3}
