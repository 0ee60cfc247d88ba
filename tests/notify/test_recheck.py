"""The re-check just before sending: a notice planned, then the upstream record changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from hotline.clock import CHINA
from hotline.db import Notice
from hotline.notify.recheck import still_due
from hotline.notify.scan import scan
from tests.factories import licence, notice_request, person, store, vehicle, violation

T = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=CHINA)
EARLIER = datetime(2026, 11, 10, 10, 0, tzinfo=CHINA)
LATER = NOW + timedelta(hours=2)


def the_notice(session, kind: str) -> Notice:
    session.expire_all()
    return session.scalars(select(Notice).where(Notice.kind == kind)).one()


def test_licence_renewed_since_the_reminder_was_planned(session):
    p = person()
    lic = licence(p, valid_until=T + timedelta(days=30))
    store(session, p, lic, now=EARLIER)
    scan(session, T, now=NOW)
    notice = the_notice(session, "D01")
    assert still_due(session, notice, T) is None

    store(session, {**lic, "valid_until": "2036-12-24"}, now=LATER)
    assert still_due(session, the_notice(session, "D01"), T) == "no longer due: licence renewed"


def test_vehicle_inspected_since_planning(session):
    p = person()
    car = vehicle(p, vehicle_kind="H31", inspection_valid_until=T - timedelta(days=1))
    store(session, p, car, now=EARLIER)
    scan(session, T, now=NOW)
    assert still_due(session, the_notice(session, "V03"), T) is None
    store(session, {**car, "inspection_valid_until": "2027-11-30"}, now=LATER)
    assert still_due(session, the_notice(session, "V03"), T) == "no longer due: vehicle inspected"


def test_vehicle_deregistered_since_planning(session):
    p = person()
    car = vehicle(p, vehicle_kind="H31", inspection_valid_until=T + timedelta(days=30))
    store(session, p, car, now=EARLIER)
    scan(session, T, now=NOW)
    store(session, {**car, "status": "E"}, now=LATER)
    assert still_due(session, the_notice(session, "V01"), T) == "no longer due: vehicle deregistered"


def test_fine_paid_since_the_late_fee_notice(session):
    p = person()
    car = vehicle(p)
    fine = violation(car, handled=True, decided_at=datetime(2026, 11, 8, 9, 0, tzinfo=CHINA))
    store(session, p, car, fine, now=EARLIER)
    scan(session, T, now=NOW)
    assert still_due(session, the_notice(session, "W05"), T) is None
    store(session, {**fine, "paid": True}, now=LATER)
    assert still_due(session, the_notice(session, "W05"), T) == "no longer due: fine paid"


def test_violation_handled_before_its_notice_went(session):
    p = person()
    car = vehicle(p)
    store(session, p, car, now=EARLIER)
    fine = violation(car)
    store(session, fine, now=NOW, baseline=False)
    assert still_due(session, the_notice(session, "W01"), T) is None
    store(session, {**fine, "handled": True, "decided_at": LATER.isoformat()}, now=LATER)
    assert still_due(session, the_notice(session, "W01"), T) == "no longer due: violation handled"


def test_many_unhandled_no_longer_many(session):
    p = person()
    car = vehicle(p)
    store(session, p, car, now=EARLIER)
    fines = [violation(car) for _ in range(5)]
    store(session, *fines, now=NOW, baseline=False)
    assert still_due(session, the_notice(session, "W03"), T) is None
    store(session, {**fines[0], "handled": True, "decided_at": LATER.isoformat()}, now=LATER)
    assert still_due(session, the_notice(session, "W03"), T) == "no longer due: violations handled"


def test_vehicle_status_cleared_before_sending(session):
    p = person()
    car = vehicle(p)
    store(session, p, car, now=EARLIER)
    store(session, {**car, "status": "L"}, now=NOW, baseline=False)
    assert still_due(session, the_notice(session, "V10"), T) is None
    store(session, {**car, "status": "A"}, now=LATER)
    assert still_due(session, the_notice(session, "V10"), T) == "no longer due: vehicle status cleared"


def test_points_cleared_before_the_warning_went(session):
    p = person()
    lic = licence(p, points=6)
    store(session, p, lic, now=EARLIER)
    store(session, {**lic, "points": 9}, now=NOW, baseline=False)
    assert still_due(session, the_notice(session, "D11"), T) is None
    store(session, {**lic, "points": 3}, now=LATER)  # a decision revoked upstream
    assert still_due(session, the_notice(session, "D11"), T) == "no longer due: points cleared"


def test_certificate_submitted(session):
    p = person()
    lic = licence(p, physical_due=T + timedelta(days=30))
    store(session, p, lic, now=EARLIER)
    scan(session, T, now=NOW)
    store(session, {**lic, "physical_due": "2027-11-30"}, now=LATER)
    assert still_due(session, the_notice(session, "D08"), T) == "no longer due: certificate submitted"


def test_binding_request_past_its_deadline(session):
    p = person()
    store(session, p, now=EARLIER)
    store(session, notice_request(p, kind="V09", data={"applicant_name_masked": "陈*", "deadline": "2026-11-27"}),
          now=NOW, baseline=False)
    notice = the_notice(session, "V09")
    assert still_due(session, notice, T) is None
    assert still_due(session, notice, date(2026, 11, 28)) == "no longer due: request expired"


def test_results_and_requests_stay_due(session):
    p = person()
    car = vehicle(p)
    store(session, p, car, now=EARLIER)
    store(session, notice_request(car, kind="V07"), now=NOW, baseline=False)
    assert still_due(session, the_notice(session, "V07"), T + timedelta(days=30)) is None


def test_age_extension_granted_before_the_age_notice_went(session):
    from tests.factories import valid_id_number

    p = person(id_number=valid_id_number(birth=date(1963, 11, 24)))
    lic = licence(p, classes=["A2"])
    store(session, p, lic, now=EARLIER)
    scan(session, T, now=NOW)
    assert still_due(session, the_notice(session, "D16"), T) is None
    store(session, {**lic, "age_extension_until": "2029-11-24"}, now=LATER)
    assert still_due(session, the_notice(session, "D16"), T) == "no longer due: age extension granted"


def test_extension_dealt_with(session):
    p = person()
    lic = licence(p, status="N", extension_until=T + timedelta(days=30))
    store(session, p, lic, now=EARLIER)
    scan(session, T, now=NOW)
    store(session, {**lic, "status": "A", "extension_until": None}, now=LATER)
    assert still_due(session, the_notice(session, "D17"), T) == "no longer due: extension handled"


def test_learner_passed_everything_before_the_permit_reminder_went(session):
    from tests.factories import learner

    p = person()
    record = learner(p, permit_issued=date(2024, 2, 22))
    store(session, p, record, now=EARLIER)
    scan(session, T, now=NOW)
    assert still_due(session, the_notice(session, "D21"), T) is None
    passed = {"KM1": "2024-03-01", "KM2": "2024-06-01", "KM3": "2026-11-24", "KM3W": "2026-11-24"}
    store(session, {**record, "passed": passed}, now=LATER)
    assert still_due(session, the_notice(session, "D21"), T) == "no longer due: exams passed"


def test_c6_learner_passed_km2_and_km3w_before_the_permit_reminder_went_order162_art30(session):
    from tests.factories import learner

    p = person()
    record = learner(p, licence_class="C6", permit_issued=date(2024, 2, 22))
    store(session, p, record, now=EARLIER)
    scan(session, T, now=NOW)
    notice = the_notice(session, "D21")
    store(session, {**record, "passed": {"KM1": "2024-03-01", "KM2": "2024-06-01"}}, now=LATER)
    assert still_due(session, notice, T) is None  # KM3W still to pass
    # Art. 30 ¶3: adding C6 takes KM2 and the safe-driving theory, no KM3 road test.
    passed = {"KM1": "2024-03-01", "KM2": "2024-06-01", "KM3W": "2026-11-24"}
    store(session, {**record, "passed": passed}, now=LATER + timedelta(minutes=1))
    assert still_due(session, notice, T) == "no longer due: exams passed"


def test_decision_revoked_before_the_points_notice_went(session):
    p = person()
    car = vehicle(p)
    fine = violation(car)
    store(session, p, car, fine, now=EARLIER)
    decided = {**fine, "handled": True, "decided_at": NOW.isoformat()}
    store(session, decided, now=NOW, baseline=False)
    assert still_due(session, the_notice(session, "W02"), T) is None
    store(session, {**decided, "revoked": True}, now=LATER)
    assert still_due(session, the_notice(session, "W02"), T) == "no longer due: decision revoked"


def test_licence_returned_before_the_detention_notice_went(session):
    p = person()
    lic = licence(p)
    store(session, p, lic, now=EARLIER)
    store(session, {**lic, "status": "D"}, now=NOW, baseline=False)
    assert still_due(session, the_notice(session, "D18"), T) is None
    store(session, {**lic, "status": "A"}, now=LATER)
    assert still_due(session, the_notice(session, "D18"), T) == "no longer due: licence returned"


def test_scrap_notice_for_a_vehicle_already_deregistered(session):
    p = person()
    car = vehicle(p, scrap_deadline=T - timedelta(days=1))
    store(session, p, car, now=EARLIER)
    scan(session, T, now=NOW)
    assert still_due(session, the_notice(session, "V06"), T) is None
    store(session, {**car, "status": "E"}, now=LATER)
    assert still_due(session, the_notice(session, "V06"), T) == "no longer due: vehicle deregistered"
