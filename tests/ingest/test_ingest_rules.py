"""The rules of docs/records.md as ingest applies them, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from hotline.clock import CHINA
from hotline.db import (
    ExamPlan,
    ExamResult,
    InspectionSlot,
    Learner,
    Licence,
    Notice,
    NoticeRequest,
    Organisation,
    Person,
    Vehicle,
    Violation,
)
from hotline.ingest import apply_records, read_jsonl
from hotline.security import check_pin
from tests.factories import (
    DEFAULT_NOW,
    TEST_PEPPER,
    exam_plan,
    exam_result,
    inspection_slot,
    learner,
    licence,
    notice_request,
    organisation,
    person,
    store,
    valid_id_number,
    vehicle,
    violation,
)

SAMPLE = Path(__file__).parent / "data" / "sample.jsonl"


def apply(session, *records, baseline=True, now=DEFAULT_NOW, **options):
    """Apply records as a batch (locations "index N") without failing on errors."""
    return apply_records(
        session,
        [(f"index {i}", record) for i, record in enumerate(records)],
        now=now,
        baseline=baseline,
        pepper=TEST_PEPPER,
        **options,
    )


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# --- the sample file ------------------------------------------------------------------------------


def test_sample_file_imports_and_a_second_copy_changes_nothing(session):
    with SAMPLE.open(encoding="utf-8") as stream:
        first = apply_records(session, read_jsonl(stream), now=DEFAULT_NOW, pepper=TEST_PEPPER, baseline=True)
    session.commit()
    assert first.errors == []
    assert (first.inserted, first.updated, first.unchanged) == (20, 0, 0)
    assert count(session, Person) == 4 and count(session, Violation) == 3 and count(session, ExamPlan) == 3

    with SAMPLE.open(encoding="utf-8") as stream:
        second = apply_records(session, read_jsonl(stream), now=DEFAULT_NOW, pepper=TEST_PEPPER, baseline=True)
    session.commit()
    assert (second.inserted, second.updated, second.unchanged, second.stale) == (0, 0, 20, 0)
    assert second.changes == []


def test_sample_values_arrive_normalised(session):
    with SAMPLE.open(encoding="utf-8") as stream:
        apply_records(session, read_jsonl(stream), now=DEFAULT_NOW, pepper=TEST_PEPPER, baseline=True)
    chen = session.scalars(select(Person).where(Person.id_number == "350206198505174563")).one()
    assert chen.phone == "+8613900139000"  # written "139 0013 9000"
    assert chen.language == "en"
    assert chen.account == "window"
    assert chen.pin_hash is not None and "246801" not in chen.pin_hash
    assert check_pin("246801", TEST_PEPPER, chen.pin_hash)
    parked = session.scalars(select(Violation).where(Violation.ref == "350200260002")).one()
    assert parked.fine_fen == 15000
    assert parked.late_fee_from == date(2026, 11, 5)  # served 2026-10-20, 3 % a day from the 16th day
    long_term = session.scalars(select(Licence).join(Person).where(Person.id_number == "440305195511201350")).one()
    assert long_term.valid_until is None
    assert long_term.cycle_anniversary == "1105"


# --- replace, not merge -----------------------------------------------------------------------------


def test_a_field_left_out_becomes_empty(session):
    p = person(account="window")
    lic = licence(p, review_due="2027-01-19", carried_points=3, probation_until="2027-03-01")
    car = vehicle(p, engine_last6="A12345", scrap_deadline="2031-08-08", use="operating")
    store(session, p, lic, car)

    lic_again = {key: value for key, value in lic.items() if key not in ("review_due", "carried_points")}
    lic_again["probation_until"] = None
    car_again = {key: value for key, value in car.items() if key not in ("engine_last6", "use")}
    car_again["scrap_deadline"] = None
    p_again = {key: value for key, value in p.items() if key != "account"}
    result = apply(session, p_again, lic_again, car_again)

    assert result.errors == [] and result.updated == 3
    stored_licence = session.scalars(select(Licence)).one()
    assert stored_licence.review_due is None
    assert stored_licence.carried_points == 0
    assert stored_licence.probation_until is None and stored_licence.probation_classes is None
    stored_car = session.scalars(select(Vehicle)).one()
    assert (stored_car.engine_last6, stored_car.scrap_deadline, stored_car.use) == (None, None, "private")
    assert session.scalars(select(Person)).one().account == "none"


def test_the_same_key_twice_in_one_batch_keeps_the_later(session):
    p = person()
    result = apply(session, p, licence(p, points=3), licence(p, points=9))
    assert result.errors == []
    assert (result.inserted, result.updated) == (2, 1)
    assert session.scalars(select(Licence.points)).one() == 9


# --- stale copies -----------------------------------------------------------------------------------


def test_an_older_copy_is_skipped_and_counted(session):
    p = person()
    store(session, p, licence(p, points=6, updated_at="2026-11-20T10:00:00+08:00"))

    older = apply(session, licence(p, points=2, updated_at="2026-11-19T10:00:00+08:00"))
    assert (older.stale, older.updated, older.errors) == (1, 0, [])
    assert session.scalars(select(Licence.points)).one() == 6

    newer = apply(session, licence(p, points=9, updated_at="2026-11-21T10:00:00+08:00"))
    assert (newer.stale, newer.updated) == (0, 1)
    stored = session.scalars(select(Licence)).one()
    assert stored.points == 9
    assert stored.upstream_updated_at == datetime(2026, 11, 21, 10, tzinfo=CHINA)


def test_a_copy_without_updated_at_replaces(session):
    p = person()
    store(session, p, licence(p, points=6, updated_at="2026-11-20T10:00:00+08:00"))
    result = apply(session, licence(p, points=3))
    assert (result.stale, result.updated) == (0, 1)
    assert session.scalars(select(Licence.points)).one() == 3


# --- references -------------------------------------------------------------------------------------


def test_references_to_records_already_stored(session):
    p, org = person(), organisation()
    store(session, p, org)
    car = vehicle(org)
    result = apply(session, licence(p), car, violation(car), learner(p))
    assert result.errors == [] and result.inserted == 4
    stored_car = session.scalars(select(Vehicle)).one()
    assert stored_car.owner_org_id == session.scalars(select(Organisation.id)).one()
    assert stored_car.owner_person_id is None


def test_references_to_records_later_in_the_batch(session):
    p = person()
    car = vehicle(p)
    plan = exam_plan()
    records = [violation(car), exam_result(p, plan), car, licence(p), learner(p), plan, p]
    result = apply(session, *records)
    assert result.errors == []
    assert result.inserted == len(records)
    assert count(session, Violation) == 1 and count(session, ExamResult) == 1


def test_forward_references_across_chunks_are_held_until_the_end(session):
    people = [person() for _ in range(4)]
    cars = [vehicle(p) for p in people]
    fines = [violation(car) for car in cars]
    # Children first, parents last, three records a chunk: most references point several chunks ahead.
    records = [*fines, *cars, *[licence(p) for p in people], *people]
    result = apply(session, *records, chunk_size=3)
    assert result.errors == []
    assert result.inserted == len(records)
    assert count(session, Violation) == 4


def test_order_of_two_copies_is_kept_when_the_first_waits_for_a_reference(session):
    p = person()
    car = vehicle(p)
    first, second = violation(car, paid=False), None
    second = dict(first, paid=True, handled=True, decided_at="2026-11-21T10:00:00+08:00")
    result = apply(session, first, second, car, p, chunk_size=2)
    assert result.errors == []
    assert session.scalars(select(Violation.paid)).one() is True


def test_a_reference_to_nothing_is_an_error_and_nothing_is_written(session):
    p = person()
    stranger = valid_id_number()
    result = apply(session, p, licence(stranger), vehicle(p), violation(plate="闽D99999", plate_type="02"))
    assert not result.ok and not result.written
    assert [(e.location, e.field) for e in result.errors] == [("index 1", "id_number"), ("index 3", "plate")]
    assert "no person with this ID number" in result.errors[0].reason
    assert "no vehicle with this plate" in result.errors[1].reason
    assert count(session, Person) == 0 and count(session, Vehicle) == 0


# --- all or nothing, and keeping the valid ones -----------------------------------------------------


def test_one_bad_record_among_many_writes_nothing_and_every_error_is_listed(session):
    good = [person() for _ in range(5)]
    bad_id = person()
    bad_id["id_number"] = bad_id["id_number"][:17] + ("1" if bad_id["id_number"][17] != "1" else "2")
    bad_many = person(phone="010 6552 9988", account="gold")
    result = apply(session, *good[:2], bad_id, *good[2:], bad_many, chunk_size=2)
    assert not result.written
    assert (result.inserted, result.rejected) == (0, 2)
    assert [(e.location, e.field) for e in result.errors] == [
        ("index 2", "id_number"),
        ("index 6", "phone"),
        ("index 6", "account"),
    ]
    assert "check character" in result.errors[0].reason
    assert count(session, Person) == 0


def test_keep_valid_imports_the_rest_and_writes_the_rejects_unchanged(session, tmp_path):
    p = person()
    lines = [
        f'{{"type": "person", "id_number": "{p["id_number"]}", "name": "林小明", "phone": "138 0013 8000"}}',
        '{"type": "person",   "id_number": "350203199001011238", "name": "坏",  "phone": "13800138000"}',
        "{not json at all",
        '{"type": "spaceship", "name": "x"}',
        f'{{"type": "licence", "id_number": "{p["id_number"]}", "file_number": "350200123456", "classes": ["C1"], '
        '"status": "A", "first_issued": "2012-03-15", "valid_until": null, "points": 0}',
    ]
    source = io.StringIO("\n".join(lines) + "\n")
    rejects = io.StringIO()
    result = apply_records(
        session, read_jsonl(source), now=DEFAULT_NOW, pepper=TEST_PEPPER, keep_valid=True, rejects=rejects
    )
    assert result.written
    assert (result.inserted, result.rejected) == (2, 3)
    assert [(e.location, e.field) for e in result.errors] == [("line 2", "id_number"), ("line 3", "json"),
                                                               ("line 4", "type")]
    assert rejects.getvalue() == lines[1] + "\n" + lines[2] + "\n" + lines[3] + "\n"
    assert count(session, Person) == 1 and count(session, Licence) == 1


def test_keep_valid_rejects_a_record_whose_reference_was_rejected(session):
    p = person(phone="not a phone")
    rejects = io.StringIO()
    result = apply(session, p, licence(p), organisation(), keep_valid=True, rejects=rejects)
    assert result.written and result.inserted == 1
    assert [(e.location, e.field) for e in result.errors] == [("index 0", "phone"), ("index 1", "id_number")]
    assert len(rejects.getvalue().splitlines()) == 2


# --- changes for the notice planner -----------------------------------------------------------------


def test_first_sight_and_updates_yield_changes_old_to_new(session):
    p = person()
    first = apply(session, p, licence(p, points=6))
    assert [(c.type, c.first_seen, c.old) for c in first.changes] == [("person", True, None), ("licence", True, None)]
    licence_change = first.changes[1]
    assert licence_change.key == p["id_number"]
    assert licence_change.new["points"] == 6 and licence_change.new["id_number"] == p["id_number"]
    assert licence_change.new["id"] == session.scalars(select(Licence.id)).one()

    second = apply(session, p, licence(p, points=9, status="AH"))
    assert [(c.type, c.first_seen) for c in second.changes] == [("licence", False)]
    change = second.changes[0]
    assert (change.old["points"], change.new["points"]) == (6, 9)
    assert (change.old["status"], change.new["status"]) == ("A", "AH")
    assert change.old["id"] == change.new["id"]

    third = apply(session, p, licence(p, points=9, status="AH"))
    assert third.changes == [] and third.unchanged == 2


def test_change_dicts_carry_contract_references(session):
    p, org = person(), organisation()
    car = vehicle(p)
    store(session, p, org, car)
    result = apply(session, vehicle(org, plate=car["plate"], vin=car["vin"]), violation(car))
    moved, fine = result.changes
    assert moved.key == (car["plate"], "02")
    assert (moved.old["owner"], moved.old["owner_kind"]) == (p["id_number"], "person")
    assert (moved.new["owner"], moved.new["owner_kind"]) == (org["org_code"], "organisation")
    assert (fine.new["plate"], fine.new["plate_type"], fine.new["fine_fen"]) == (car["plate"], "02", 20000)


def test_baseline_plans_no_change_triggered_notices(session):
    p = person()
    car = vehicle(p)
    yesterday = (DEFAULT_NOW - timedelta(days=1)).isoformat()
    baseline = apply(session, p, car, violation(car, recorded_at=yesterday, occurred_at=yesterday), baseline=True)
    assert baseline.planned == 0 and count(session, Notice) == 0

    fresh = violation(car, recorded_at=yesterday, occurred_at=yesterday)
    news = apply(session, fresh, baseline=False)
    assert news.planned >= 1
    assert count(session, Notice) == news.planned


# --- the hotline's own preferences and columns ------------------------------------------------------


def test_language_is_the_hotlines_after_first_sight(session):
    p = person(language="en")
    store(session, p)
    assert session.scalars(select(Person.language)).one() == "en"
    result = apply(session, dict(p, language="zh-CN"))
    assert result.unchanged == 1
    assert session.scalars(select(Person.language)).one() == "en"

    session.execute(update(Person).values(language="zh-CN"))  # the caller chose Chinese on the phone
    apply(session, dict(p, language="en", name="林大明"))
    stored = session.scalars(select(Person)).one()
    assert (stored.language, stored.name) == ("zh-CN", "林大明")


def test_hotline_owned_seat_counts_survive_an_update(session):
    slot, plan = inspection_slot(capacity=5), exam_plan()
    store(session, slot, plan)
    session.execute(update(InspectionSlot).values(booked=3))
    session.execute(update(ExamPlan).values(allocated_at=DEFAULT_NOW))
    result = apply(session, dict(slot, station_name="湖里站"), dict(plan, capacity=30))
    assert result.updated == 2
    stored_slot = session.scalars(select(InspectionSlot)).one()
    assert (stored_slot.booked, stored_slot.station_name) == (3, "湖里站")
    assert session.scalars(select(ExamPlan.allocated_at)).one() == DEFAULT_NOW

    shrink = apply(session, dict(slot, capacity=2))
    assert [(e.field, e.reason) for e in shrink.errors] == [
        ("capacity", "2 is less than the 3 vehicles already booked")
    ]


def test_pins_are_stored_only_as_a_salted_hash(session):
    p = person(pin="135790")
    twin = person(pin="135790")
    store(session, p, twin)
    hashes = session.scalars(select(Person.pin_hash).order_by(Person.id)).all()
    assert all(h and "135790" not in h for h in hashes)
    assert hashes[0] != hashes[1]  # salted
    assert check_pin("135790", TEST_PEPPER, hashes[0])
    assert not check_pin("135790", "another-pepper", hashes[0])

    same = apply(session, p)
    assert same.unchanged == 1
    assert session.scalars(select(Person.pin_hash).where(Person.id_number == p["id_number"])).one() == hashes[0]

    changed = apply(session, dict(p, pin="246801"))
    assert changed.updated == 1 and changed.changes[0].new["has_pin"] is True
    new_hash = session.scalars(select(Person.pin_hash).where(Person.id_number == p["id_number"])).one()
    assert check_pin("246801", TEST_PEPPER, new_hash) and not check_pin("135790", TEST_PEPPER, new_hash)

    removed = apply(session, {key: value for key, value in p.items() if key != "pin"})
    assert removed.updated == 1 and removed.changes[0].new["has_pin"] is False
    assert session.scalars(select(Person.pin_hash).where(Person.id_number == p["id_number"])).one() is None


# --- derived columns --------------------------------------------------------------------------------


def test_derived_columns(session):
    leapling = person(id_number=valid_id_number(birth=date(1964, 2, 29)))
    lic = licence(leapling, classes=["A2", "D"], first_issued="2010-07-09", probation_until="2027-07-09")
    car = vehicle(leapling)
    decided = violation(car, handled=True, decided_at="2026-11-01T23:30:00+08:00", fine_cny=150)
    store(session, leapling, lic, car, decided, learner(leapling, permit_issued="2024-02-29"))

    stored_person = session.scalars(select(Person)).one()
    assert stored_person.birth_date == date(1964, 2, 29)
    assert stored_person.turns_63_on == date(2027, 2, 28)
    stored_licence = session.scalars(select(Licence)).one()
    assert (stored_licence.cycle_anniversary, stored_licence.has_ab_class) == ("0709", True)
    assert stored_licence.probation_classes == ["A2", "D"]
    stored_violation = session.scalars(select(Violation)).one()
    assert stored_violation.fine_fen == 15000
    assert stored_violation.late_fee_from == date(2026, 11, 17)  # China date of the decision + 16 days
    assert session.scalars(select(Learner.permit_expires)).one() == date(2027, 2, 28)


def test_late_fee_counts_from_the_china_date_of_the_decision(session):
    p = person()
    car = vehicle(p)
    # 2026-11-01 20:00 UTC is already 2 November in China.
    store(session, p, car, violation(car, handled=True, decided_at="2026-11-01T20:00:00Z"))
    assert session.scalars(select(Violation.late_fee_from)).one() == date(2026, 11, 18)


def test_exam_results_and_notice_requests_are_stored(session):
    p, org = person(), organisation()
    car = vehicle(org)
    plan = exam_plan()
    records = [
        p, org, car, plan,
        exam_result(p, plan, result="absent"),
        notice_request(p, kind="D22"),
        notice_request(org, kind="V07"),
        notice_request(car, kind="V08"),
    ]
    result = apply(session, *records)
    assert result.errors == []
    stored = session.scalars(select(ExamResult)).one()
    assert stored.result == "absent" and stored.plan_id == session.scalars(select(ExamPlan.id)).one()
    requests = session.scalars(select(NoticeRequest).order_by(NoticeRequest.id)).all()
    assert [(r.kind, r.to_kind) for r in requests] == [("D22", "person"), ("V07", "organisation"), ("V08", "vehicle")]
    assert requests[2].to_key == f"{car['plate']}/02"
    assert requests[0].to_key == p["id_number"]


def test_collect_changes_off_still_counts(session):
    p = person()
    result = apply(session, p, licence(p), collect_changes=False)
    assert result.inserted == 2 and result.changes == []
