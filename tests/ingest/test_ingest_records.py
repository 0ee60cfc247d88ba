"""Each record type's fields as ingest checks them: errors name the location, the field and the reason.

These need no database: `parse` is the check every record passes before anything is written.
"""

from __future__ import annotations

from datetime import date

import pytest

from hotline.ingest.schema import RecordInvalid, parse
from tests.factories import (
    exam_plan,
    exam_result,
    inspection_slot,
    learner,
    licence,
    notice_request,
    organisation,
    person,
    vehicle,
    violation,
)

TODAY = date(2026, 11, 24)


def problems(record) -> list[tuple[str, str]]:
    with pytest.raises(RecordInvalid) as caught:
        parse(record, TODAY)
    return caught.value.problems


def fields(record) -> list[str]:
    return [field for field, _ in problems(record)]


def _every_type():
    p, org = person(), organisation()
    car = vehicle(p)
    plan = exam_plan()
    return [
        p, org, licence(p), car, violation(car), learner(p), plan, inspection_slot(), exam_result(p, plan),
        notice_request(p, kind="V07"), notice_request(car, kind="V08"), notice_request(org, kind="V09"),
        notice_request(p, kind="D22"),
    ]


def test_factory_records_of_every_type_are_valid():
    kinds = [parse(record, TODAY).type for record in _every_type()]
    assert set(kinds) == {
        "person", "organisation", "licence", "vehicle", "violation", "learner", "exam_plan", "inspection_slot",
        "exam_result", "notice_request",
    }


def test_unknown_type_missing_type_and_not_an_object():
    assert problems({"type": "spaceship"})[0][0] == "type"
    assert "unknown record type 'spaceship'" in problems({"type": "spaceship"})[0][1]
    assert problems({"name": "x"}) == [("type", "is required")]
    assert problems(["person"]) == [("record", "must be a JSON object, not list")]
    assert problems({"type": ["person"]})[0][0] == "type"
    assert problems({"type": {"a": 1}})[0][0] == "type"


@pytest.mark.parametrize("record", _every_type(), ids=lambda r: r["type"])
def test_unknown_fields_are_refused_for_every_type(record):
    assert problems(dict(record, colour="red")) == [("colour", "unknown field")]


@pytest.mark.parametrize("record", _every_type(), ids=lambda r: r["type"])
def test_updated_at_is_accepted_for_every_type_and_must_be_a_timestamp(record):
    assert parse(dict(record, updated_at="2026-11-20T10:00:00+08:00"), TODAY).updated_at is not None
    assert fields(dict(record, updated_at="yesterday")) == ["updated_at"]


@pytest.mark.parametrize(
    "record, field",
    [
        (person(), "id_number"), (person(), "name"), (person(), "phone"),
        (organisation(), "org_code"), (organisation(), "kind"),
        (licence("35020319900101123X"), "file_number"), (licence("35020319900101123X"), "classes"),
        (licence("35020319900101123X"), "points"), (licence("35020319900101123X"), "valid_until"),
        (vehicle("35020319900101123X"), "owner"), (vehicle("35020319900101123X"), "vin"),
        (vehicle("35020319900101123X"), "inspection_valid_until"),
        (violation(plate="闽D12345"), "recorded_at"), (violation(plate="闽D12345"), "fine_cny"),
        (violation(plate="闽D12345"), "paid"),
        (learner("35020319900101123X"), "applied_at"),
        (exam_plan(), "capacity"), (exam_plan(), "booking_closes_at"),
        (inspection_slot(), "ends_at"),
        (exam_result("35020319900101123X", "P1"), "result"),
        (notice_request("35020319900101123X"), "data"),
    ],
)
def test_a_missing_required_field_is_named(record, field):
    without = {key: value for key, value in record.items() if key != field}
    assert (field, "is required" if field != "valid_until" else "is required (null for a long-term licence)") in (
        problems(without)
    )


def test_null_in_a_required_field_is_named_as_null():
    assert problems(dict(person(), name=None)) == [("name", "must not be null")]


def test_null_and_absent_mean_the_same_for_optional_fields():
    p = person(account=None)  # the factory leaves the field out
    assert "account" not in p
    nulls = parse(dict(p, account=None, language=None, pin=None), TODAY)
    assert nulls.values == parse(p, TODAY).values
    assert nulls.values["account"] == "none" and nulls.pin is None


def test_every_wrong_field_of_a_record_is_listed():
    bad = person(id_number="350203199001011238", phone="010 6552 9988", account="gold", language="fr", pin=1234)
    assert fields(bad) == ["id_number", "phone", "account", "language", "pin"]


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"classes": ["C9"]}, "classes", "not a licence class"),
        ({"status": "a"}, "status", "not status letters"),
        ({"points": 100}, "points", "at most 99"),
        ({"first_issued": "2015-02-30"}, "first_issued", "not a real date"),
        ({"file_number": "3502001234"}, "file_number", "12 digits"),
        ({"probation_classes": ["A1"], "probation_until": "2027-01-01"}, "probation_classes", "not among"),
        ({"probation_classes": ["C1"]}, "probation_classes", "without probation_until"),
        ({"valid_until": "2010-01-01"}, "valid_until", "before first_issued"),
    ],
)
def test_licence_forms(overrides, field, words):
    found = problems(licence("35020319900101123X", **overrides))
    assert [f for f, _ in found] == [field] and words in found[0][1]


def test_long_term_licence_and_probation_classes_default():
    parsed = parse(licence("35020319900101123X", valid_until=None, probation_until="2027-01-01"), TODAY)
    assert parsed.values["valid_until"] is None
    assert parsed.values["probation_classes"] == ["C1"]


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"plate": "闽DI2345"}, "plate", "I and O"),
        ({"plate": "闽DD12345"}, "plate_type", "its type is 51 or 52"),
        ({"plate_type": "52"}, "plate_type", "8 characters"),
        ({"engine_last6": "12"}, "engine_last6", "last 6"),
        ({"vin": "LSVAU2182K212345O"}, "vin", "other than I, O and Q"),
        ({"use": "taxi"}, "use", "not one of"),
        ({"registered_on": "2019/05/10"}, "registered_on", "YYYY-MM-DD"),
    ],
)
def test_vehicle_forms(overrides, field, words):
    found = problems(vehicle("35020319900101123X", **overrides))
    assert [f for f, _ in found] == [field] and words in found[0][1]


def test_owner_must_be_a_person_or_an_organisation_number():
    found = problems(dict(vehicle("35020319900101123X"), owner="35020319900101123Y"))
    assert found[0][0] == "owner" and "neither a resident ID number" in found[0][1]


def test_plate_with_display_dot_is_stored_without():
    parsed = parse(vehicle("35020319900101123X", plate="闽D·12345"), TODAY)
    assert parsed.key == ("闽D12345", "02")


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"points": 4}, "points", "0, 1, 3, 6, 9 or 12"),
        ({"fine_cny": -5}, "fine_cny", "0 or more"),
        ({"code": "16"}, "code", "4 or 5 digits"),
        ({"handled": True}, "decided_at", "required once handled"),
        ({"decided_at": "2026-11-21T10:00:00+08:00"}, "decided_at", "while handled is false"),
        ({"recorded_at": "2026-11-01T10:00:00+08:00"}, "recorded_at", "before occurred_at"),
        ({"occurred_at": "2026-11-18 08:15"}, "occurred_at", "has no offset"),
        ({"paid": "no"}, "paid", "true or false"),
        ({"driver_id_number": "123"}, "driver_id_number", "18 characters"),
    ],
)
def test_violation_forms(overrides, field, words):
    found = problems(violation(plate="闽D12345", **overrides))
    assert [f for f, _ in found] == [field] and words in found[0][1]


def test_learner_forms():
    assert fields(learner("35020319900101123X", passed={"KM9": "2026-01-01"})) == ["passed"]
    assert fields(learner("35020319900101123X", passed={"KM1": "yesterday"})) == ["passed.KM1"]
    assert fields(learner("35020319900101123X", attempts={"KM2": -1})) == ["attempts.KM2"]
    assert fields(learner("35020319900101123X", licence_class="Z1")) == ["licence_class"]


def test_plan_slot_and_result_forms():
    assert fields(exam_plan(subject="KM4")) == ["subject"]
    assert fields(exam_plan(session="EVE")) == ["session"]
    assert fields(exam_plan(capacity=0)) == ["capacity"]
    assert fields(exam_plan(booking_closes_at="2026-12-09T09:00:00+08:00")) == ["booking_closes_at"]
    assert fields(inspection_slot(ends_at="2026-12-01T08:00:00+08:00")) == ["ends_at"]
    assert fields(exam_result("35020319900101123X", "P1", result="passed")) == ["result"]


def test_notice_request_variables_are_exactly_the_kinds():
    p = "35020319900101123X"
    assert fields(notice_request(p, kind="W01")) == ["kind"]
    missing = problems(notice_request(p, kind="V07", data={"business": "转移登记", "office": "厦门"}))
    assert missing == [("data", "V07 needs result")]
    extra = problems(notice_request(p, kind="V09", data={"applicant_name_masked": "陈*", "deadline": "2026-11-27",
                                                         "code": "1234"}))
    assert extra == [("data", "V09 takes no code")]
    assert fields(notice_request(p, kind="V09", data={"applicant_name_masked": "陈*", "deadline": "soon"})) == [
        "data.deadline"
    ]
    without_tracking = dict(notice_request(p, kind="V08"))
    without_tracking["data"] = {k: v for k, v in without_tracking["data"].items() if k != "tracking"}
    assert parse(without_tracking, TODAY).values["data"]["item"] == "号牌"
    assert fields(dict(notice_request(p), to={"plate": "闽D12345"})) == ["to"]
