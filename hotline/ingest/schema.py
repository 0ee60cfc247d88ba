"""The record types of docs/records.md: their fields, forms and cross-field rules.

`parse(record, today)` checks one record and returns a `Parsed`: its type, key, the column values it sets
(derived columns computed), and the references still to resolve against the store. It raises
`RecordInvalid` listing every field that is wrong, so one pass shows the upstream all its mistakes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .. import validation as v
from ..calendar import official
from ..clock import CHINA, add_years
from ..domain import fines
from ..domain.licences import AB_CLASSES, SUBJECTS, VIOLATION_POINTS
from ..domain.request_states import REQUEST_OUTCOMES, ViolationRequestStatus
from ..validation import InvalidValue


class RecordInvalid(Exception):
    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {r}" for f, r in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to resolve: `target` is "person", "organisation", "party" (person or organisation),
    "vehicle" (key `(plate, plate_type)`) or "plan"; `field` is the record field that named it."""

    field: str
    target: str
    key: Any


@dataclass(slots=True)
class Parsed:
    type: str
    key: Any
    updated_at: datetime | None
    values: dict[str, Any]
    refs: list[Ref] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)  # contract-form references for change dicts
    pin: str | None = None


Check = Callable[[Any, str], Any]
# field -> (required, check)
Fields = dict[str, tuple[bool, Check]]


def china_date(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


# --- small checks in the (value, field) shape -------------------------------------------------------


def _choice(*options: str) -> Check:
    return lambda value, name: v.choice(value, name, options)


def _text(max_length: int) -> Check:
    return lambda value, name: v.text(value, name, max_length=max_length)


def _int(minimum: int | None = None, maximum: int | None = None) -> Check:
    return lambda value, name: v.integer(value, name, minimum=minimum, maximum=maximum)


def _points(value: Any, name: str) -> int:
    number = v.integer(value, name)
    if number not in VIOLATION_POINTS:
        raise InvalidValue(name, f"{number} is not a violation score (0, 1, 3, 6, 9 or 12)")
    return number


def _plate_ref(value: Any, name: str) -> tuple[str, str]:
    if not isinstance(value, dict) or set(value) != {"plate", "plate_type"}:
        raise InvalidValue(name, "a vehicle is named as {\"plate\": ..., \"plate_type\": ...}")
    plate = v.plate(value["plate"], f"{name}.plate")
    plate_type = v.plate_type(value["plate_type"], f"{name}.plate_type")
    return plate, plate_type


def _subject_map(check: Check) -> Check:
    def run(value: Any, name: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise InvalidValue(name, f"must be an object of subject -> value, e.g. {{\"KM1\": ...}}, not {value!r}")
        result = {}
        for subject, item in value.items():
            if subject not in SUBJECTS:
                raise InvalidValue(name, f"{subject!r} is not a subject ({', '.join(SUBJECTS)})")
            result[subject] = check(item, f"{name}.{subject}")
        return result

    return run


def _iso_date(value: Any, name: str) -> str:
    return v.calendar_date(value, name).isoformat()


_DATE: Check = v.calendar_date
_TIMESTAMP: Check = v.timestamp


# --- the types --------------------------------------------------------------------------------------

PERSON: Fields = {
    "id_number": (True, v.id_number),
    "name": (True, v.person_name),
    "phone": (True, v.phone),
    "account": (False, _choice("none", "internet", "window")),
    "language": (False, v.language),
    "pin": (False, v.pin),
}
ORGANISATION: Fields = {
    "org_code": (True, v.org_code),
    "name": (True, _text(100)),
    "phone": (True, v.phone),
    "kind": (True, _choice("transport", "driving_school", "dealer", "hospital", "school", "government")),
    "pin": (False, v.pin),
}
LICENCE: Fields = {
    "id_number": (True, v.id_number),
    "file_number": (True, lambda value, name: v.digits(value, name, lengths=(12,), what="a file number")),
    "classes": (True, v.licence_classes),
    "status": (True, v.status_letters),
    "first_issued": (True, _DATE),
    "valid_until": (False, _DATE),  # required, but null means long-term: checked below
    "points": (True, _int(0, 99)),
    "carried_points": (False, _int(0, 99)),
    "previous_cycle_points": (False, _int(0, 99)),
    "probation_until": (False, _DATE),
    "probation_classes": (False, v.licence_classes),
    "review_due": (False, _DATE),
    "physical_due": (False, _DATE),
    "extension_until": (False, _DATE),
    "age_extension_until": (False, _DATE),
}
VEHICLE: Fields = {
    "plate": (True, v.plate),
    "plate_type": (True, v.plate_type),
    "owner": (True, v.party_key),
    "vin": (True, v.vin),
    "engine_last6": (False, v.engine_last6),
    "use": (False, _choice("private", "operating")),
    "vehicle_kind": (False, v.vehicle_kind),
    "status": (True, v.status_letters),
    "registered_on": (True, _DATE),
    "inspection_valid_until": (True, _DATE),
    "scrap_deadline": (False, _DATE),
}
# The answers to a request made on the hotline (docs/records.md, "Answers to the hotline's requests"):
# decided / refused for handling, granted / refused for a deferral, upheld / rejected for an objection.
REQUEST_ANSWERS = frozenset().union(*REQUEST_OUTCOMES.values())
VIOLATION: Fields = {
    "ref": (True, _text(40)),
    "plate": (True, v.plate),
    "plate_type": (True, v.plate_type),
    "occurred_at": (True, _TIMESTAMP),
    "recorded_at": (True, _TIMESTAMP),
    "location": (True, _text(500)),
    "code": (True, lambda value, name: v.digits(value, name, lengths=(4, 5), what="a violation code")),
    "description": (True, _text(500)),
    "fine_cny": (True, v.yuan_to_fen),
    "points": (True, _points),
    "handled": (True, v.boolean),
    "decided_at": (False, _TIMESTAMP),
    "revoked": (False, v.boolean),
    "paid": (True, v.boolean),
    "driver_id_number": (False, v.id_number),
    "camera": (False, v.boolean),
    "decision_number": (False, v.decision_number),
    "payment_reference": (False, v.payment_reference),
    "request_id": (False, _int(1, 2**31 - 1)),
    "request_outcome": (False, _choice(*REQUEST_ANSWERS)),
    "deferred_until": (False, _DATE),
}
LEARNER: Fields = {
    "id_number": (True, v.id_number),
    "licence_class": (True, v.licence_class),
    "applied_at": (True, _TIMESTAMP),
    "permit_issued": (False, _DATE),
    "passed": (False, _subject_map(_iso_date)),
    "attempts": (False, _subject_map(_int(0, 99))),
}
EXAM_PLAN: Fields = {
    "plan_id": (True, _text(40)),
    "subject": (True, v.subject),
    "classes": (True, v.licence_classes),
    "site_code": (True, _text(20)),
    "site_name": (True, _text(100)),
    "date": (True, _DATE),
    "session": (True, _choice("AM", "PM")),
    "capacity": (True, _int(1, 100_000)),
    "booking_closes_at": (True, _TIMESTAMP),
}
INSPECTION_SLOT: Fields = {
    "slot_id": (True, _text(40)),
    "station_code": (True, _text(20)),
    "station_name": (True, _text(100)),
    "starts_at": (True, _TIMESTAMP),
    "ends_at": (True, _TIMESTAMP),
    "capacity": (True, _int(1, 100_000)),
}
EXAM_RESULT: Fields = {
    "id_number": (True, v.id_number),
    "plan_id": (True, _text(40)),
    "result": (True, _choice("pass", "fail", "absent")),
    "score": (False, _int(0, 1000)),
}
NOTICE_REQUEST: Fields = {
    "request_id": (True, _text(60)),
    "kind": (True, _choice("V07", "V08", "V09", "D22")),
    "to": (True, lambda value, name: _plate_ref(value, name) if isinstance(value, dict) else v.party_key(value, name)),
    "data": (True, lambda value, name: value if isinstance(value, dict) else _not_object(value, name)),
}


# Not in the shared contract: the project's own record type (docs/records.md).
ANNOUNCEMENT: Fields = {
    "announcement_id": (True, _text(60)),
    "kind": (True, _choice("notice", "publication")),
    "area": (True, v.region_or_all),
    "title": (True, _text(100)),
    "text": (True, _text(2000)),
    "published_at": (True, _TIMESTAMP),
    "valid_until": (True, _TIMESTAMP),
}

# Variables each requested notice takes (docs/notices.md): required, optional.
REQUEST_VARIABLES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "V07": (frozenset({"business", "result", "office"}), frozenset()),
    "V08": (frozenset({"item", "channel", "office"}), frozenset({"tracking"})),
    "V09": (frozenset({"applicant_name_masked", "deadline"}), frozenset()),
    "D22": (frozenset({"business", "channel", "office"}), frozenset({"tracking"})),
}


def _not_object(value: Any, name: str) -> dict:
    raise InvalidValue(name, f"must be an object, not {value!r}")


FIELDS: dict[str, Fields] = {
    "person": PERSON,
    "organisation": ORGANISATION,
    "licence": LICENCE,
    "vehicle": VEHICLE,
    "violation": VIOLATION,
    "learner": LEARNER,
    "exam_plan": EXAM_PLAN,
    "inspection_slot": INSPECTION_SLOT,
    "exam_result": EXAM_RESULT,
    "notice_request": NOTICE_REQUEST,
    "announcement": ANNOUNCEMENT,
}
TYPES = tuple(FIELDS)
# Fields every type may carry besides its own.
COMMON = frozenset({"type", "updated_at"})


def _check_fields(record: dict[str, Any], spec: Fields, today: date) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    # The hot loop of every import: kept to dictionary lookups and one call per field present.
    problems: list[tuple[str, str]] = []
    if not record.keys() <= spec.keys() | COMMON:
        problems.extend((name, "unknown field") for name in record if name not in spec and name not in COMMON)
    out: dict[str, Any] = {}
    get = record.get
    id_number = v.id_number
    for name, (required, check) in spec.items():
        value = get(name)
        if value is None:
            if required:
                problems.append((name, "must not be null" if name in record else "is required"))
            out[name] = None
            continue
        try:
            out[name] = id_number(value, name, today=today) if check is id_number else check(value, name)
        except InvalidValue as error:
            problems.append((error.field, error.reason))
    return out, problems


def parse(record: Any, today: date) -> Parsed:
    """Check one record; raises RecordInvalid with every problem found."""
    if not isinstance(record, dict):
        raise RecordInvalid([("record", f"must be a JSON object, not {type(record).__name__}")])
    kind = record.get("type")
    if kind is None:
        raise RecordInvalid([("type", "is required")])
    if not isinstance(kind, str) or kind not in FIELDS:
        raise RecordInvalid([("type", f"unknown record type {kind!r} ({', '.join(TYPES)})")])
    values, problems = _check_fields(record, FIELDS[kind], today)
    updated_at = None
    if record.get("updated_at") is not None:
        try:
            updated_at = v.timestamp(record["updated_at"], "updated_at")
        except InvalidValue as error:
            problems.append((error.field, error.reason))
    if kind == "licence" and "valid_until" not in record:
        problems.append(("valid_until", "is required (null for a long-term licence)"))
    if problems:
        # The cross-field rules still speak where the fields they compare are valid, so that a line gets
        # every error at once, the same ones it gets when they come alone.
        wrong = {field for field, _ in problems}
        try:
            _BUILD[kind](values, updated_at)
        except InvalidValue as error:
            if error.field not in wrong:
                problems.append((error.field, error.reason))
        except (TypeError, KeyError, AttributeError, ValueError):
            pass  # a rule that compares a field already found wrong (its value is None here)
        raise RecordInvalid(problems)
    try:
        parsed = _BUILD[kind](values, updated_at)
    except InvalidValue as error:
        raise RecordInvalid([(error.field, error.reason)]) from None
    return parsed


# --- per type: key, columns, derived columns, references, cross-field rules -------------------------


def _person(f: dict[str, Any], updated_at: datetime | None) -> Parsed:
    born = v.birth_date_of(f["id_number"])
    values = {
        "id_number": f["id_number"],
        "name": f["name"],
        "phone": f["phone"],
        "account": f["account"] or "none",
        "language": f["language"] or "zh-CN",
        "birth_date": born,
        "turns_63_on": add_years(born, 63),
    }
    return Parsed("person", f["id_number"], updated_at, values, pin=f["pin"])


def _organisation(f: dict[str, Any], updated_at: datetime | None) -> Parsed:
    values = {"org_code": f["org_code"], "name": f["name"], "phone": f["phone"], "kind": f["kind"]}
    return Parsed("organisation", f["org_code"], updated_at, values, pin=f["pin"])


def _licence(f: dict[str, Any], updated_at: datetime | None) -> Parsed:
    classes = f["classes"]
    probation_classes = f["probation_classes"]
    if probation_classes is not None and f["probation_until"] is None:
        raise InvalidValue("probation_classes", "given without probation_until")
    if probation_classes is not None and not set(probation_classes) <= set(classes):
        extra = " ".join(c for c in probation_classes if c not in classes)
        raise InvalidValue("probation_classes", f"{extra} not among the licence's classes")
    if f["probation_until"] is not None and probation_classes is None:
        probation_classes = list(classes)
    if f["valid_until"] is not None and f["valid_until"] < f["first_issued"]:
        raise InvalidValue("valid_until", "is before first_issued")
    values = {
        "file_number": f["file_number"],
        "classes": classes,
        "status": f["status"],
        "first_issued": f["first_issued"],
        "valid_until": f["valid_until"],
        "points": f["points"],
        "carried_points": f["carried_points"] or 0,
        # With its cycle's last day, settled by the ingest against the stored copy (domain/licence_review.py).
        "previous_cycle_points": f["previous_cycle_points"],
        "probation_until": f["probation_until"],
        "probation_classes": probation_classes,
        "review_due": f["review_due"],
        "physical_due": f["physical_due"],
        "extension_until": f["extension_until"],
        "age_extension_until": f["age_extension_until"],
        "cycle_anniversary": f["first_issued"].strftime("%m%d"),
        "has_ab_class": any(c in AB_CLASSES for c in classes),
    }
    return Parsed(
        "licence", f["id_number"], updated_at, values,
        refs=[Ref("id_number", "person", f["id_number"])], extras={"id_number": f["id_number"]},
    )


def _vehicle(f: dict[str, Any], updated_at: datetime | None) -> Parsed:
    v.plate_matches_type(f["plate"], f["plate_type"])
    values = {
        "plate": f["plate"],
        "plate_type": f["plate_type"],
        "vin": f["vin"],
        "engine_last6": f["engine_last6"],
        "use": f["use"] or "private",
        "vehicle_kind": f["vehicle_kind"],
        "status": f["status"],
        "registered_on": f["registered_on"],
        "inspection_valid_until": f["inspection_valid_until"],
        "scrap_deadline": f["scrap_deadline"],
    }
    return Parsed(
        "vehicle", (f["plate"], f["plate_type"]), updated_at, values,
        refs=[Ref("owner", "party", f["owner"])], extras={"owner": f["owner"]},
    )


def _violation(f: dict[str, Any], updated_at: datetime | None) -> Parsed:
    v.plate_matches_type(f["plate"], f["plate_type"])
    decided_at = f["decided_at"]
    if f["handled"] and decided_at is None:
        raise InvalidValue("decided_at", "is required once handled is true")
    if not f["handled"] and decided_at is not None:
        raise InvalidValue("decided_at", "given while handled is false")
    if f["recorded_at"] < f["occurred_at"]:
        raise InvalidValue("recorded_at", "is before occurred_at")
    for name in ("decision_number", "payment_reference"):
        if f[name] is not None and not f["handled"]:
            raise InvalidValue(name, "given while handled is false")
    if f["request_id"] is not None and f["request_outcome"] is None:
        raise InvalidValue("request_outcome", "is required with request_id")
    if f["request_outcome"] is not None and f["request_id"] is None:
        raise InvalidValue("request_id", "is required with request_outcome")
    if f["request_outcome"] == ViolationRequestStatus.DECIDED and not f["handled"]:
        raise InvalidValue("request_outcome", "is decided while handled is false")
    if (f["request_outcome"] == ViolationRequestStatus.GRANTED) != (f["deferred_until"] is not None):
        if f["deferred_until"] is None:
            raise InvalidValue("deferred_until", "is required when request_outcome is granted")
        raise InvalidValue("deferred_until", "given while request_outcome is not granted")
    values = {
        "ref": f["ref"],
        "occurred_at": f["occurred_at"],
        "recorded_at": f["recorded_at"],
        "location": f["location"],
        "code": f["code"],
        "description": f["description"],
        "fine_fen": f["fine_cny"],
        "points": f["points"],
        "handled": f["handled"],
        "decided_at": decided_at,
        "revoked": bool(f["revoked"]),
        "paid": f["paid"],
        "driver_id_number": f["driver_id_number"],
        "camera": f["camera"] is not False,  # absent: a camera record, as every record before the field was
        "decision_number": f["decision_number"],
        "payment_reference": f["payment_reference"],
        "request_id": f["request_id"],
        "request_outcome": f["request_outcome"],
        "deferred_until": f["deferred_until"],
        # The fine is due within 15 days of the decision being served; from the 16th day 3 % a day.
        "late_fee_from": fines.late_fee_from(decided_at, official()) if decided_at else None,
    }
    key = (f["plate"], f["plate_type"])
    return Parsed(
        "violation", f["ref"], updated_at, values,
        refs=[Ref("plate", "vehicle", key)], extras={"plate": f["plate"], "plate_type": f["plate_type"]},
    )


def _learner(f: dict[str, Any], updated_at: datetime | None) -> Parsed:
    issued = f["permit_issued"]
    values = {
        "licence_class": f["licence_class"],
        "applied_at": f["applied_at"],
        "permit_issued": issued,
        "permit_expires": add_years(issued, 3) if issued else None,
        "passed": f["passed"] or {},
        "attempts": f["attempts"] or {},
    }
    return Parsed(
        "learner", f["id_number"], updated_at, values,
        refs=[Ref("id_number", "person", f["id_number"])], extras={"id_number": f["id_number"]},
    )


def _exam_plan(f: dict[str, Any], updated_at: datetime | None) -> Parsed:
    if f["booking_closes_at"] >= datetime(f["date"].year, f["date"].month, f["date"].day, tzinfo=CHINA).astimezone(
        UTC
    ) + timedelta(days=1):
        raise InvalidValue("booking_closes_at", "is after the exam date")
    values = {key: f[key] for key in EXAM_PLAN}
    return Parsed("exam_plan", f["plan_id"], updated_at, values)


def _inspection_slot(f: dict[str, Any], updated_at: datetime | None) -> Parsed:
    if f["ends_at"] <= f["starts_at"]:
        raise InvalidValue("ends_at", "is not after starts_at")
    values = {key: f[key] for key in INSPECTION_SLOT}
    return Parsed("inspection_slot", f["slot_id"], updated_at, values)


def _exam_result(f: dict[str, Any], updated_at: datetime | None) -> Parsed:
    values = {"result": f["result"], "score": f["score"]}
    return Parsed(
        "exam_result", (f["id_number"], f["plan_id"]), updated_at, values,
        refs=[Ref("id_number", "person", f["id_number"]), Ref("plan_id", "plan", f["plan_id"])],
        extras={"id_number": f["id_number"], "plan_key": f["plan_id"]},
    )


def _notice_request(f: dict[str, Any], updated_at: datetime | None) -> Parsed:
    required, optional = REQUEST_VARIABLES[f["kind"]]
    data = f["data"]
    missing = sorted(required - set(data))
    if missing:
        raise InvalidValue("data", f"{f['kind']} needs {', '.join(missing)}")
    unknown = sorted(set(data) - required - optional)
    if unknown:
        raise InvalidValue("data", f"{f['kind']} takes no {', '.join(unknown)}")
    clean = {}
    for name, value in data.items():
        if value is None and name in optional:
            continue
        if name == "deadline":
            clean[name] = v.calendar_date(value, "data.deadline").isoformat()
        else:
            clean[name] = v.text(value, f"data.{name}", max_length=200)
    to = f["to"]
    if isinstance(to, tuple):
        ref = Ref("to", "vehicle", to)
        to_kind, to_key = "vehicle", f"{to[0]}/{to[1]}"
    else:
        ref = Ref("to", "party", to)
        to_kind, to_key = None, to  # person or organisation: known once resolved
    values = {"request_id": f["request_id"], "kind": f["kind"], "to_kind": to_kind, "to_key": to_key, "data": clean}
    return Parsed("notice_request", f["request_id"], updated_at, values, refs=[ref])


def _announcement(f: dict[str, Any], updated_at: datetime | None) -> Parsed:
    if f["valid_until"] <= f["published_at"]:
        raise InvalidValue("valid_until", "is not after published_at")
    values = {key: f[key] for key in ANNOUNCEMENT}
    return Parsed("announcement", f["announcement_id"], updated_at, values)


_BUILD: dict[str, Callable[[dict[str, Any], datetime | None], Parsed]] = {
    "person": _person,
    "organisation": _organisation,
    "licence": _licence,
    "vehicle": _vehicle,
    "violation": _violation,
    "learner": _learner,
    "exam_plan": _exam_plan,
    "inspection_slot": _inspection_slot,
    "exam_result": _exam_result,
    "notice_request": _notice_request,
    "announcement": _announcement,
}
